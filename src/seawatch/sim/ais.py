"""AIS transmitters and shore reception.

Reporting intervals (ITU-R M.1371-5, Annex 1, Table 1 — Class A; Table 2 — Class B "CS"):

| Class A                                         | interval |
|-------------------------------------------------|----------|
| at anchor or moored, ≤ 3 kn                     | 3 min    |
| at anchor or moored, > 3 kn                     | 10 s     |
| 0–14 kn                                         | 10 s     |
| 0–14 kn and changing course                     | 3⅓ s     |
| 14–23 kn                                        | 6 s      |
| 14–23 kn and changing course                    | 2 s      |
| > 23 kn                                         | 2 s      |
| Class B CS: ≤ 2 kn 3 min, > 2 kn 30 s           |          |

"Changing course" is a heading change of more than 5° within 30 s (|rate of turn| × 30 s > 5°). Static and
voyage data (type 5; Class B type 24 A+B) go out every 6 min. A transmitter's reports are spread evenly
over time by a phase that advances by dt / interval per step: a report goes out each time the phase passes
an integer, so the interval follows the vessel's speed class as it changes.

Reception: a base station hears a message if the ship is within the radio line of sight of the two
antennas (4/3 earth radius) and the message survives the random loss (`loss`, packet collisions and fading),
whose probability rises linearly to 1 over the last 20 % of the line of sight. The station with the best
margin forwards it (or every station that heard it, with `duplicates`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seawatch.geo.radio import radio_horizon_m
from seawatch.model.units import MPS_TO_KN
from seawatch.sim.agents import AT_ANCHOR, MOORED
from seawatch.sim.geometry import range_bearing

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

CLASS_NONE, CLASS_A, CLASS_B = 0, 1, 2
STATIC_INTERVAL_S = 360.0


def reporting_interval_s(ais_class: npt.NDArray[np.int8], sog_kn: F64, status: npt.NDArray[np.int16],
                         rot_dps: F64) -> F64:
    """M.1371 nominal reporting interval per vessel (inf where there is no transmitter)."""
    turning = np.abs(rot_dps) * 30.0 > 5.0
    moored = (status == AT_ANCHOR) | (status == MOORED)
    a = np.where(sog_kn <= 14.0, np.where(turning, 10.0 / 3.0, 10.0),
                 np.where(sog_kn <= 23.0, np.where(turning, 2.0, 6.0), 2.0))
    a = np.where(moored, np.where(sog_kn <= 3.0, 180.0, 10.0), a)
    b = np.where(sog_kn <= 2.0, 180.0, 30.0)
    return np.where(ais_class == CLASS_A, a, np.where(ais_class == CLASS_B, b, np.inf))


@dataclass(frozen=True)
class Knots:
    """Vessel states sampled every dt over one chunk: arrays [K + 1, N] (the last row starts the next chunk)."""

    t0: float
    dt: float
    lat: F64
    lon: F64
    sog_mps: F64
    cog_deg: F64
    heading_deg: F64
    rot_dps: F64
    status: npt.NDArray[np.int16]
    ais_on: npt.NDArray[np.bool_]
    present: npt.NDArray[np.bool_]

    @property
    def n_steps(self) -> int:
        return self.lat.shape[0] - 1

    @property
    def t_end(self) -> float:
        return self.t0 + self.n_steps * self.dt

    def locate(self, t: F64) -> tuple[I64, F64]:
        """(knot index k, fraction) so that t lies at k + frac (frac may exceed 1 just past the end)."""
        kf = (t - self.t0) / self.dt
        k = np.clip(np.floor(kf).astype(np.int64), 0, self.n_steps - 1)
        return k, kf - k

    def position(self, t: F64, v: I64) -> tuple[F64, F64]:
        k, fr = self.locate(t)
        lat = self.lat[k, v] + fr * (self.lat[k + 1, v] - self.lat[k, v])
        lon = self.lon[k, v] + fr * (self.lon[k + 1, v] - self.lon[k, v])
        return lat, lon


@dataclass(frozen=True)
class Station:
    id: str
    lat: float
    lon: float
    height_m: float


@dataclass
class Reports:
    """Position reports (or static reports) that reached the shore."""

    t: F64
    vessel: I64
    station: I64  # index into the station list
    lat: F64
    lon: F64
    sog_kn: F64
    cog_deg: F64
    heading_deg: F64
    rot_dps: F64
    status: npt.NDArray[np.int16]
    seq: I64  # the report's ordinal on this transmitter (channel A/B alternate with it)


class AisModel:
    def __init__(self, ais_class: npt.NDArray[np.int8], antenna_m: F64, stations: list[Station], loss: float,
                 duplicates: bool, rng: np.random.Generator) -> None:
        self.ais_class = ais_class
        self.antenna_m = antenna_m
        self.stations = stations
        self.loss = loss
        self.duplicates = duplicates
        self.rng = rng
        n = len(ais_class)
        self.phase = rng.uniform(0.0, 1.0, n)
        self.count = np.zeros(n, np.int64)
        self.static_offset = rng.uniform(0.0, STATIC_INTERVAL_S, n)
        self.st_lat = np.array([s.lat for s in stations])
        self.st_lon = np.array([s.lon for s in stations])
        self.st_h = np.array([s.height_m for s in stations])

    # ---- transmit ----
    def position_times(self, kn: Knots) -> tuple[F64, I64, I64]:
        """(time, vessel, ordinal) of every position report transmitted in the chunk."""
        n = kn.lat.shape[1]
        interval = reporting_interval_s(self.ais_class, kn.sog_mps[:-1] * MPS_TO_KN, kn.status[:-1], kn.rot_dps[:-1])
        inc = np.where(np.isfinite(interval), kn.dt / interval, 0.0)  # [K, N]
        ph = np.vstack([self.phase[None, :], self.phase[None, :] + np.cumsum(inc, axis=0)])  # [K+1, N]
        base = np.floor(ph[0])
        counts = (np.floor(ph[-1]) - base).astype(np.int64)
        self.phase = ph[-1]
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
        big = 1e7
        q = (ph - base[None, :]).T + (np.arange(n)[:, None] * big)  # [N, K+1], increasing along the flat order
        times = np.broadcast_to(kn.t0 + kn.dt * np.arange(kn.n_steps + 1), q.shape)
        vessel = np.repeat(np.arange(n), counts)
        first = np.cumsum(counts) - counts
        m = np.arange(total) - np.repeat(first, counts) + 1  # 1..count per vessel
        t = np.interp(vessel * big + m, q.ravel(), times.ravel())
        ordinal = self.count[vessel] + m
        self.count += counts
        return t, vessel, ordinal

    def static_times(self, kn: Knots) -> tuple[F64, I64]:
        """(time, vessel) of the static/voyage reports (every 6 min per transmitter) in the chunk."""
        n = kn.lat.shape[1]
        first = np.ceil((kn.t0 - self.static_offset) / STATIC_INTERVAL_S)
        last = np.ceil((kn.t_end - self.static_offset) / STATIC_INTERVAL_S) - 1
        counts = np.maximum(last - first + 1, 0).astype(np.int64)
        counts[self.ais_class == CLASS_NONE] = 0
        vessel = np.repeat(np.arange(n), counts)
        m = np.repeat(first, counts) + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))
        return self.static_offset[vessel] + m * STATIC_INTERVAL_S, vessel

    def _on(self, kn: Knots, t: F64, v: I64) -> npt.NDArray[np.bool_]:
        k, _ = kn.locate(t)
        return kn.ais_on[k, v] & kn.present[k, v]

    # ---- receive ----
    def receive(self, lat: F64, lon: F64, v: I64) -> tuple[I64, I64]:
        """(row index into the inputs, station index) of every reception kept."""
        if len(v) == 0 or not self.stations:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        d, _ = range_bearing(self.st_lat[None, :], self.st_lon[None, :], lat[:, None], lon[:, None])
        horizon = radio_horizon_m(self.st_h[None, :], self.antenna_m[v][:, None])
        frac = d / horizon
        p = (1.0 - self.loss) * np.clip((1.0 - frac) / 0.2, 0.0, 1.0)
        heard = self.rng.random(frac.shape) < p
        if self.duplicates:
            rows, st = np.nonzero(heard)
            return rows.astype(np.int64), st.astype(np.int64)
        score = np.where(heard, frac, np.inf)
        best = np.argmin(score, axis=1)
        rows = np.flatnonzero(np.isfinite(score[np.arange(len(v)), best]))
        return rows, best[rows].astype(np.int64)

    def positions(self, kn: Knots) -> Reports:
        t, v, ordinal = self.position_times(kn)
        on = self._on(kn, t, v)
        t, v, ordinal = t[on], v[on], ordinal[on]
        lat, lon = kn.position(t, v)
        rows, st = self.receive(lat, lon, v)
        t, v, ordinal, lat, lon = t[rows], v[rows], ordinal[rows], lat[rows], lon[rows]
        k, fr = kn.locate(t)
        near = np.minimum(k + (fr > 0.5), kn.n_steps)
        return Reports(t, v, st, lat, lon, kn.sog_mps[near, v] * MPS_TO_KN, kn.cog_deg[near, v],
                       kn.heading_deg[near, v], kn.rot_dps[near, v], kn.status[near, v], ordinal)

    def statics(self, kn: Knots) -> tuple[F64, I64, I64]:
        """(time, vessel, station) of the static reports received."""
        t, v = self.static_times(kn)
        on = self._on(kn, t, v)
        t, v = t[on], v[on]
        lat, lon = kn.position(t, v)
        rows, st = self.receive(lat, lon, v)
        return t[rows], v[rows], st
