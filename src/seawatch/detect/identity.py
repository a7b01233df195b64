"""The last AIS identity each radar track carried, and when: the physical continuity behind contact ids.

A fused contact is known by its MMSI and a dark one by its radar track id, so when a vessel's AIS falls
silent its radar track carries on under another contact id. Rules that judge a radar track (is it dark?
did it change identity?) look here for the identity the track had. Arrays indexed by track id (ids are
handed out in increasing order by the tracker), grown by doubling: one vectorised write per cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from seawatch.arrays import fill_nan

if TYPE_CHECKING:
    from seawatch.detect.core import ContactMemory

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


class TrackIdentity:
    """Per radar track, its last AIS identity and when, and the one before it (`prev_mmsi`, `prev_t`: when
    the track last carried that one)."""

    def __init__(self) -> None:
        self.mmsi: I64 = np.zeros(1024, np.int64)
        self.t: F64 = np.full(1024, np.nan)
        self.prev_mmsi: I64 = np.zeros(1024, np.int64)
        self.prev_t: F64 = np.full(1024, np.nan)

    def _reserve(self, top: int) -> None:
        if top < len(self.mmsi):
            return
        cap = max(top + 1, 2 * len(self.mmsi))
        for name, fill in (("mmsi", 0), ("t", np.nan), ("prev_mmsi", 0), ("prev_t", np.nan)):
            old = getattr(self, name)
            a = np.full(cap, fill, old.dtype)
            a[: len(old)] = old
            setattr(self, name, a)

    def note(self, track_id: I64, mmsi: I64, t: F64) -> None:
        """Rows of radar tracks fused with an AIS identity (track_id >= 0, mmsi > 0)."""
        ok = (track_id >= 0) & (mmsi > 0)
        if not ok.any():
            return
        tid = track_id[ok]
        self._reserve(int(tid.max()))
        other = (self.mmsi[tid] > 0) & (self.mmsi[tid] != mmsi[ok])
        self.prev_mmsi[tid[other]], self.prev_t[tid[other]] = self.mmsi[tid[other]], self.t[tid[other]]
        self.mmsi[tid], self.t[tid] = mmsi[ok], t[ok]

    def last(self, track_id: I64) -> tuple[I64, F64]:
        """(mmsi, time) of each track's last identity; 0 / NaN for none (or no track: id < 0)."""
        m, t = np.zeros(len(track_id), np.int64), np.full(len(track_id), np.nan)
        ok = (track_id >= 0) & (track_id < len(self.mmsi))
        m[ok], t[ok] = self.mmsi[track_id[ok]], self.t[track_id[ok]]
        return m, t

    def remembered(self, track_id: I64, x: F64, y: F64, now: float, mem: ContactMemory, memory_s: float,
                   elsewhere_m: float) -> I64:
        """Per row, the MMSI its radar track carried within memory_s (0: none, or no track), unless that MMSI
        has been heard since more than elsewhere_m from the row's (x, y): the track never was that vessel.
        A last identity so refuted (a moment's wrong fusion with a passing ship) leaves the one before it,
        judged the same way: a boat tracked twice keeps its identity on its second track."""
        out = np.zeros(len(track_id), np.int64)
        last_m, last_t = self.last(track_id)
        recent = np.flatnonzero((last_m > 0) & (now - fill_nan(last_t, nan=-np.inf) <= memory_s))
        if not len(recent):
            return out
        heard_m, heard_t = mem.i["last_mmsi"][: mem.n], mem.f["last_ais_t"][: mem.n]

        def holds(m: int, since: float, k: int) -> bool:
            mine = np.flatnonzero(heard_m == m)
            later = mine[heard_t[mine] > since + 1.0]
            return not (len(later) and (np.hypot(mem.f["ais_x"][later] - x[k], mem.f["ais_y"][later] - y[k])
                                        > elsewhere_m).any())

        for k in recent.tolist():
            tid = int(track_id[k])
            if holds(int(last_m[k]), float(last_t[k]), k):
                out[k] = int(last_m[k])
                continue
            pm, pt = int(self.prev_mmsi[tid]), float(self.prev_t[tid])
            if pm > 0 and now - pt <= memory_s and holds(pm, pt, k):
                out[k] = pm
        return out
