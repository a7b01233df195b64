"""Radar–AIS fusion: track-to-track association with hysteresis, producing fused contacts.

Each update takes the confirmed radar tracks (a ``TrackTable``) and the AIS picture dead-reckoned to the
same time (an ``AisSnapshot``) and:

1. gates every (radar track, AIS vessel) pair on position — squared Mahalanobis distance with the sum of
   both covariances plus ``extra_sigma_m`` (antenna offset, AIS latency) — and on velocity (difference
   below ``max_velocity_diff_mps``);
2. assigns pairs by global nearest neighbour (``assign.gnn_assign_compiled``) on the pair's evidence over its last
   AIS reports (``evidence.PairEvidence``: an exponentially weighted mean of its d², see there),
   with a small bonus for the pair already associated, so a passing vessel does not steal an identity and
   a wrong association (two radar tracks that swapped between boats moored side by side) is undone once
   the AIS positions have pointed the other way for a while;
3. applies hysteresis per radar track: an unidentified track takes an AIS identity after
   ``confirm_updates`` consecutive updates pointing to it, an identified one changes identity only after
   ``switch_updates``, and an association is dropped after ``break_updates`` consecutive updates without
   support;
4. produces contacts: ``FUSED`` (radar + AIS, state fused by information weighting), ``RADAR_ONLY``
   (dark), ``AIS_ONLY`` (flagged ``in_radar_cover`` when a radar should have seen it: suspicious), and
   events for the detection stage: ``associated``, ``identity_change``, ``dissociated``,
   ``ais_on_two_tracks`` and ``ais_far_from_track`` (recorded at onset);
5. recognises duplicates: an unidentified radar track that holds the hull geometry of a vessel whose AIS
   is fused with another track — its offset from the AIS position lies within the vessel's hull
   (``hull_m``: AIS to_bow/stern/port/starboard, oriented along its course) plus the noise of both, at the
   same velocity, never more than ``duplicate_max_m`` outside the hull, for ``duplicate_s`` with a mean
   d² of at most ``duplicate_mean_d2``, the vessel under way (``duplicate_min_speed_mps``) when it starts —
   is a second track on that vessel's echo (the tracker does not merge
   tracks). It is that vessel's secondary track: no contact of its own (an event ``duplicate`` at onset),
   not a dark stranger beside it. A boat shadowing a ship 150 m off does not hold that geometry, and a
   rendezvous is slow.

All per-track bookkeeping lives in arrays keyed by the sorted radar track ids. The candidate pairs of 1. and 5.
are those within ``max_pregate_m``, found in one compiled pass (``kernels.pairs_within``: the pairs two cKDTrees
find, ordered by track then vessel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from seawatch.arrays import member
from seawatch.model.contact import ContactKind
from seawatch.track import kernels
from seawatch.track.ais_state import AisSnapshot
from seawatch.track.assign import gnn_assign_compiled
from seawatch.track.evidence import EvidenceParams, PairEvidence
from seawatch.track.kalman import FloatArray
from seawatch.track.tracker import TrackTable

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
AIS_ONLY_ID_OFFSET = 10_000_000_000   # contact id of an AIS-identified contact: offset + MMSI


@dataclass(frozen=True, slots=True)
class FusionParams:
    gate_d2: float = -2.0 * math.log(1.0 - 0.999)
    extra_sigma_m: float = 50.0
    max_velocity_diff_mps: float = 3.0
    max_pregate_m: float = 2_000.0
    keep_bonus: float = 1.0             # cost bonus of the pair already associated
    evidence: bool = True               # assign on the pair evidence over AIS reports (else this update's d²)
    confirm_updates: int = 3            # consecutive updates to associate an unidentified track
    switch_updates: int = 5             # ... to change the identity of an identified one
    break_updates: int = 5
    far_distance_m: float = 1_000.0     # associated AIS this far from its radar track: conflict
    max_ais_age_s: float = 600.0
    overdue_intervals: float = 3.0      # AIS silent this many own intervals (+ margin) supports no track
    overdue_margin_s: float = 20.0
    radar_cover: tuple[tuple[float, float, float], ...] = ()   # (x_m, y_m, range_m) per radar
    # a second radar track on an identified vessel (module docstring, 5.); duplicate_s = 0 disables
    duplicate_s: float = 60.0               # the hull geometry held this long (and the d² mean's window)
    duplicate_mean_d2: float = 4.0          # mean d² outside the hull at most this (~2 sigma)
    duplicate_min_speed_mps: float = 2.5    # the vessel under way (5 kn) while the duplicate is recognised
    duplicate_max_m: float = 75.0           # never farther than this outside the hull (a coasting track's
    #                                         wide covariance would fit anything)
    duplicate_sigma_m: float = 25.0         # extra sigma on the hull offset (radar track lag, AIS latency)


@dataclass(frozen=True, slots=True)
class FusionEvent:
    time_s: float
    kind: str           # associated | identity_change | dissociated | ais_on_two_tracks | ais_far_from_track
    #                     | duplicate (track_id is a second track of the vessel mmsi)
    track_id: int
    mmsi: int
    previous_mmsi: int = -1
    distance_m: float = float("nan")


@dataclass(frozen=True, slots=True)
class ContactTable:
    """Fused picture at one time: one row per contact."""

    time_s: float
    contact_id: Int64Array      # AIS-identified (fused or AIS-only): AIS_ONLY_ID_OFFSET + MMSI; dark: track id
    kind: npt.NDArray[np.int8]  # ContactKind
    track_id: Int64Array        # -1 for AIS-only
    mmsi: Int64Array            # -1 for radar-only
    x: FloatArray               # (N, 4)
    P: FloatArray               # (N, 4, 4)
    in_radar_cover: BoolArray
    events: list[FusionEvent] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.contact_id)


def _pregate(a: FloatArray, b: FloatArray, r: float) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """The (row of a, row of b) pairs at most r apart and their distances, ordered by a's row then b's: compiled
    (`kernels.pairs_within`), or from two cKDTrees (SEAWATCH_NO_JIT=1, or a NaN position) in the same order."""
    if kernels.ENABLED and np.isfinite(a).all() and np.isfinite(b).all():
        return kernels.pairs_within(np.ascontiguousarray(a), np.ascontiguousarray(b), float(r))
    pairs = cKDTree(a).sparse_distance_matrix(cKDTree(b), r, output_type="ndarray")
    i, j, d = pairs["i"].astype(np.intp), pairs["j"].astype(np.intp), np.asarray(pairs["v"], np.float64)
    order = np.lexsort((j, i))
    return i[order], j[order], d[order]


class RadarAisFusion:
    """Stateful association of radar tracks with AIS vessels. Call ``update`` after each tracker step."""

    def __init__(self, params: FusionParams | None = None) -> None:
        self.params = params or FusionParams()
        self.tid: Int64Array = np.empty(0, np.int64)         # sorted radar track ids
        self.assoc: Int64Array = np.empty(0, np.int64)       # associated MMSI or -1
        self.cand: Int64Array = np.empty(0, np.int64)        # candidate MMSI or -1
        self.cand_n: Int64Array = np.empty(0, np.int64)
        self.unsupported_n: Int64Array = np.empty(0, np.int64)
        self.far: BoolArray = np.empty(0, bool)
        self.shared: BoolArray = np.empty(0, bool)
        self.dup = _DuplicateState.empty()
        self.evidence = PairEvidence(EvidenceParams(prior_d2=self.params.gate_d2)) if self.params.evidence else None

    def _align(self, track_id: Int64Array) -> npt.NDArray[np.intp]:
        """Keep bookkeeping rows for exactly these tracks (new ones start blank); return their rows."""
        order = np.argsort(track_id, kind="stable")
        ids = track_id[order]
        pos = np.searchsorted(self.tid, ids)
        found = (pos < len(self.tid)) & (self.tid[np.minimum(pos, max(len(self.tid) - 1, 0))] == ids) \
            if len(self.tid) else np.zeros(len(ids), bool)
        n = len(ids)

        def carry(old: Any, blank: float) -> Any:
            new = np.full(n, blank, dtype=old.dtype)
            new[found] = old[pos[found]]
            return new

        self.assoc, self.cand = carry(self.assoc, -1), carry(self.cand, -1)
        self.cand_n, self.unsupported_n = carry(self.cand_n, 0), carry(self.unsupported_n, 0)
        self.far, self.shared = carry(self.far, False), carry(self.shared, False)
        d = self.dup
        self.dup = _DuplicateState(carry(d.mmsi, -1), carry(d.since_s, np.nan), carry(d.last_s, np.nan),
                                   carry(d.mean_d2, np.nan), carry(d.miss, 0), carry(d.on, False))
        self.tid = ids
        rows = np.empty(n, np.intp)
        rows[order] = np.arange(n)
        return rows

    def _pairs(self, tracks: TrackTable, ais: AisSnapshot) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp],
                                                                     FloatArray, FloatArray]:
        p = self.params
        n, m = len(tracks), len(ais.mmsi)
        if n == 0 or m == 0:
            e = np.empty(0, np.intp)
            return e, e, np.empty(0), np.empty(0)
        ti, aj, dist = _pregate(tracks.x[:, :2], ais.x[:, :2], p.max_pregate_m)
        # an AIS vessel overdue (silent for several of its own reporting intervals) supports no radar
        # track: its dead-reckoned position is a guess, and a vessel that changed MMSI must lose the old one
        interval = np.maximum(ais.expected_next_s - (ais.time_s - ais.age_s), 1.0)
        fresh = ais.age_s <= p.overdue_intervals * np.nan_to_num(interval, nan=60.0) + p.overdue_margin_s
        if kernels.ENABLED:   # the tests below in one compiled pass (`kernels.fusion_gate`: the same numbers)
            d2c = kernels.fusion_gate(ti, aj, tracks.x, tracks.P, ais.x, ais.P, fresh, p.extra_sigma_m**2, p.gate_d2,
                                      p.max_velocity_diff_mps)
            ok = ~np.isnan(d2c)
            return ti[ok], aj[ok], d2c[ok], dist[ok]
        keep = fresh[aj]
        ti, aj = ti[keep], aj[keep]
        d = tracks.x[ti, :2] - ais.x[aj, :2]
        s = tracks.P[ti, :2, :2] + ais.P[aj, :2, :2] + np.eye(2) * p.extra_sigma_m**2
        det = s[:, 0, 0] * s[:, 1, 1] - s[:, 0, 1] * s[:, 1, 0]
        d2 = (s[:, 1, 1] * d[:, 0] ** 2 - (s[:, 0, 1] + s[:, 1, 0]) * d[:, 0] * d[:, 1]
              + s[:, 0, 0] * d[:, 1] ** 2) / det
        dv = np.hypot(*(tracks.x[ti, 2:] - ais.x[aj, 2:]).T)
        ok = (d2 <= p.gate_d2) & (dv <= p.max_velocity_diff_mps)
        return ti[ok], aj[ok], d2[ok], dist[keep][ok]

    def update(self, tracks: TrackTable, ais: AisSnapshot, hull_m: FloatArray | None = None) -> ContactTable:
        """``hull_m``: (N, 4) to_bow, to_stern, to_port, to_starboard of each AIS row in metres (NaN or
        negative: unknown, the hull is a point); None: every hull is a point."""
        p = self.params
        t = tracks.time_s
        conf = tracks.confirmed
        if not len(self.tid) and not conf.any():
            # no confirmed radar track now or at the last update (an AIS-only site): no bookkeeping to carry
            if self.evidence is not None and len(self.evidence):
                e = np.empty(0, np.int64)
                self.evidence.update(t, e, e, np.empty(0), np.empty(0), e)
            return self._ais_only(t, ais)
        trk = TrackTable(t, tracks.track_id[conf], tracks.status[conf], tracks.x[conf], tracks.P[conf])
        rows = self._align(trk.track_id)
        if not len(trk):
            # no confirmed radar track (an AIS-only picture): nothing to associate; the evidence forgets
            # every pair (none of its tracks is live), as the full path below would
            if self.evidence is not None and len(self.evidence):
                e = np.empty(0, np.int64)
                self.evidence.update(t, e, e, np.empty(0), np.empty(0), e)
            return self._ais_only(t, ais)
        events: list[FusionEvent] = []

        ti, aj, d2, _ = self._pairs(trk, ais)
        if self.evidence is not None:
            d2 = self.evidence.update(t, trk.track_id[ti], ais.mmsi[aj], d2, ais.time_s - ais.age_s[aj],
                                      trk.track_id)
        cost = d2 - p.keep_bonus * (self.assoc[rows[ti]] == ais.mmsi[aj])
        at, aa = gnn_assign_compiled(len(trk), len(ais.mmsi), ti, aj, cost)
        best = np.full(len(trk), -1, np.int64)
        best[at] = ais.mmsi[aa]
        r = rows                                       # bookkeeping row of each confirmed track
        cur = self.assoc[r]
        supported = (best == cur) & (cur >= 0)
        # candidate counting toward a (new) identity
        same_cand = (best >= 0) & (best == self.cand[r]) & ~supported
        self.cand_n[r] = np.where(same_cand, self.cand_n[r] + 1, np.where((best >= 0) & ~supported, 1, 0))
        self.cand[r] = np.where(supported, -1, best)
        need = np.where(cur >= 0, p.switch_updates, p.confirm_updates)
        take = (self.cand_n[r] >= need) & (self.cand[r] >= 0)
        self.unsupported_n[r] = np.where(supported | take, 0, self.unsupported_n[r] + (cur >= 0))
        drop = ~take & (cur >= 0) & (self.unsupported_n[r] >= p.break_updates)
        for k in np.flatnonzero(take):
            tid, new_m, old_m = int(trk.track_id[k]), int(self.cand[r[k]]), int(cur[k])
            events.append(FusionEvent(t, "identity_change" if old_m >= 0 else "associated", tid, new_m, old_m))
        for k in np.flatnonzero(drop):
            events.append(FusionEvent(t, "dissociated", int(trk.track_id[k]), -1, int(cur[k])))
        new_assoc = np.where(take, self.cand[r], np.where(drop, -1, cur))
        self.assoc[r] = new_assoc
        self.cand[r[take]], self.cand_n[r[take]] = -1, 0

        # AIS position index of each track's associated vessel (-1 if that vessel is not in the snapshot)
        a_idx = np.full(len(trk), -1, np.intp)
        if len(ais.mmsi):
            srt = np.argsort(ais.mmsi)
            pos = np.searchsorted(ais.mmsi[srt], new_assoc)
            hit = (new_assoc >= 0) & (pos < len(srt))
            hit[hit] &= ais.mmsi[srt[pos[hit]]] == new_assoc[hit]
            a_idx[hit] = srt[pos[hit]]
        events += self._conflicts(t, trk, ais, r, new_assoc, a_idx)
        second = self._duplicates(t, trk, ais, r, new_assoc, hull_m, events)
        if second.any():
            keep = ~second
            trk = TrackTable(t, trk.track_id[keep], trk.status[keep], trk.x[keep], trk.P[keep])
            a_idx = a_idx[keep]
        return self._contacts(t, trk, ais, a_idx, events)

    def _duplicates(self, t: float, trk: TrackTable, ais: AisSnapshot, r: npt.NDArray[np.intp], assoc: Int64Array,
                    hull_m: FloatArray | None, events: list[FusionEvent]) -> BoolArray:
        """Unidentified tracks that are a second track of a vessel fused with another track (module docstring,
        5.): updates their bookkeeping, appends ``duplicate`` events at onset, returns their mask."""
        p = self.params
        n = len(trk)
        if p.duplicate_s <= 0 or n == 0:
            return np.zeros(n, bool)
        best_m = np.full(n, -1, np.int64)
        best_d2 = np.full(n, np.inf)
        speed = np.zeros(n)
        dist = np.full(n, np.nan)
        free = np.flatnonzero(assoc < 0)
        owned = np.flatnonzero(member(ais.mmsi, assoc[assoc >= 0]))
        if len(free) and len(owned):
            rows, a, d2 = self._duplicate_choice(trk, ais, free, owned, hull_m)
            best_m[rows], best_d2[rows] = ais.mmsi[a], d2
            speed[rows] = np.hypot(ais.x[a, 2], ais.x[a, 3])
            dist[rows] = np.hypot(*(trk.x[rows, :2] - ais.x[a, :2]).T)
        d = self.dup
        m0, on0 = d.mmsi[r], d.on[r]
        under_way = speed >= p.duplicate_min_speed_mps
        # the streak goes on (once recognised, a duplicate stays one when its vessel slows down)
        cont = (best_m >= 0) & (best_m == m0) & (on0 | under_way)
        start = (best_m >= 0) & ~cont & ~on0 & under_way
        hold = on0 & ~cont & (d.miss[r] + 1 < p.break_updates)   # a recognised duplicate bears a few misses
        with np.errstate(invalid="ignore", divide="ignore"):
            dt = t - d.last_s[r]
            w = np.maximum(1.0 - np.exp(-dt / p.duplicate_s), dt / (t - d.since_s[r]))
        mean = np.where(cont, d.mean_d2[r] + np.nan_to_num(w, nan=1.0) * (best_d2 - d.mean_d2[r]), best_d2)
        since = np.where(start, t, d.since_s[r])
        on = (cont & (t - since >= p.duplicate_s) & (mean <= p.duplicate_mean_d2)) | hold
        live = cont | start
        d.mmsi[r] = np.where(live | hold, np.where(live, best_m, m0), -1)
        d.since_s[r] = np.where(live | hold, since, np.nan)
        d.mean_d2[r] = np.where(live, mean, np.where(hold, d.mean_d2[r], np.nan))
        d.last_s[r] = np.where(live, t, np.where(hold, d.last_s[r], np.nan))
        d.miss[r] = np.where(hold, d.miss[r] + 1, 0)
        for k in np.flatnonzero(on & ~on0):
            events.append(FusionEvent(t, "duplicate", int(trk.track_id[k]), int(best_m[k]), distance_m=float(dist[k])))
        d.on[r] = on
        return on

    def _duplicate_choice(self, trk: TrackTable, ais: AisSnapshot, free: npt.NDArray[np.intp],
                          owned: npt.NDArray[np.intp], hull_m: FloatArray | None) -> tuple[npt.NDArray[np.intp],
                                                                                           npt.NDArray[np.intp],
                                                                                           FloatArray]:
        """Each free track (rows `free`) whose offset from an owned vessel (AIS rows `owned`) fits that vessel's
        hull (`hull_residual_d2`) at its velocity: (track row, AIS row, d²) of the best fit, tracks in order."""
        p = self.params
        pi, pj, _ = _pregate(trk.x[free, :2], ais.x[owned, :2], p.max_pregate_m)
        ti, aj = free[pi], owned[pj]
        hull = hull_m if hull_m is not None else np.zeros((len(ais.x), 4))
        if kernels.ENABLED:   # the tests and the choice below in one compiled pass (the same numbers)
            a_of, d2_of = kernels.duplicate_best(ti, aj, trk.x, trk.P, ais.x, ais.P, hull, p.duplicate_sigma_m**2,
                                                 p.gate_d2, p.duplicate_max_m, p.max_velocity_diff_mps)
            k = np.flatnonzero(a_of >= 0)
            return k, a_of[k].astype(np.intp), d2_of[k]
        s = trk.P[ti, :2, :2] + ais.P[aj, :2, :2] + np.eye(2) * p.duplicate_sigma_m**2
        d2, out_m = hull_residual_d2(trk.x[ti, :2] - ais.x[aj, :2], ais.x[aj, 2:], hull[aj], s)
        dv = np.hypot(*(trk.x[ti, 2:] - ais.x[aj, 2:]).T)
        ok = (d2 <= p.gate_d2) & (out_m <= p.duplicate_max_m) & (dv <= p.max_velocity_diff_mps)
        ti, aj, d2 = ti[ok], aj[ok], d2[ok]
        order = np.lexsort((d2, ti))
        first = order[np.r_[True, ti[order][1:] != ti[order][:-1]]] if len(order) else order
        return ti[first], aj[first], d2[first]

    def _conflicts(self, t: float, trk: TrackTable, ais: AisSnapshot, r: npt.NDArray[np.intp],
                   assoc: Int64Array, a_idx: npt.NDArray[np.intp]) -> list[FusionEvent]:
        p = self.params
        out: list[FusionEvent] = []
        dist = np.full(len(trk), np.nan)
        ok = a_idx >= 0
        dist[ok] = np.hypot(*(trk.x[ok, :2] - ais.x[a_idx[ok], :2]).T)
        far = ok & (dist > p.far_distance_m)
        for k in np.flatnonzero(far & ~self.far[r]):
            out.append(FusionEvent(t, "ais_far_from_track", int(trk.track_id[k]), int(assoc[k]),
                                   distance_m=float(dist[k])))
        self.far[r] = far
        vals, counts = np.unique(assoc[assoc >= 0], return_counts=True)
        shared = member(assoc, vals[counts > 1])
        for k in np.flatnonzero(shared & ~self.shared[r]):
            out.append(FusionEvent(t, "ais_on_two_tracks", int(trk.track_id[k]), int(assoc[k])))
        self.shared[r] = shared
        return out

    def _contacts(self, t: float, trk: TrackTable, ais: AisSnapshot, a_idx: npt.NDArray[np.intp],
                  events: list[FusionEvent]) -> ContactTable:
        p = self.params
        fused = a_idx >= 0
        x, cov = trk.x.copy(), trk.P.copy()
        if fused.any():
            x[fused], cov[fused] = _information_fuse(trk.x[fused], trk.P[fused], ais.x[a_idx[fused]],
                                                     ais.P[a_idx[fused]])
        used = np.zeros(len(ais.mmsi), bool)
        used[a_idx[fused]] = True
        fresh = ais.age_s <= p.max_ais_age_s
        only = ~used & fresh
        n_only = int(only.sum())
        kind = np.concatenate([np.where(fused, ContactKind.FUSED, ContactKind.RADAR_ONLY),
                               np.full(n_only, ContactKind.AIS_ONLY)]).astype(np.int8)
        mmsi = np.concatenate([np.where(fused, ais.mmsi[np.maximum(a_idx, 0)] if len(ais.mmsi) else -1, -1),
                               ais.mmsi[only]]).astype(np.int64)
        if not len(trk) and n_only == len(ais.mmsi):
            # an AIS-only picture of every vessel (no radar track): the snapshot's own arrays, no copies
            x_all, p_all = ais.x, ais.P
        else:
            x_all, p_all = np.concatenate([x, ais.x[only]]), np.concatenate([cov, ais.P[only]])
        return ContactTable(
            t, np.concatenate([_radar_contact_ids(trk.track_id, mmsi[:len(trk)]), AIS_ONLY_ID_OFFSET + ais.mmsi[only]]),
            kind,
            np.concatenate([trk.track_id, np.full(n_only, -1, np.int64)]), mmsi,
            x_all, p_all, self._in_cover(x_all), events)

    def _ais_only(self, t: float, ais: AisSnapshot) -> ContactTable:
        """`_contacts` without radar tracks: one AIS-only contact per vessel of fresh AIS (the same table)."""
        fresh = ais.age_s <= self.params.max_ais_age_s
        if fresh.all():   # the snapshot's own arrays, no copies
            mmsi, x, cov = ais.mmsi, ais.x, ais.P
        else:
            mmsi, x, cov = ais.mmsi[fresh], ais.x[fresh], ais.P[fresh]
        n = len(mmsi)
        return ContactTable(t, AIS_ONLY_ID_OFFSET + mmsi, np.full(n, ContactKind.AIS_ONLY, np.int8),
                            np.full(n, -1, np.int64), mmsi.copy(), x, cov, self._in_cover(x), [])

    def _in_cover(self, x: FloatArray) -> BoolArray:
        """Which rows of x (x_m, y_m first) lie inside a radar's range."""
        inside = np.zeros(len(x), bool)
        for sx, sy, rng in self.params.radar_cover:
            inside |= np.hypot(x[:, 0] - sx, x[:, 1] - sy) <= rng
        return inside


