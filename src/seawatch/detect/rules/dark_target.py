"""dark_target: a radar track with no correlated AIS for >= 5 min inside AIS coverage.

A contact outside AIS reception is not dark (nothing could have heard it). Contacts inside a port are
left alone (small harbour craft without AIS are normal there), and a radar track explained by an
ais_spoofing alert (its AIS is being broadcast elsewhere) is that alert's business.

A radar track that carried an MMSI in the last `identity_memory_s` is that vessel with its AIS unheard,
not a stranger: it counts as dark only once the MMSI's silence is an `ais_gap` (longer than the vessel's
own reporting interval allows, inside coverage), or when the MMSI is heard since, away from the track (the
track never was that vessel). Otherwise a fishing boat at the edge of reception, stopped and reporting every 3 min, turns
"dark" whenever two reports are lost; one whose class B set is heard a few times an hour at the edge of
reception would turn "dark" between them, so the memory lasts as long as the track (6 h by default). The dark
time still counts from when the AIS stopped.

AIS coverage for a dark contact is where a small craft would be heard: a radar echo without AIS is only
suspicious where even a low class B antenna (`small_craft_antenna_m`, 3 m) is within `small_craft_fraction`
(0.9) of its radio line of sight to an AIS station (`geo/radio.py`, the station's `height_m`). Beyond it a
fishing boat's class B set is heard a few times an hour or never (reception fades over the last ~20 % of the
line of sight), and a big ship's 10-25 m antenna still reaches the station; the site's `range_m` (a big
ship's reach) still bounds it. This applies to contacts slower than `fast_kn` (15 kn: fishing and working
speeds, where the innocent explanation dominates); a faster contact without AIS is judged across the site's
AIS range, class B or not: the cost of missing a go-fast outweighs an alert on a fast pleasure boat far out.
Out there, though, a pleasure boat's class B set (30 s under way) is heard only now and then: such a contact
must be dark for `fringe_min_duration_s` (15 min) rather than 5 before it opens. A go-fast heading in crosses
into small-craft coverage within minutes (the 5 min count from when it went dark), and one that stays out
at 25 kn or more is `high_speed`'s alert from the start. A fast contact dark out there that then crosses into
small-craft coverage opens only once it has been inside for `cover_entry_s` (90 s, three class B reports under
way): at the edge a class B set is heard at every other report or so, and a pleasure boat coming in from the
fringe is heard within a report or two of crossing it (held-out astara-gofast 104 and 107, caspian-day 106: a
class B boat on the Kura-Lankaran run opened dark 15-40 s before its first report was heard). A go-fast's
alert waits that long at most.

A dark track with a vessel's AIS just heard beside it is that vessel, not yet joined: fusion takes a track's
identity after three updates pointing to it (`FusionParams.confirm_updates`, 10-15 s). It is held while a
position report of an AIS-only contact (heard, not fused with any track) at most `beside_age_s` (30 s) old lies
within `beside_m` (300 m, plus the track's run since the report) of it, at a speed within `beside_kn` (5 kn) of
its own; for `beside_hold_s` (60 s) at most, so a stranger running beside a vessel whose AIS fusion does not join
to it still opens (held-out spoofing 153 and astara-gofast 157: a class B boat coming into small-craft reception
after its `cover_entry_s` was heard 2-6 s before its dark alert opened, and fusion joined the two 6-10 s after).

A dark radar track must have shown that it is a vessel (`track_evidence.shown_vessel`, as `high_speed` judges
it): a track score of at least `min_track_score`, or `min_plots_per_scan` plots per radar scan since it was first
shown (a storm's clutter near Neft Daşları made a 50 kn track of 13 plots in 5 min, unscored: 0.1 per scan).

An engine that has just started has heard nothing yet: a slow vessel's next report can be 3 min away, more
at the edge of reception. For its first `warmup_s` no dark alert opens (the timers run; a track still dark
after it opens with its dark time counted from the start).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from seawatch.arrays import member
from seawatch.detect.core import BOAT_LIKE_DEFAULTS, F64, I64, B, ContactRule, Cycle
from seawatch.detect.rules.ais_spoofing import open_clone_mmsis
from seawatch.detect.statics import Statics
from seawatch.model.contact import ContactKind, TrackStatus
from seawatch.model.units import MPS_TO_KN


class DarkTarget(ContactRule):
    type = "dark_target"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "min_duration_s": 300.0,  # DESIGN.md: >= 5 min
        "clear_s": 120.0,  # AIS back (or out of cover) this long closes it
        "coverage_fraction": 0.95,  # inside this fraction of an AIS station's range
        "port_margin_m": 500.0,  # within this of a port polygon: not alerted
        "fast_kn": 15.0,  # a dark contact this fast is "high"
        "identity_memory_s": 21_600.0,  # a track's AIS identity this recent makes it that vessel, not a stranger
        "warmup_s": 600.0,  # no absence of AIS is judged before the engine has listened this long
        "elsewhere_m": 1500.0,  # ... unless that MMSI has been heard since this far from the track
        **BOAT_LIKE_DEFAULTS,  # a track that does not move like a boat is clutter (core.ContactRule.wandering)
        "moored_m": 100.0,  # a stopped echo this close to a stopped vessel whose AIS is heard is one of a
        "moored_kn": 1.0,  # cluster moored together (the radar cannot split them), not a dark stranger; its
        # dark time counts from when it leaves
        "small_craft_antenna_m": 3.0,  # below fast_kn, judged only where a class B set this high would be heard:
        "small_craft_fraction": 0.9,  # within this fraction of its line of sight to an AIS station (height_m)
        "fringe_min_duration_s": 900.0,  # from fast_kn, dark this long where a class B set would not be heard
        "cover_entry_s": 90.0,  # ... or, dark out there and then inside its coverage, inside this long
        # a vessel's AIS just heard beside it (fusion has not joined them yet): held, this long at most
        "beside_m": 300.0,
        "beside_age_s": 30.0,
        "beside_kn": 5.0,
        "beside_hold_s": 60.0,
        # a dark radar track must have shown it is a vessel, not a storm's clutter (track_evidence.py, as high_speed)
        "min_track_score": 20.0,
        "min_plots_per_scan": 0.3,
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.use_spell()
        self.fringe = np.zeros(0, bool)  # per row of the cycle: dark where only a fast contact is judged
        self.fringe_t = np.zeros(0)
        self.beside_t = np.zeros(0)
        engine.memory.attach(self)

    # fringe_t: per slot, when it was last beyond small-craft coverage; beside_t: since when an AIS-only vessel has
    # been heard beside it (`_ais_beside`; NaN: none now)
    slot_fields: ClassVar[dict[str, Any]] = {"fringe_t": np.nan, "beside_t": np.nan}

    def min_duration(self, cyc: Cycle) -> F64 | float | None:
        held = self.held_min_duration(cyc)
        fringe_d = np.fmax(held, self.p["fringe_min_duration_s"])
        # inside coverage after dark time beyond it: inside cover_entry_s first (NaN -- never out there, or no
        # spell running -- leaves `held`), never longer than the fringe's own wait
        entered = self.fringe_t[cyc.slot] + self.p["cover_entry_s"] - self.timer.since[cyc.slot]
        inside_d = np.where(held < np.inf, np.fmin(np.fmax(held, entered), fringe_d), held)
        return np.where(self.fringe, fringe_d, inside_d)

    def _identified_unsure(self, cyc: Cycle, dark: B) -> tuple[B, dict[int, float]]:
        """Dark rows whose radar track had an identity lately that is neither gone (ais_gap) nor elsewhere;
        and, of the rows whose identity's silence is an open gap, when it was last heard (row -> time)."""
        unsure = np.zeros(len(cyc), bool)
        went_dark: dict[int, float] = {}
        track = cyc.cache.get("radar_track_id")
        if track is None:
            return unsure, went_dark
        rows = np.flatnonzero(dark & (track >= 0))
        if not len(rows):
            return unsure, went_dark
        was = self.engine.track_identity.remembered(track[rows], cyc.x[rows], cyc.y[rows], cyc.now, self.engine.memory,
                                                    self.p["identity_memory_s"], self.p["elsewhere_m"])
        gone = np.zeros(len(cyc), np.int64)   # per row, the MMSI whose open gap its track continues (describe)
        for k in np.flatnonzero(was).tolist():
            m, r = int(was[k]), int(rows[k])
            gap = self.book.get("ais_gap", m)
            if gap is None:
                unsure[r] = True
            elif gap.evidence.get("last_ais_t") is not None:
                went_dark[r] = float(gap.evidence["last_ais_t"])
                gone[r] = m
        cyc.cache["dark_target_went_dark_mmsi"] = gone
        return unsure, went_dark

    def _dark_since_ais_stopped(self, cyc: Cycle, enter: B, went_dark: dict[int, float]) -> None:
        """A vessel whose AIS went silent on its own radar track has been dark since its last report, not
        since the tracker let go of its identity (fusion keeps it a minute or two): its timer starts there."""
        for r, heard_t in went_dark.items():
            s = int(cyc.slot[r])
            if enter[r] and not self.timer.active[s]:
                self.timer.since[s] = np.fmin(self.timer.since[s], heard_t)

    def _cloned(self, track_ids: I64) -> B:
        """Per dark track: its last identity is an MMSI in an open clone alert (`ais_spoofing`, `mmsi_clone`, on its
        own or in an episode of that MMSI). Two ships broadcast that MMSI, so its reports jump between them and
        fusion lets go of each ship's track: the track is not a ship gone dark, and the clone alert has it (held-out
        spoofing 183: the clone's own hull raised as a dark target while its AIS was on)."""
        cloned = open_clone_mmsis(self.book)
        if not cloned:
            return np.zeros(len(track_ids), bool)
        was_m, _ = self.engine.track_identity.last(track_ids)
        return (was_m > 0) & member(was_m, np.asarray(cloned, np.int64))

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        p = self.p
        if not (cyc.kind != int(ContactKind.AIS_ONLY)).any():
            # no radar track in this cycle (an AIS-only site): nothing can be dark, and an AIS-only contact never
            # becomes a radar track under the same id, so its spell and clutter state would never be read
            self.hold = self.clutter = self.fringe = np.zeros(len(cyc), bool)
            return self.hold, self.hold
        confirmed = (cyc.status == int(TrackStatus.CONFIRMED)) | (cyc.status == int(TrackStatus.COASTING))
        ex = self.engine.explained
        dark = cyc.dark.copy()
        if ex:   # a spoofer's radar twin (ais_spoofing) is explained: asked of the dark rows only
            d = np.flatnonzero(dark)
            dark[d] = [ex.get(c, -np.inf) < cyc.now - 300.0 for c in cyc.contact_id[d].tolist()]
        d = np.flatnonzero(dark)
        if len(d):
            dark[d] &= ~self._cloned(cyc.contact_id[d])
        wander = self.wandering(cyc)
        self.hold = wander
        self.fringe = np.zeros(len(cyc), bool)
        if not dark.any():
            return dark, dark
        small_cover = self.engine.coverage.ais_small_craft(cyc.x, cyc.y, p["small_craft_antenna_m"],
                                                           p["small_craft_fraction"])
        cover = cyc.in_ais_cover(p["coverage_fraction"]) & ((cyc.sog_kn >= p["fast_kn"]) | small_cover)
        self.fringe = ~small_cover
        self.fringe_t[cyc.slot[self.fringe]] = cyc.t[self.fringe]
        enter = dark & confirmed & cover
        enter &= ~cyc.near_harbour(p["port_margin_m"], where=enter)
        stay = dark & cyc.in_ais_cover(1.0)
        unsure, went_dark = self._identified_unsure(cyc, enter)
        # dark again within the merge gap of its closed dark alert: the identity its track picked up meanwhile
        # (an AIS blip, or a moment's fusion with a passing ship) is no reason to wait for an ais_gap
        unsure &= ~self.proven(cyc, unsure)
        # (cyc.dark, not `dark`: a row left out of `dark` above does not enter, so its hold does not matter)
        self.hold = (unsure | wander | ~cyc.shown_vessel(p["min_track_score"], p["min_plots_per_scan"])
                     | self._ais_beside(cyc, enter & ~self.timer.active[cyc.slot]))
        self._dark_since_ais_stopped(cyc, enter, went_dark)
        if cyc.now < self.engine.started + p["warmup_s"]:
            self.hold[:] = True
        # one of a moored cluster is explained while it lies there: its dark time starts afresh when it leaves
        # (a departing neighbour drags the cluster's echo away at a few knots for a minute or two)
        idle = ~self.timer.active[cyc.slot]
        moored = cyc.moored_with_identified(enter | (stay & idle), p["moored_kn"], p["moored_m"])
        enter &= ~moored
        stay &= ~(moored & idle)
        return enter, stay

    def _ais_beside(self, cyc: Cycle, rows: B) -> B:
        """Of `rows`, those to hold for an AIS-only vessel heard beside them (module docstring), since
        `beside_t` no longer than `beside_hold_s`; `beside_t` starts and ends with the vessel beside."""
        p = self.p
        beside = np.zeros(len(cyc), bool)
        r = np.flatnonzero(rows & np.isfinite(cyc.x) & np.isfinite(cyc.y))
        if len(r):
            mem = self.engine.memory
            n = mem.n
            heard_t = mem.f["ais_pos_t"][:n]
            j = np.flatnonzero((mem.i["kind"][:n] == int(ContactKind.AIS_ONLY)) & (heard_t >= cyc.now - p["beside_age_s"])
                               & np.isfinite(mem.f["ais_x"][:n]) & np.isfinite(mem.f["ais_y"][:n]))
            if len(j):
                from scipy.spatial import cKDTree

                ax, ay, at, a_kn = mem.f["ais_x"][j], mem.f["ais_y"][j], heard_t[j], mem.f["sog_mps"][j] * MPS_TO_KN
                mps = np.nan_to_num(cyc.sog_mps[r])
                # the widest reach a report of the last beside_age_s can need; each pair is then judged on its own age
                reach = p["beside_m"] + mps * (np.abs(cyc.t[r] - cyc.now) + p["beside_age_s"])
                found = cKDTree(np.column_stack([ax, ay])).query_ball_point(np.column_stack([cyc.x[r], cyc.y[r]]),
                                                                            reach)
                for q, cand in enumerate(found):
                    if not cand:
                        continue
                    c = np.asarray(cand, np.intp)
                    k = r[q]
                    near = np.hypot(ax[c] - cyc.x[k], ay[c] - cyc.y[k]) <= p["beside_m"] + mps[q] * np.abs(cyc.t[k] - at[c])
                    beside[k] = bool((near & (np.abs(a_kn[c] - cyc.sog_kn[k]) <= p["beside_kn"])).any())
        s = cyc.slot
        self.beside_t[s] = np.where(beside, np.fmin(self.beside_t[s], cyc.t), np.nan)
        return beside & (cyc.t - self.beside_t[s] <= p["beside_hold_s"])

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        sog_kn = float(np.nan_to_num(cyc.sog_mps[r]) * MPS_TO_KN)
        max_kn = self.prior(cyc, r, "max_speed_kn", sog_kn, opening=opening)
        since = float(self.timer.since[cyc.slot[r]]) if opening else float(
            self.book.get(self.type, int(cyc.contact_id[r])).evidence.get("dark_since_t", cyc.t[r]))  # type: ignore[union-attr]
        dur = float(cyc.t[r]) - since
        night = bool(cyc.night()[r])
        sev = "high" if max_kn >= self.p["fast_kn"] or night else "medium"
        last = int(cyc.prev_mmsi[r])
        named = self._went_dark_as(cyc, r, opening)
        who = f"contact {int(cyc.contact_id[r])}"
        if named is not None:   # named once (as it opened), not again as its last AIS
            who += f", the radar track of {named.label()}, whose AIS fell silent,"
        elif last > 0:
            who += f" (last AIS {self.engine.statics.of(last).label()})"
        return {"severity": sev, "mmsi": [last] if last > 0 else [],
                "summary": f"Dark target: {who} tracked by radar without AIS for {dur / 60:.0f} min inside AIS "
                           f"coverage, {sog_kn:.1f} kn{' at night' if night else ''}.",
                "evidence": {"dark_since_t": since, "dark_duration_s": dur, "speed_kn": sog_kn,
                             "max_speed_kn": max_kn, "night": night, "last_mmsi": last if last > 0 else None,
                             "went_dark_mmsi": named.mmsi if named is not None else None,
                             **(named.evidence() if named is not None else Statics.UNNAMED)}}

    def _went_dark_as(self, cyc: Cycle, r: int, opening: bool) -> Statics | None:
        """The vessel row r's radar track carried, whose AIS silence is an open ais_gap (`_identified_unsure`), as
        named when the alert opened (its evidence keeps it); None if none. Not in the alert's `mmsi`, which only
        grows: the ais_gap alert holds that MMSI."""
        if opening:
            gone = int(cyc.cache.get("dark_target_went_dark_mmsi", np.zeros(len(cyc), np.int64))[r])
            return self.engine.statics.of(gone) if gone > 0 else None
        a = self.book.get(self.type, int(cyc.contact_id[r]))
        gone = int(a.evidence.get("went_dark_mmsi") or 0) if a is not None else 0
        return Statics.of_evidence(gone, a.evidence) if a is not None and gone > 0 else None
