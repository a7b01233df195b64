"""Vessel kinematics, vectorised over all vessels per time step.

Every vessel follows its own list of waypoints (a route). Per step it turns towards the next waypoint at
most at its type's rate of turn, accelerates or brakes at most at its type's acceleration towards the leg's
speed (braking early for a stop: v ≤ √(2·a·d)), and moves by dead reckoning on the ellipsoid. At a waypoint
it may dwell (moored, at anchor, fishing, waiting for a rendezvous time) before the next leg; a looping
route starts again at its first waypoint. A small random walk of heading and speed (sea, helmsman) makes
tracks look like real ones.

Routes are padded 2-D arrays [vessel, waypoint]; the per-step state is a handful of 1-D arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from seawatch.model.units import KN_TO_MPS
from seawatch.sim.geometry import displace, range_bearing

F64 = npt.NDArray[np.float64]

# AIS navigational status codes (ITU-R M.1371 table 45)
UNDER_WAY = 0
AT_ANCHOR = 1
MOORED = 5
FISHING = 7
STATUS_NAMES = {UNDER_WAY: "under_way", AT_ANCHOR: "at_anchor", MOORED: "moored", FISHING: "fishing"}


@dataclass
class Waypoint:
    lat: float
    lon: float
    speed_kn: float  # on the leg towards this waypoint
    dwell_s: float = 0.0  # stay this long after arriving
    wait_until_s: float = float("nan")  # or until this sim time (absolute epoch s), whichever is later
    status: int = UNDER_WAY  # AIS nav status during the leg
    dwell_status: int = MOORED  # AIS nav status while dwelling here
    ais_on: bool = True  # transponder on during the leg and the dwell


@dataclass
class Plan:
    """One vessel's route and where it starts on it."""

    waypoints: list[Waypoint]
    start_lat: float
    start_lon: float
    start_index: int = 0  # the waypoint it is heading to at t0
    start_dwell_s: float = 0.0  # still dwelling (at its start point) for this long at t0
    start_cog_deg: float | None = None
    start_speed_kn: float | None = None
    loop: bool = False
    appear_at: float = float("-inf")  # absolute epoch s: not at sea (not seen by any sensor) before this
    vanish_at_end: bool = False  # hauled out / beached after the last waypoint's dwell: gone from the sea


@dataclass
class Fleet:
    """Routes and physics for N vessels (padded arrays)."""

    lat: F64
    lon: F64
    speed_mps: F64
    dwell_s: F64
    wait_until: F64
    status: npt.NDArray[np.int16]
    dwell_status: npt.NDArray[np.int16]
    ais_on: npt.NDArray[np.bool_]
    n_wp: npt.NDArray[np.int64]
    loop: npt.NDArray[np.bool_]
    accel_mps2: F64
    turn_dps: F64
    jitter_deg: F64  # heading random walk per √s
    starts: list[Plan] = field(default_factory=list)

    @classmethod
    def build(cls, plans: list[Plan], accel_mps2: F64, turn_dps: F64, jitter_deg: F64) -> Fleet:
        n = len(plans)
        w = max(len(p.waypoints) for p in plans) if plans else 1
        f = cls(
            lat=np.zeros((n, w)), lon=np.zeros((n, w)), speed_mps=np.zeros((n, w)), dwell_s=np.zeros((n, w)),
            wait_until=np.full((n, w), np.nan), status=np.zeros((n, w), np.int16),
            dwell_status=np.full((n, w), MOORED, np.int16), ais_on=np.ones((n, w), bool),
            n_wp=np.array([len(p.waypoints) for p in plans], np.int64), loop=np.array([p.loop for p in plans], bool),
            accel_mps2=np.asarray(accel_mps2, np.float64), turn_dps=np.asarray(turn_dps, np.float64),
            jitter_deg=np.asarray(jitter_deg, np.float64), starts=plans)
        for i, p in enumerate(plans):
            for j, wp in enumerate(p.waypoints):
                f.lat[i, j], f.lon[i, j] = wp.lat, wp.lon
                f.speed_mps[i, j] = wp.speed_kn * KN_TO_MPS
                f.dwell_s[i, j], f.wait_until[i, j] = wp.dwell_s, wp.wait_until_s
                f.status[i, j], f.dwell_status[i, j], f.ais_on[i, j] = wp.status, wp.dwell_status, wp.ais_on
            for j in range(len(p.waypoints), w):  # pad with the last waypoint
                f.lat[i, j], f.lon[i, j] = f.lat[i, j - 1], f.lon[i, j - 1]
                f.ais_on[i, j] = f.ais_on[i, j - 1]
        return f


