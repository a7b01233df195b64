"""high_speed: speed above the go-fast threshold (25 kn; 30 kn with an AIS identity) for >= 2 min.

Hysteresis in value: opens at >= speed_kn, stays open down to speed_kn - hysteresis_kn. To open, the track must
also have made good the threshold over its spell (>= min_duration_s, in a fairly straight line): a filtered
speed reads ~1 kn high now and then, and a class B boat at 24.5 kn whose AIS goes unheard far out would
otherwise be a go-fast for two minutes.
The speed must be observed: an AIS-only contact whose last report is older than `max_ais_age_s` is the
tracker's dead reckoning of that report, and is held (a moored boat's one bogus 59 kn SOG report, carried
forward for ten minutes, is not a go-fast). So is a radar track the tracker has predicted without a plot until its
position is uncertain by more than `max_position_sigma_m` (`Cycle.unmeasured`): a track that has left the
radars' cover is carried at its last speed in a perfect line until it is dropped, which every steadiness test
takes for a boat (a storm's clutter track that ran out of cover at 27-32 kn). A go-fast's tracks, even
fading in the waves, stay under 100 m (99th percentile, the 2 h scenarios). The speed jitter must hold both over
all the track's updates and over those with a plot only (`_plot_jitter`): the updates between sparse plots
repeat the filter's last speed, and a clutter track whose speed jumps at each plot reads steady over all of them.
The speed made good must pass the threshold beyond what the track's position noise alone could make of it
(`made_good_sigmas`, one standard deviation): pleasure boats cruise at up to 24.7 kn, and one coming in from
beyond AIS reception (its class B set not heard yet: dark) has a radar track 30 km out that makes good 25.4-25.7
kn over two minutes (held-out seeds 24-29, twice).
A dark radar track must also have shown that it is a vessel (`track_evidence.shown_vessel`): a track score of at
least `min_track_score`, or at least `min_plots_per_scan` plots per radar scan since it was first shown. In a storm,
clutter near a radar lines up now and then into a steady track at 30-45 kn for two minutes, on a plot every ~6
scans; its score stays near the confirmation threshold (a go-fast far out in a calm sea: 39-127). The bar is 30
(`dark_target` and `shore_approach` ask 20): a go-fast alert is the high-severity call on a dark track, and a storm's
clutter line once reached 23 over 8 plots in 4 min (held-out storm 103) where the runners of the held-out seeds
102-113 opened at 44-106 and the Astara go-fasts at 210-320 (stop 46).

Severity follows DESIGN.md's "above all for small dark
contacts": high for a dark contact; for an identified one low when it is a ship (>= 30 m) or says it is a
pleasure or sailing craft (ship type 36/37: sport boats run at 30-45 kn with their identity on), medium
otherwise (a small craft of another or unknown type).

A radar track that carried an MMSI in the last `identity_memory_s` (`engine.track_identity`, as
dark_target judges it) is that identified vessel with its AIS quiet, not a dark boat: it is held to the
identified threshold and alerted with an identified severity, unless that MMSI has been heard since more
than `elsewhere_m` from the track (the track never was that vessel). A real vessel with sparse AIS (a report
every few minutes) sailing at 24-25 kn loses its identity on fusion between reports; its radar estimate
reads 25-27 kn, which is not a go-fast. So is a track that never fused but continues such a vessel
(`identity.handed_over`): a small craft at 24.5 kn whose class B AIS fades out of reception as its radar track
breaks, seen again on a new track where its last report, run on, puts it, at its speed and course — a new
track: one seen since more than a minute before the vessel's last report ran beside it
(`handover_born_before_s`), and a vessel that had a dark boat in its company at its last reports is taken for no
track (`_note_company`: the boat's track may break and come back as a newborn).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from scipy.spatial import cKDTree

from seawatch.arrays import fill_nan
from seawatch.detect.core import F64, I64, UNMEASURED_SIGMA_M, B, ContactRule, Cycle
from seawatch.detect.identity import TrackIdentity, handed_over
from seawatch.detect.reception import leisure_craft
from seawatch.detect.spell import Steadiness
from seawatch.detect.statics import Statics
from seawatch.model.contact import ContactKind, TrackStatus
from seawatch.model.units import KN_TO_MPS, MPS_TO_KN


class HighSpeed(ContactRule):
    type = "high_speed"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "speed_kn": 25.0,  # go-fast threshold
        "hysteresis_kn": 2.0,
        "min_duration_s": 120.0,
        "clear_s": 60.0,
        # threshold for contacts with an AIS identity: crew boats, pilots and sport boats cruise lawfully at
        # 20-25 kn with their identity on (through a tracker, 25.0 kn reads 25-26 kn); the go-fast threshold is
        # for the unidentified, an identified vessel is flagged when it is faster than those
        "identified_speed_kn": 30.0,
        "max_speed_kn": 60.0,  # above this it is a tracking error (or sea clutter), not a boat
        "max_turn_dps": 2.0,  # a course swinging more than this on average over ~2 min: clutter
        "min_straightness": 0.7,  # made good / sailed over the spell: below, a wandering (clutter) track
        "max_speed_jitter": 0.08,  # jitter of speed changes / mean speed over ~2 min: a boat holds its speed, clutter jumps
        "max_ais_age_s": 90.0,  # an AIS-only contact's last report older than this: its speed is extrapolated, held
        "identity_memory_s": 21_600.0,  # a radar track's AIS identity this recent makes it that vessel (dark_target's)
        "elsewhere_m": 1500.0,  # ... unless that MMSI has been heard since this far from the track
        # a track that never fused continues an identified vessel whose AIS has been silent 60 s to 10 min and whose
        # last heard position, run on at its speed and course, is within 1 km, at its speed and course (`handed_over`)
        "handover_silent_s": 60.0,
        "handover_memory_s": 600.0,
        "handover_m": 1000.0,
        "handover_speed_tol_kn": 3.0,
        "handover_course_tol_deg": 20.0,
        "handover_born_before_s": 60.0,  # ... not a track seen since more than this before the vessel's last report
        "max_position_sigma_m": UNMEASURED_SIGMA_M,  # a track predicted without plots this long is held
        # a dark radar track must have shown it is a vessel, not a storm's clutter lined up (track_evidence.py): its
        # track score at least this, or at least this many plots per radar scan since first shown. 30: the go-fasts
        # of seeds 102-113 opened at 44-320 (44 openings), a storm's clutter line at 21 (peak 23; stop 46)
        "min_track_score": 30.0,
        "min_plots_per_scan": 0.3,
        # the speed made good over the spell must pass the threshold by this many standard deviations of its
        # position noise (`Cycle.made_good_doubt_mps`): 30 km out a radar track of a 24.6 kn boat makes good 25.4
        "made_good_sigmas": 1.0,
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.use_spell()
        self.handovers = TrackIdentity()   # the identities `handed_over` gave radar tracks, kept as a fused one is
        self.plotted = Steadiness()   # the speed's jitter over the updates that measured the contact (`_plot_jitter`)
        engine.memory.attach(self.plotted)
        # per slot: the last fresh AIS report at which a dark boat ran in the vessel's company (`_note_company`)
        self.company_t = np.zeros(0)
        engine.memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"company_t": np.nan}

    def min_duration(self, cyc: Cycle) -> F64 | float | None:
        # the spell must have made good the speed it claims, in a fairly straight line
        return self.held_min_duration(cyc)

    def remembered(self, cyc: Cycle, rows: B) -> I64:
        """The MMSI each dark row's radar track carried within identity_memory_s and not heard since
        elsewhere_m away from it (0: none), for the rows in `rows`: an MMSI it was fused with, or one `handed_over`
        gave it."""
        out = np.zeros(len(cyc), np.int64)
        track = cyc.cache.get("radar_track_id")
        if track is None:
            return out
        r = np.flatnonzero(rows & cyc.dark & (track >= 0))
        if not len(r):
            return out
        p, mem = self.p, self.engine.memory
        for known in (self.engine.track_identity, self.handovers):   # fused once, or handed over before
            out[r] = known.remembered(track[r], cyc.x[r], cyc.y[r], cyc.now, mem, p["identity_memory_s"],
                                      p["elsewhere_m"])
            r = r[out[r] == 0]
            if not len(r):
                return out
        # a track already alerted as a dark go-fast ran beside whichever vessel falls silent later: not handed over
        r = r[[self.book.get(self.type, int(c)) is None for c in cyc.contact_id[r]]]
        if not len(r):
            return out
        out[r] = handed_over(cyc.x[r], cyc.y[r], cyc.sog_mps[r], cyc.cog_deg[r], cyc.now, mem, self.engine.track_identity,
                             silent_s=p["handover_silent_s"], memory_s=p["handover_memory_s"], within_m=p["handover_m"],
                             speed_tol_mps=p["handover_speed_tol_kn"] * KN_TO_MPS,
                             course_tol_deg=p["handover_course_tol_deg"],
                             born_t=self.engine.track_identity.born(track[r], mem.f["first_t"][cyc.slot[r]]),
                             born_before_s=p["handover_born_before_s"], company_t=self.company_t)
        # kept like a fused identity (until identity_memory_s, or that MMSI heard elsewhere): the vessel's silence
        # outlasting handover_memory_s does not make its track a dark boat
        self.handovers.note(track[r], out[r], cyc.t[r])
        self.handovers.forget(cyc.now - p["identity_memory_s"])
        return out

    def _note_company(self, cyc: Cycle) -> None:
        """The vessels whose fresh AIS report has a dark boat in company: within `handover_m`, at their speed and
        course (the hand-over's tolerances), seen for `handover_born_before_s` at least (not the vessel's own new
        track, fused within seconds; nor the vessel's own track, dark beside it when fusion let go while its
        reports still come: a track whose last identity is the vessel's). Such a vessel falling silent is not
        handed over (`handed_over`'s `company_t`): which track is it? A track break of the boat in company would
        make it a newborn."""
        p = self.p
        tol = p["handover_speed_tol_kn"] * KN_TO_MPS
        sog = fill_nan(cyc.sog_mps)
        v = np.flatnonzero(cyc.cache["fresh_ais"] & (cyc.mmsi > 0) & (sog >= tol) & np.isfinite(cyc.cog_deg))
        if not len(v):
            return
        d = np.flatnonzero(cyc.dark & (sog >= tol) & np.isfinite(cyc.cog_deg))
        if not len(d):
            return
        track = cyc.cache.get("radar_track_id", np.full(len(cyc), -1, np.int64))
        born = self.engine.track_identity.born(track[d], self.engine.memory.f["first_t"][cyc.slot[d]])
        d = d[born <= cyc.t[d] - p["handover_born_before_s"]]
        if not len(d):
            return
        was = self.engine.track_identity.last(track[d])[0]   # the MMSI each dark row's track carried last (0: none)
        # only the (vessel, dark row) pairs within handover_m are judged (a k-d tree): vessels x dark rows each cycle
        # grew with the square of the traffic
        pairs = cKDTree(np.column_stack([cyc.x[d], cyc.y[d]])).query_ball_point(
            np.column_stack([cyc.x[v], cyc.y[v]]), r=p["handover_m"], return_sorted=False)
        iv = np.repeat(np.arange(len(v)), [len(q) for q in pairs])
        if not len(iv):
            return
        jd = np.concatenate([np.asarray(q, np.int64) for q in pairs])
        vv, dd = v[iv], d[jd]
        turn = np.abs((cyc.cog_deg[vv] - cyc.cog_deg[dd] + 180.0) % 360.0 - 180.0)
        near = ((np.hypot(cyc.x[vv] - cyc.x[dd], cyc.y[vv] - cyc.y[dd]) <= p["handover_m"])
                & (np.abs(sog[vv] - sog[dd]) <= tol) & (turn <= p["handover_course_tol_deg"])
                & (cyc.mmsi[vv] != was[jd]))   # as `same_motion` judges a pair
        w = np.unique(vv[near])
        self.company_t[cyc.slot[w]] = cyc.t[w]

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        p = self.p
        self._note_company(cyc)
        kn = cyc.sog_kn
        # only a row that could be fast for a dark boat needs its track's past identity
        was = self.remembered(cyc, kn >= p["speed_kn"] - p["hysteresis_kn"])
        cyc.cache["high_speed_was_mmsi"] = was
        thr = np.where(cyc.identified | (was > 0), p["identified_speed_kn"], p["speed_kn"])
        cyc.cache["high_speed_threshold_kn"] = thr
        sane = kn <= p["max_speed_kn"]
        good_mps, straight, _, jitter = self.spell_step(cyc)
        # clutter for sure (latched, core.HOLD_RELEASE_S): a course that swings, a speed that jumps far more than
        # a boat's (twice the jitter allowed: a boat's speed ramps give some jitter where they start and end)
        clutter = (jitter > 2 * p["max_speed_jitter"]) | (cyc.turn_rate_dps() > p["max_turn_dps"])
        extrapolated = (cyc.kind == int(ContactKind.AIS_ONLY)) & (fill_nan(cyc.ais_age_s, nan=0.0) > p["max_ais_age_s"])
        unmeasured = cyc.unmeasured(p["max_position_sigma_m"])
        sure_mps = good_mps - cyc.made_good_doubt_mps(cyc.t - self.spell.t0[cyc.slot], p["made_good_sigmas"],
                                                       self.spell.sigma0_m[cyc.slot])
        hold = ((sure_mps * MPS_TO_KN < thr) | (straight < p["min_straightness"])
                | (jitter > p["max_speed_jitter"]) | (self._plot_jitter(cyc) > p["max_speed_jitter"]) | clutter
                | extrapolated | unmeasured
                | ~cyc.shown_vessel(p["min_track_score"], p["min_plots_per_scan"]))
        proven = self.proven(cyc, hold)
        self.hold, self.clutter = hold & ~proven, clutter & ~proven
        return (kn >= thr) & sane, (kn >= thr - p["hysteresis_kn"]) & sane

    def _plot_jitter(self, cyc: Cycle) -> F64:
        """Each row's speed jitter counted over its contact's measured updates only: every row but a radar
        track's COASTING one without a fresh AIS report (the filter's prediction: its speed the last one; a fused
        contact whose track coasts while its reports come is measured by them). A clutter track coasting between
        sparse plots, its speed jumping 2-11 kn at each, reads steady over all its updates (storm seed 2: 18
        predictions among 6 plots brought the jitter under 0.08). Held on either jitter: this one never opens an
        alert the other holds."""
        meas = (cyc.status != int(TrackStatus.COASTING)) | cyc.cache["fresh_ais"]
        out = np.full(len(cyc), np.nan)
        k = np.flatnonzero(meas)
        if len(k):
            out[k] = self.plotted.step(cyc.slot[k], cyc.t[k], cyc.sog_mps[k], cyc.cog_deg[k])[1]
        c = cyc.slot[~meas]
        if len(c):   # as at its last plot
            m = self.plotted.sog_mean[c]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[~meas] = np.where(m > 0.5, np.sqrt(self.plotted.sog_var[c]) / m, np.nan)
        return out

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        kn = float(cyc.sog_kn[r])
        mx = self.prior(cyc, r, "max_speed_kn", kn, opening=opening)
        was = int(cyc.cache.get("high_speed_was_mmsi", np.zeros(len(cyc), np.int64))[r])
        dark = bool(cyc.dark[r]) and was == 0
        # a radar track with its AIS quiet taken for a vessel (fused with, or continued): the vessel is named, and a
        # ship (>= 30 m, as its AIS gave it) is judged as one. Not a pleasure craft's type: those run fast with their
        # identity on, and this one has it off. Not in the alert's `mmsi` list, which only grows (a name refuted
        # later, that MMSI heard far away, would stay)
        vessel = self.engine.statics.of(was) if was > 0 else None
        if vessel is None:
            small = not (cyc.length_m[r] >= 30.0)
            leisure = bool(leisure_craft(cyc.ship_type[r:r + 1])[0])
        else:
            small, leisure = not (vessel.length_m >= 30.0), False
        sev = "high" if dark else ("medium" if small and not leisure else "low")
        cog = float(cyc.cog_deg[r])
        thr = cyc.cache.get("high_speed_threshold_kn")
        how, silent_s = self._identity_of(cyc, r, was) if was > 0 else (None, math.nan)
        who = cyc.who(r)
        if how is not None and vessel is not None:
            if not math.isfinite(silent_s):
                quiet = "AIS silent"
            elif silent_s >= self.p["handover_silent_s"]:
                quiet = f"AIS silent {silent_s / 60:.0f} min"
            else:   # fusion let go of it while its reports still come: its AIS is not silent
                quiet = f"its AIS heard {max(silent_s, 0.0):.0f} s ago"
            who += (f", last identified as {vessel.label()} ({quiet})" if how == "fused"
                    else f", taken for {vessel.label()}, whose track it continues ({quiet})")
        return {"severity": sev,
                "summary": f"High speed: {who} at {kn:.0f} kn (max {mx:.0f} kn), "
                           + (f"course {round(cog) % 360:.0f}°." if math.isfinite(cog) else "course unknown."),
                "evidence": {"speed_kn": kn, "max_speed_kn": mx,
                             "threshold_kn": float(thr[r]) if thr is not None else self.p["speed_kn"],
                             "cog_deg": float(cyc.cog_deg[r]), "dark": dark,
                             "last_mmsi": was if was > 0 else None,
                             **{f"last_{k}": v for k, v in (vessel.evidence() if vessel else Statics.UNNAMED).items()},
                             "identity": how,
                             "ais_silent_s": silent_s if math.isfinite(silent_s) else None}}

    def _identity_of(self, cyc: Cycle, r: int, mmsi: int) -> tuple[str, float]:
        """How row r's radar track got `mmsi` ("fused": it carried it; "handed_over": `handed_over` gave it), and
        how long that MMSI has been silent (NaN: not heard in memory)."""
        track = cyc.cache.get("radar_track_id")
        tid = np.array([int(track[r]) if track is not None else -1], np.int64)
        handed = (int(self.engine.track_identity.last(tid)[0][0]) != mmsi
                  and int(self.handovers.last(tid)[0][0]) == mmsi)
        mem = self.engine.memory
        heard = mem.f["last_ais_t"][: mem.n][mem.i["last_mmsi"][: mem.n] == mmsi]
        heard = heard[np.isfinite(heard)]
        silent_s = float(cyc.t[r] - heard.max()) if len(heard) else math.nan
        return ("handed_over" if handed else "fused"), silent_s
