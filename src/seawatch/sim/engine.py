"""The simulation loop: build the fleet, advance it in chunks of time steps, and let every sensor model
turn each chunk into recordings. Deterministic: one seed drives independent random streams (fleet,
kinematics, AIS, each radar), outputs are written in time order, nothing reads the wall clock."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seawatch.config.site import SiteConfig
from seawatch.sim.actors import ActorRuntime, actor_vessels
from seawatch.sim.agents import Fleet, Kinematics
from seawatch.sim.ais import CLASS_A, CLASS_B, CLASS_NONE, AisModel, Knots, Station
from seawatch.sim.events import Trace
from seawatch.sim.fleet import FleetBuilder, Vessel
from seawatch.sim.geometry import Sea
from seawatch.sim.identity import TYPES, IdentityFactory
from seawatch.sim.radar import RadarModel
from seawatch.sim.scenario import Scenario

logger = logging.getLogger(__name__)

JITTER_DEG = {"tanker": 0.04, "ferry": 0.04, "cargo": 0.05, "supply": 0.1, "crew": 0.15, "standby": 0.1,
              "fishing": 0.3, "small": 0.3, "gofast": 0.2}
CLASS_CODE = {"A": CLASS_A, "B": CLASS_B, "": CLASS_NONE}


@dataclass
class World:
    """Everything built before the clock starts."""

    scenario: Scenario
    site: SiteConfig
    sea: Sea
    vessels: list[Vessel]
    actors: list[ActorRuntime]
    rcs_m2: npt.NDArray[np.float64]
    height_m: npt.NDArray[np.float64]
    ais_class: npt.NDArray[np.int8]
    antenna_m: npt.NDArray[np.float64]
    fleet: Fleet
    t0: float
    t_end: float
    dt: float
    rngs: dict[str, np.random.Generator] = field(default_factory=dict)


def build_world(scn: Scenario, site: SiteConfig, sea: Sea, seed: int | None = None,
                duration_s: float | None = None, start_epoch: float | None = None) -> World:
    seed = scn.scenario.seed if seed is None else seed
    names = ["fleet", "kin", "ais", "static"] + [r.id for r in site.radars]
    children = np.random.SeedSequence(seed).spawn(len(names))
    rngs = {n: np.random.default_rng(c) for n, c in zip(names, children)}
    t0 = scn.start_epoch if start_epoch is None else start_epoch
    dur = scn.duration_s if duration_s is None else duration_s
    dt = scn.scenario.time_step_s
    ids = IdentityFactory(seed)
    fb = FleetBuilder(sea, rngs["fleet"], ids)
    vessels = fb.background(scn.traffic.counts())
    extra, actors = actor_vessels(scn, ids, t0, len(vessels))
    vessels += extra
    n = len(vessels)
    rng = rngs["static"]
    types = [TYPES[v.identity.vtype] for v in vessels]
    rcs = np.array([t.rcs_m2 for t in types]) * np.exp(rng.normal(0.0, 0.3, n))
    cls = np.array([CLASS_CODE[t.ais_class] for t in types], np.int8)
    for a in actors:
        cls[a.vessel_index] = CLASS_CODE[a.ais_class]
        if a.spec.rcs_m2 is not None:
            rcs[a.vessel_index] = a.spec.rcs_m2
    fleet = Fleet.build([v.plan for v in vessels],
                        accel_mps2=np.array([t.accel_mps2 for t in types]),
                        turn_dps=np.array([t.turn_rate_dps for t in types]),
                        jitter_deg=np.array([JITTER_DEG[t.name] for t in types]))
    return World(scn, site, sea, vessels, actors, rcs, np.array([t.height_m for t in types]), cls,
                 np.array([t.antenna_m for t in types]), fleet, t0, t0 + dur, dt, rngs)


class ChunkSink:
    """Receives each chunk's knots (the writers implement it)."""

    def chunk(self, kn: Knots) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def run_world(world: World, sinks: list[ChunkSink], chunk_steps: int | None = None) -> dict[str, Trace]:
    """Advance the world to its end, handing every chunk to the sinks; returns the actors' traces."""
    n = len(world.vessels)
    dt = world.dt
    total_steps = round((world.t_end - world.t0) / dt)
    if chunk_steps is None:
        chunk_steps = int(np.clip(2_000_000 // max(n, 1) // 8, 12, 240))
    kin = Kinematics(world.fleet, world.t0, world.rngs["kin"])
    actor_idx = np.array([a.vessel_index for a in world.actors], np.int64)
    by_vessel = {a.vessel_index: a for a in world.actors}
    trace_parts: list[tuple[np.ndarray, ...]] = []
    step = 0
    while step < total_steps:
        k_steps = min(chunk_steps, total_steps - step)
        t_c = world.t0 + step * dt
        shape = (k_steps + 1, n)
        lat, lon = np.empty(shape), np.empty(shape)
        sog, cog, hdg, rot = np.empty(shape), np.empty(shape), np.empty(shape), np.empty(shape)
        status = np.empty(shape, np.int16)
        ais_on, present = np.empty(shape, bool), np.empty(shape, bool)

        arrays = (lat, lon, sog, cog, hdg, rot, status, ais_on, present)
        _record(kin, arrays, 0, t_c)
        for k in range(k_steps):
            t = t_c + k * dt
            vi, wi, until = kin.step(t, dt)
            for v, w, u in zip(vi.tolist(), wi.tolist(), until.tolist()):
                rt = by_vessel.get(v)
                if rt is not None and w not in rt.arrivals:
                    rt.arrivals[w] = (t + dt, u)
            _record(kin, arrays, k + 1, t + dt)
        kn = Knots(t_c, dt, lat, lon, sog, cog, hdg, rot, status, ais_on, present)
        for s in sinks:
            s.chunk(kn)
        if len(actor_idx):
            tk = t_c + dt * np.arange(k_steps)
            trace_parts.append((tk, lat[:-1, actor_idx], lon[:-1, actor_idx], sog[:-1, actor_idx],
                                ais_on[:-1, actor_idx], present[:-1, actor_idx]))
        step += k_steps
    traces: dict[str, Trace] = {}
    if trace_parts:
        cat = [np.concatenate([p[i] for p in trace_parts]) for i in range(6)]
        for j, a in enumerate(world.actors):
            traces[a.name] = Trace(cat[0], cat[1][:, j], cat[2][:, j], cat[3][:, j], cat[4][:, j], cat[5][:, j])
    return traces


def _record(kin: Kinematics, arrays: tuple[np.ndarray, ...], k: int, t: float) -> None:
    lat, lon, sog, cog, hdg, rot, status, ais_on, present = arrays
    lat[k], lon[k], sog[k], cog[k] = kin.lat, kin.lon, kin.sog, kin.cog
    hdg[k], rot[k], status[k], ais_on[k] = kin.heading, kin.rot_dps, kin.status, kin.ais_on
    present[k] = kin.present(t)


def stations_of(site: SiteConfig) -> list[Station]:
    return [Station(s.id, float(s.lat), float(s.lon), float(s.height_m)) for s in site.sensors
            if s.kind == "ais" and s.lat is not None and s.lon is not None]


def make_ais(world: World) -> AisModel:
    return AisModel(world.ais_class, world.antenna_m, stations_of(world.site), world.scenario.ais.loss,
                    world.scenario.ais.duplicates, world.rngs["ais"])


def make_radars(world: World) -> list[RadarModel]:
    return [RadarModel(r, world.sea, world.scenario.scenario.sea_state, world.rngs[r.id])
            for r in world.site.radars]


__all__ = ["ChunkSink", "Path", "World", "build_world", "make_ais", "make_radars", "run_world"]
