"""Track splicing: a track just confirmed next to a track that has been coasting since before it was born
continues that track (same id) instead of starting a new one.

A go-fast boat that turns hard, or a small boat that fades in the swell for a few scans, leaves its
track coasting on the old heading while its plots fall outside the gate and start a new track; without
splicing the operator sees the contact vanish and a stranger appear beside it. The old track is a
candidate when
- it is coasting and has had no plot since the new track was born (otherwise they are two vessels), and
- the new track lies within ``base_m + speed_mps × (time coasted)`` of its predicted position (how far a
  vessel at that speed can have strayed from the prediction).
Each new track takes the nearest candidate, each candidate goes to one new track (nearest first).

Re-acquisition (``memory_s``, ``window_scans``): a small boat that fades for longer than its track coasts,
or whose track flies on when it stops, is found again by a new track that has to confirm on its own —
and with several radars covering the spot, the scans of a radar that cannot see the boat count as misses
against its M-of-N window, so it may take minutes. Here
- a confirmed track with at least ``min_hits`` plots whose last plot is less than ``memory_s`` old stays a
  splice candidate after it is lost (``LostTracks``), and
- a tentative track within reach of such a track (lost, or coasting) counts its confirmation window in time
  (``window_scans`` scan periods since its birth) instead of in steps of any radar, and is confirmed —
  and spliced — once it has ``reacquire_hits`` plots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seawatch.track import kernels

FloatArray = npt.NDArray[np.float64]
IntpArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class SpliceParams:
    base_m: float = 300.0
    speed_mps: float = 25.0   # ~50 kn: the fastest boat a coastal radar follows
    memory_s: float = 0.0     # a confirmed track lost this recently can still be continued (0: coasting only)
    window_scans: float = 3.0  # > 0: re-acquisition window of a tentative track near a candidate, scan periods
    reacquire_hits: int = 2   # plots a tentative track near a candidate needs to confirm and continue it
    min_hits: int = 10        # re-acquisition candidates (lost, or coasting for the window) have this many plots


@dataclass(frozen=True, slots=True)
class LostTracks:
    """Confirmed tracks lost recently: id, last state, time of the last plot, hits and birth time."""

    ids: npt.NDArray[np.int64]
    xy: FloatArray
    last_hit_s: FloatArray
    n_hits: npt.NDArray[np.int32]
    born_s: FloatArray

    @staticmethod
    def empty() -> LostTracks:
        return LostTracks(np.empty(0, np.int64), np.empty((0, 2)), np.empty(0), np.empty(0, np.int32),
                          np.empty(0))

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: npt.NDArray[np.int64], xy: FloatArray, last_hit_s: FloatArray,
            n_hits: npt.NDArray[np.int32], born_s: FloatArray) -> LostTracks:
        return LostTracks(np.concatenate([self.ids, ids]), np.concatenate([self.xy, xy]),
                          np.concatenate([self.last_hit_s, last_hit_s]),
                          np.concatenate([self.n_hits, n_hits]).astype(np.int32),
                          np.concatenate([self.born_s, born_s]))

    def keep(self, mask: npt.NDArray[np.bool_]) -> LostTracks:
        return LostTracks(self.ids[mask], self.xy[mask], self.last_hit_s[mask], self.n_hits[mask],
                          self.born_s[mask])


def reach_m(old_last_hit_s: FloatArray, time_s: float, params: SpliceParams) -> FloatArray:
    """How far from an old track's position a vessel may be after coasting since its last plot."""
    return params.base_m + params.speed_mps * np.maximum(time_s - old_last_hit_s, 0.0)


def _within_reach(new_xy: FloatArray, new_born_s: FloatArray, old_xy: FloatArray, old_last_hit_s: FloatArray,
                  time_s: float, params: SpliceParams) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Distances new x old, and which new tracks lie within reach of an old track that has had no plot since
    they were born (small inputs: a handful of tracks are confirmed per scan, the matrix is tiny)."""
    d = np.hypot(new_xy[:, None, 0] - old_xy[None, :, 0], new_xy[:, None, 1] - old_xy[None, :, 1])
    ok = (d <= reach_m(old_last_hit_s, time_s, params)[None, :]) & (old_last_hit_s[None, :] <= new_born_s[:, None])
    return d, ok


def near_candidates(new_xy: FloatArray, new_born_s: FloatArray, old_xy: FloatArray, old_last_hit_s: FloatArray,
                    time_s: float, params: SpliceParams, jit: bool = kernels.ENABLED) -> npt.NDArray[np.bool_]:
    """Which new tracks lie within reach of an old track that has had no plot since they were born (with
    ``jit``: in one compiled pass, ``kernels.near_any``)."""
    if not len(new_xy) or not len(old_xy):
        return np.zeros(len(new_xy), bool)
    if jit:
        out = np.empty(len(new_xy), np.bool_)
        kernels.near_any(np.ascontiguousarray(new_xy, dtype=np.float64),
                         np.ascontiguousarray(new_born_s, dtype=np.float64),
                         np.ascontiguousarray(old_xy, dtype=np.float64),
                         np.ascontiguousarray(old_last_hit_s, dtype=np.float64), float(time_s),
                         float(params.base_m), float(params.speed_mps), out)
        return out
    _, ok = _within_reach(new_xy, new_born_s, old_xy, old_last_hit_s, time_s, params)
    return np.asarray(ok.any(axis=1))


def splice_pairs(new_xy: FloatArray, new_born_s: FloatArray, old_xy: FloatArray, old_last_hit_s: FloatArray,
                 time_s: float, params: SpliceParams) -> tuple[IntpArray, IntpArray]:
    """(new index, old index) of the tracks to splice, nearest first, each track in one pair at most."""
    if not len(new_xy) or not len(old_xy):
        return np.empty(0, np.intp), np.empty(0, np.intp)
    d, ok = _within_reach(new_xy, new_born_s, old_xy, old_last_hit_s, time_s, params)
    ni, oj = np.nonzero(ok)
    order = np.argsort(d[ni, oj], kind="stable")
    used_n: set[int] = set()
    used_o: set[int] = set()
    out_n: list[int] = []
    out_o: list[int] = []
    for k in order.tolist():
        a, b = int(ni[k]), int(oj[k])
        if a in used_n or b in used_o:
            continue
        used_n.add(a)
        used_o.add(b)
        out_n.append(a)
        out_o.append(b)
    return np.asarray(out_n, np.intp), np.asarray(out_o, np.intp)
