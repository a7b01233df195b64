"""A rotating coastal surveillance radar: which vessels it detects on each scan, with what errors, and clutter.

Per scan (period T, the antenna turning clockwise from north at the scan start) a target at bearing b is
illuminated at t = scan start + b/360·T, and is a candidate when it is
- within the instrumented range (`range_m`) and beyond the 200 m blind range,
- within the radar horizon for the antenna and the target heights (4/3 earth: 4.12 km·(√h_a + √h_t)),
- not behind land: closer than the first shore along the bearing (a precomputed shadow map, 0.25° bins).

It is then detected with the Swerling I probability Pd = Pfa^(1 / (1 + SNR)) (Pfa = 1e-6), with the mean
SNR from the radar equation relative to a reference: SNR ∝ σ / R⁴, calibrated so that a 100 m² target at
0.75 × `range_m` in sea state 2 is detected with the sensor's `pd`; sea state s removes 2.5 dB × (s − 2)
(1.5× that for targets under 50 m², which the waves mask). A detection is reported with Gaussian range and
bearing errors (`range_sigma_m`, `bearing_sigma_deg`) and a fluctuating RCS (exponential, Swerling I).

False alarms: Poisson per scan with mean `clutter_per_scan` × m(sea state) (m = 0.2, 0.5, 1, 2, 3.5, 6, 9 for
sea states 0–6), at ranges drawn mostly from an exponential falling away from the radar (sea clutter, the
scale growing with sea state) and partly uniformly (noise), on open water only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from seawatch.config.site import SensorConfig
from seawatch.geo.radio import radio_horizon_m
from seawatch.sim.ais import Knots
from seawatch.sim.geometry import Sea, polar_to_latlon, range_bearing

F64 = npt.NDArray[np.float64]

PFA = 1e-6
THRESHOLD = -np.log(PFA)  # the square-law detector threshold over the mean noise power
REF_RCS_M2 = 100.0
REF_RANGE_FRACTION = 0.75
MIN_RANGE_M = 200.0
SHADOW_BINS = 1440
CLUTTER_MULT = (0.2, 0.5, 1.0, 2.0, 3.5, 6.0, 9.0)


def swerling1_pd(snr_lin: F64) -> F64:
    return np.exp(-THRESHOLD / (1.0 + snr_lin))


def snr_ref_db(pd: float) -> float:
    """Mean SNR (dB) at which a Swerling I target is detected with probability pd."""
    return float(10.0 * np.log10(THRESHOLD / -np.log(pd) - 1.0))


def sea_state_loss_db(sea_state: float, rcs_m2: F64) -> F64:
    return 2.5 * (sea_state - 2.0) * np.where(rcs_m2 < 50.0, 1.5, 1.0)


@lru_cache(maxsize=32)
def _shadow(sea: Sea, lat: float, lon: float, range_m: float) -> tuple[F64, F64]:
    return sea.shadow_ranges(lat, lon, range_m, SHADOW_BINS)


@dataclass
class Plots:
    time: F64
    range_m: F64
    bearing_deg: F64
    rcs_m2: F64
    snr_db: F64
    vessel: npt.NDArray[np.int64]  # the true vessel index, -1 for clutter (truth only, not written)


class RadarModel:
    def __init__(self, cfg: SensorConfig, sea: Sea, sea_state: float, rng: np.random.Generator) -> None:
        assert cfg.lat is not None and cfg.lon is not None and cfg.range_m is not None
        self.id = cfg.id
        self.lat, self.lon, self.range_m = float(cfg.lat), float(cfg.lon), float(cfg.range_m)
        self.height_m = float(cfg.height_m)
        self.period_s = float(cfg.scan_period_s or 2.5)
        self.sigma_r = float(cfg.range_sigma_m or 25.0)
        self.sigma_b = float(cfg.bearing_sigma_deg or 0.3)
        self.pd = float(cfg.pd)
        self.clutter = float(cfg.clutter_per_scan)
        self.sea_state = float(sea_state)
        self.rng = rng
        self.water_from, self.water_to = _shadow(sea, self.lat, self.lon, self.range_m)
        self.snr_ref_db = snr_ref_db(self.pd)
        self.ref_range_m = REF_RANGE_FRACTION * self.range_m
        self.phase_s = float(rng.uniform(0.0, self.period_s))
        self.last_plots: Plots | None = None  # the latest chunk's plots (shared by the writers)

    def _bin(self, bearing_deg: F64) -> npt.NDArray[np.int64]:
        return np.floor(np.mod(bearing_deg, 360.0) / 360.0 * SHADOW_BINS).astype(np.int64) % SHADOW_BINS

    def visible_range(self, bearing_deg: F64) -> F64:
        """How far open water is visible on each bearing (0 over land)."""
        return self.water_to[self._bin(bearing_deg)]

    def sees(self, range_m: F64, bearing_deg: F64) -> npt.NDArray[np.bool_]:
        """True where (range, bearing) is open water in view: past the radar's own shore, before the next."""
        b = self._bin(bearing_deg)
        return (range_m >= self.water_from[b]) & (range_m <= self.water_to[b])

    def mean_snr_db(self, range_m: F64, rcs_m2: F64) -> F64:
        return (self.snr_ref_db + 10.0 * np.log10(rcs_m2 / REF_RCS_M2)
                - 40.0 * np.log10(np.maximum(range_m, 1.0) / self.ref_range_m)
                - sea_state_loss_db(self.sea_state, rcs_m2))

    def scan_starts(self, t0: float, t1: float) -> F64:
        j0 = np.ceil((t0 - self.phase_s) / self.period_s)
        j1 = np.ceil((t1 - self.phase_s) / self.period_s)
        return np.asarray(self.phase_s + np.arange(j0, j1) * self.period_s, dtype=np.float64)

    def scan(self, kn: Knots, rcs_m2: F64, height_m: F64) -> Plots:
        """All plots (targets and clutter) of the scans starting within the chunk, in time order."""
        starts = self.scan_starts(kn.t0, kn.t_end)
        tgt = self._targets(kn, starts, rcs_m2, height_m)
        clu = self._clutter(starts)
        out = Plots(*(np.concatenate([a, b]) for a, b in zip(
            (tgt.time, tgt.range_m, tgt.bearing_deg, tgt.rcs_m2, tgt.snr_db, tgt.vessel),
            (clu.time, clu.range_m, clu.bearing_deg, clu.rcs_m2, clu.snr_db, clu.vessel))))
        order = np.argsort(out.time, kind="stable")
        return Plots(out.time[order], out.range_m[order], out.bearing_deg[order], out.rcs_m2[order],
                     out.snr_db[order], out.vessel[order])

    def _targets(self, kn: Knots, starts: F64, rcs_m2: F64, height_m: F64) -> Plots:
        # cheap pre-filter on the knots: equirectangular distance, generous margin
        dy = (kn.lat - self.lat) * 111_000.0
        dx = (kn.lon - self.lon) * (111_320.0 * np.cos(np.radians(self.lat)))
        near = kn.present & (dx * dx + dy * dy < (self.range_m * 1.05 + 2000.0) ** 2)
        cand = np.flatnonzero(near.any(axis=0))
        if len(cand) == 0 or len(starts) == 0:
            return _empty()
        # the antenna reaches bearing b at scan start + b/360·T: take b at the nearest knot (≤ dt/2 away)
        _, b_knots = range_bearing(self.lat, self.lon, kn.lat[:, cand], kn.lon[:, cand])
        s = np.repeat(starts, len(cand))
        v = np.tile(cand, len(starts))
        k_near = np.clip(np.round((s - kn.t0) / kn.dt).astype(np.int64), 0, kn.n_steps)
        b0 = b_knots[k_near, np.tile(np.arange(len(cand)), len(starts))]
        t = s + b0 / 360.0 * self.period_s
        lat, lon = kn.position(t, v)
        r, b = range_bearing(self.lat, self.lon, lat, lon)
        k, _ = kn.locate(t)
        ok = kn.present[k, v] & (r >= MIN_RANGE_M) & (r <= self.range_m)
        ok &= r <= radio_horizon_m(self.height_m, height_m[v])
        ok &= self.sees(r, b)
        idx = np.flatnonzero(ok)
        t, v, r, b = t[idx], v[idx], r[idx], b[idx]
        snr = 10.0 ** (self.mean_snr_db(r, rcs_m2[v]) / 10.0)
        det = self.rng.random(len(idx)) < swerling1_pd(snr)
        t, v, r, b, snr = t[det], v[det], r[det], b[det], snr[det]
        n = len(t)
        x = np.maximum(self.rng.exponential(1.0, n), THRESHOLD / np.maximum(snr, 1e-9))  # fluctuation, given detection
        r_obs = np.maximum(r + self.rng.normal(0.0, self.sigma_r, n), 1.0)
        b_obs = np.mod(b + self.rng.normal(0.0, self.sigma_b, n), 360.0)
        return Plots(t, r_obs, b_obs, rcs_m2[v] * x, 10.0 * np.log10(snr * x), v.astype(np.int64))

    def _clutter(self, starts: F64) -> Plots:
        ss = int(np.clip(round(self.sea_state), 0, len(CLUTTER_MULT) - 1))
        lam = self.clutter * CLUTTER_MULT[ss]
        counts = self.rng.poisson(lam, len(starts))
        n = int(counts.sum())
        if n == 0:
            return _empty()
        s = np.repeat(starts, counts)
        scale = 0.06 * self.range_m * (1.0 + 0.3 * self.sea_state)
        sea_clutter = self.rng.random(n) < 0.75
        r = np.where(sea_clutter, MIN_RANGE_M + self.rng.exponential(scale, n),
                     self.rng.uniform(MIN_RANGE_M, self.range_m, n))
        b = self.rng.uniform(0.0, 360.0, n)
        keep = (r <= self.range_m) & self.sees(r, b)
        s, r, b = s[keep], r[keep], b[keep]
        m = len(s)
        snr_db = 10.0 * np.log10(THRESHOLD) + self.rng.exponential(1.5, m)
        rcs = np.exp(self.rng.normal(np.log(0.3 * (1.0 + self.sea_state)), 1.0, m))
        return Plots(s + b / 360.0 * self.period_s, r, b, rcs, snr_db, np.full(m, -1, np.int64))


def _empty() -> Plots:
    z = np.zeros(0)
    return Plots(z, z, z, z, z, np.zeros(0, np.int64))


def radar_coverage_latlon(model: RadarModel, n: int = 360) -> tuple[F64, F64]:
    """The outline of the water the radar sees (for maps and docs)."""
    b = (np.arange(n) + 0.5) * 360.0 / n
    return polar_to_latlon(model.lat, model.lon, model.visible_range(b), b)
