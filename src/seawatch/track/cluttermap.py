"""A clutter map per radar: the density of plots no established track takes, per cell, averaged over minutes.

Sea clutter is not uniform: within a few km of a radar on a platform it is many times the site's mean
density (the `clutter_per_scan` of site.toml spread over the radar's disc), and one scan's plots around a
point are too few to say so. The map keeps, for each radar (keyed by its position), a square grid of
`cell_m` cells over its cover: per scan the count of free plots (not taken by a confirmed or coasting track)
in each cell, averaged with an exponential memory of `tau_s` (bias-corrected, so a young map reads the mean
of the scans it has seen). The track score reads λ from it where it is denser than the site's figure
(lifecycle.py), so a patch of clutter near a radar cannot add up to a confirmed track there.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class ClutterMap:
    def __init__(self, centre_xy: tuple[float, float], radius_m: float, cell_m: float, tau_s: float) -> None:
        self.x0, self.y0 = centre_xy[0] - radius_m, centre_xy[1] - radius_m
        self.cell_m, self.tau_s = cell_m, tau_s
        self.n = max(1, int(math.ceil(2 * radius_m / cell_m)))
        self.mean = np.zeros((self.n, self.n))   # free plots per scan per cell, exponential average
        self.weight = 0.0                        # the average's total weight (bias correction)
        self.time_s: float | None = None
        self.last_w = 1.0                        # the weight of the last scan in the average

    def _cells(self, xy: FloatArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        i = np.floor((xy[:, 0] - self.x0) / self.cell_m).astype(np.intp)
        j = np.floor((xy[:, 1] - self.y0) / self.cell_m).astype(np.intp)
        ok = (i >= 0) & (i < self.n) & (j >= 0) & (j < self.n)
        return i, j, ok

    def add_scan(self, time_s: float, free_xy: FloatArray) -> None:
        """One scan of this radar: the plots no established track took (a second batch at the same time adds
        to the same scan)."""
        if self.time_s is None or time_s > self.time_s:
            a = 0.0 if self.time_s is None else math.exp(-(time_s - self.time_s) / self.tau_s)
            self.mean *= a
            self.weight = a * self.weight + (1.0 - a)
            self.last_w = 1.0 - a
            self.time_s = time_s
        i, j, ok = self._cells(free_xy)
        np.add.at(self.mean, (i[ok], j[ok]), self.last_w)

    def density_per_m2(self, xy: FloatArray) -> FloatArray:
        """Mean free plots per scan per m² in the cell of each position (0 outside the map)."""
        out = np.zeros(len(xy))
        if self.weight <= 0.0:
            return out
        i, j, ok = self._cells(xy)
        out[ok] = self.mean[i[ok], j[ok]] / self.weight / self.cell_m**2
        return out
