"""Scripted actors of a scenario (the threats) as vessels, with their AIS tricks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from seawatch.sim.agents import STATUS_NAMES, Plan, Waypoint
from seawatch.sim.fleet import Vessel
from seawatch.sim.identity import Identity, IdentityFactory
from seawatch.sim.scenario import STATUS_CODES, Actor, Scenario


@dataclass
class ActorRuntime:
    """What the engine needs to know about an actor beyond its vessel."""

    name: str
    vessel_index: int
    spec: Actor
    ais_class: str  # "A", "B" or ""
    alt_identity: Identity | None = None  # after identity_change
    arrivals: dict[int, tuple[float, float]] = field(default_factory=dict)  # waypoint -> (arrived, leaves)


def actor_vessels(scn: Scenario, ids: IdentityFactory, t0: float, first_index: int
                  ) -> tuple[list[Vessel], list[ActorRuntime]]:
    vessels: list[Vessel] = []
    runtime: list[ActorRuntime] = []
    by_name: dict[str, Identity] = {}
    for i, a in enumerate(scn.actors):
        ident = ids.make(a.type, a.flag)
        if a.mmsi is not None:
            ids.used_mmsi.add(a.mmsi)
            ident = replace(ident, mmsi=a.mmsi)
        if a.mmsi_of is not None:
            ident = replace(ident, mmsi=by_name[a.mmsi_of].mmsi)
        if a.name_of is not None:
            ident = replace(ident, name=by_name[a.name_of].name)
        by_name[a.name] = ident
        wps = [Waypoint(leg.to[0], leg.to[1], leg.speed_kn, dwell_s=leg.dwell_s,
                        wait_until_s=t0 + leg.wait_until_s if leg.wait_until_s is not None else float("nan"),
                        status=STATUS_CODES[leg.status], dwell_status=STATUS_CODES[leg.dwell_status],
                        ais_on=a.ais if leg.ais is None else leg.ais)
               for leg in a.legs]
        plan = Plan(wps, a.start[0], a.start[1], 0, start_speed_kn=a.start_speed_kn,
                    appear_at=t0 + a.appear_s, vanish_at_end=a.vanish_at_end)
        vessels.append(Vessel(ident, plan, f"actor:{a.name}"))
        cls = a.ais_class or ("B" if a.type in ("fishing", "small") else ("" if a.type == "gofast" else "A"))
        alt = None
        if a.identity_change is not None:
            alt = replace(ident, mmsi=a.identity_change.mmsi, name=a.identity_change.name)
        runtime.append(ActorRuntime(a.name, first_index + i, a, cls, alt))
    return vessels, runtime


__all__ = ["STATUS_NAMES", "ActorRuntime", "actor_vessels"]
