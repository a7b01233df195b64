"""ais_spoofing: AIS that cannot be true.

Five checks, each its own behaviour (alert key = (how, contact or MMSI)):
- `invalid_mmsi`: an MMSI that is no ship station's (ITU-R M.585: MID 201–775, or the known special forms);
- `kinematics`: one contact's AIS positions imply an impossible speed (a jump), judged on rows that stand
  at the AIS position (not a fused row, which stands at its radar track's);
- `mmsi_clone`: one MMSI on two contacts far apart at the same time;
- `identity_change`: a contact's MMSI (or, same MMSI, its name) changes and the old MMSI falls silent, where it
  would be heard (the change, its last report and its dead reckoning inside `identity_cover_fraction` of an AIS
  station's range); a name that flips back and forth (within `rename_merge_s`) is one alert, updated with the
  names seen, and a name change on an MMSI already in an `mmsi_clone` alert is that clone's (two vessels'
  static reports under one MMSI rename each other's contact every few minutes): its names go into the clone
  alert's evidence;
- `position_offset`: an AIS-only contact of a ship (not a small craft, whose hull the radar may well miss in
  sea clutter: `offset_small_craft`) inside radar cover that the radar does not see, while a radar-only
  contact nearby moves with the same velocity — the AIS position disagrees with the radar track it belongs to.
  A dark track that carried another MMSI within `twin_identity_memory_s` is that vessel, not a twin.
  That radar track is marked as explained, so dark_target and ais_gap do not raise it again. Two MMSIs that
  pair with one radar track (a ship of the same lane at a similar velocity beside the spoofer): the one
  whose AIS jumped lately (as an offset begins) takes it, else the one whose offset holds steadier (`_outdone`).
  This check is in rules/spoof_offset.py.

One vessel's spoofing is one alert: a `kinematics` jump or an `mmsi_clone` of an MMSI already in an open alert
of its own (a position offset starts and ends with a jump, and for a moment the old and the new positions are
two contacts of one MMSI) goes into that alert's evidence (`also`), and the alert ends no earlier than it. So does
a jump within `episode_merge_s` (2 h) of the close of the MMSI's jump, clone or position-offset alert, and a clone
that follows one of those within it continues that alert (stop 34; 2 h since stop 43, the type's 300 s before: a
faulty GPS bursts every few minutes, and an offset ends with a jump back as long after it began as it lasted).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from seawatch.arrays import fill_nan
from seawatch.detect.alerts import AlertBook
from seawatch.detect.core import I64, Cycle, Rule
from seawatch.detect.reception import small_craft
from seawatch.detect.rules.spoof_offset import RECENT_S, OffsetCheck
from seawatch.model.contact import ContactKind
from seawatch.model.units import KN_TO_MPS, MPS_TO_KN, iso_utc
from seawatch.track.fusion import AIS_ONLY_ID_OFFSET

SLOW_MPS = 3.0 * KN_TO_MPS  # below this a vessel reports every 3 min (M.1371)


ALSO_KEPT = 20  # the last checks folded into an alert that its evidence keeps
EPISODE_KINDS = ("kinematics", "mmsi_clone", "position_offset")  # one MMSI's alerts of these: one episode (`_recent`)
FOLDED_FIGURES = {"kinematics": ("jump_m", "dt_s", "implied_speed_kn"), "mmsi_clone": ("separation_m",),
                  "position_offset": ("offset_m", "velocity_diff_mps", "ais_lat", "ais_lon")}  # each kind's evidence
RENAMED_KEPT_S = 43_200.0  # an MMSI left by an identity change explains its silence (no ais_gap) this long
_CLONE_COLUMNS = ("last_mmsi", "last_ais_t", "last_t", "kind", "ais_x", "ais_y", "lat", "lon")  # what _clones_at reads


def open_clone_mmsis(book: AlertBook) -> list[int]:
    """The MMSIs of the open `ais_spoofing` alerts whose episode is or includes a clone (`mmsi_clone`): two ships
    broadcast each of them (dark_target leaves their tracks to these alerts)."""
    return [key[1] for (type_, key), a in book.open_by_key.items()
            if type_ == "ais_spoofing" and isinstance(key, tuple) and key[0] in EPISODE_KINDS
            and (a.evidence.get("how") == "mmsi_clone"
                 or any(x.get("how") == "mmsi_clone" for x in a.evidence.get("also", [])))]


def mmsi_is_valid(m: int) -> bool:
    """Ship stations (MID 201–775) and the special forms of ITU-R M.585 (coast, SAR, AtoN, SART/MOB/EPIRB)."""
    if not 0 < m <= 999_999_999:
        return False
    s = f"{m:09d}"
    if s.startswith(("111", "970", "972", "974")):
        return True
    for prefix in ("00", "98", "99", "8"):  # coast station, craft with a parent ship, AtoN, handheld: + MID
        if s.startswith(prefix):
            return 201 <= int(s[len(prefix):len(prefix) + 3]) <= 775
    return 201 <= int(s[:3]) <= 775


ALSO = "; also "   # what a summary says of the checks folded into its alert follows this (`_with_also`)

class AisSpoofing(OffsetCheck, Rule):
    type = "ais_spoofing"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "jump_speed_kn": 60.0,  # implied speed between two AIS positions of one contact
        "jump_min_m": 1000.0,
        "clone_distance_m": 5000.0,  # one MMSI on two contacts this far apart
        "clone_fresh_s": 200.0,  # both heard within this (a slow Class B reports every 3 min)
        "clone_updated_s": 30.0,  # and both still updated within this
        "clone_min_s": 60.0,
        "offset_min_s": 180.0,  # AIS-only-in-radar-cover with a radar twin for this long
        "offset_min_m": 1000.0,
        "offset_max_m": 20_000.0,
        "offset_velocity_mps": 1.5,  # twin velocity agreement
        "offset_min_speed_kn": 3.0,
        "offset_small_craft": False,  # judge small craft too (class B, < 20 m: radar misses their hulls in clutter)
        "offset_drift_m": 300.0,  # the twin's offset from the AIS position may wander this much
        "offset_drift_share": 0.03,  # ... or this share of the offset (radar noise grows with range)
        "twin_ais_m": 500.0,  # a dark track this close to another vessel's heard AIS is that vessel, no twin
        "twin_fused_m": 200.0,  # ... this close, if that vessel has a radar track of its own (a second echo)
        "twin_echo_s": 120.0,  # ... while the dark track is this young (fusion folds a second echo in within 60 s)
        "jump_memory_s": 21_600.0,  # two MMSIs on one radar twin: one whose AIS jumped this recently takes it
        "twin_identity_memory_s": 21_600.0,  # a dark track fused with another MMSI this recently is that vessel, no twin
        "identity_confirm_s": 200.0,  # an MMSI change stands if the old MMSI stays silent this long
        "identity_known_s": 120.0,  # ... and the new MMSI's own contact is younger than this at the change: one
        # heard longer is a vessel already known (a boat passing a dark ship, their echoes one), no new identity
        "rename_merge_s": 3600.0,  # a contact renamed again within this: the same alert, re-opened
        # an MMSI whose AIS jumps or shows on two contacts this soon after its jump, clone or position-offset alert
        # closed is the same spoofed or faulty identity: that alert, re-opened (a faulty GPS bursts every few
        # minutes, TITUS in San Pedro Bay 11 min apart; a position offset ends with a jump back as long after its
        # start as the spoof lasted: an hour in the spoofing scenario, whose start alert had closed)
        "episode_merge_s": 7200.0,
        "identity_confirm_slow_s": 900.0,  # ... this long if it was last slower than 3 kn (reports every 3 min) or is
        # a small craft (class B: heard patchily): three reports at rest lost in a row are no rare thing in a fleet
        "identity_cover_fraction": 0.85,  # ... judged only where the change, the old MMSI's last report and its dead
        # reckoning are inside this share of an AIS station's range: farther out, its silence is a vessel leaving
        "echo_radius_m": 500.0,  # a radar contact this close to the AIS position: the radar does see it
        "radar_cover_fraction": 0.95,
        "clear_s": 300.0,
        "check_invalid_mmsi": True,
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.pending: dict[tuple[str, int], tuple[float, float]] = {}  # key -> (since, last seen)
        self.offset_pair: dict[int, tuple[int, float, float]] = {}  # MMSI -> (twin contact, offset x, y)
        self.twin_owner: dict[int, int] = {}  # radar twin contact -> the MMSI whose offset alert it explains
        self.offset_hist: dict[int, list[tuple[float, float, float]]] = {}  # MMSI -> (t, offset x, y) of its pairing
        self.jumped: dict[int, float] = {}  # MMSI -> when its AIS last jumped (kinematics) or showed twice (clone)
        self.track_mmsi: dict[int, int] = {}  # radar track id -> the MMSI last fused with it
        self.id_pending: list[tuple[float, int, int, int, float, float, float]] = []
        self.names = np.full(0, None, dtype=object)  # last AIS name per slot
        self.small = np.zeros(0, bool)  # the slot's vessel is a small craft by its static data (class B, as a rule)
        # where the slot's AIS was last reported, for `_kinematics` (x, y, time of the report)
        self.ref_x, self.ref_y, self.ref_t = np.zeros(0), np.zeros(0), np.zeros(0)
        self.renames: dict[int, tuple[set[str], int]] = {}  # contact -> (names seen, name changes) of its alert
        self.invalid_seen: set[int] = set()   # MMSIs already alerted as invalid
        self.clone_names: dict[int, set[str]] = {}   # MMSI -> names heard while its clone was held, not yet open
        self.book.longest_gap_s = max(self.book.longest_gap_s, float(self.p["episode_merge_s"]))   # kept that long
        engine.memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"names": None, "small": False, "ref_x": np.nan, "ref_y": np.nan,
                                             "ref_t": np.nan}

    def forget(self, before_t: float, track_ids: I64) -> None:
        for tid in track_ids.tolist():
            self.track_mmsi.pop(tid, None)
        mem = self.engine.memory
        known = set(mem.i["last_mmsi"][: mem.n].tolist())   # an MMSI still carried by a contact remembered

        def kept(ids: list[int]) -> set[int]:   # the contact ids still in the memory
            return {int(i) for i, s in zip(ids, mem.find(np.array(ids, np.int64))) if s >= 0} if ids else set()
        renamed, owned = kept(list(self.renames)), kept(list(self.twin_owner))
        self.renames = {c: v for c, v in self.renames.items() if c in renamed}
        self.twin_owner = {c: m for c, m in self.twin_owner.items() if c in owned}
        self.jumped = {m: t for m, t in self.jumped.items() if t >= before_t or m in known}
        self.invalid_seen &= known

    def stretch_limit_s(self, radar: bool) -> float:
        # the clone check is judged at each check a stretched cycle stands for (`_clones`); the offset check's
        # radar picture is not: "updated within RECENT_S" of the cycle's end must hold wherever a dark track
        # was updated in it
        return RECENT_S if radar else math.inf

    def _hold(self, key: tuple[str, int], t: float, min_s: float) -> bool:
        since, _ = self.pending.get(key, (t, t))
        self.pending[key] = (since, t)
        return t - since >= min_s

    def process(self, cyc: Cycle) -> None:
        now = cyc.now
        ident = cyc.mmsi > 0
        if self.p["check_invalid_mmsi"] and ident.any():
            mid = cyc.mmsi // 1_000_000
            odd = ident & ~((mid >= 201) & (mid <= 775))  # not a plain ship station: look closer
            for r in np.flatnonzero(odd):
                m = int(cyc.mmsi[r])
                if m not in self.invalid_seen and not mmsi_is_valid(m):
                    self.invalid_seen.add(m)
                    self._instant(cyc, int(r), "invalid_mmsi", m, [m],
                                  f"AIS spoofing: MMSI {m} is not a valid ship station identity.", {"mmsi": m})
        self._kinematics(cyc)
        self._identity(cyc)
        self._clones(cyc, now)
        self._offsets(cyc, now)
        # close behaviours not seen for clear_s
        for key, (since, last) in list(self.pending.items()):
            if now - last > self.p["clear_s"]:
                del self.pending[key]
                if key[0] == "mmsi_clone":
                    self.clone_names.pop(key[1], None)   # a clone that never lasted clone_min_s: its renames too
                if key[0] == "position_offset":
                    pair = self.offset_pair.pop(key[1], None)
                    self.offset_hist.pop(key[1], None)
                    if pair is not None and self.twin_owner.get(pair[0]) == key[1]:
                        del self.twin_owner[pair[0]]
                a = self.book.get(self.type, key)
                self.book.close(self.type, key, last if a is None else max(last, a.last_t))

    def _fold(self, m: int, t: float, how: str, evidence: dict[str, Any]) -> bool:
        """Another check on an MMSI already in an open alert of its own (not an MMSI change between two) is
        that behaviour's: its evidence goes into that alert's `also` list (the last ALSO_KEPT; a check that goes
        on, seen again within a minute, is one entry from `t` to `last_t`). True if it did."""
        for (type_, key), a in self.book.open_by_key.items():
            if type_ == self.type and a.mmsi == [m] and key[0] != how:
                also = list(a.evidence.get("also", []))
                if also and also[-1]["how"] == how and t - also[-1]["last_t"] <= 60.0:
                    also[-1] = {**also[-1], **evidence, "last_t": t}
                else:
                    also = [*also, {"how": how, "t": t, "last_t": t, **evidence}][-ALSO_KEPT:]
                self.book.update(self.type, key, t, evidence={"also": also})
                a.summary = self._with_also(a.summary, a)
                return True
        return False

    def _recent(self, m: int, t: float) -> tuple[str, int] | None:
        """The key of a closed jump, clone or position-offset alert of MMSI m that a behaviour at t would re-open
        (`episode_merge_s`): its AIS jumped, then minutes later is heard in two places (or jumps again, or jumps back
        at the end of its offset) — one spoofed identity, one alert. The latest such alert."""
        best: tuple[float, tuple[str, int]] | None = None
        for (type_, key), a in self.book.closed_by_key.items():
            if (type_ == self.type and key[0] in EPISODE_KINDS and a.mmsi == [m] and a.end is not None
                    and self.book.resumable(type_, key, t, self.p["episode_merge_s"]) is a
                    and (best is None or a.end > best[0])):
                best = (a.end, key)
        return None if best is None else best[1]

    def _continue_episode(self, m: int, key: tuple[str, int], t: float, evidence: dict[str, Any]) -> None:
        """A clone or position offset of MMSI m opening at t within `episode_merge_s` of the close of m's alert of
        another kind (`_recent`): the next `open` of key re-opens that alert (its id and start), and what it was
        goes into `evidence["also"]`."""
        old_key = self._recent(m, t)
        if old_key is None or old_key == key:
            return
        old = self.book.resume_as(self.type, old_key, key, t, self.p["episode_merge_s"])
        if old is None:
            return
        e = old.evidence
        entry: dict[str, Any] = {"how": old_key[0], "t": old.start, "last_t": old.end if old.end is not None else t}
        entry.update({k: e[k] for k in FOLDED_FIGURES.get(old_key[0], ()) if k in e})
        evidence["also"] = [*e.get("also", []), entry][-ALSO_KEPT:]

    @staticmethod
    def _drop_folded(evidence: dict[str, Any], how: str) -> None:
        """The figures of the alert an episode continued are in its `also` list now: only `how`'s stay."""
        for other, keys in FOLDED_FIGURES.items():
            if other != how:
                for k in keys:
                    evidence.pop(k, None)

    def _fold_closed(self, cyc: Cycle, r: int, m: int, evidence: dict[str, Any]) -> bool:
        """A jump of MMSI m (row r) within `episode_merge_s` of its closed jump, clone or offset alert: that alert,
        re-opened with the jump in its `also` list, and closed again (a jump is an instant)."""
        t = float(cyc.t[r])
        key = self._recent(m, t)
        if key is None:
            return False
        a = self.book.closed_by_key[(self.type, key)]
        also = [*a.evidence.get("also", []), {"how": "kinematics", "t": t, "last_t": t, **evidence}][-ALSO_KEPT:]
        a = self.book.open(self.type, key, t, severity="high", lat=float(cyc.lat[r]), lon=float(cyc.lon[r]),
                           track_ids=[], mmsi=[m], zone=None, summary=a.summary, evidence={"also": also},
                           merge_gap_s=self.p["episode_merge_s"])
        cid = int(cyc.contact_id[r])
        if cid not in a.track_ids:
            a.track_ids.append(cid)
        a.summary = self._with_also(a.summary, a)
        self.book.close(self.type, key, t)
        return True

    @staticmethod
    def _with_also(summary: str, a: Any) -> str:
        """The summary's own sentence (without what it said of folded checks before), and the checks folded into
        alert `a` added to it ("...; also AIS jumped 5.2 km in 30 s at 09:13:14."): one sentence."""
        base = summary.split(ALSO)[0].rstrip(".")
        also = AisSpoofing._also_text(a)
        return f"{base}{ALSO}{also}." if also else f"{base}."

    @staticmethod
    def _also_text(a: Any) -> str:
        """The checks folded into alert `a` ("" if none): the latest of each kind, and the names heard under a
        cloned MMSI."""
        parts: list[str] = []
        names = a.evidence.get("names") if a is not None else None
        if names:
            parts.append("names heard " + " / ".join(names))
        latest: dict[str, dict[str, Any]] = {}
        for x in (a.evidence.get("also", []) if a is not None else []):
            latest[x["how"]] = x
        for how, x in latest.items():
            at = iso_utc(x["last_t"])[11:19]
            if how == "kinematics":
                parts.append(f"AIS jumped {x['jump_m'] / 1000:.1f} km in {x['dt_s']:.0f} s at {at}")
            elif how == "mmsi_clone":
                parts.append(f"its MMSI on two contacts {x['separation_m'] / 1000:.1f} km apart at {at}")
        return ", ".join(parts)

    def _instant(self, cyc: Cycle, r: int, how: str, key: int, mmsi: list[int], summary: str,
                 evidence: dict[str, Any]) -> None:
        t = float(cyc.t[r])
        k = (how, key)
        self.book.open(self.type, k, t, severity="high", lat=float(cyc.lat[r]), lon=float(cyc.lon[r]),
                       track_ids=[int(cyc.contact_id[r])], mmsi=mmsi, zone=None, summary=summary,
                       evidence={"how": how, **evidence})
        self.book.close(self.type, k, t)

    def _confirm_identity_changes(self, now: float) -> None:
        wait = self.p["identity_confirm_s"]
        mem = self.engine.memory
        renamed = self.engine.renamed
        if renamed and now - min(renamed.values()) > RENAMED_KEPT_S:   # a long-running engine forgets them
            self.engine.renamed = {m: t for m, t in renamed.items() if now - t <= RENAMED_KEPT_S}
        keep = []
        for t, cid, old, new, lat, lon, sog in self.id_pending:
            if now - t < wait:
                keep.append((t, cid, old, new, lat, lon, sog))
                continue
            mine = mem.i["last_mmsi"][: mem.n] == old   # the old MMSI on any contact
            # a vessel at rest reports every 3 min (M.1371, Class A at anchor and Class B below 2 kn):
            # two missed reports of a moored neighbour are not the silence of an identity given up
            slow = sog < SLOW_MPS or bool((np.nan_to_num(mem.f["sog_mps"][: mem.n][mine], nan=0.0) < SLOW_MPS).any())
            # so does a small craft's class B set often go unheard for minutes (2 W, an antenna near the sea)
            slow = slow or bool(self.small[: mem.n][mine].any())
            if slow and now - t < self.p["identity_confirm_slow_s"]:
                keep.append((t, cid, old, new, lat, lon, sog))
                continue
            heard = mem.f["last_ais_t"][: mem.n][mine]
            if len(heard) and np.nanmax(heard, initial=-np.inf) > t + 1.0:
                self.engine.renamed.pop(old, None)
                continue  # the old identity lives on elsewhere: a track swap between two vessels
            # where the change happened, where the old MMSI was last heard and where its contact is now (dead
            # reckoned from that report) must all be well inside reception: a vessel that sailed out of it (its
            # echo left behind in a moored boat's) is silent for that reason
            x, y = self.engine.frame.to_xy(np.array([lat]), np.array([lon]))
            slots = np.flatnonzero(mine)
            if len(slots):
                s_last = slots[np.argmax(fill_nan(mem.f["ais_pos_t"][slots], nan=-np.inf))]
                px = np.array([mem.f["ais_x"][s_last], mem.f["x"][s_last]])
                py = np.array([mem.f["ais_y"][s_last], mem.f["y"][s_last]])
                ok = np.isfinite(px) & np.isfinite(py)
                x, y = np.append(x, px[ok]), np.append(y, py[ok])
            if not self.engine.coverage.ais(x, y, self.p["identity_cover_fraction"]).all():
                self.engine.renamed.pop(old, None)
                continue  # out where AIS is not heard for sure: the old MMSI's silence proves nothing
            k = ("identity_change", cid)
            self.book.open(self.type, k, t, severity="high", lat=lat, lon=lon, track_ids=[cid], mmsi=[old, new],
                           zone=None, summary=f"AIS spoofing: contact {cid} changed identity from MMSI {old} to "
                                          f"{new} (MMSI {old} silent since).",
                           evidence={"how": "identity_change", "old_mmsi": old, "new_mmsi": new})
            self.book.close(self.type, k, t)
        self.id_pending = keep

    def _kinematics(self, cyc: Cycle) -> None:
        """An AIS position report far from the previous one, too far for the time between them. The previous
        one is the last position of a row carrying a report just received (`fresh_ais`): an AIS-only row's, or a
        fused row's (its radar track's, next to the AIS) unless that stands a jump away from the last report —
        a radar track spliced onto clutter for a few seconds (seen at 1 s pictures in a storm: 0.95 km in 1 s,
        on the same track) is the tracker's jump, and taken as the AIS position it made the vessel's next
        AIS-only row a false 1 km "jump" back."""
        s = cyc.slot
        p = self.p
        px, py, pt = self.ref_x[s], self.ref_y[s], self.ref_t[s]
        # a SAR aircraft (MMSI 111MIDxxx, ITU-R M.585; AIS message 9) flies at 100-300 kn: no ship's jump
        fresh = cyc.cache["fresh_ais"] & (cyc.mmsi > 0) & (cyc.mmsi // 1_000_000 != 111)
        if not fresh.any():
            return
        ais_t = cyc.t - fill_nan(cyc.ais_age_s)
        dt = np.maximum(ais_t - fill_nan(pt, nan=-np.inf), 1.0)
        d = np.hypot(cyc.x - px, cyc.y - py)
        with np.errstate(invalid="ignore"):
            fast = d / dt * MPS_TO_KN >= p["jump_speed_kn"]
            far = d >= p["jump_min_m"]
            fused = cyc.kind == int(ContactKind.FUSED)
            # a fused row stands where its radar track is: a jump of it is the tracker's (a track spliced onto
            # another's plots, a wrong association), not the AIS's; a real AIS jump breaks the fusion (too far
            # from its radar track) and shows on the MMSI's AIS-only row
            ais = (cyc.prev_mmsi == cyc.mmsi) & fresh & np.isfinite(px) & ~fused
            jump = ais & far & fast
            take = fresh & ~(fused & (d >= p["jump_min_m"] / 2) & fast)
        self.ref_x[s[take]], self.ref_y[s[take]], self.ref_t[s[take]] = cyc.x[take], cyc.y[take], ais_t[take]
        for r in np.flatnonzero(jump):
            m = int(cyc.mmsi[r])
            if self._fold(m, float(cyc.t[r]), "kinematics", {"jump_m": float(d[r]), "dt_s": float(dt[r])}):
                continue
            if self._fold_closed(cyc, int(r), m, {"jump_m": float(d[r]), "dt_s": float(dt[r])}):
                self.jumped[m] = float(cyc.t[r])
                continue
            self._instant(cyc, int(r), "kinematics", int(cyc.contact_id[r]), [m],
                          f"AIS spoofing: MMSI {m} jumped {d[r] / 1000:.1f} km in {dt[r]:.0f} s "
                          f"({d[r] / dt[r] * MPS_TO_KN:.0f} kn implied).",
                          {"jump_m": float(d[r]), "dt_s": float(dt[r]), "implied_speed_kn": float(d[r] / dt[r] * MPS_TO_KN)})
            self.jumped[m] = float(cyc.t[r])

    def _identity(self, cyc: Cycle) -> None:
        # the physical continuity is the radar track: a fused contact is known by its MMSI, so a vessel
        # that changes MMSI becomes another contact — but it stays on the same radar track
        changed = (cyc.mmsi > 0) & (cyc.prev_mmsi > 0) & (cyc.mmsi != cyc.prev_mmsi)
        ident = np.flatnonzero(cyc.mmsi > 0)
        self.small[cyc.slot[ident]] = small_craft(cyc.ship_type[ident], cyc.length_m[ident], cyc.ais_class[ident])
        track = cyc.cache.get("radar_track_id")
        prev_mmsi = cyc.prev_mmsi.copy()
        if track is not None:
            fused = np.flatnonzero((track >= 0) & (cyc.mmsi > 0))
            for r in fused.tolist():
                tid, m = int(track[r]), int(cyc.mmsi[r])
                last = self.track_mmsi.get(tid)
                if last is not None and last != m:
                    changed[r] = True
                    prev_mmsi[r] = last
                self.track_mmsi[tid] = m
        rows = np.flatnonzero(changed)
        if len(rows):
            own = self.engine.memory.find(AIS_ONLY_ID_OFFSET + cyc.mmsi[rows])   # each new MMSI's own contact
            first_t = np.where(own >= 0, self.engine.memory.f["first_t"][np.maximum(own, 0)], np.nan)
            with np.errstate(invalid="ignore"):
                rows = rows[~(first_t <= cyc.t[rows] - self.p["identity_known_s"])]
        for rc in rows.tolist():
            r = int(rc)
            # judged later: if the old MMSI is still heard, two vessels swapped tracks; a vessel that
            # changes identity falls silent under the old one
            # while it is judged (and once confirmed), the old MMSI's silence is this change's, not an ais_gap
            self.engine.renamed[int(prev_mmsi[r])] = float(cyc.t[r])
            self.id_pending.append((float(cyc.t[r]), int(cyc.contact_id[r]), int(prev_mmsi[r]), int(cyc.mmsi[r]),
                                    float(cyc.lat[r]), float(cyc.lon[r]), float(np.nan_to_num(cyc.sog_mps[r]))))
        self._confirm_identity_changes(cyc.now)
        # names: compare with the last name of the slot, element-wise on object arrays (no loop per row). A slot now
        # carrying another MMSI forgets the name: it was the other vessel's (three boats moored together take turns
        # on one contact; the new one's first rows came without a name: held-out platform-intrusion 83)
        self.names[cyc.slot[(cyc.mmsi > 0) & (cyc.prev_mmsi > 0) & (cyc.mmsi != cyc.prev_mmsi)]] = None
        named = (cyc.mmsi > 0) & (cyc.name != None)
        if not named.any():
            return
        rows = np.flatnonzero(named)
        slots = cyc.slot[rows]
        names = cyc.name[rows]
        old_names = self.names[slots]
        differ = (old_names != None) & (old_names != names)
        for k in np.flatnonzero(differ):
            row = int(rows[k])
            nm, old_nm = str(names[k]).strip().upper(), str(old_names[k]).strip().upper()
            if nm and old_nm and nm != old_nm and not changed[row]:
                self._renamed(cyc, row, old_nm, nm)
        self.names[slots] = names

    def _renamed(self, cyc: Cycle, r: int, old_nm: str, nm: str) -> None:
        """A contact's name changed under the same MMSI: the clone's, or a (re-opened) identity change."""
        m, cid, t = int(cyc.mmsi[r]), int(cyc.contact_id[r]), float(cyc.t[r])
        clone = self.book.get(self.type, ("mmsi_clone", m))
        if clone is None and ("mmsi_clone", m) in self.pending:   # a clone held (clone_min_s): its names, for its alert
            self.clone_names.setdefault(m, set()).update({old_nm, nm})
            return
        if clone is not None:
            names = sorted(set(clone.evidence.get("names", [])) | {old_nm, nm})
            self.book.update(self.type, ("mmsi_clone", m), t, evidence={"names": names})
            clone.summary = self._with_also(clone.summary, clone)
            return
        key = ("rename", cid)
        seen, n = self.renames.get(cid, (set(), 0))
        if self.book.resumable(self.type, key, t, self.p["rename_merge_s"]) is None:
            seen, n = set(), 0   # no rename of this contact within rename_merge_s: a behaviour of its own
        seen, n = seen | {old_nm, nm}, n + 1
        self.renames[cid] = (seen, n)
        also = f" ({n} changes among {', '.join(sorted(seen))})" if n > 1 else ""
        self.book.open(self.type, key, t, severity="high", lat=float(cyc.lat[r]), lon=float(cyc.lon[r]),
                       track_ids=[cid], mmsi=[m], zone=None,
                       summary=f"AIS spoofing: MMSI {m} changed its name from {old_nm} to {nm}{also}.",
                       evidence={"how": "identity_change", "old_name": old_nm, "new_name": nm,
                                 "names": sorted(seen), "name_changes": n},
                       merge_gap_s=self.p["rename_merge_s"])
        self.book.close(self.type, key, t)

    def _clones(self, cyc: Cycle, now: float) -> None:
        """One MMSI on two contacts far apart, both heard and updated lately. Judged at each `cycle_s` check the
        cycle stands for (engine `_stretch`), on the memory as it was at that check: two sets heard once a minute
        at their own seconds are both "updated within clone_updated_s" at some checks of a minute only."""
        checks = self.engine.checks
        if len(checks) <= 1:
            self._clones_at(now, cyc.memory_at(None, _CLONE_COLUMNS))
            return
        if not self._clone_suspects(cyc, float(checks[0])):
            return
        for c in checks.tolist():
            self._clones_at(c, cyc.memory_at(c, _CLONE_COLUMNS))

    def _clone_suspects(self, cyc: Cycle, first: float) -> bool:
        """Could an MMSI be on two contacts heard and updated lately at any check from `first` on? (A superset
        test on the memory now: times only grow, and a contact's MMSI at a check is its MMSI now or before
        this cycle.)"""
        mem = self.engine.memory
        n = mem.n
        sel = np.flatnonzero((mem.f["last_t"][:n] >= first - self.p["clone_updated_s"])
                             & (mem.f["last_ais_t"][:n] >= first - self.p["clone_fresh_s"]))
        renamed = cyc.prev_mmsi != cyc.mmsi
        slots = np.concatenate([sel, cyc.slot[renamed]])
        mmsi = np.concatenate([mem.i["last_mmsi"][sel], cyc.prev_mmsi[renamed]])
        ok = mmsi > 0
        pairs = np.unique((mmsi[ok] << 32) | slots[ok])   # distinct (MMSI, slot) as one int (MMSI < 2**30)
        m = pairs >> 32
        return bool((m[1:] == m[:-1]).any())

    def _clones_at(self, now: float, st: dict[str, np.ndarray]) -> None:
        fresh = np.flatnonzero((st["last_mmsi"] > 0) & (st["last_ais_t"] >= now - self.p["clone_fresh_s"])
                               & (st["last_t"] >= now - self.p["clone_updated_s"])
                               & (st["kind"] != int(ContactKind.RADAR_ONLY)))
        if len(fresh) < 2:
            return
        m = st["last_mmsi"][fresh]
        cid = self.engine.memory.i["contact_id"]
        vals, counts = np.unique(m, return_counts=True)
        for mm in vals[counts > 1]:
            sl = fresh[m == mm]
            sl = sl[np.isfinite(st["ais_x"][sl])]   # contacts without an AIS position of their own yet
            if len(sl) < 2:
                continue
            x, y = st["ais_x"][sl], st["ais_y"][sl]
            d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
            if d.max() < self.p["clone_distance_m"]:
                continue
            key = ("mmsi_clone", int(mm))
            if not self._hold(key, now, self.p["clone_min_s"]):
                continue
            i, j = np.unravel_index(int(np.argmax(d)), d.shape)
            ids = [int(cid[sl[i]]), int(cid[sl[j]])]
            summary = (f"AIS spoofing: MMSI {int(mm)} is broadcast by two contacts {d.max() / 1000:.1f} km apart "
                       f"(contacts {ids[0]} and {ids[1]}).")
            if self.book.get(self.type, key) is None:
                if self._fold(int(mm), now, "mmsi_clone", {"separation_m": float(d.max()), "contacts": ids}):
                    continue
                evidence: dict[str, Any] = {"how": "mmsi_clone", "separation_m": float(d.max())}
                self._continue_episode(int(mm), key, now, evidence)   # it jumped (or was offset) lately
                names = sorted(self.clone_names.pop(int(mm), set()))   # renames heard while it was held
                if names:
                    evidence["names"] = names
                a = self.book.open(self.type, key, now, severity="high", lat=float(st["lat"][sl[i]]),
                                   lon=float(st["lon"][sl[i]]), track_ids=ids, mmsi=[int(mm)], zone=None,
                                   summary=summary, evidence=evidence, merge_gap_s=self.p["episode_merge_s"])
                a.track_ids += [c for c in ids if c not in a.track_ids]
                self._drop_folded(a.evidence, "mmsi_clone")
                a.summary = self._with_also(summary, a)
                self.jumped[int(mm)] = now
            else:
                summary = self._with_also(summary, self.book.get(self.type, key))
                self.book.update(self.type, key, now, summary=summary, evidence={"separation_m": float(d.max())},
                                 lat=float(st["lat"][sl[i]]), lon=float(st["lon"][sl[i]]))   # where it is now
