"""ais_gap: an AIS vessel silent far longer than its own reporting interval while inside coverage.

Keyed by MMSI (a tracker may hand the radar half and the AIS half of a vessel different contact ids): the gap
is the time since the MMSI was last heard on any contact. The expected interval is the larger of the ITU-R
M.1371 nominal one for its last speed (Class A/B under way: 10–30 s; slow or at anchor: 3 min) and the longest
spacing of reports (≤ 10 min) the vessel itself has shown — a receiver network with patchy reception teaches
each vessel a longer interval. "Its last speed" is the lower of the speed it last reported and the speed its
radar track (the last one that carried the MMSI, while radar still sees it) shows now: a fishing boat that
stops after its last report (under way at 3 kn, class B: 30 s) reports every 3 min from then on, and two of
those lost are 6 min of silence, not a gap. Without radar, a small craft last heard under way below 2 kn +
`rest_margin_kn` (4 kn) is taken to be at rest: it may have stopped since. So is one whose last two reports show
it stopping (16 kn, then 11 kn half a minute later: at that rate under 2 kn within a minute, the report due under
way and one lost; `stop_trend_ahead_s`), and one whose course since its last report has
run it ashore (the first coast hit along it, dead-reckoned at its speed): it has come in and slowed, and its set
has gone to the 3 min rate with it. The gap must exceed `interval_factor` times it and `min_gap_s`; a small
craft's, `small_craft_min_gap_s` too (6.5 min) unless radar sees it under way since: a boat can stop dead right after
a report at full speed, nothing it sends says so, and the first report its set makes at rest (within 3 min) lost is
up to 30 s + 2 x 3 min of silence (a pleasure boat stopping at a mooring in Baku bay, cigarette-run seed 3 and
astara-gofast seed 15). The last AIS
position must lie well inside reception (`coverage_fraction` of a station's range; for a small craft — class B by
its position reports, or, its class unknown, by its type or length (`reception.small_craft`) — of the radio line
of sight from the station to a `small_craft_antenna_m` antenna, as dark_target judges small craft)
— a vessel that sails out of coverage is not dark — and, if radar still tracks it, so must the current
position. Ports are left alone, and so is a vessel last heard stopped within 2 km of the shore or at a learned
anchorage (a place where several vessels stop: a marina, a mooring field; `anchorages.LearnedAnchorages`) —
switched off at its berth, not gone dark. So is a vessel last heard landward of a `coast` land polygon (rivers, canals
and marinas behind the beach: the shore's reception, not the sea's; `inland_covered`). A silence that several
other vessels nearby began in the same minutes is the receiver's (an outage of the station or its feed), not
the vessel's: at least `outage_min_vessels` other MMSIs within `outage_radius_m` whose last reports came
within `outage_window_s` of this one's and that are silent too hold the alert back until they are heard again.
Reception is learned from the traffic (`detect/reception.py`): a small craft (class B) or a ship last heard
where vessels of its kind under way are often unheard for over 5 min has left coverage. An MMSI that an
identity change left for another (ais_spoofing) is that alert's business. Closes when the MMSI is heard again,
or after `max_open_s`; silent again within `resume_s` of that (heard only briefly in between), the same alert
re-opens."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from seawatch.arrays import fill_nan, member
from seawatch.detect.core import F64, I64, B, Cycle, Rule
from seawatch.detect.reception import ReceptionMap, small_craft
from seawatch.detect.statics import Statics
from seawatch.model.contact import ContactKind
from seawatch.model.units import MPS_TO_KN

RENAMED_WITHIN_S = 600.0  # an identity change this soon after an MMSI's last report explains its silence
SHORE_AHEAD_MAX_M = 30_000.0  # how far along a silent vessel's course the shore is looked for
TRACKED_S = 60.0  # a contact updated this recently is still tracked (by radar, while its AIS is silent)
SAME_REPORT_S = 0.5  # two rows' report times at most this far apart are one report (a spacing needs more)
_OUTAGE_COLUMNS = ("last_mmsi", "last_ais_t", "ais_x", "ais_y")  # what `_not_outage` reads of the memory


class AisGap(Rule):
    type = "ais_gap"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "min_gap_s": 300.0,  # class B sets (30 s under way) lose 3 min of reports at the edge of reception routinely
        "small_craft_min_gap_s": 390.0,  # a boat stops dead between two reports, then reports every 3 min: one lost
        "interval_factor": 6.0,
        "coverage_fraction": 0.85,  # of a station's range; for a small craft, of its line of sight to a
        "small_craft_antenna_m": 3.0,  # ... class B antenna this high (geo/radio.py, the station's height_m)
        "port_margin_m": 1000.0,
        "max_open_s": 43_200.0,
        "resume_s": 600.0,  # silent again within this of the alert's close (heard only briefly): the same alert
        "forget_s": 21_600.0,
        "learn_max_s": 600.0,
        "learn_min_samples": 5,  # fewer report spacings seen: the vessel's interval counts as 3 min
        "stop_trend_max_s": 90.0,  # last two reports at most this apart, slowing to < 2 kn ...
        "stop_trend_ahead_s": 60.0,  # ... this soon (the report due under way and one lost, class B): stopping
        "rest_margin_kn": 2.0,  # a small craft last heard under way slower than 2 kn + this may be at rest since
        "radar_made_good_sigmas": 2.0,  # ... unless its radar track made good 2 kn beyond this many σ of its noise
        "berth_speed_kn": 1.0,  # last heard this slow ...
        "berth_coast_m": 2000.0,  # ... this close to the shore: switched off at its berth, not gone dark
        "berth_learned_anchorage": True,  # ... or at a place where several vessels stop (marina, mooring field)
        "inland_covered": False,  # false: a vessel last heard landward of a coast polygon has left sea coverage
        "outage_min_vessels": 4,  # this many other MMSIs nearby fell silent in the same minutes: a receiver outage
        "outage_window_s": 150.0,  # ... their last reports within this of the vessel's own last report
        "outage_radius_m": 40_000.0,  # ... their last positions within this of the vessel's
        "reception_cell_m": 10_000.0,  # learned reception: squares of this side, per kind of set (small craft, ship)
        "reception_long_s": 300.0,  # ... a report spacing longer than this (of a vessel under way) is a miss
        "reception_min_samples": 20,  # ... spacings seen before a square is judged
        "reception_poor_share": 0.03,  # ... above this share of misses the square's reception is poor (0: off)
        "reception_min_long": 2,  # ... and this many at least (one silence, perhaps a switch-off, is no pattern)
        "reception_learn_max_s": 3600.0,  # ... spacings up to this are learned from
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.interval = np.zeros(0)
        self.samples = np.zeros(0, np.int64)  # report spacings learned from
        self.alerted = np.zeros(0, bool)
        self.small = np.zeros(0, bool)  # the slot's vessel is a small craft (class B, as a rule)
        self.track = np.zeros(0, np.int64)  # the last radar track that carried the slot's MMSI (-1: none)
        self.ahead_t = np.zeros(0)  # the report from which the shore ahead was worked out (`_shore_ahead_m`)
        # the slot's memory row count (`ContactMemory` "rows") when its silence was last found out of reach of the
        # tests that depend on nothing but the slot's memory (coverage, the zones, a berth): so until its next row
        self.rejected_at = np.zeros(0, np.int64)
        self.ahead_m = np.zeros(0)
        # a silence not due yet, of a slot no radar track has carried: it cannot fall due before `due_t` while its
        # last report (`due_heard_t`) and speed (`due_sog`) stay (`_open`: its wait only grows with time)
        self.due_t = np.zeros(0)
        self.due_heard_t = np.zeros(0)
        self.due_sog = np.zeros(0)
        # the speeds of its last two reports and the time of the one before the last (`_stopping`)
        self.report_sog = np.zeros(0)
        self.before_sog = np.zeros(0)
        self.before_t = np.zeros(0)
        p = self.p
        self.reception = ReceptionMap(p["reception_cell_m"], p["reception_long_s"], int(p["reception_min_samples"]),
                                      p["reception_poor_share"], min_long=int(p["reception_min_long"]))
        engine.memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"interval": np.nan, "samples": 0, "alerted": False, "small": False,
                                             "track": -1, "ahead_t": np.nan, "ahead_m": np.inf, "rejected_at": -2,
                                             "due_t": np.nan, "due_heard_t": np.nan, "due_sog": np.nan,
                                             "report_sog": np.nan, "before_sog": np.nan, "before_t": np.nan}

    def process(self, cyc: Cycle) -> None:
        p = self.p
        mem = self.engine.memory
        now = cyc.now
        # the vessel's own interval: the longest spacing of its reports seen while it was
        # reporting normally (up to `learn_max_s`), slowly forgotten
        # only a new report teaches: rows that repeat a silent vessel's dead-reckoned position carry a growing
        # AIS age, and learning from it would teach the gap itself as the vessel's interval
        age = np.where(np.isfinite(cyc.ais_age_s), cyc.ais_age_s, 0.0)
        spacing = (cyc.t - age) - cyc.cache["prev_ais_t"]
        sample = np.where(np.isfinite(spacing), spacing, 0.0)
        ok = (cyc.mmsi > 0) & (cyc.prev_mmsi == cyc.mmsi) & (sample > SAME_REPORT_S) & (sample <= p["learn_max_s"])
        ok &= ~self.alerted[cyc.slot]   # nor does a silence that was a gap (its next one would need ~8 times as long)
        s = cyc.slot[ok]
        self.interval[s] = np.fmax(fill_nan(self.interval[s], nan=0.0) * 0.999, sample[ok])
        self.samples[s] += 1
        # a new report: the one it follows becomes the one before the last. Only a report no earlier row carried
        # (a radar-backed contact carries each report on the rows of the next ~10 s: one report, not two)
        fresh = cyc.cache["fresh_ais"] & (cyc.mmsi > 0)
        fresh &= ~((cyc.prev_mmsi == cyc.mmsi) & (spacing <= SAME_REPORT_S))   # NaN (none before): kept
        if fresh.any():
            f = cyc.slot[fresh]
            same = cyc.prev_mmsi[fresh] == cyc.mmsi[fresh]
            self.before_sog[f] = np.where(same, self.report_sog[f], np.nan)
            self.before_t[f] = np.where(same, cyc.cache["prev_ais_t"][fresh], np.nan)
            self.report_sog[f] = cyc.sog_mps[fresh]
        ident = cyc.mmsi > 0
        small = small_craft(cyc.ship_type, cyc.length_m, cyc.ais_class)
        self.small[cyc.slot[ident]] = small[ident]
        track = cyc.cache.get("radar_track_id")
        if track is not None:
            on_track = ident & (track >= 0)
            self.track[cyc.slot[on_track]] = track[on_track]
        heard = ((cyc.mmsi > 0) & (cyc.prev_mmsi == cyc.mmsi) & (sample > SAME_REPORT_S)
                 & (sample <= p["reception_learn_max_s"]) & (cyc.sog_kn >= 2.0))
        if p["reception_poor_share"] > 0 and heard.any():
            self.reception.observe(cyc.x[heard], cyc.y[heard], small[heard], sample[heard])
        n = mem.n
        mmsi = mem.i["last_mmsi"][:n]
        last_ais = mem.f["last_ais_t"][:n]
        cand = np.flatnonzero((mmsi > 0) & (now - last_ais >= p["min_gap_s"]) & (now - last_ais <= p["forget_s"]))
        active = np.flatnonzero(self.alerted[:n])
        if len(cand):
            self._open(cand, now, cyc)
        if len(active):
            self._maintain(active, now)

    def stretch_limit_s(self, radar: bool) -> float:
        return TRACKED_S

    def _radar_kn(self, slots: I64, now: float, sure: bool = False) -> F64:
        """Per slot, how fast the radar track that last carried its MMSI goes now (the lower of its filtered
        speed and the speed it made good over the last minutes; NaN where radar no longer sees that track).
        Once fusion lets go of the silent MMSI, the track is a dark contact whose id is the track id.
        `sure`: the speed made good less `radar_made_good_sigmas` standard deviations of what the track's position
        noise alone could make of it (the two anchors' sigmas, over the span between them and its last row): how
        fast radar has shown the boat goes. A fishing boat stopped in a storm's sea (σ 20-35 m) had a track that
        wandered 150 m in 70 s (its filter read 2.4-2.8 kn) as its class B set went to the 3 min rate of a boat at
        rest."""
        out = np.full(len(slots), np.nan)
        tid = self.track[slots]
        has = np.flatnonzero(tid >= 0)
        if not len(has):
            return out
        mem = self.engine.memory
        cand = np.stack([mem.find(tid[has]), slots[has]])   # the dark contact, or the fused one still
        for row in cand:
            ok = row >= 0
            r = row[ok]
            seen = mem.f["last_t"][r] >= now - TRACKED_S
            radar = mem.i["kind"][r] != int(ContactKind.AIS_ONLY)
            mg_kn = mem.f["mg_kn"][r]
            if sure:
                with np.errstate(invalid="ignore", divide="ignore"):
                    span = mem.f["last_t"][r] - mem.f["mg_t0"][r]
                    doubt = (self.p["radar_made_good_sigmas"] * np.hypot(mem.f["mg_s0"][r], mem.f["mg_s1"][r])
                             / np.where(span > 0, span, np.nan) * MPS_TO_KN)
                mg_kn = mg_kn - np.where(np.isfinite(doubt), doubt, 0.0)
            kn = np.fmin(mem.f["sog_mps"][r] * MPS_TO_KN, mg_kn)
            k = has[ok]
            out[k] = np.where(seen & radar, np.fmin(out[k], kn), out[k])
        return out

    def _radar_track(self, slots: I64, now: float) -> tuple[F64, F64, F64]:
        """Per slot, where the radar track that last carried its MMSI is now and how fast it goes (`_radar_kn`);
        NaN where radar no longer sees that track."""
        x, y = np.full(len(slots), np.nan), np.full(len(slots), np.nan)
        kn = self._radar_kn(slots, now)
        tid = self.track[slots]
        has = np.flatnonzero((tid >= 0) & np.isfinite(kn))
        if len(has):
            mem = self.engine.memory
            dark = mem.find(tid[has])   # the dark contact of the track, else the fused one still
            row = np.where(dark >= 0, dark, slots[has])
            seen = (mem.f["last_t"][row] >= now - TRACKED_S) & (mem.i["kind"][row] != int(ContactKind.AIS_ONLY))
            k = has[seen]
            x[k], y[k] = mem.f["x"][row[seen]], mem.f["y"][row[seen]]
        return x, y, kn

    def _shore_ahead_m(self, slots: I64) -> F64:
        """Per slot, how far ahead along its last course the shore is from where it was last heard (inf: no
        shore ahead within SHORE_AHEAD_MAX_M, or too slow to get anywhere); worked out once per silence."""
        mem = self.engine.memory
        z = self.engine.zones
        if z is None or not z.has_coast:
            return np.full(len(slots), np.inf)
        heard_t = mem.f["last_ais_t"][slots]
        todo = slots[self.ahead_t[slots] != heard_t]
        if len(todo):
            sog = fill_nan(mem.f["sog_mps"][todo])
            moving = todo[(sog * MPS_TO_KN >= 2.0) & np.isfinite(mem.f["ais_x"][todo])]
            self.ahead_m[todo] = np.inf
            if len(moving):
                d, _, _ = z.coast_ray(mem.f["ais_x"][moving], mem.f["ais_y"][moving],
                                      fill_nan(mem.f["cog_deg"][moving]), np.full(len(moving), SHORE_AHEAD_MAX_M))
                self.ahead_m[moving] = np.where(np.isfinite(d), d, np.inf)
            self.ahead_t[todo] = mem.f["last_ais_t"][todo]
        return self.ahead_m[slots]

    def _expected_s(self, slots: I64, now: float) -> F64:
        mem = self.engine.memory
        sog = fill_nan(mem.f["sog_mps"][slots])
        radar_kn = self._radar_kn(slots, now)
        moving = self._radar_kn(slots, now, sure=True) >= 2.0   # radar has shown it under way (beyond its noise)
        kn = np.fmin(sog * MPS_TO_KN, radar_kn)
        # its last report said at rest, but radar has it under way since (made good >= 2 kn over the last minutes):
        # under way, it reports at a ship under way's rate (a boat slipping its mooring with its AIS off waited
        # 6 x 3 min, the rate of a vessel at rest)
        kn = np.where((sog * MPS_TO_KN < 2.0) & moving, radar_kn, kn)
        # its course since its last report has run it ashore: it has arrived (or slowed to come in) by now
        kn = np.where(self._shore_ahead_m(slots) <= sog * (now - mem.f["last_ais_t"][slots]), 0.0, kn)
        kn = np.where(self._stopping(slots), 0.0, kn)
        # a small craft (class B: 3 min below 2 kn) heard last just above its rest rate, that radar does not see
        # under way since: a fishing boat at 3 kn stops as it hauls, and the silence of its next reports is its
        # rest rate's
        slow = self.small[slots] & (sog * MPS_TO_KN < 2.0 + self.p["rest_margin_kn"]) & ~moving
        kn = np.where(slow, 0.0, kn)
        nominal = np.where(kn < 2.0, 180.0, 30.0)
        known = np.fmax(nominal, fill_nan(self.interval[slots], nan=0.0))
        # until a vessel has shown a few report spacings, its reception is unknown: assume the slow rate
        return np.where(self.samples[slots] >= self.p["learn_min_samples"], known, np.fmax(known, 180.0))

    def _stopping(self, slots: I64) -> B:
        """Per slot: its last two reports, at most `stop_trend_max_s` apart, show it slowing so fast that at the same
        rate it is under 2 kn within `stop_trend_ahead_s` (a class B set's next report due under way, and one
        lost): 15 kn, then 5 kn half a minute later; 16 kn, then 11 kn. A boat that stops dead after its last
        report goes to the 3 min rate of a vessel at rest."""
        mem = self.engine.memory
        sog, before = self.report_sog[slots], self.before_sog[slots]
        dt = mem.f["last_ais_t"][slots] - self.before_t[slots]
        ok = (dt > SAME_REPORT_S) & (dt <= self.p["stop_trend_max_s"]) & (before > sog)   # NaN: not known, False
        ahead = sog + (sog - before) / np.where(ok, dt, 1.0) * self.p["stop_trend_ahead_s"]
        return ok & (ahead * MPS_TO_KN < 2.0)

    def _open(self, cand: I64, now: float, cyc: Cycle) -> None:
        p = self.p
        mem = self.engine.memory
        rows = mem.i["rows"]
        cand = cand[~self.alerted[cand] & (self.rejected_at[cand] != rows[cand])]
        # not due before due_t (NaN: not known), as worked out below from the same report and speed
        heard, sog, untracked = mem.f["last_ais_t"][cand], mem.f["sog_mps"][cand], self.track[cand] < 0
        same_sog = (self.due_sog[cand] == sog) | (np.isnan(self.due_sog[cand]) & np.isnan(sog))   # unknown: unknown
        known = (now < self.due_t[cand]) & (self.due_heard_t[cand] == heard) & same_sog & untracked
        if known.any():
            cand, heard, sog, untracked = cand[~known], heard[~known], sog[~known], untracked[~known]
        if len(cand) == 0:
            return
        need = np.fmax(p["min_gap_s"], p["interval_factor"] * self._expected_s(cand, now))
        boat = np.flatnonzero(self.small[cand])
        if len(boat):   # ... unless radar sees it under way since (it did not stop)
            at_rest = boat[~(self._radar_kn(cand[boat], now, sure=True) >= 2.0)]
            need[at_rest] = np.fmax(need[at_rest], p["small_craft_min_gap_s"])
        due = now - heard >= need
        # a wait that only grows with time (its vessel's interval and speed are its last report's, and the shore
        # ahead turns it from a ship under way's to a stopped one's), as long as no radar track gives it a speed:
        # not due now, not due before last report + this wait
        wait = ~due & untracked
        if wait.any():
            w = cand[wait]
            self.due_t[w], self.due_heard_t[w], self.due_sog[w] = heard[wait] + need[wait], heard[wait], sog[wait]
        cand, need = cand[due], need[due]
        if len(cand) == 0:
            return
        ax, ay = mem.f["ais_x"][cand], mem.f["ais_y"][cand]
        cx, cy = mem.f["x"][cand], mem.f["y"][cand]
        cov = self.engine.coverage
        inside = cov.ais(ax, ay, p["coverage_fraction"]) & cov.ais(cx, cy, p["coverage_fraction"])
        small = self.small[cand]
        if small.any():   # a small craft's set reaches a station over a shorter line of sight than a ship's
            a_m, f = p["small_craft_antenna_m"], p["coverage_fraction"]
            inside[small] &= (cov.ais_small_craft(ax[small], ay[small], a_m, f)
                              & cov.ais_small_craft(cx[small], cy[small], a_m, f))
        z = self.engine.zones
        slow = fill_nan(mem.f["sog_mps"][cand], nan=0.0) * MPS_TO_KN < p["berth_speed_kn"]
        berth = np.zeros(len(cand), bool)
        harbour = np.zeros(len(cand), bool)
        if z is not None:
            # the last AIS position of a silent vessel does not move: its zone tests are asked once (placememo)
            flags = self.engine.place(("ais_gap-last-heard", p["port_margin_m"], p["berth_coast_m"]), lambda x, y: (
                z.any_within(x, y, ("port", "anchorage"), p["port_margin_m"]) * 1
                + z.coast_within(x, y, p["berth_coast_m"]) * 2 + z.on_land(x, y) * 4))(cand, ax, ay)
            harbour = (flags & 1) != 0
            berth |= (flags & 2) != 0
            if not p["inland_covered"]:
                inside &= (flags & 4) == 0
        if p["berth_learned_anchorage"]:
            berth |= self.engine.anchorages.contains(ax, ay)
        harbour |= slow & berth
        # a vessel silent since a port or a berth whose radar track has left it under way, into the open and inside
        # AIS coverage, is not a ship at rest in port: judged where its track is now (and again at each cycle
        # while radar tracks it, never memoised)
        tx, ty, tkn = self._radar_track(cand, now)
        live = np.isfinite(tx)
        on_radar = cand[live]
        left = np.flatnonzero(harbour & inside & live & (tkn >= p["berth_speed_kn"]))
        if len(left):
            f = p["coverage_fraction"]
            out_of_port = cov.ais(tx[left], ty[left], f)
            if z is not None:
                out_of_port &= (~z.any_within(tx[left], ty[left], ("port", "anchorage"), p["port_margin_m"])
                                & ~z.coast_within(tx[left], ty[left], p["berth_coast_m"]))
            harbour[left[out_of_port]] = False
        inside &= ~harbour
        # all of the above holds until the slot's next row (learned anchorages change at most once a day): not asked
        # again, unless radar still tracks the vessel (it may yet leave the port)
        out = cand[~inside & ~live]
        self.rejected_at[out] = rows[out]
        if p["reception_poor_share"] > 0:
            inside &= ~self.reception.poor(ax, ay, self.small[cand])
        cand, need = cand[inside], need[inside]
        if len(cand) == 0:
            return
        cand, need = self._not_outage(cand, need, now, cyc.memory_at(None, _OUTAGE_COLUMNS))
        if len(cand) == 0:
            return
        # the MMSI must be silent everywhere: not heard recently on another contact
        mmsi_all = mem.i["last_mmsi"][: mem.n]
        heard = mem.f["last_ais_t"][: mem.n]
        renamed = self.engine.renamed
        on_track = member(cand, on_radar)   # radar sees the track that last carried it
        for s, nd, tracked in zip(cand, need, on_track.tolist()):
            m = int(mem.i["last_mmsi"][s])
            if renamed.get(m, -np.inf) >= float(mem.f["last_ais_t"][s]) - RENAMED_WITHIN_S:
                continue   # its vessel changed identity (an ais_spoofing alert): the old MMSI's silence is that
            same = np.flatnonzero(mmsi_all == m)
            if np.nanmax(heard[same]) > mem.f["last_ais_t"][s]:
                # heard since on another contact: so it stays until this one's next row (that report is later)
                self.rejected_at[s] = rows[s]
                continue
            if self.book.get(self.type, m) is not None:
                continue
            self.alerted[same] = True
            lt = float(mem.f["last_ais_t"][s])
            start = self._dated(cyc, int(s), lt + float(nd))
            g = start - lt
            # where it was last heard (a contact never freshly heard has no AIS position: where it was last seen)
            ax_s, ay_s = float(mem.f["ais_x"][s]), float(mem.f["ais_y"][s])
            heard_at = np.isfinite(ax_s) and np.isfinite(ay_s)
            lat, lon = self.engine.frame.to_latlon(*((ax_s, ay_s) if heard_at else (mem.f["x"][s], mem.f["y"][s])))
            # radar still sees it (not an AIS-only contact's dead-reckoned rows, which go on for minutes)
            still = tracked or ((now - float(mem.f["last_t"][s]) < TRACKED_S)
                                and int(mem.i["kind"][s]) != int(ContactKind.AIS_ONLY))
            stopped = float(fill_nan(mem.f["sog_mps"][s:s + 1], nan=0.0)[0]) * MPS_TO_KN < p["berth_speed_kn"]
            # radar still sees it: high; gone silent under way: medium; silent where it lay stopped (anchored or
            # moored where no harbour is known), not seen to go anywhere: low
            sev = "high" if still else ("low" if stopped else "medium")
            vessel = self.engine.statics.of(m)   # its name and length, as its AIS gave them
            self.book.open(
                self.type, m, start, severity=sev, lat=float(lat), lon=float(lon),
                track_ids=[int(mem.i["contact_id"][s])], mmsi=[m], zone=None,
                summary=f"AIS gap: {vessel.label()} silent for {g / 60:.0f} min inside AIS coverage"
                        f"{' while radar still tracks it' if still else ''}{', last heard stopped' if stopped else ''}.",
                evidence={"position_t": lt if heard_at else float(mem.f["last_t"][s]), "last_ais_t": lt,
                          "gap_s": float(g), "expected_interval_s": float(self._expected_s(np.array([s]), now)[0]),
                          "radar_tracked": still, "stopped": stopped, **vessel.evidence()},
                # heard only briefly between two silences: one behaviour, its alert re-opened
                merge_gap_s=max(self.book.merge_gap(self.type), p["resume_s"] + g))
            # dated inside a stretched cycle: the refreshes its later checks would have made
            self._refresh(m, lt, same, self.engine.refreshed(start), now)

    def _dated(self, cyc: Cycle, s: int, due_t: float) -> float:
        """When the silence of slot s, due at due_t, opens its alert: the first of the cycle's checks from then
        (`engine.dated`) at which it was not also an outage's — a stretched cycle stands for several checks, and
        other vessels heard again in it may have held the alert back at the earlier ones (`_not_outage` on the
        memory as it was at each check)."""
        start = self.engine.dated(due_t)
        checks = self.engine.checks
        if len(checks) <= 1 or self.p["outage_min_vessels"] <= 0:
            return start
        lo = due_t if due_t > self.engine.prev_now else np.nextafter(self.engine.prev_now, np.inf)
        one, per = np.array([s], np.int64), np.zeros(1)
        for c in checks[:-1].tolist():
            if c >= lo and len(self._not_outage(one, per, c, cyc.memory_at(c, _OUTAGE_COLUMNS))[0]):
                return float(c)
        return self.engine.now

    def _not_outage(self, cand: I64, per: F64, now: float, st: dict[str, np.ndarray]) -> tuple[I64, F64]:
        """The candidates whose silence is their own, with their numbers `per` (one per candidate): fewer than
        `outage_min_vessels` other MMSIs within `outage_radius_m` went silent within `outage_window_s` of their
        last report and are still silent. st: the memory's `_OUTAGE_COLUMNS` as at `now` (`Cycle.memory_at`)."""
        p = self.p
        if p["outage_min_vessels"] <= 0:
            return cand, per
        mmsi = st["last_mmsi"]
        heard = st["last_ais_t"]
        # an MMSI's latest report over all its contacts; the silent ones are the outage's witnesses
        known = np.flatnonzero((mmsi > 0) & np.isfinite(heard))
        order = known[np.lexsort((heard[known], mmsi[known]))]
        last = order[np.r_[np.flatnonzero(np.diff(mmsi[order])), len(order) - 1]] if len(order) else order
        last = last[now - heard[last] >= p["min_gap_s"]]
        wx, wy, wt, wm = st["ais_x"][last], st["ais_y"][last], heard[last], mmsi[last]
        cx, cy, ct, cm = st["ais_x"][cand], st["ais_y"][cand], heard[cand], mmsi[cand]
        n_near = np.zeros(len(cand), np.int64)
        step = max(1, 1_000_000 // max(len(last), 1))   # candidates x witnesses, a million pairs at a time
        for a in range(0, len(cand), step):
            b = slice(a, a + step)
            near = ((np.abs(wt[None, :] - ct[b, None]) <= p["outage_window_s"]) & (wm[None, :] != cm[b, None])
                    & (np.hypot(wx[None, :] - cx[b, None], wy[None, :] - cy[b, None]) <= p["outage_radius_m"]))
            n_near[b] = np.count_nonzero(near, axis=1)
        keep = n_near < p["outage_min_vessels"]
        return cand[keep], per[keep]

    def _maintain(self, active: I64, now: float) -> None:
        mem = self.engine.memory
        mmsi_all = mem.i["last_mmsi"][: mem.n]
        act_m = mmsi_all[active]
        _, first = np.unique(act_m, return_index=True)
        wanted = act_m[np.sort(first)]   # the MMSIs in the order their slots come up
        # every slot that carries one of them, grouped by MMSI (slots ascending in each group)
        idx = np.flatnonzero(member(mmsi_all, wanted))
        idx = idx[np.argsort(mmsi_all[idx], kind="stable")]
        cuts = np.flatnonzero(np.diff(mmsi_all[idx])) + 1
        starts = np.concatenate((np.zeros(1, np.int64), cuts))   # (np.r_ costs ~70 us a call)
        heard_max = np.fmax.reduceat(mem.f["last_ais_t"][idx], starts)
        groups = {int(mmsi_all[idx[a]]): (idx[a:b], float(h))
                  for a, b, h in zip(starts.tolist(), np.append(cuts, len(idx)).tolist(), heard_max.tolist())}
        for m in wanted.tolist():
            same, heard = groups[m]
            a = self.book.get(self.type, m)
            if a is None:
                self.alerted[same] = False
                continue
            lt = float(a.evidence["last_ais_t"])
            if heard > lt + 1.0:
                self.alerted[same] = False
                self.book.close(self.type, m, heard, {"gap_s": heard - lt})
                continue
            # refreshed every DESCRIBE_EVERY_S while open: at the last check of the cycle that falls due (a
            # stretched cycle stands for several), and before a close at the longest an alert stays open
            end = lt + self.p["max_open_s"]
            self._refresh(m, lt, same, self.engine.refreshed(a.last_t, until=end), now)
            if now > end:
                self.alerted[same] = False
                self.book.close(self.type, m, self.engine.dated(float(np.nextafter(end, np.inf))))

    def _refresh(self, m: int, lt: float, same: I64, u: float | None, now: float) -> None:
        """An open alert's gap (and where radar still tracks the vessel, its position) as at time u (None: not
        due), refreshed every DESCRIBE_EVERY_S (`engine.refreshed`: the last due check of this cycle)."""
        if u is None:
            return
        mem = self.engine.memory
        a = self.book.get(self.type, m)
        who = Statics.of_evidence(m, a.evidence if a is not None else {}).label()   # as it opened (no lookup)
        tracked = np.flatnonzero((mem.f["last_t"][same] >= now - TRACKED_S)
                                 & (mem.i["kind"][same] != int(ContactKind.AIS_ONLY)))
        stopped = a is not None and bool(a.evidence.get("stopped"))
        # the summary says how long, as the evidence does (it said the gap of its opening for hours)
        told = f"AIS gap: {who} silent for {(u - lt) / 60:.0f} min inside AIS coverage"
        where: tuple[float, float] | None = None
        if len(tracked):
            s2 = same[tracked[0]]
            where = float(mem.f["lat"][s2]), float(mem.f["lon"][s2])
        else:   # once fusion lets go of the silent MMSI, radar tracks the vessel under its track id (`_radar_track`)
            tx, ty, _ = self._radar_track(same, now)
            hit = np.flatnonzero(np.isfinite(tx))
            if len(hit):
                la, lo = self.engine.frame.to_latlon(tx[hit[0]], ty[hit[0]])
                where = float(la), float(lo)
        if where is not None:
            lat, lon = where
            self.book.update(self.type, m, u, lat=lat, lon=lon, evidence={"gap_s": u - lt},
                             summary=f"{told} while radar still tracks it{', last heard stopped' if stopped else ''}.")
        else:
            self.book.update(self.type, m, u, evidence={"gap_s": u - lt},
                             summary=f"{told}{', last heard stopped' if stopped else ''}.")
