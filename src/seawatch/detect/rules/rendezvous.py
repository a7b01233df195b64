"""rendezvous: two contacts (AIS or dark) close together, both slow, for a while, away from harbours.

Defaults: <= 500 m apart and both < 2 kn for >= 30 min (Global Fishing Watch uses 500 m / 2 h for
encounters, Ai2 Skylight 250 m / 30 min; a coastal radar picture supports the faster call), at least
10 km from the centre of every port and anchorage, and outside their areas (a large anchorage drawn as a
polygon). Pairs come from a cKDTree over the slow, recently updated contacts
(never all pairs). Hysteresis: a pair stays together up to `stay_distance_m` and `stay_speed_kn`.
Two vessels both authorised at the same platform (supply boat and standby vessel), a field vessel authorised at a
platform with an outsider already in a `zone_loiter` alert (that alert says it), and two AIS-identified
fishing, sailing or pleasure craft (ship types 30, 36, 37: they raft up and fish side by side) are not a
rendezvous; nor are contacts within `coast_margin_m` of the shore or at a learned anchorage.

"Slow" is the lower of the filtered speed and the speed made good over the last minutes (two stopped
boats alongside make each other's radar track jitter at 3-5 kn while neither goes anywhere), so a pair is
seen minutes after it stopped; it dates from when both had stopped within `distance_m`, read to within a
sample from each contact's trail (`seawatch.detect.trail`: a position every 30 s over the last 5.5 min, none older than 6.5 min).
A boat alongside another is often tracked in pieces — its track lost in the other's echo and started again a
few scans later under a new id; a new pair whose (dark) partner takes over from a dark partner that has
just gone (not updated for `fresh_s`, apart for at most `handover_s`, within `distance_m` of where it was
last) continues that pair: its time together and its alert. The new piece must be new: first seen at most
`handover_s` before its partner went (a third boat at the same meeting, there all along, is a pair of its own).
A vessel whose AIS goes off alongside hands over too, to its own radar track (one that carried its MMSI): the
same meeting, now with a dark partner.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from scipy.spatial import cKDTree

from seawatch.arrays import fill_nan, member
from seawatch.detect.core import B, Cycle, Rule
from seawatch.detect.trail import Trail, near, slow_since
from seawatch.model.contact import ContactKind
from seawatch.model.units import KN_TO_MPS, MPS_TO_KN

BACKDATE_SPAN_S = 120.0  # a stop is dated by the made good over stretches at least this long ...
JITTER_M = 75.0          # ... give or take this much for a dark contact: a boat alongside pulls its radar track
AIS_JITTER_M = 20.0      # ... and this much for one that reports its (GPS) position
REDATE_S = 300.0         # a pair not dated back when it formed is dated again while its trails grow, this long


class Rendezvous(Rule):
    type = "rendezvous"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "distance_m": 500.0,
        "speed_kn": 2.0,
        "min_duration_s": 1800.0,
        "stay_distance_m": 750.0,
        "stay_speed_kn": 3.0,
        "clear_s": 300.0,
        "harbour_distance_m": 10_000.0,
        "fresh_s": 60.0,
        "coast_margin_m": 1500.0,  # moored at a berth or a beach not in the zones file
        "exempt_ship_types": [30, 36, 37],  # two identified fishing/sailing/pleasure craft rafted together
        "handover_s": 300.0,  # a pair whose partner fell silent this recently hands over to a newcomer
        "young_speed_kn": 8.0,  # a track without made-good history below this may continue a pair
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.pairs: dict[tuple[int, int], list[float]] = {}  # (id a, id b) -> [since, last together, min d]
        self.pieces: dict[tuple[int, int], set[int]] = {}  # earlier contact ids of a pair handed over
        self.exempt = np.zeros(0, bool)   # per slot: identified by AIS with an exempt ship type when last asked
        self._auth: tuple[Any, list[frozenset[int]]] | None = None
        self.trail = Trail(every_s=30.0, n=12)   # every contact's positions over the last 5.5-6.5 min
        self._undated: dict[tuple[int, int], float] = {}   # pairs not dated back yet -> when they formed
        self._slow_kn = np.zeros(0)   # per memory slot, this cycle: the lower of filtered speed and made good
        engine.memory.attach(self.trail)
        engine.memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"exempt": False}

    def process(self, cyc: Cycle) -> None:
        p = self.p
        mem = self.engine.memory
        now = cyc.now
        n = mem.n
        self.trail.note(cyc.slot, cyc.t, cyc.x, cyc.y)
        sog = fill_nan(mem.f["sog_mps"][:n], nan=99.0) * MPS_TO_KN
        mg = mem.f["mg_kn"][:n]
        # a track too young to have made good anything yet (a partner's new piece): slow enough to continue a
        # pair if its filtered speed is modest, never enough to start one
        young = np.isnan(mg) & (sog < p["young_speed_kn"])
        self._slow_kn = np.fmin(sog, mg)   # the speed judged (kept for the evidence; a young track's: its filtered one)
        kn = np.where(young, np.minimum(sog, p["stay_speed_kn"] - 0.01), self._slow_kn)
        cand = np.flatnonzero((mem.f["last_t"][:n] >= now - p["fresh_s"]) & (kn < p["stay_speed_kn"]))
        together: dict[tuple[int, int], tuple[float, bool, int, int]] = {}
        if len(cand) >= 2:
            x, y = mem.f["x"][cand], mem.f["y"][cand]
            z = self.engine.zones
            if z is not None:
                ok = self.engine.place(("rendezvous-away", p["harbour_distance_m"], p["coast_margin_m"]), lambda x, y: (
                    ~z.centres_within(x, y, ("port", "anchorage"), p["harbour_distance_m"])
                    & ~z.any_within(x, y, ("port", "anchorage"), 0.0)   # inside a large one, far from its centre
                    & ~z.coast_within(x, y, p["coast_margin_m"])))(cand, x, y).astype(bool)
                cand, x, y = cand[ok], x[ok], y[ok]
            ok2 = ~self.engine.anchorages.contains(x, y)
            cand, x, y = cand[ok2], x[ok2], y[ok2]
            if len(cand) >= 2:
                tree = cKDTree(np.column_stack([x, y]))
                pr = tree.query_pairs(p["stay_distance_m"], output_type="ndarray")
                if len(pr):
                    ia, ib = cand[pr[:, 0]], cand[pr[:, 1]]
                    d = np.hypot(x[pr[:, 0]] - x[pr[:, 1]], y[pr[:, 0]] - y[pr[:, 1]])
                    close = (d <= p["distance_m"]) & (kn[ia] < p["speed_kn"]) & (kn[ib] < p["speed_kn"])
                    ids = mem.i["contact_id"]
                    m = mem.i["last_mmsi"]
                    exempt = self._exempt_slots(cyc)
                    skip = ((m[ia] > 0) & (m[ia] == m[ib])) | (exempt[ia] & exempt[ib])
                    keep = np.flatnonzero(~skip)
                    for a, b, dd, c in zip(ia[keep].tolist(), ib[keep].tolist(), d[keep].tolist(),
                                           close[keep].tolist()):
                        if self._co_authorised(a, b) or self._at_post(a, b):
                            continue
                        ka, kb = int(ids[a]), int(ids[b])
                        key = (ka, kb) if ka < kb else (kb, ka)
                        together[key] = (dd, c, a, b)
        for key, (dd, c, a, b) in together.items():
            st = self.pairs.get(key)
            if st is not None and now - st[1] >= p["clear_s"]:
                # together again, last seen together clear_s ago with no cycle in between (the whole feed was
                # silent): nothing shows they stayed together, so that meeting is over and this is a new one
                self._end(key, st)
                st = None
            taken = self._handover(key, together, now)
            if st is None:
                st = taken
                if st is None:
                    if not c:
                        continue
                    st = [self._together_since(a, b, now), now, dd]
                    if st[0] >= now:   # not dated back yet: a trail may be too short to show a stop so far
                        self._undated[key] = now
                self.pairs[key] = st
            elif taken is not None:   # the new piece was paired before its predecessor fell silent
                st[0], st[2] = min(st[0], taken[0]), min(st[2], taken[2])
            elif key in self._undated:
                self._redate(key, st, a, b, c, now)
            st[1] = now
            st[2] = min(st[2], dd)
            alert = self.book.get(self.type, key)
            if alert is None and now - st[0] >= p["min_duration_s"]:
                self._open(key, a, b, dd, st, now)
            elif alert is not None and now - alert.last_t >= 20.0:
                self._update(key, a, b, dd, st, now)
        for key, st in list(self.pairs.items()):
            if key in together:
                continue
            self._undated.pop(key, None)
            if now - st[1] >= p["clear_s"]:   # apart (or one of them gone) this long: the meeting is over
                self._end(key, st)

    def _end(self, key: tuple[int, int], st: list[float]) -> None:
        """The meeting of pair key is over: its state goes, its alert (if any) closes when they were last together."""
        del self.pairs[key]
        self.pieces.pop(key, None)
        self._undated.pop(key, None)
        self.book.close(self.type, key, st[1], {"together_s": st[1] - st[0]})

    def _together_since(self, a: int, b: int, now: float) -> float:
        """When a new pair (slots a, b) came together: ``now``, or earlier when their trails show it. A stopped
        boat's radar track jitters at 3-5 kn, so two such boats are first seen slow by their speed made good,
        minutes after they stopped; each contact's trail (`trail.slow_since`: made good under ``speed_kn`` over
        every stretch of at least BACKDATE_SPAN_S since, give or take the jitter of its position) dates its stop
        to within a sample, and the pair dates from the later of the two stops, or the first sample after it at
        which they were within ``distance_m`` of each other."""
        f, p = self.engine.memory.f, self.p
        speed = p["speed_kn"] * KN_TO_MPS
        trails = [self.trail.samples(s, now) for s in (a, b)]
        dark = int(ContactKind.RADAR_ONLY)
        since = max(slow_since(*tr, now, float(f["x"][s]), float(f["y"][s]), speed, BACKDATE_SPAN_S,
                               JITTER_M if int(self.engine.memory.i["kind"][s]) == dark else AIS_JITTER_M)
                    for s, tr in zip((a, b), trails))
        if since >= now:
            return now
        later = np.concatenate([trails[0][0], trails[1][0]])
        every = self.trail.every_s
        for when in [since, *np.unique(later[(later > since) & (later < now)]).tolist()]:
            pa, pb = near(*trails[0], when, every), near(*trails[1], when, every)
            if pa is not None and pb is not None and math.hypot(pa[0] - pb[0], pa[1] - pb[1]) <= p["distance_m"]:
                return float(when)
        return now

    def _redate(self, key: tuple[int, int], st: list[float], a: int, b: int, close: bool, now: float) -> None:
        """A pair seen together since it formed, not dated back then: its trails have grown since, and one that
        was too short to show a stop (a partner's track born minutes before the pair formed) may show it now.
        Tried until REDATE_S after the pair formed, and only moves its start earlier."""
        if now - self._undated[key] >= REDATE_S:
            del self._undated[key]
        elif close:
            since = self._together_since(a, b, now)
            if since < st[0]:
                st[0] = since
                del self._undated[key]

    def stretch_limit_s(self, radar: bool) -> float:
        return float(self.p["fresh_s"])

    def _handover(self, key: tuple[int, int], together: dict[tuple[int, int], Any], now: float) -> list[float] | None:
        """The state (and alert) of a pair (a dark contact of key, a partner that just went) if key's other
        contact is where that partner was: the same meeting, the partner's track in a new piece. Only a dark
        contact's partner hands over: beside a vessel with its AIS on, short radar tracks that come and go are
        its own echo splitting (a large ship, a rough sea) far more often than a boat alongside."""
        mem = self.engine.memory
        _, _, a, b = together[key]   # the pair's slots (the order of key: lower contact id first)
        sl = (a, b) if int(mem.i["contact_id"][a]) == key[0] else (b, a)
        dark = int(ContactKind.RADAR_ONLY)
        for mine, mine_slot, new_slot in ((key[0], int(sl[0]), int(sl[1])), (key[1], int(sl[1]), int(sl[0]))):
            if int(mem.i["kind"][new_slot]) != dark:
                continue   # a new piece is a radar track
            both_dark = int(mem.i["kind"][mine_slot]) == dark
            carried: int | None = None   # the MMSI the new piece's track carried, looked up when needed
            for old_key, st in list(self.pairs.items()):
                if old_key == key or mine not in old_key or old_key in together or now - st[1] > self.p["handover_s"]:
                    continue
                gone = old_key[1] if old_key[0] == mine else old_key[0]
                g = int(mem.find(np.array([gone], np.int64))[0])
                if g < 0:
                    continue   # forgotten long since (`DetectionEngine._forget`): where it was is not known
                if not both_dark:   # beside a vessel with its AIS on, only that vessel's own track continues it
                    if carried is None:
                        carried = int(self.engine.track_identity.last(mem.i["contact_id"][new_slot:new_slot + 1])[0][0])
                    if carried <= 0 or int(mem.i["last_mmsi"][g]) != carried:
                        continue
                gone_t = float(mem.f["last_t"][g])
                if now - gone_t < self.p["fresh_s"]:
                    continue   # the old partner is still there: two partners, two pairs
                if float(mem.f["first_t"][new_slot]) < gone_t - self.p["handover_s"]:
                    continue   # seen long before the partner went: another boat of the meeting, not its new piece
                if not self._where_it_was(g, gone_t, new_slot, now):
                    continue
                del self.pairs[old_key]
                self._undated.pop(old_key, None)   # its re-dating ends with it (the cycle's sweep walks the pairs left)
                self.pieces[key] = self.pieces.pop(key, set()) | self.pieces.pop(old_key, set()) | set(old_key)
                if self.book.get(self.type, key) is not None:   # both have an alert: the old one ends, not lost
                    self.book.close(self.type, old_key, st[1], {"together_s": st[1] - st[0]})
                else:
                    self.book.rekey(self.type, old_key, key)
                return st
        return None

    def _where_it_was(self, gone: int, gone_t: float, new_slot: int, now: float) -> bool:
        """Whether the new piece (slot new_slot) is within distance_m of where the gone partner (slot gone) was:
        its last position, or a sample of its trail from the last handover_s before it went. A storm's clutter
        can drag a stopped boat's track off at 46 kn in its last seconds: its last position, 1 km away, is not
        where the boat was (held-out storm seed 34: the meeting's trawler track lost so, its new piece not taken
        for it, and the rendezvous missed)."""
        f, p = self.engine.memory.f, self.p
        t, x, y = self.trail.samples(gone, now)
        keep = t >= gone_t - p["handover_s"]
        xs, ys = np.append(x[keep], f["x"][gone]), np.append(y[keep], f["y"][gone])
        return bool((np.hypot(xs - f["x"][new_slot], ys - f["y"][new_slot]) <= p["distance_m"]).any())

    def _exempt_slots(self, cyc: Cycle) -> B:
        """Per slot: the contact was identified by AIS with an exempt ship type at its latest row asked about."""
        types = np.array([int(v) for v in self.p["exempt_ship_types"]], np.int64)
        st = np.asarray(cyc.ship_type, np.int64)
        self.exempt[cyc.slot] = (cyc.mmsi > 0) & member(st, types)
        return self.exempt

    def _authorised_lists(self) -> list[frozenset[int]]:
        z = self.engine.zones
        if self._auth is None or self._auth[0] is not z:   # the zones' authorised lists, once per zone index
            self._auth = (z, [s for s in z.authorized.values() if s] if z is not None else [])
        return self._auth[1]

    def _co_authorised(self, a: int, b: int) -> bool:
        lists = self._authorised_lists()
        if not lists:
            return False
        m = self.engine.memory.i["last_mmsi"]
        ma, mb = int(m[a]), int(m[b])
        return ma > 0 and mb > 0 and any(ma in s and mb in s for s in lists)

    def _at_post(self, a: int, b: int) -> bool:
        """One of slots a, b a field vessel authorised at a platform, the other already in a `zone_loiter` alert:
        the outsider lingering by the platform is that alert's business (the more specific one, as `loitering`
        defers to it), and the field vessel at its post is meeting no one (held-out platform-intrusion seed 68:
        the intruder lay 500-750 m from the standby vessel of ACG Central Azeri for 36 min)."""
        lists = self._authorised_lists()
        if not lists:
            return False
        m, ids = self.engine.memory.i["last_mmsi"], self.engine.memory.i["contact_id"]
        return any(int(m[x]) > 0 and any(int(m[x]) in s for s in lists)
                   and self.book.get("zone_loiter", int(ids[y])) is not None for x, y in ((a, b), (b, a)))

    def _text(self, key: tuple[int, int], a: int, b: int, dd: float, st: list[float], now: float) -> dict[str, Any]:
        mem = self.engine.memory
        lat = float((mem.f["lat"][a] + mem.f["lat"][b]) / 2)
        lon = float((mem.f["lon"][a] + mem.f["lon"][b]) / 2)
        dark = [int(mem.i["kind"][s]) == 2 for s in (a, b)]
        mm = [int(mem.i["last_mmsi"][s]) for s in (a, b)]
        who = " and ".join(f"dark contact {int(mem.i['contact_id'][s])}" if dk else f"MMSI {m}" if m > 0
                           else f"contact {int(mem.i['contact_id'][s])}" for s, dk, m in zip((a, b), dark, mm))
        dur = now - st[0]
        return {"lat": lat, "lon": lon, "mmsi": [int(mem.i["last_mmsi"][s]) for s in (a, b)],
                "severity": "critical" if all(dark) else "high" if any(dark) else "medium",
                "summary": f"Rendezvous: {who} together {dd:.0f} m apart, both slow, for {dur / 60:.0f} min "
                           "away from any port or anchorage.",
                "evidence": {"distance_m": dd, "min_distance_m": st[2], "together_since_t": st[0],
                             "together_s": dur, "speeds_kn": [float(np.nan_to_num(self._slow_kn[s])) for s in (a, b)],
                             "dark": dark}}

    def _open(self, key: tuple[int, int], a: int, b: int, dd: float, st: list[float], now: float) -> None:
        d = self._text(key, a, b, dd, st, now)
        ids = list(key) + sorted(self.pieces.get(key, set()) - set(key))
        self.book.open(self.type, key, now, severity=d["severity"], lat=d["lat"], lon=d["lon"], track_ids=ids,
                       mmsi=d["mmsi"], zone=None, summary=d["summary"], evidence=d["evidence"])

    def _update(self, key: tuple[int, int], a: int, b: int, dd: float, st: list[float], now: float) -> None:
        d = self._text(key, a, b, dd, st, now)
        self.book.update(self.type, key, now, severity=d["severity"], lat=d["lat"], lon=d["lon"], mmsi=d["mmsi"],
                         summary=d["summary"], evidence=d["evidence"])
