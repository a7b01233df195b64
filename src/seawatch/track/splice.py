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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntpArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class SpliceParams:
    base_m: float = 300.0
    speed_mps: float = 25.0   # ~50 kn: the fastest boat a coastal radar follows


def splice_pairs(new_xy: FloatArray, new_born_s: FloatArray, old_xy: FloatArray, old_last_hit_s: FloatArray,
                 time_s: float, params: SpliceParams) -> tuple[IntpArray, IntpArray]:
    """(new index, old index) of the tracks to splice. Small inputs: a handful of tracks are confirmed
    per scan, so the pairwise distance matrix is tiny."""
    if not len(new_xy) or not len(old_xy):
        return np.empty(0, np.intp), np.empty(0, np.intp)
    d = np.hypot(new_xy[:, None, 0] - old_xy[None, :, 0], new_xy[:, None, 1] - old_xy[None, :, 1])
    reach = params.base_m + params.speed_mps * np.maximum(time_s - old_last_hit_s, 0.0)
    ok = (d <= reach[None, :]) & (old_last_hit_s[None, :] <= new_born_s[:, None])
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
