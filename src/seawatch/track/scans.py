"""Radar plots -> scans: per radar, the plots of one scan period on a fixed time grid, handed on when complete.

A rotating antenna's plots of one revolution come spread over its period, and the boundary of a batch (a file's
read, a live feed's message) may fall inside a revolution. Cutting scans per batch would make the tracker step
on half a revolution, then on the other half, at a place that depends on the batches. Here a radar's window is
handed on only once it is complete: the stream has reached the window's end (observations come in time order, so
no later plot can belong to it). The tracker then steps on the same scans whatever the batches.

    cutter = ScanCutter({"R1": 2.5})
    cutter.add(sensors, t, xy)          # each batch's radar plots
    cutter.complete(t_max)              # the stream has reached t_max
    for scan in cutter.take(before_s):  # complete scans, in time order
        ...
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
DEFAULT_PERIOD_S = 2.5  # a sensor the site does not list


@dataclass(frozen=True)
class Scan:
    time_s: float      # its last plot's time: the tracker's step time
    sensor_id: str
    xy: FloatArray     # (n, 2) plots in the local frame, in time order


@dataclass
class _Window:
    index: int         # floor((t - ref) / period)
    t: FloatArray
    xy: FloatArray


class ScanCutter:
    """Per radar, plots grouped into windows of its scan period on a grid anchored at its first plot; a window is
    a scan once the stream has passed its end. Holds at most one open window per radar."""

    def __init__(self, periods_s: Mapping[str, float]) -> None:
        self.periods_s = dict(periods_s)
        self._ref: dict[str, float] = {}
        self._open: dict[str, _Window] = {}
        self._queue: list[Scan] = []

    def add(self, sensor_ids: list[str], t: FloatArray, xy: FloatArray) -> None:
        """One batch's plots: their sensors' ids, times and local positions (rows in stream order)."""
        sensors = np.asarray(sensor_ids, dtype=object)
        for sid in dict.fromkeys(sensor_ids):
            m = sensors == sid
            ts, pts = t[m], xy[m]
            period = self.periods_s.get(sid, DEFAULT_PERIOD_S)
            ref = self._ref.setdefault(sid, float(ts.min()))
            held = self._open.pop(sid, None)
            if held is not None:   # the open window's plots come first: earlier in the stream
                ts, pts = np.concatenate([held.t, ts]), np.concatenate([held.xy, pts])
            order = np.argsort(ts, kind="stable")
            ts, pts = ts[order], pts[order]
            window = np.floor((ts - ref) / period)
            cut = np.flatnonzero(np.diff(window) != 0) + 1
            starts, stops = np.r_[0, cut].tolist(), np.r_[cut, len(ts)].tolist()
            for a, b in zip(starts[:-1], stops[:-1]):   # followed by a later window: complete
                self._queue.append(Scan(float(ts[b - 1]), sid, pts[a:b]))
            a = starts[-1]
            self._open[sid] = _Window(int(window[a]), ts[a:], pts[a:])

    def complete(self, horizon_s: float) -> None:
        """The stream has reached horizon_s (no later observation is earlier): the windows that end at or before
        it are scans (`math.inf`: every window, at the end of the stream)."""
        for sid in list(self._open):
            w = self._open[sid]
            if math.isinf(horizon_s) or math.floor((horizon_s - self._ref[sid]) / self.periods_s.get(
                    sid, DEFAULT_PERIOD_S)) > w.index:
                del self._open[sid]
                self._queue.append(Scan(float(w.t[-1]), sid, w.xy))

    def open_from_s(self) -> float:
        """The earliest time an open window's scan can have (the latest plot of each, the earliest of those):
        a step before it sees no scan of theirs; inf without open windows."""
        return min((float(w.t[-1]) for w in self._open.values()), default=math.inf)

    def take(self, before_s: float) -> list[Scan]:
        """The complete scans earlier than before_s, in time order (ties by sensor id); the rest stay queued."""
        self._queue.sort(key=lambda s: (s.time_s, s.sensor_id))
        k = 0
        while k < len(self._queue) and self._queue[k].time_s < before_s:
            k += 1
        out, self._queue = self._queue[:k], self._queue[k:]
        return out

    @property
    def held(self) -> bool:
        """Any plot not yet handed on (an open window or a queued scan)?"""
        return bool(self._open or self._queue)
