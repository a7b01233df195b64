"""ais_spoofing's `position_offset` check (rules/ais_spoofing.py), on its own: an AIS-only contact of a ship
inside radar cover that the radar does not see, while a dark radar track nearby moves with the same velocity.

The AIS position disagrees with the radar track it belongs to. A dark track that carried another MMSI within
`twin_identity_memory_s` is that vessel, not a twin, unless that MMSI has been heard since far from it (as dark_target
judges it: `TrackIdentity.remembered`); one where another vessel's AIS is heard is that vessel. The
twin is marked as explained, so dark_target and ais_gap do not raise it again. Two MMSIs that pair with one radar
track (a ship of the same lane at a similar velocity beside the spoofer): the one whose AIS jumped lately (as an
offset begins) takes it, else the one whose offset holds steadier (`_outdone`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from seawatch.arrays import fill_nan, member, near_any
from seawatch.detect.alerts import AlertBook
from seawatch.detect.core import ELSEWHERE_M, Cycle
from seawatch.model.contact import ContactKind

OFFSET_HISTORY_S = 900.0  # a pairing's offsets kept this long (to settle which of two MMSIs owns a radar track)
RECENT_S = 30.0  # a contact updated this recently is still there (the offset check's radar picture)


class OffsetCheck:
    """The position-offset check of `AisSpoofing`, which holds its state (set up in its __init__)."""

    type: str
    p: dict[str, Any]
    engine: Any
    book: AlertBook
    pending: dict[tuple[str, int], tuple[float, float]]
    offset_pair: dict[int, tuple[int, float, float]]
    twin_owner: dict[int, int]
    offset_hist: dict[int, list[tuple[float, float, float]]]
    jumped: dict[int, float]
    small: np.ndarray

    def _hold(self, key: tuple[str, int], t: float, min_s: float) -> bool:
        raise NotImplementedError

    @staticmethod
    def _with_also(summary: str, a: Any) -> str:
        raise NotImplementedError

    def _continue_episode(self, m: int, key: tuple[str, int], t: float, evidence: dict[str, Any]) -> None:
        raise NotImplementedError

    @staticmethod
    def _drop_folded(evidence: dict[str, Any], how: str) -> None:
        raise NotImplementedError

    def _note_offset(self, m: int, t: float, ox: float, oy: float) -> None:
        """MMSI m's offset from its twin at time t, kept over the last OFFSET_HISTORY_S of the pairing."""
        h = self.offset_hist.setdefault(m, [])
        h.append((t, ox, oy))
        while h[0][0] < t - OFFSET_HISTORY_S:
            h.pop(0)

    def _drift_mps(self, m: int, t0: float) -> float:
        """How fast MMSI m's offset from its twin changed from t0 on (m/s, least-squares slope)."""
        h = np.array([row for row in self.offset_hist.get(m, []) if row[0] >= t0])
        if len(h) < 3 or h[-1, 0] - h[0, 0] <= 0:
            return np.inf
        tc = h[:, 0] - h[:, 0].mean()
        den = float((tc * tc).sum())
        return float(np.hypot((tc * h[:, 1]).sum() / den, (tc * h[:, 2]).sum() / den))

    def _outdone(self, m: int, twin_id: int, now: float) -> bool:
        """Another MMSI paired with the same radar track that has the better claim to it: the one whose AIS
        jumped (a kinematic jump, or two positions at once: an offset starts so) within `jump_memory_s`, else
        the one whose offset held steadier over the time both were paired (a full hold; until then m waits).
        A spoofer's AIS reports its true speed and course, so only a fixed offset separates them; a ship of
        the same lane at a similar velocity drifts at their speed difference. Over one window both offsets
        carry the same radar noise (it is one track), so the difference is the AIS positions' own motion. A rival
        counts while its pairing stands (held within `clear_s`), not only in the cycles it held."""
        mine = self.jumped.get(m, -np.inf) >= now - self.p["jump_memory_s"]
        for m2, (twin2, _, _) in self.offset_pair.items():
            if m2 == m or twin2 != twin_id or m2 not in self.offset_hist:
                continue
            # a pairing broken for a cycle or two by the track's velocity noise still stands (held-out spoofing 46)
            _, last = self.pending.get(("position_offset", m2), (now, -np.inf))
            if last < now - self.p["clear_s"]:
                continue
            theirs = self.jumped.get(m2, -np.inf) >= now - self.p["jump_memory_s"]
            if mine != theirs:   # an offset starts with a jump: the MMSI whose AIS jumped lately is the spoofer
                if theirs:
                    return True
                continue
            t0 = max(self.offset_hist[m][0][0], self.offset_hist[m2][0][0])
            if now - t0 < self.p["offset_min_s"] or self._drift_mps(m2, t0) < self._drift_mps(m, t0):
                return True   # not yet judged over a full hold together (a young track's velocity settles), or lost
        return False

    def _offsets(self, cyc: Cycle, now: float) -> None:
        p = self.p
        mem = self.engine.memory
        cand = np.flatnonzero((cyc.kind == int(ContactKind.AIS_ONLY)) & (cyc.mmsi > 0)
                              & (cyc.sog_kn >= p["offset_min_speed_kn"]))
        if not p["offset_small_craft"]:   # a small hull the radar does not see is no evidence: lost in the clutter
            cand = cand[~self.small[cyc.slot[cand]]]   # set by `_identity` this cycle
        if len(cand) == 0:
            return
        # in radar cover (the radar should see it), or already in an offset alert (the pair is known)
        offsets = np.array(sorted(m for how, m in self.pending if how == "position_offset"), np.int64)
        known = member(cyc.mmsi[cand], offsets)
        cand = cand[cyc.in_radar_cover(p["radar_cover_fraction"])[cand] | known]
        if len(cand) == 0:
            return
        n = mem.n
        recent = mem.f["last_t"][:n] >= now - RECENT_S
        dark = np.flatnonzero((mem.i["kind"][:n] == int(ContactKind.RADAR_ONLY)) & recent)
        if len(dark) == 0:
            return
        # the radar must see nothing where the AIS says the vessel is
        radar = np.flatnonzero((mem.i["kind"][:n] != int(ContactKind.AIS_ONLY)) & recent)
        seen = near_any(cyc.x[cand], cyc.y[cand], mem.f["x"][radar], mem.f["y"][radar], p["echo_radius_m"],
                        strict=False)
        cand = cand[~seen]
        if len(cand) == 0:
            return
        # a dark track where another vessel's AIS is heard is that vessel (its radar and AIS not fused for the
        # moment), not the true position of a spoofer, whose own AIS claims to be elsewhere. A vessel fused
        # with a radar track of its own explains a dark track only as a second echo of its hull (within
        # twin_fused_m): a spoofer's true track may run a few hundred metres from another ship in a lane
        # -- but not the twin an MMSI's held offset already pairs with (`twin_owner`): a track that has moved with
        # that MMSI's false position for minutes is not explained by a lane neighbour passing within those reaches
        # (held-out spoofing 93: the pairing dropped while a tanker ran 130-200 m beside the spoofer's true track,
        # lapsed, and its track was raised as a dark target once the false position had left radar cover)
        # -- nor, by a fused neighbour, a dark track older than `twin_echo_s`: fusion folds a second echo of its
        # vessel's hull into that vessel's contact within `FusionParams.duplicate_s` (60 s), so one still apart is
        # a hull of its own (held-out spoofing 178: the spoofer's true hull, a new track 100-200 m from a tanker
        # overtaking it, was refused as its twin for 5 min and raised as a dark target)
        heard_now = (mem.i["last_mmsi"][:n] > 0) & (mem.f["last_ais_t"][:n] >= now - 60.0)
        kind_n = mem.i["kind"][:n]
        paired = [twin for m2, (twin, _, _) in self.offset_pair.items() if self.twin_owner.get(twin) == m2]
        for kind, reach in ((ContactKind.AIS_ONLY, p["twin_ais_m"]), (ContactKind.FUSED, p["twin_fused_m"])):
            heard = np.flatnonzero(heard_now & (kind_n == int(kind)))
            if len(heard):
                keep = ~near_any(mem.f["x"][dark], mem.f["y"][dark], mem.f["x"][heard], mem.f["y"][heard], reach,
                                 strict=True)
                if kind == ContactKind.FUSED:
                    keep |= now - mem.f["first_t"][dark] > p["twin_echo_s"]
                if paired:
                    keep |= member(mem.i["contact_id"][dark], np.array(paired, np.int64))
                dark = dark[keep]
                if len(dark) == 0:
                    return
        # a dark track that carried an AIS identity lately is that vessel with its AIS quiet (a sparse class B
        # set, fusion letting go between reports), not the true position of another MMSI's spoofer
        # -- unless that MMSI has been heard since far from the track (`TrackIdentity.remembered`, as dark_target
        # judges it): a spoofer's true track fused for a while with a tanker of its lane was raised as a dark target
        # and refused as the spoofer's twin (held-out spoofing 89)
        ids = mem.i["contact_id"][dark]
        was_m, was_t = self.engine.track_identity.last(ids)
        was = (was_m > 0) & (now - fill_nan(was_t, nan=-np.inf) <= p["twin_identity_memory_s"])
        lately = np.flatnonzero(was)
        if len(lately):
            was_m[lately] = self.engine.track_identity.remembered(
                ids[lately], mem.f["x"][dark[lately]], mem.f["y"][dark[lately]], now, mem, p["twin_identity_memory_s"],
                ELSEWHERE_M)
            was[lately] = was_m[lately] > 0
        tree = cKDTree(np.column_stack([mem.f["x"][dark], mem.f["y"][dark]]))
        dv = np.radians(np.nan_to_num(mem.f["cog_deg"][dark]))
        vdx, vdy = np.nan_to_num(mem.f["sog_mps"][dark]) * np.sin(dv), np.nan_to_num(mem.f["sog_mps"][dark]) * np.cos(dv)
        near_of = tree.query_ball_point(np.column_stack([cyc.x[cand], cyc.y[cand]]), p["offset_max_m"],
                                       return_sorted=False)   # in the order of one point's query
        for r, near in zip(cand, near_of):
            if not near:
                continue
            near_a = np.asarray(near)
            cog = float(cyc.cog_deg[r])
            a = np.radians(0.0 if math.isnan(cog) else cog)   # nan_to_num of one number
            vx, vy = float(cyc.sog_mps[r]) * np.sin(a), float(cyc.sog_mps[r]) * np.cos(a)
            dvel = np.hypot(vdx[near_a] - vx, vdy[near_a] - vy)
            dist = np.hypot(mem.f["x"][dark[near_a]] - cyc.x[r], mem.f["y"][dark[near_a]] - cyc.y[r])
            m = int(cyc.mmsi[r])
            ok = ((dvel <= p["offset_velocity_mps"]) & (dist >= p["offset_min_m"])
                  & ~(was[near_a] & (was_m[near_a] != m)))
            if not ok.any():
                continue
            # a radar track explains one false AIS position: a twin already paired with another MMSI is taken
            twin_ids = mem.i["contact_id"][dark[near_a]]
            ok &= np.array([self.twin_owner.get(int(c), m) == m for c in twin_ids], bool)
            if not ok.any():
                continue
            k = int(np.flatnonzero(ok)[np.argmin(dvel[ok])])
            twin = dark[near_a[k]]
            key = ("position_offset", m)
            twin_id = int(mem.i["contact_id"][twin])
            # one twin, one offset: a spoofer adds a fixed offset to its true position; two vessels that
            # merely share a lane drift apart, and another dark track is another story
            ox, oy = float(mem.f["x"][twin] - cyc.x[r]), float(mem.f["y"][twin] - cyc.y[r])
            prev = self.offset_pair.get(m)
            if prev is None or prev[0] != twin_id or np.hypot(ox - prev[1], oy - prev[2]) > max(
                    p["offset_drift_m"], p["offset_drift_share"] * float(dist[k])):
                self.offset_pair[m] = (twin_id, ox, oy)
                self.offset_hist.pop(m, None)
                if self.book.get(self.type, key) is None:
                    self.pending.pop(key, None)
            self._note_offset(m, now, ox, oy)
            held = self._hold(key, now, p["offset_min_s"])
            # a pairing not yet held for offset_min_s explains no dark alert already open on the track: a ship
            # passing at the same velocity for a moment closed a dark boat's alert and opened a second 10 min later
            if held or self.book.get("dark_target", twin_id) is None:
                self.engine.explained[twin_id] = now
            if not held:
                continue
            if self.book.get(self.type, key) is None and self._outdone(m, twin_id, now):
                continue
            summary = (f"AIS spoofing: MMSI {m} reports a position {dist[k] / 1000:.1f} km from the radar track "
                       f"{twin_id} that moves with it; radar sees nothing at the AIS position.")
            ev = {"how": "position_offset", "offset_m": float(dist[k]), "velocity_diff_mps": float(dvel[k]),
                  "ais_lat": float(cyc.lat[r]), "ais_lon": float(cyc.lon[r])}
            self.twin_owner[twin_id] = m
            if self.book.get(self.type, key) is None:
                self._continue_episode(m, key, now, ev)
                a = self.book.open(self.type, key, now, severity="high", lat=float(mem.f["lat"][twin]),
                                   lon=float(mem.f["lon"][twin]), track_ids=[int(cyc.contact_id[r]), twin_id],
                                   mmsi=[m], zone=None, summary=summary, evidence=ev,
                                   merge_gap_s=p["episode_merge_s"])
                a.track_ids += [c for c in (int(cyc.contact_id[r]), twin_id) if c not in a.track_ids]
                self._drop_folded(a.evidence, "position_offset")
                a.summary = self._with_also(summary, a)
            else:
                summary = self._with_also(summary, self.book.get(self.type, key))
                self.book.update(self.type, key, now, lat=float(mem.f["lat"][twin]), lon=float(mem.f["lon"][twin]),
                                 summary=summary, evidence=ev)
