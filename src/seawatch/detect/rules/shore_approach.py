"""shore_approach: a contact (above all a dark one) heads for the coast away from any port.

A ray is cast along the contact's course for `horizon_s` (15 min; 40 min at go-fast speed, >= 25 kn)
at its speed (at most `max_range_m`); if it
meets the shoreline at a point farther than `port_margin_m` from every port and anchorage, the contact is
heading for a beach. It stays in the alert while it still heads there or lies within `landed_m` of the
shore (the landing itself), and the alert closes when it turns away or is gone. By default only contacts
without AIS are alerted (`include_identified = false`): identified coastal traffic going to small
harbours not in the zones file would otherwise cry wolf all day.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from seawatch.detect.core import ELSEWHERE_M, F64, IDENTITY_MEMORY_S, B, ContactRule, Cycle
from seawatch.model.units import KN_TO_MPS, MPS_TO_KN


class ShoreApproach(ContactRule):
    type = "shore_approach"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "min_speed_kn": 5.0,
        "horizon_s": 900.0,  # shore reached within this at the present course and speed ...
        "fast_kn": 25.0,  # ... or, at go-fast speed, within horizon_fast_s: interception needs the lead time
        "horizon_fast_s": 2400.0,
        "fast_hysteresis_kn": 0.0,  # an approach at go-fast speed stays on the go-fast horizon down to fast_kn - this
        # (off: at 2 kn, the seeds matrix raised 2 false alarms on clutter tracks read at 23-26 kn; stop 35)
        "max_range_m": 35_000.0,
        "port_margin_m": 3000.0,
        "landed_m": 1500.0,
        "landed_speed_kn": 5.0,  # ... slower than this (filtered or made good) within landed_m: landing, or landed;
        "ashore_m": 250.0,  # ... or under 2 x min_speed_kn once it has been this near the shore (reached the beach)
        "min_duration_s": 60.0,
        "clear_s": 180.0,
        "include_identified": False,
        "min_straightness": 0.7,  # made good / sailed over the spell: below, a wandering (clutter) track
        "max_speed_jitter": 0.12,  # ... and from steady_from_kn, jitter of speed changes / mean speed over ~2 min above this
        "steady_from_kn": 15.0,
        "max_speed_kn": 60.0,  # a faster track (mean over ~40 s) is clutter or a bad association: held
        "min_made_good": 0.5,
        "min_run_straightness": 0.75,  # at go-fast speed (>= fast_kn), made good / run along the track over the
        # last 2.5-5 min: a boat racing for a beach runs straight (the scenarios' go-fasts 0.93-0.94), a storm's
        # clutter track at 50 kn wanders (0.43-0.63); one 90-degree turn in the window reads ~0.7 (held briefly)
        "max_turn_dps": 2.0,  # a course swinging more than this on average over ~2 min: clutter
        # a shore only the go-fast horizon reaches: held until the speed made good over the last 2.5-5 min passes
        # fast_kn by this many standard deviations of its position noise (high_speed's `made_good_sigmas`)
        "made_good_sigmas": 1.0,
        # a track too young for the made good over 2.5-5 min is judged on its spell once that is young_spell_s
        # long, if its radar track has shown it is a vessel: track score >= young_min_track_score
        "young_spell_s": 45.0,
        "young_min_track_score": 20.0,
        "young_made_good_sigmas": 2.0,
        # ... and measured lately: its last plot at most this long ago, or young_coast_intervals of its own mean
        # interval between plots (a runner far out is seen on one scan in ten): a track coasting longer is the
        # filter's straight line at its last speed, no run of a boat's (held-out platform-intrusion 156)
        "young_max_coast_s": 30.0,
        "young_coast_intervals": 3.0,
        # a dark radar track must have shown it is a vessel, as for high_speed and dark_target
        # (`track_evidence.shown_vessel`): storm clutter by the shore lined up into a 55 kn track (held-out storm 36)
        "min_track_score": 20.0,
        "min_plots_per_scan": 0.3,
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.use_spell()
        self._was = np.zeros(0, np.int64)   # per row of the cycle: the MMSI its radar track carried lately (0: none)
        self._young = np.zeros(0, bool)   # per row of the cycle: a young track judged on its spell
        self.ashore_t = np.zeros(0)   # per slot: when the contact was last within ashore_m of the shore
        self.plots_n = np.zeros(0)   # per slot: its radar track's plot count as last seen, and since when
        self.plot_t = np.zeros(0)
        engine.memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"ashore_t": np.nan, "plots_n": np.nan, "plot_t": np.nan}

    def min_duration(self, cyc: Cycle) -> F64 | float | None:
        """min_duration_s (infinite while held), counted for a young track judged on its spell (`_young_proven`)
        from its radar track's first plot: the tracker followed it for minutes before it confirmed it and the
        contact was first shown (a runner seen on one scan in ten: ~2 min), and its spell of young_spell_s
        since has shown where it is going."""
        d = self.held_min_duration(cyc)
        born = cyc.cache.get("track_born_t")
        if born is None or not self._young.any():
            return d
        since = np.fmin(self.timer.since[cyc.slot], cyc.t)   # NaN: the timer starts in this cycle
        return np.where(self._young & np.isfinite(born), np.maximum(d - (since - born), 0.0), d)

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        p = self.p
        n = len(cyc)
        good_mps, straight, mean, jitter = self.spell_step(cyc)
        # and the track must have made good at least min_made_good of its speed over the last 2.5-5 min: a
        # track a minute old that leaps out of a cluster of moored boats is the tracker's, not a boat's
        mg = self.engine.memory.f["mg_kn"][cyc.slot]
        fast = mean * MPS_TO_KN >= p["steady_from_kn"]
        clutter = ((mean * MPS_TO_KN > p["max_speed_kn"]) | (cyc.turn_rate_dps() > p["max_turn_dps"])
                   | (fast & (jitter > 2 * p["max_speed_jitter"])))   # latched: clutter for sure
        run_straight = self.engine.memory.f["mg_straight"][cyc.slot]
        self._young = young = self._young_proven(cyc, mg, good_mps)
        hold = ((straight < p["min_straightness"]) | ~((mg >= p["min_made_good"] * cyc.sog_kn) | young)
                | ((cyc.sog_kn >= p["fast_kn"]) & (run_straight < p["min_run_straightness"]))
                | (fast & (jitter > p["max_speed_jitter"])) | clutter
                | ~cyc.shown_vessel(p["min_track_score"], p["min_plots_per_scan"]))
        proven = self.proven(cyc, hold)
        self.hold, self.clutter = hold & ~proven, clutter & ~proven
        self._hit = np.full(n, np.nan)
        self._coast = np.full(n, np.nan)
        z = self.engine.zones
        if z is None or not z.has_coast:
            return np.zeros(n, bool), np.zeros(n, bool)
        who = np.ones(n, bool) if p["include_identified"] else ~cyc.identified
        rows = np.flatnonzero(who)
        if len(rows) == 0:
            return np.zeros(n, bool), np.zeros(n, bool)
        coast_d = z.coast_distance(cyc.x[rows], cyc.y[rows], p["max_range_m"])
        near = np.isfinite(coast_d)
        rows, coast_d = rows[near], coast_d[near]
        self._coast[rows] = coast_d
        enter = np.zeros(n, bool)
        stay = np.zeros(n, bool)
        # a course not known (AIS COG "not available") heads nowhere: not due north
        mv = (cyc.sog_kn[rows] >= p["min_speed_kn"]) & np.isfinite(cyc.cog_deg[rows])
        m = rows[mv]
        if len(m):
            kn = cyc.sog_kn[m]
            mps = np.nan_to_num(cyc.sog_mps[m])
            # the go-fast horizon opens at fast_kn and holds down to fast_kn - fast_hysteresis_kn: a boat at 25 kn
            # read 24.5 / 26 is not in and out of a 40 min horizon (restarting the wait, or closing the alert)
            enter_len = np.minimum(mps * np.where(kn >= p["fast_kn"], p["horizon_fast_s"], p["horizon_s"]),
                                   p["max_range_m"])
            stay_len = np.minimum(mps * np.where(kn >= p["fast_kn"] - p["fast_hysteresis_kn"], p["horizon_fast_s"],
                                                 p["horizon_s"]), p["max_range_m"])
            length = np.maximum(enter_len, stay_len)
            dist, hx, hy = z.coast_ray(cyc.x[m], cyc.y[m], cyc.cog_deg[m], length)   # the first shore hit
            hit = np.isfinite(dist)
            if hit.any():
                away = np.zeros(len(m), bool)
                away[hit] = ~z.any_within(hx[hit], hy[hit], ("port", "anchorage"), p["port_margin_m"])
                self._hit[m[away]] = dist[away]
                enter[m[away & (dist <= enter_len)]] = True
                stay[m[away & (dist <= stay_len)]] = True
                self._hold_unproven_fast(cyc, m[away & (dist > np.minimum(mps * p["horizon_s"], p["max_range_m"]))],
                                         good_mps)
        # the landing itself: slow by the shore, or at under 2 x min_speed_kn once it has reached the beach in this
        # behaviour. Not a boat that turned away short of it to run along the beach at 8 kn (it stayed in the alert
        # as long as it kept within landed_m of the shore)
        s = cyc.slot[rows]
        ashore = coast_d <= p["ashore_m"]
        self.ashore_t[s[ashore]] = cyc.t[rows[ashore]]
        reached = self.ashore_t[s] >= self.timer.since[s]   # NaN (never, or no behaviour running): False
        landed = rows[(coast_d <= p["landed_m"]) & ((cyc.slow_kn[rows] < p["landed_speed_kn"])
                                                   | (reached & (cyc.sog_kn[rows] < p["min_speed_kn"] * 2)))]
        landed_at = np.zeros(n, bool)
        landed_at[landed] = True
        # landed at a port is no landing; heading for a beach away from ports is one wherever the boat is now
        # (masking that too made a boat passing within port_margin_m of a port open and close at once)
        stay |= landed_at & ~cyc.near_harbour(p["port_margin_m"], where=landed_at)
        # a radar track that carried an MMSI lately (fusion lets go of a class B boat between its reports) is that
        # identified vessel, as dark_target and high_speed judge it: left alone unless include_identified
        self._was = np.zeros(n, np.int64)
        track = cyc.cache.get("radar_track_id")
        r = np.flatnonzero((enter | stay) & cyc.dark & (track >= 0)) if track is not None else np.zeros(0, np.int64)
        if len(r) and track is not None:
            self._was[r] = self.engine.track_identity.remembered(track[r], cyc.x[r], cyc.y[r], cyc.now,
                                                                 self.engine.memory, IDENTITY_MEMORY_S, ELSEWHERE_M)
            if not p["include_identified"]:
                enter &= self._was == 0
                stay &= self._was == 0
        return enter, stay | enter

    def _young_proven(self, cyc: Cycle, mg: F64, good_mps: F64) -> B:
        """Rows too young for the made good over 2.5-5 min (NaN) that made good min_made_good of their speed over
        a spell of at least young_spell_s, on a radar track whose score shows a vessel (young_min_track_score) and
        that was measured lately (young_max_coast_s, or young_coast_intervals of its mean interval between plots
        since its birth: the spell's positions since its last plot are predictions)."""
        p = self.p
        score = cyc.cache.get("track_score")
        if score is None:
            return np.zeros(len(cyc), bool)
        span = cyc.t - self.spell.t0[cyc.slot]
        sure_kn = (good_mps - cyc.made_good_doubt_mps(span, p["young_made_good_sigmas"],
                                                      self.spell.sigma0_m[cyc.slot])) * MPS_TO_KN
        # its last plot: when its plot count last changed (a contact row says COASTING when the last of the scans
        # since the row before missed it, though one before hit it); without a plot count, its last row not coasting
        s = cyc.slot
        hit_t = self.engine.memory.f["hit_t"][s]
        plots, born = cyc.cache.get("track_plots"), cyc.cache.get("track_born_t")
        allowed_s = np.full(len(cyc), float(p["young_max_coast_s"]))
        if plots is not None and born is not None:
            counted = plots >= 0
            changed = counted & (plots != self.plots_n[s])
            self.plot_t[s] = np.where(changed, cyc.t, self.plot_t[s])
            self.plots_n[s] = np.where(counted, plots, np.nan)
            hit_t = np.where(counted, self.plot_t[s], hit_t)
            with np.errstate(invalid="ignore", divide="ignore"):
                rhythm_s = np.where(plots >= 2, p["young_coast_intervals"] * (hit_t - born) / np.maximum(plots - 1, 1),
                                    np.nan)   # NaN: fewer than two plots, the floor alone
            allowed_s = np.fmax(allowed_s, rhythm_s)
        coast_s = cyc.t - hit_t
        with np.errstate(invalid="ignore"):
            return (np.isnan(mg) & (span >= p["young_spell_s"]) & (score >= p["young_min_track_score"])
                    & (coast_s <= allowed_s)
                    & (sure_kn >= p["fast_kn"]) & (good_mps * MPS_TO_KN >= p["min_made_good"] * cyc.sog_kn))

    def _hold_unproven_fast(self, cyc: Cycle, rows: np.ndarray, good_mps: F64) -> None:
        """Hold these rows (heading for a shore only the go-fast horizon reaches) unless their speed made good
        passes fast_kn (less fast_hysteresis_kn) beyond its position noise (`Cycle.made_good_doubt_mps`), over
        the last 2.5-5 min or over this behaviour's spell (`good_mps`; a go-fast that has just sped up from a
        stop made good 20-22 kn over the last 5 min at 32 kn): a pleasure boat at 24.6 kn, dark while its class B
        set is still out of reception, is no go-fast."""
        if not len(rows):
            return
        p, mem = self.p, self.engine.memory.f
        s = cyc.slot[rows]
        recent = mem["mg_kn"][s] - cyc.made_good_doubt_mps(cyc.t - mem["mg_t0"][cyc.slot], p["made_good_sigmas"],
                                                          mem["mg_s0"][cyc.slot])[rows] * MPS_TO_KN
        spell = (good_mps[rows] - cyc.made_good_doubt_mps(cyc.t - self.spell.t0[cyc.slot], p["made_good_sigmas"],
                                                          self.spell.sigma0_m[cyc.slot])[rows]) * MPS_TO_KN
        held = np.zeros(len(cyc), bool)
        held[rows[~(np.fmax(recent, spell) >= p["fast_kn"] - p["fast_hysteresis_kn"])]] = True
        self.hold |= held & ~self.proven(cyc, held)

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        kn = float(cyc.sog_kn[r])
        hit = float(self._hit[r])
        coast = float(self._coast[r])
        eta = hit / max(float(cyc.sog_mps[r]), KN_TO_MPS) if not math.isnan(hit) else float("nan")
        dark = bool(cyc.dark[r]) and int(self._was[r]) == 0
        night = bool(cyc.night()[r])
        sev = "critical" if dark and kn >= 20 and night else "high" if dark else "medium"
        what = (f"heading for the shore {hit / 1000:.1f} km ahead (ETA {eta / 60:.0f} min) away from any port"
                if not math.isnan(hit) else f"{coast:.0f} m off the shore away from any port")
        return {"severity": sev,
                "summary": f"Shore approach: {cyc.who(r)} at {kn:.0f} kn {what}"
                           f"{' at night' if night else ''}.",
                "evidence": {"speed_kn": kn, "shore_ahead_m": hit, "eta_s": eta, "coast_distance_m": coast,
                             "cog_deg": float(cyc.cog_deg[r]), "dark": dark, "night": night}}
