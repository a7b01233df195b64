"""Where AIS is heard regularly, learned from the traffic itself: reception is not a circle.

A receiver hears a ship's class A set (12.5 W, antenna high on the mast) much farther than a pleasure boat's
class B set (2 W, antenna a few metres above the sea), and coastal buildings, islands and the horizon cut
both. So the sea is cut into `cell_m` squares and, per square and per kind of set (small craft or ship),
the report spacings of vessels under way are counted: how many, and how many were longer than `long_s`.
A square where at least `min_samples` spacings have been seen and more than `poor_share` of them were long
has poor reception for that kind of set: a vessel of that kind that falls silent there has most likely
left coverage rather than gone dark. Where a square has been seen too little (far out, where few small craft
go), the square of `coarse` times its side around it answers instead; seen too little at both scales, the
place is unknown and counts as good (the rule that asks stays as strict as without the map).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

SMALL_CRAFT_TYPES = (36, 37)  # ITU-R M.1371 ship types: sailing, pleasure craft (class B sets, as a rule)
SMALL_CRAFT_LENGTH_M = 20.0  # ... or shorter than this


def small_craft(ship_type: npt.NDArray[np.generic], length_m: F64) -> B:
    """Per row: a small craft (sailing or pleasure type, or shorter than 20 m), whose AIS is most likely class B."""
    st = np.asarray(ship_type, dtype=np.float64)
    length = np.asarray(length_m, dtype=np.float64)
    return np.isin(st, SMALL_CRAFT_TYPES) | (length < SMALL_CRAFT_LENGTH_M)


class ReceptionMap:
    """Per cell and kind of set: (report spacings seen, of which long). Keys are int cells of a local frame."""

    def __init__(self, cell_m: float = 10_000.0, long_s: float = 300.0, min_samples: int = 20,
                 poor_share: float = 0.03, coarse: int = 3) -> None:
        self.cell_m, self.long_s, self.min_samples, self.poor_share = cell_m, long_s, min_samples, poor_share
        self.scales = (cell_m, cell_m * coarse)
        self.counts: tuple[dict[int, list[int]], ...] = ({}, {})  # per scale: key -> [spacings, long ones]

    @staticmethod
    def _keys(x: F64, y: F64, small: B, cell_m: float) -> npt.NDArray[np.int64]:
        cx = np.floor(np.asarray(x) / cell_m).astype(np.int64)
        cy = np.floor(np.asarray(y) / cell_m).astype(np.int64)
        return (cx * (1 << 24) + cy) * 2 + np.asarray(small, dtype=np.int64)

    def observe(self, x: F64, y: F64, small: B, spacing_s: F64) -> None:
        """Report spacings (s since the vessel's previous report) of vessels under way at x/y."""
        ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(spacing_s)
        if not ok.any():
            return
        long = (spacing_s[ok] > self.long_s).tolist()
        for cell_m, counts in zip(self.scales, self.counts):
            for k, is_long in zip(self._keys(x[ok], y[ok], small[ok], cell_m).tolist(), long):
                c = counts.get(k)
                if c is None:
                    c = counts[k] = [0, 0]
                c[0] += 1
                c[1] += int(is_long)

    def poor(self, x: F64, y: F64, small: B) -> B:
        """Per point: the finest square seen enough (`min_samples` spacings) has more than `poor_share` long ones."""
        out = np.zeros(len(x), bool)
        if not self.counts[0] or len(x) == 0:
            return out
        ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        keys = [self._keys(x[ok], y[ok], small[ok], cell_m).tolist() for cell_m in self.scales]
        for j, i in enumerate(ok.tolist()):
            for counts, ks in zip(self.counts, keys):
                c = counts.get(ks[j])
                if c is not None and c[0] >= self.min_samples:
                    out[i] = c[1] > self.poor_share * c[0]
                    break
        return out
