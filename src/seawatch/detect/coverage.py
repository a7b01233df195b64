"""Where the site's sensors reach: AIS and radar coverage circles, and a small craft's AIS line of sight."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seawatch.config.site import SiteConfig
from seawatch.geo import LocalFrame
from seawatch.geo.radio import radio_horizon_m

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


class Coverage:
    """AIS and radar coverage as circles around the site's sensors (an AIS sensor without a position covers
    everything)."""

    def __init__(self, site: SiteConfig, frame: LocalFrame) -> None:
        heights: list[float] = []   # of the AIS stations, in the order of their circles

        def circles(kind: str) -> tuple[F64, F64, F64, bool]:
            xs, ys, rs, everywhere = [], [], [], False
            for s in site.sensors:
                if s.kind != kind:
                    continue
                if s.lat is None or s.lon is None or s.range_m is None:
                    everywhere = True
                    continue
                x, y = frame.to_xy(s.lat, s.lon)
                xs.append(float(x))
                ys.append(float(y))
                rs.append(float(s.range_m))
                if kind == "ais":   # a station whose height is not given: its range is all that is known
                    heights.append(float(s.height_m) if "height_m" in s.model_fields_set else np.inf)
            return np.array(xs), np.array(ys), np.array(rs), everywhere
        self._ais = circles("ais")
        self._radar = circles("radar")
        self._ais_height_m = np.array(heights)

    @staticmethod
    def _inside(c: tuple[F64, F64, F64, bool], x: F64, y: F64, fraction: float) -> B:
        xs, ys, rs, everywhere = c
        if everywhere:
            return np.ones(len(x), bool)
        if len(x) * len(xs) <= 1 << 16:   # a cycle's points against every circle at once: the same sums
            return np.asarray((((np.asarray(x)[:, None] - xs) ** 2 + (np.asarray(y)[:, None] - ys) ** 2)
                               <= (rs * fraction) ** 2).any(axis=1), bool)
        out = np.zeros(len(x), bool)   # many points (a truth file): circle by circle, no points x circles table
        for sx, sy, r in zip(xs, ys, rs):
            out |= (x - sx) ** 2 + (y - sy) ** 2 <= (r * fraction) ** 2
        return out

    def ais(self, x: F64, y: F64, fraction: float = 1.0) -> B:
        return self._inside(self._ais, x, y, fraction)

    def radar(self, x: F64, y: F64, fraction: float = 1.0) -> B:
        return self._inside(self._radar, x, y, fraction)

    def ais_small_craft(self, x: F64, y: F64, antenna_m: float, fraction: float) -> B:
        """Inside an AIS station's range and within `fraction` of its radio line of sight (the station's
        height_m) to an antenna `antenna_m` above the sea: where a small craft's class B set is heard."""
        xs, ys, rs, everywhere = self._ais
        reach = np.minimum(rs, fraction * radio_horizon_m(self._ais_height_m, antenna_m))
        return self._inside((xs, ys, reach, everywhere), x, y, 1.0)
