"""Association evidence accumulated over AIS reports: per (radar track, AIS vessel) pair, an exponentially
weighted mean of the squared Mahalanobis distance between the two, so that fusion assigns on what the
pair has shown over its last reports rather than on one update.

Why not one update: two vessels a hundred metres apart are within the radar's cross-range noise, the AIS
latency and the antenna offset of each other, and between reports the AIS position is dead-reckoned with
a covariance that grows fast (a Class B boat at anchor reports every 3 min; after two minutes its
position sigma is ~200 m), so most updates say nothing about which boat is which. A fixed bonus for the
pair already associated then makes a wrong association permanent: two radar tracks on fishing boats moored
94 m apart swapped, and each kept the other's MMSI for the rest of the recording.

Folding: a pair's value changes only when its vessel has sent a position report since the pair was last
folded (a dead-reckoned position carries no new information), or when the pair is first gated. The weight
of the history is ``exp(-Δt / tau_s)`` over the time Δt between the two reports, at least ``min_keep``
(a vessel reporting every few seconds is averaged over ~``tau_s``; one reporting every 3 min over its last
couple of reports). A pair without history starts from ``prior_d2`` (the gate's d²), so a vessel passing
close by has to stay close for a while before it competes with an established pair. A pair not gated keeps
its value; it is forgotten when its radar track is gone or after ``forget_s`` outside the gate.
State: sorted int64 keys ``track_id << 32 | MMSI key`` and per-pair columns (vectorised).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seawatch.arrays import member

FloatArray = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]

_SHIFT = 32   # MMSI keys (twins included: 2e9 + MMSI) stay below 2^32


@dataclass(frozen=True, slots=True)
class EvidenceParams:
    tau_s: float = 30.0        # time constant of the exponential window between reports
    min_keep: float = 0.3      # the history keeps at least this weight at each new report
    prior_d2: float = 13.8     # value of a pair without history (the fusion gate's d²)
    forget_s: float = 300.0    # a pair outside the gate this long is forgotten


class PairEvidence:
    def __init__(self, params: EvidenceParams | None = None) -> None:
        self.params = params or EvidenceParams()
        self.key: Int64Array = np.empty(0, np.int64)
        self.value: FloatArray = np.empty(0)
        self.report_s: FloatArray = np.empty(0)   # time of the AIS report last folded in
        self.gated_s: FloatArray = np.empty(0)    # time the pair was last inside the gate

    def __len__(self) -> int:
        return len(self.key)

    def update(self, time_s: float, track_id: Int64Array, mmsi: Int64Array, d2: FloatArray,
               report_s: FloatArray, live_tracks: Int64Array) -> FloatArray:
        """Fold this update's gated pairs (one row each; ``report_s`` the time of the AIS position report
        the pair's d² comes from) into the evidence; returns their evidence values."""
        p = self.params
        k = (np.asarray(track_id, np.int64) << _SHIFT) | np.asarray(mmsi, np.int64)
        pos = np.searchsorted(self.key, k)
        found = pos < len(self.key)
        found[found] = self.key[pos[found]] == k[found]
        old = np.full(len(k), p.prior_d2)
        last = np.full(len(k), -np.inf)
        old[found] = self.value[pos[found]]
        last[found] = self.report_s[pos[found]]
        report_s = np.asarray(report_s, np.float64)
        fold = ~found | (report_s > last)
        keep = np.where(found, np.maximum(np.exp(-np.maximum(report_s - last, 0.0) / p.tau_s), p.min_keep),
                        p.min_keep)
        new = np.where(fold, keep * old + (1.0 - keep) * np.asarray(d2, np.float64), old)
        new_report = np.where(fold, report_s, last)
        # pairs held from earlier updates and not gated now keep their value for a while
        rest = np.ones(len(self.key), bool)
        rest[pos[found]] = False
        rest &= member(self.key >> _SHIFT, live_tracks) & (time_s - self.gated_s <= p.forget_s)
        keys = np.concatenate([k, self.key[rest]])
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        uniq = np.ones(len(keys), bool)
        uniq[1:] = keys[1:] != keys[:-1]      # a pair is gated at most once per update; be safe
        sel = order[uniq]
        self.key = keys[uniq]
        self.value = np.concatenate([new, self.value[rest]])[sel]
        self.report_s = np.concatenate([new_report, self.report_s[rest]])[sel]
        self.gated_s = np.concatenate([np.full(len(k), time_s), self.gated_s[rest]])[sel]
        return new
