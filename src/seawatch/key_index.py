"""A hash index of distinct int64 keys (MMSIs, state keys) to their position, for the lookups done once per AIS
report: `np.searchsorted` of unsorted needles in a sorted array costs a cache miss per step of each binary
search (~15 steps among 20k vessels), an open-addressing table one or two probes.

`KeyIndex(keys).find(needles)` gives, per needle, the position of that key in `keys`, or -1. Compiled with
numba (`seawatch.ingest.nmea._jit`) when the first non-empty index is made (importing this module does not load
numba); with `SEAWATCH_NO_JIT=1` the same answers come from a sorted copy and `np.searchsorted` (the
reference the tests hold the table to).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea._jit import ENABLED, jit

Int64Array = npt.NDArray[np.int64]

_EMPTY = np.int64(np.iinfo(np.int64).min)   # no key there (keys are MMSIs and state keys: never this)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)     # Fibonacci hashing: the top bits of key * 2^64 / phi


def _build(keys: np.ndarray, first: np.int64, slot_key: np.ndarray, slot_pos: np.ndarray, shift: np.uint64,
           mask: np.int64, golden: np.uint64, empty: np.int64) -> None:
    for i in range(keys.shape[0]):
        k = keys[i]
        h = np.int64((np.uint64(k) * golden) >> shift)
        while slot_key[h] != empty:
            h = (h + 1) & mask
        slot_key[h] = k
        slot_pos[h] = first + i


def _find(needles: np.ndarray, slot_key: np.ndarray, slot_pos: np.ndarray, shift: np.uint64, mask: np.int64,
          golden: np.uint64, empty: np.int64, out: np.ndarray) -> None:
    for i in range(needles.shape[0]):
        k = needles[i]
        h = np.int64((np.uint64(k) * golden) >> shift)
        out[i] = -1
        while True:
            s = slot_key[h]
            if s == k:
                out[i] = slot_pos[h]
                break
            if s == empty:
                break
            h = (h + 1) & mask


@cache
def _kernels() -> tuple[Any, Any]:
    """The compiled (build, find), made on first use."""
    return jit(_build), jit(_find)


class KeyIndex:
    """Position of each of a set of distinct int64 keys; built once (or grown by `extend`), asked many times."""

    def __init__(self, keys: npt.ArrayLike) -> None:
        self.n = 0
        self._keys = np.zeros(0, np.int64)   # every key, in position order
        self._hashed = False                 # the table below is made (a compiled build, a key at least)
        self._key: Int64Array = np.zeros(0, np.int64)
        self._pos: Int64Array = np.zeros(0, np.int64)
        self._shift, self._mask = np.uint64(0), np.int64(0)
        self.extend(keys)

    def extend(self, keys: npt.ArrayLike) -> None:
        """Add distinct keys, none of them here yet, at the positions after the last (a table kept at most half
        full: made anew, twice as large, when it would be more)."""
        k = np.ascontiguousarray(keys, dtype=np.int64)
        if not len(k):
            return
        first = self.n
        self._keys = np.concatenate([self._keys, k]) if first else k
        self.n = len(self._keys)
        if not ENABLED:
            self._order = np.argsort(self._keys, kind="stable")
            self._sorted = self._keys[self._order]
            return
        if self._hashed and 2 * self.n <= len(self._key):
            _kernels()[0](k, np.int64(first), self._key, self._pos, self._shift, self._mask, _GOLDEN, _EMPTY)
            return
        bits = max(4, int(2 * self.n - 1).bit_length())   # at most half full
        self._shift = np.uint64(64 - bits)
        self._mask = np.int64((1 << bits) - 1)
        self._key = np.full(1 << bits, _EMPTY, np.int64)
        self._pos = np.zeros(1 << bits, np.int64)
        self._hashed = True
        _kernels()[0](self._keys, np.int64(0), self._key, self._pos, self._shift, self._mask, _GOLDEN, _EMPTY)

    def find(self, needles: npt.ArrayLike) -> Int64Array:
        """Per needle, its position among the keys, -1 where it is none of them."""
        q = np.ascontiguousarray(needles, dtype=np.int64)
        if self._hashed:
            out = np.empty(len(q), np.int64)
            _kernels()[1](q, self._key, self._pos, self._shift, self._mask, _GOLDEN, _EMPTY, out)
            return out
        if not self.n:
            return np.full(len(q), -1, np.int64)
        at = np.minimum(np.searchsorted(self._sorted, q), self.n - 1)
        return np.where(self._sorted[at] == q, self._order[at], -1).astype(np.int64)
