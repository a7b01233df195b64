"""zone_loiter: an unauthorised vessel lingering slowly near infrastructure for >= 20 min.

"Near" is within `distance_m` of a platform's safety zone (and of pipeline corridors if `pipelines`);
"slowly" is below `speed_kn` to start and below `speed_kn + hysteresis_kn` to go on. A vessel authorised at any
platform within `stay_distance_m` is left alone; an unauthorised one is alerted at the nearest.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from seawatch.detect.core import B, ContactRule, Cycle
from seawatch.detect.zones import nearest_of


class ZoneLoiter(ContactRule):
    type = "zone_loiter"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "distance_m": 3000.0,
        "stay_distance_m": 3500.0,  # open within distance_m, stay within this (a stopped boat's fixes scatter)
        "speed_kn": 3.0,
        "hysteresis_kn": 1.0,
        "min_duration_s": 1200.0,
        "clear_s": 300.0,
        "lapse_s": 0.0,  # before it opens, a move off shorter than this does not restart its time (see loitering)
        "pipelines": False,
        "port_margin_m": 2000.0,
    }

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        n = len(cyc)
        self._zone = np.full(n, -1, np.int64)
        self._dist = np.full(n, np.nan)
        z = self.engine.zones
        kinds = ("platform", "pipeline") if self.p["pipelines"] else ("platform",)
        if z is None or not z.has_areas(kinds):   # nothing to linger at (the Florida zones: ports, coast, border)
            return np.zeros(n, bool), np.zeros(n, bool)
        slow = cyc.slow_kn < self.p["speed_kn"] + self.p["hysteresis_kn"]
        if not slow.any():
            return np.zeros(n, bool), np.zeros(n, bool)
        rows = np.flatnonzero(slow)
        k, zone, dist = z.near(cyc.x[rows], cyc.y[rows], kinds, self.p["stay_distance_m"])
        # a vessel authorised at any platform it lies near is at work: a field's platforms stand a few km apart, and
        # its standby vessel lying between two is not lingering unauthorised at the one that happens to be nearer
        keep = ~np.isin(k, k[cyc.authorized_for(zone, rows[k])])
        zone, dist = nearest_of(len(rows), k[keep], zone[keep], dist[keep])
        has = zone >= 0
        rows, zone, dist = rows[has], zone[has], dist[has]
        self._zone[rows], self._dist[rows] = zone, dist
        stay = np.zeros(n, bool)
        stay[rows] = True
        stay &= ~cyc.near_harbour(self.p["port_margin_m"], where=stay)
        near = np.zeros(n, bool)
        near[rows] = dist <= self.p["distance_m"]
        enter = stay & near & (cyc.slow_kn < self.p["speed_kn"])
        return enter, stay

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        z = self.engine.zones
        zone = z.zones[int(self._zone[r])]
        since = float(self.timer.since[cyc.slot[r]])
        dur = float(cyc.t[r]) - since if not math.isnan(since) else 0.0
        d = float(self._dist[r])   # to the zone's edge (0 inside); `zone_entry` gives a platform's centre distance
        closest = self.prior(cyc, r, "closest_edge_m", d, "min")
        dark = bool(cyc.dark[r])
        area = "corridor" if zone.kind == "pipeline" else "safety zone"
        where = f"inside the {area} of" if d <= 0.0 else f"{d:.0f} m outside the {area} of"
        return {"severity": "high" if dark else "medium", "zone": zone.id,
                "summary": f"Zone loiter: {cyc.who(r)} lingering {where} {zone.name} at "
                           f"{float(cyc.sog_kn[r]):.1f} kn.",
                "evidence": {"zone_kind": zone.kind, "edge_distance_m": d, "closest_edge_m": closest,
                             "speed_kn": float(cyc.sog_kn[r]), "loiter_duration_s": dur, "dark": dark}}
