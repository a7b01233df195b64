"""Anchorages learned from where vessels stop (`LearnedAnchorages`): the Global Fishing Watch method in small."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from seawatch.arrays import fill_nan, member

if TYPE_CHECKING:
    from seawatch.detect.core import Cycle

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


class LearnedAnchorages:
    """Places where many different vessels stop are anchorages, listed in the zones file or not.

    The Global Fishing Watch anchorage method in small: the sea is cut into `cell_m` squares; a square
    where at least `min_vessels` distinct AIS vessels have been stopped (< 1 kn) within the last `window_s` (a
    week) is a learned anchorage, and it and its 8 neighbours suppress loitering, rendezvous and pipeline
    lingering like a port does. Sampled every `every_s` of event time; once a day (`review_s`) the stops older
    than the window are forgotten and the squares learned again from those left. So on a live run of months a
    spot where three vessels once stopped does not shield every meeting there for ever; within a week the
    squares are only ever added (a replay of a day or two learns what it learned before).

    A gathering is no anchorage: vessels whose stops in a square all began within `gathering_s` (1 h) of each
    other, while the engine watched, teach nothing (three AIS vessels meeting at sea, a ship-to-ship transfer with
    a barge, would otherwise make their own spot an anchorage and hide their rendezvous). A vessel already
    stopped there in the engine's first `warmup_s` began its stop at an unknown time (a ship at anchor when the
    engine starts); with one such vessel among them the square is learned as before."""

    def __init__(self, cell_m: float = 1000.0, min_vessels: int = 3, every_s: float = 60.0,
                 window_s: float = 7 * 86_400.0, review_s: float = 86_400.0, gathering_s: float = 3600.0,
                 warmup_s: float = 600.0) -> None:
        self.cell_m, self.min_vessels, self.every_s = cell_m, min_vessels, every_s
        self.window_s, self.review_s = float(window_s), float(review_s)
        self.gathering_s, self.warmup_s = float(gathering_s), float(warmup_s)
        self._start = math.nan   # event time of the first cycle observed
        # square -> MMSI -> [when last stopped there, when that stop began (-inf: before the engine listened)]
        self.seen: dict[tuple[int, int], dict[int, list[float]]] = {}
        self.learned: set[tuple[int, int]] = set()
        self._last = -math.inf
        self._review_at = -math.inf
        self.revision = 0   # bumped when squares are forgotten (`_review`)
        self._keys: I64 = np.zeros(0, np.int64)   # the learned cells as sorted int keys (`_key`)
        self._keys_of = (-1, 0)                   # ... made at this (revision, number of learned cells)

    def observe(self, cyc: Cycle) -> None:
        if cyc.now - self._last < self.every_s:
            return
        self._last = cyc.now
        if math.isnan(self._start):
            self._start = cyc.now
        if cyc.now >= self._review_at:
            self._review(cyc.now)
        rows = np.flatnonzero((cyc.mmsi > 0) & (fill_nan(cyc.sog_mps, nan=9.0) < 0.5))
        if len(rows) == 0:
            return
        cx = np.floor(cyc.x[rows] / self.cell_m).astype(np.int64)
        cy = np.floor(cyc.y[rows] / self.cell_m).astype(np.int64)
        began = cyc.now if cyc.now - self._start > self.warmup_s else -math.inf   # stopped before it listened
        for a, b, m in zip(cx.tolist(), cy.tolist(), cyc.mmsi[rows].tolist()):
            st = self.seen.setdefault((a, b), {})
            if m in st:
                st[m][0] = cyc.now
                continue
            st[m] = [cyc.now, began]
            if len(st) >= self.min_vessels and not self._gathering(st):
                self._learn(a, b)

    def _gathering(self, stops: dict[int, list[float]]) -> bool:
        """The stops of a square's vessels all began, while the engine watched, within gathering_s of each other."""
        t = [v[1] for v in stops.values()]
        return min(t) > -math.inf and max(t) - min(t) < self.gathering_s

    def _learn(self, a: int, b: int) -> None:
        for da in (-1, 0, 1):
            for db in (-1, 0, 1):
                self.learned.add((a + da, b + db))

    def _review(self, now: float) -> None:
        """Forget the stops older than the window, and the squares no longer stopped at by enough vessels."""
        self._review_at = now + self.review_s
        since = now - self.window_s
        old = sum(len(st) for st in self.seen.values())
        self.seen = {c: kept for c, st in self.seen.items() if (kept := {m: v for m, v in st.items() if v[0] >= since})}
        if sum(len(st) for st in self.seen.values()) == old:
            return
        before = self.learned
        self.learned = set()
        for (a, b), st in self.seen.items():
            if len(st) >= self.min_vessels and not self._gathering(st):
                self._learn(a, b)
        if self.learned != before:
            self.revision += 1

    def contains(self, x: F64, y: F64) -> B:
        if not self.learned or len(x) == 0:
            return np.zeros(len(x), bool)
        ok = np.isfinite(x) & np.isfinite(y)   # an unknown position is at no anchorage
        cx = np.floor(np.where(ok, x, 0.0) / self.cell_m).astype(np.int64)
        cy = np.floor(np.where(ok, y, 0.0) / self.cell_m).astype(np.int64)
        if self._keys_of != (self.revision, len(self.learned)):   # added, or forgotten (`_review`)
            self._keys = np.sort(np.array([self._key(a, b) for a, b in self.learned], np.int64))
            self._keys_of = (self.revision, len(self.learned))
        return member(self._key(cx, cy), self._keys) & ok

    @staticmethod
    def _key(cx: Any, cy: Any) -> Any:
        """One int per cell (cell indices of a local frame stay far below 2**31 in magnitude)."""
        return cx * (1 << 32) + cy