class Kinematics:
    """The moving state of a fleet; `step(t, dt)` advances every vessel at once."""

    def __init__(self, fleet: Fleet, t0: float, rng: np.random.Generator) -> None:
        self.f = fleet
        self.rng = rng
        n = len(fleet.n_wp)
        self.ar = np.arange(n)
        plans = fleet.starts
        self.lat = np.array([p.start_lat for p in plans], np.float64)
        self.lon = np.array([p.start_lon for p in plans], np.float64)
        self.idx = np.array([p.start_index for p in plans], np.int64)
        self.appear_at = np.array([p.appear_at for p in plans], np.float64)
        self.vanish = np.array([p.vanish_at_end for p in plans], bool)
        self.dwell_until = np.maximum(t0 + np.array([p.start_dwell_s for p in plans], np.float64), self.appear_at)
        self.finished = np.zeros(n, bool)
        tl, to = fleet.lat[self.ar, self.idx], fleet.lon[self.ar, self.idx]
        _, brg = range_bearing(self.lat, self.lon, tl, to)
        self.cog = np.array([brg[i] if p.start_cog_deg is None else p.start_cog_deg for i, p in enumerate(plans)])
        leg_v = fleet.speed_mps[self.ar, self.idx]
        self.sog = np.array([leg_v[i] if p.start_speed_kn is None else p.start_speed_kn * KN_TO_MPS
                             for i, p in enumerate(plans)])
        dwelling = self.dwell_until > t0
        self.sog[dwelling] = 0.0
        # the current target waypoint's attributes, cached (reloaded on arrival only)
        self.t_lat, self.t_lon, self.t_speed = np.zeros(n), np.zeros(n), np.zeros(n)
        self.t_dwell, self.t_wait = np.zeros(n), np.zeros(n)
        self.t_status, self.t_ais, self.t_stops = np.zeros(n, np.int16), np.zeros(n, bool), np.zeros(n, bool)
        self._load(self.ar)
        # the last waypoint reached: its dwell status and AIS setting apply while dwelling there
        prev = np.where(self.idx == 0, fleet.n_wp - 1, self.idx - 1)
        self.h_status = fleet.dwell_status[self.ar, prev].copy()
        self.h_ais = fleet.ais_on[self.ar, prev].copy()
        self.status = np.where(dwelling, self.h_status, self.t_status)
        self.ais_on = np.where(dwelling, self.h_ais, self.t_ais)
        self.rot_dps = np.zeros(n)
        self.heading_offset = rng.normal(0.0, 1.5, n)  # leeway / gyro offset between heading and COG

    def _load(self, k: npt.NDArray[np.int64]) -> None:
        f, i = self.f, self.idx[k]
        self.t_lat[k], self.t_lon[k], self.t_speed[k] = f.lat[k, i], f.lon[k, i], f.speed_mps[k, i]
        self.t_dwell[k], self.t_wait[k] = f.dwell_s[k, i], f.wait_until[k, i]
        self.t_status[k], self.t_ais[k] = f.status[k, i], f.ais_on[k, i]
        self.t_stops[k] = (self.t_dwell[k] > 0) | np.isfinite(self.t_wait[k]) | ((i == f.n_wp[k] - 1) & ~f.loop[k])

    def present(self, t: float) -> npt.NDArray[np.bool_]:
        """Vessels at sea at time t (appeared, and not yet hauled out at the end of their route)."""
        return (t >= self.appear_at) & ~(self.finished & self.vanish & (t >= self.dwell_until))

    def step(self, t: float, dt: float) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], F64]:
        """Advance from t to t + dt. Returns the arrivals: (vessel, waypoint index, dwell until)."""
        f = self.f
        dist, brg = range_bearing(self.lat, self.lon, self.t_lat, self.t_lon)
        dwelling = (self.dwell_until > t) | self.finished
        a = f.accel_mps2
        v_cmd = np.where(self.t_stops, np.minimum(self.t_speed, np.sqrt(2.0 * a * np.maximum(dist - 50.0, 0.0)) + 0.3),
                         self.t_speed)
        v_cmd[dwelling] = 0.0
        # heading: toward the waypoint, limited rate of turn, plus a small random walk
        dh = (brg - self.cog + 180.0) % 360.0 - 180.0
        max_turn = f.turn_dps * dt
        dh = np.clip(dh, -max_turn, max_turn)
        dh[dwelling] = 0.0
        dh += self.rng.normal(0.0, 1.0, len(dh)) * f.jitter_deg * np.sqrt(dt) * (self.sog > 0.3)
        self.cog = (self.cog + dh) % 360.0
        self.rot_dps = dh / dt
        dv = np.clip(v_cmd - self.sog, -a * dt, a * dt)
        self.sog = np.maximum(self.sog + dv, 0.0)
        step_m = self.sog * dt
        rad = np.radians(self.cog)
        self.lat, self.lon = displace(self.lat, self.lon, step_m * np.sin(rad), step_m * np.cos(rad))
        # arrivals
        arrived = ~dwelling & (dist < np.maximum(150.0, 2.0 * step_m))
        arrivals: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], F64] = (
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        if arrived.any():
            k = np.flatnonzero(arrived)
            ik = self.idx[k]
            wait = self.t_wait[k]
            until = t + self.t_dwell[k]
            until = np.where(np.isfinite(wait), np.maximum(until, wait), until)
            self.dwell_until[k] = until
            self.h_status[k], self.h_ais[k] = f.dwell_status[k, ik], f.ais_on[k, ik]
            last = ik + 1 >= f.n_wp[k]
            self.finished[k] = last & ~f.loop[k]
            self.idx[k] = np.where(last, np.where(f.loop[k], 0, ik), ik + 1)
            self._load(k)
            arrivals = (k, ik, until)
        moving = ~((self.dwell_until > t + dt) | self.finished)
        self.status = np.where(moving, self.t_status, self.h_status)
        self.ais_on = np.where(moving, self.t_ais, self.h_ais)
        return arrivals

    @property
    def heading(self) -> F64:
        return (self.cog + self.heading_offset) % 360.0