@dataclass(frozen=True, slots=True)
class _DuplicateState:
    """Per radar track (rows as ``RadarAisFusion.tid``): the vessel it may duplicate and since when, the mean
    d² outside that vessel's hull, misses of a recognised duplicate, whether it is one."""

    mmsi: Int64Array
    since_s: FloatArray
    last_s: FloatArray
    mean_d2: FloatArray
    miss: Int64Array
    on: BoolArray

    @staticmethod
    def empty() -> _DuplicateState:
        e = np.empty(0)
        return _DuplicateState(np.empty(0, np.int64), e, e.copy(), e.copy(), np.empty(0, np.int64),
                               np.empty(0, bool))


def hull_residual_d2(offset: FloatArray, v_ais: FloatArray, hull_m: FloatArray,
                     s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Squared Mahalanobis length (covariance ``s``, (K, 2, 2)) of the part of each radar-track offset from
    the AIS position (``offset``, (K, 2)) that lies outside the vessel's hull: the rectangle to_bow ahead of
    the AIS reference point, to_stern astern, to_port / to_starboard abeam (``hull_m`` columns), oriented
    along the AIS course (``v_ais``). Unknown (NaN or negative) dimensions count as 0; without a course
    (below 0.5 m/s) the hull is a circle of its largest dimension. Returns d² and the length outside (m)."""
    dims = np.where(np.isfinite(hull_m) & (hull_m > 0), hull_m, 0.0)
    speed = np.hypot(v_ais[:, 0], v_ais[:, 1])
    moving = speed >= 0.5
    u = np.where(moving[:, None], v_ais / np.where(moving, speed, 1.0)[:, None], 0.0)   # along the course
    starboard = np.column_stack([u[:, 1], -u[:, 0]])
    along = np.einsum("ij,ij->i", offset, u)
    across = np.einsum("ij,ij->i", offset, starboard)
    ra = along - np.clip(along, -dims[:, 1], dims[:, 0])
    rc = across - np.clip(across, -dims[:, 2], dims[:, 3])
    res = ra[:, None] * u + rc[:, None] * starboard
    # no course: the offset shortened by the hull's largest dimension
    dist = np.hypot(offset[:, 0], offset[:, 1])
    shrink = np.maximum(dist - dims.max(axis=1), 0.0) / np.where(dist > 0, dist, 1.0)
    res = np.where(moving[:, None], res, offset * shrink[:, None])
    det = s[:, 0, 0] * s[:, 1, 1] - s[:, 0, 1] * s[:, 1, 0]
    d2 = (s[:, 1, 1] * res[:, 0] ** 2 - (s[:, 0, 1] + s[:, 1, 0]) * res[:, 0] * res[:, 1]
          + s[:, 0, 0] * res[:, 1] ** 2) / det
    return d2, np.hypot(res[:, 0], res[:, 1])


def _radar_contact_ids(track_id: Int64Array, mmsi: Int64Array) -> Int64Array:
    """A fused contact is known by its MMSI, as the AIS-only contact of that vessel is: the contact keeps
    its id when its radar track is lost and another takes over, or when it leaves radar cover and comes
    back. A dark track is known by its track id. When one MMSI sits on several tracks (a conflict the
    detection stage hears about), the oldest track (lowest id) carries the MMSI's id, the others their own."""
    ids = track_id.copy()
    fused = np.flatnonzero(mmsi >= 0)
    if len(fused):
        order = fused[np.lexsort((track_id[fused], mmsi[fused]))]
        first = np.ones(len(order), bool)
        first[1:] = mmsi[order][1:] != mmsi[order][:-1]
        ids[order[first]] = AIS_ONLY_ID_OFFSET + mmsi[order[first]]
    return ids


def _information_fuse(xa: FloatArray, pa: FloatArray, xb: FloatArray, pb: FloatArray) -> tuple[FloatArray,
                                                                                                FloatArray]:
    """Fuse two independent Gaussian estimates: P = (Pa^-1 + Pb^-1)^-1, x = P (Pa^-1 xa + Pb^-1 xb)."""
    s = pa + pb
    k = np.linalg.solve(s, pa).swapaxes(1, 2)   # Pa (Pa + Pb)^-1
    x = xa + np.einsum("nij,nj->ni", k, xb - xa)
    p = pa - k @ pa
    return x, 0.5 * (p + np.swapaxes(p, 1, 2))
