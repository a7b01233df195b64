"""Where AIS is heard regularly, learned from the traffic itself: reception is not a circle.

A receiver hears a ship's class A set (12.5 W, antenna high on the mast) much farther than a pleasure boat's
class B set (2 W, antenna a few metres above the sea), and coastal buildings, islands and the horizon cut
both. So the sea is cut into `cell_m` squares and, per square and per kind of set (small craft or ship),
the report spacings of vessels under way are counted: how many, and how many were longer than `long_s`.
A square where at least `min_samples` spacings have been seen and more than `poor_share` of them were long
(and at least `min_long`: one silence — perhaps a vessel's own switch-off — is no pattern) has poor reception
for that kind of set: a vessel of that kind that falls silent there has most likely
left coverage rather than gone dark. Where a square has been seen too little (far out, where few small craft
go), the square of `coarse` times its side around it answers instead; seen too little at both scales, the
place is unknown and counts as good (the rule that asks stays as strict as without the map).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seawatch.key_index import KeyIndex
from seawatch.model.contact import AIS_CLASS_B

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

SMALL_CRAFT_TYPES = (36, 37)  # ITU-R M.1371 ship types: sailing, pleasure craft (class B sets, as a rule)
SMALL_CRAFT_LENGTH_M = 20.0  # ... or shorter than this


def leisure_craft(ship_type: npt.NDArray[np.generic]) -> B:
    """Per row: the AIS ship type says sailing or pleasure craft (`np.isin`, without its overhead)."""
    st = np.asarray(ship_type, dtype=np.float64)
    out = np.zeros(st.shape, bool)
    for v in SMALL_CRAFT_TYPES:
        out |= st == v
    return out


def small_craft(ship_type: npt.NDArray[np.generic], length_m: F64, ais_class: npt.NDArray[np.int8]) -> B:
    """Per row: a small craft's AIS set (2-5 W, an antenna a few metres above the sea): class B by its position
    reports, or (its class not known: a decoded CSV, no report yet) sailing or pleasure type, or shorter than 20 m
    -- most likely class B. A fishing boat of 21 m with a class B set is one; so is a pleasure craft with a
    class A set, heard no farther for the height of its mast."""
    return ((np.asarray(ais_class) == AIS_CLASS_B) | leisure_craft(ship_type)
            | (np.asarray(length_m, dtype=np.float64) < SMALL_CRAFT_LENGTH_M))


class _Counts:
    """Per cell key: spacings seen, of which long. Keys found through a hash index (`KeyIndex`), counts in
    arrays by the key's position there."""

    def __init__(self) -> None:
        self.index = KeyIndex(np.zeros(0, np.int64))
        self.n = np.zeros(0, np.int64)
        self.n_long = np.zeros(0, np.int64)

    def add(self, keys: npt.NDArray[np.int64], long: B) -> None:
        pos = self.index.find(keys)
        new = pos < 0
        if new.any():
            self.index.extend(np.unique(keys[new]))
            grow = self.index.n - len(self.n)
            self.n = np.concatenate([self.n, np.zeros(grow, np.int64)])
            self.n_long = np.concatenate([self.n_long, np.zeros(grow, np.int64)])
            pos[new] = self.index.find(keys[new])
        size = len(self.n)
        self.n += np.bincount(pos, minlength=size)
        self.n_long += np.bincount(pos[long], minlength=size)

    def lookup(self, keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(spacings, long ones) per key; 0, 0 for a cell never seen."""
        pos = self.index.find(keys)
        hit = pos >= 0
        at = np.where(hit, pos, 0)
        if not len(self.n):
            z = np.zeros(len(keys), np.int64)
            return z, z.copy()
        return np.where(hit, self.n[at], 0), np.where(hit, self.n_long[at], 0)


class ReceptionMap:
    """Per cell and kind of set: (report spacings seen, of which long). Keys are int cells of a local frame;
    counted with numpy per cycle (one sort of the cycle's reports), not a Python step per report."""

    def __init__(self, cell_m: float = 10_000.0, long_s: float = 300.0, min_samples: int = 20,
                 poor_share: float = 0.03, coarse: int = 3, min_long: int = 2) -> None:
        self.cell_m, self.long_s, self.min_samples, self.poor_share = cell_m, long_s, min_samples, poor_share
        self.min_long = int(min_long)
        self.scales = (cell_m, cell_m * coarse)
        self.counts = (_Counts(), _Counts())  # per scale

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
        long = spacing_s[ok] > self.long_s
        for cell_m, counts in zip(self.scales, self.counts):
            counts.add(self._keys(x[ok], y[ok], small[ok], cell_m), long)

    def poor(self, x: F64, y: F64, small: B) -> B:
        """Per point: the finest square seen enough (`min_samples` spacings) has more than `poor_share` long ones,
        and `min_long` at least."""
        out = np.zeros(len(x), bool)
        if not len(self.counts[0].n) or len(x) == 0:
            return out
        ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        decided = np.zeros(len(ok), bool)
        for cell_m, counts in zip(self.scales, self.counts):
            n, n_long = counts.lookup(self._keys(x[ok], y[ok], small[ok], cell_m))
            here = ~decided & (n >= self.min_samples)
            out[ok[here]] = (n_long[here] > self.poor_share * n[here]) & (n_long[here] >= self.min_long)
            decided |= here
        return out
