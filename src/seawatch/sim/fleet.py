"""Background (lawful) traffic of the Caspian: who sails where, on what schedule.

- tankers, ro-ro/rail ferries and general cargo on the lanes Baku/Alat–Aktau, –Turkmenbashi, –Makhachkala,
  –Anzali (and Aktau–Anzali, Makhachkala–Anzali through the middle sea), with port calls and anchorage waits;
- vessels lying at the Alat, Baku and Aktau anchorages;
- the field service fleet (fixed identities, authorised in the platform zones): supply boats and crew boats
  shuttling between Baku bay / Alat and the platforms, standby vessels circling a platform;
- fishing boats trawling on the shelf grounds out of Lankaran, Astara, Neftchala and Baku;
- small craft (pleasure, pilot, service) running along the coast.

Each vessel's plan is a looping route; it starts at a random point of its cycle so that at t0 the sea is
already populated as on any day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import Point

from seawatch.sim.agents import AT_ANCHOR, FISHING, MOORED, UNDER_WAY, Plan, Waypoint
from seawatch.sim.geometry import Sea, polar_to_latlon, range_bearing
from seawatch.sim.identity import TYPES, Identity, IdentityFactory, field_fleet
from seawatch.sim.lanes import (
    ALL_NODES,
    ANCHORAGES,
    COASTAL_RUNS,
    FISHING_GROUNDS,
    LaneGraph,
    berth,
    port_by_id,
)

# (vtype, from port, to port, flag choices, weight)
LANE_VOYAGES: tuple[tuple[str, str, str, tuple[str, ...], float], ...] = (
    ("tanker", "port-aktau", "terminal-sangachal", ("KZ", "AZ"), 3.0),
    ("tanker", "port-turkmenbashi", "terminal-sangachal", ("TM", "AZ"), 2.0),
    ("tanker", "port-makhachkala", "port-baku-alat", ("RU",), 1.0),
    ("tanker", "port-aktau", "port-anzali", ("KZ", "IR"), 1.5),
    ("tanker", "port-makhachkala", "port-anzali", ("RU", "IR"), 1.0),
    ("ferry", "port-baku-alat", "port-aktau", ("AZ", "KZ"), 2.0),
    ("ferry", "port-baku-alat", "port-turkmenbashi", ("AZ", "TM"), 2.0),
    ("ferry", "port-baku-alat", "port-makhachkala", ("AZ", "RU"), 0.5),
    ("ferry", "port-baku-alat", "port-anzali", ("AZ", "IR"), 0.5),
    ("cargo", "port-anzali", "port-makhachkala", ("IR", "RU"), 2.0),
    ("cargo", "port-anzali", "port-aktau", ("IR", "KZ"), 1.5),
    ("cargo", "port-baku-alat", "port-anzali", ("AZ", "IR"), 1.5),
    ("cargo", "port-baku-alat", "port-makhachkala", ("AZ", "RU"), 1.0),
    ("cargo", "port-baku-alat", "port-aktau", ("AZ", "KZ"), 1.0),
)

FIELD_PLATFORMS = {  # (lat, lon) of the platforms the service fleet serves (see zones.geojson)
    "neft-daslari": (40.23611, 50.85833), "acg-chirag-1": (40.2197, 51.0977), "acg-west-chirag": (40.2380, 51.0550),
    "acg-dwg": (40.1700, 50.9600), "acg-west-azeri": (40.1550, 51.1200), "acg-central-azeri": (40.1300, 51.1700),
    "acg-east-azeri": (40.1000, 51.2400), "sd-alpha": (39.9370, 50.3770), "sd-bravo": (39.9050, 50.4300),
}
FIELD_NODE = {"neft-daslari": "nd_channel", "sd-alpha": "sd_app", "sd-bravo": "sd_app"}  # others: acg_app
FISHING_HARBOURS = {"fg-lankaran": (38.7520, 48.8500), "fg-astara": (38.4600, 48.8700),
                    "fg-kura": (39.3800, 49.2500), "fg-absheron": (40.3600, 49.8600)}


@dataclass(frozen=True)
class Vessel:
    """One simulated vessel: who it is, how it moves, where it goes."""

    identity: Identity
    plan: Plan
    role: str  # background role or the scenario actor's name


class FleetBuilder:
    def __init__(self, sea: Sea, rng: np.random.Generator, ids: IdentityFactory) -> None:
        self.sea, self.rng, self.ids = sea, rng, ids
        self.graph = LaneGraph()

    # ---- helpers ----
    def _u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def _start_on_cycle(self, wps: list[Waypoint], loop: bool = True) -> Plan:
        """Start at a random moment of the cycle: on a leg, or dwelling at a waypoint."""
        n = len(wps)
        durations = []
        for j in range(n):
            a = wps[j - 1]
            d, _ = range_bearing(a.lat, a.lon, wps[j].lat, wps[j].lon)
            durations.append(float(d) / max(wps[j].speed_kn * 0.5144, 0.5))
            durations.append(min(wps[j].dwell_s, 86400.0))
        total = sum(durations)
        x = self._u(0, total)
        k = 0
        while k < len(durations) - 1 and x > durations[k]:
            x -= durations[k]
            k += 1
        j = k // 2
        if k % 2 == 1:  # dwelling at waypoint j
            return Plan(wps, wps[j].lat, wps[j].lon, start_index=(j + 1) % n, start_dwell_s=durations[k] - x,
                        loop=loop)
        a, b = wps[j - 1], wps[j]
        frac = x / max(durations[k], 1e-9)
        return Plan(wps, a.lat + frac * (b.lat - a.lat), a.lon + frac * (b.lon - a.lon), start_index=j, loop=loop)

    def _path(self, node_a: str, node_b: str, speed: float, status: int = UNDER_WAY) -> list[Waypoint]:
        pts = self.graph.route_points(node_a, node_b)
        return [Waypoint(la, lo, speed, status=status) for la, lo in pts]

    def _sea_point_near(self, lat: float, lon: float, radius_m: float, clearance_m: float = 500.0) -> tuple[float, float]:
        shrunk = self.sea.shrunk(clearance_m)
        for _ in range(200):
            r, b = radius_m * np.sqrt(self._u(0, 1)), self._u(0, 360)
            la, lo = polar_to_latlon(lat, lon, r, b)
            if shrunk.contains_properly(_pt(float(la), float(lo))):
                return float(la), float(lo)
        return self.sea.nearest_sea_point(lat, lon, clearance_m)

    def _berth_slot(self, port_id: str) -> tuple[float, float]:
        """A vessel's own berth: within 700 m of the port's berth point, reachable from its lane node, so
        that ships in port do not all lie on one spot."""
        port = port_by_id(port_id)
        bl, bo = berth(self.sea, port)
        nl, no = ALL_NODES[port.node]
        for _ in range(30):
            la, lo = self._sea_point_near(bl, bo, 700.0, clearance_m=150.0)
            if self.sea.segment_at_sea(la, lo, nl, no, 50.0):
                return la, lo
        return bl, bo

    # ---- roles ----
    def lane_vessel(self, vtype: str) -> Vessel:
        cands = [v for v in LANE_VOYAGES if v[0] == vtype]
        w = np.array([v[4] for v in cands])
        _, pa, pb, flags, _ = cands[int(self.rng.choice(len(cands), p=w / w.sum()))]
        flag = flags[int(self.rng.integers(len(flags)))]
        ident = self.ids.make(vtype, flag)
        tc = TYPES[vtype]
        v = self._u(*tc.cruise_kn)
        a, b = port_by_id(pa), port_by_id(pb)
        ba, bb = self._berth_slot(a.id), self._berth_slot(b.id)
        port_stay = (2 * 3600.0, 4 * 3600.0) if vtype == "ferry" else (4 * 3600.0, 14 * 3600.0)
        wps = self._path(a.node, b.node, v)
        wps.append(Waypoint(bb[0], bb[1], 6.0, dwell_s=self._u(*port_stay)))
        back = self._path(b.node, a.node, v)
        if vtype != "ferry" and a.id in ("port-baku-alat", "terminal-sangachal") and self.rng.random() < 0.5:
            back.append(Waypoint(*ANCHORAGES["anch-alat"][1:3], 8.0, dwell_s=self._u(2, 10) * 3600,
                                 dwell_status=AT_ANCHOR))
        wps += back
        wps.append(Waypoint(ba[0], ba[1], 6.0, dwell_s=self._u(*port_stay)))
        wps.insert(0, wps.pop())  # the cycle starts at home port
        return Vessel(ident, self._start_on_cycle(wps), f"lane:{vtype}")

    def anchored(self) -> Vessel:
        aid = ("anch-alat", "anch-baku", "anch-aktau")[int(self.rng.choice(3, p=[0.5, 0.3, 0.2]))]
        _, lat, lon, radius = ANCHORAGES[aid]
        vtype = ("tanker", "cargo")[int(self.rng.integers(2))]
        flag = {"anch-aktau": "KZ"}.get(aid, ("AZ", "RU", "IR", "KZ", "TM")[int(self.rng.integers(5))])
        la, lo = self._sea_point_near(lat, lon, radius * 0.8)
        wp = Waypoint(la, lo, 0.0, dwell_s=10 * 86400.0, dwell_status=AT_ANCHOR)
        return Vessel(self.ids.make(vtype, flag), Plan([wp], la, lo, 0, start_dwell_s=10 * 86400.0,
                                                        start_cog_deg=self._u(0, 360)), "anchored")

    def field_service(self, ident: Identity) -> Vessel:
        tc = TYPES[ident.vtype]
        v = self._u(*tc.cruise_kn)
        names = list(FIELD_PLATFORMS)
        if ident.vtype == "standby":
            pid = names[int(self.rng.integers(len(names)))]
            plat, plon = FIELD_PLATFORMS[pid]
            r = self._u(1200, 2500)
            off = self._u(0, 45)
            while True:  # a circle that stays clear of the platform's islands and trestles
                bearings = (np.arange(8) * 45.0 + off) % 360
                la, lo = polar_to_latlon(plat, plon, np.full(8, r), bearings)
                pts = list(zip(la.tolist(), lo.tolist()))
                if all(self.sea.segment_at_sea(*pts[j - 1], *pts[j], 150.0) for j in range(8)) or r > 20000:
                    break
                r += 500.0
            circle = [Waypoint(a, b, self._u(2, 4)) for a, b in pts]
            return Vessel(ident, self._start_on_cycle(circle), f"standby:{pid}")
        base = port_by_id("port-baku-bay" if self.rng.random() < 0.6 else "port-baku-alat")
        bb = self._berth_slot(base.id)
        wps: list[Waypoint] = []
        stops = self.rng.choice(len(names), size=1 + int(self.rng.random() < 0.4), replace=False)
        node = base.node
        for s in stops:
            pid = names[int(s)]
            plat, plon = FIELD_PLATFORMS[pid]
            fnode = FIELD_NODE.get(pid, "acg_app")
            if fnode != node:
                wps += self._path(node, fnode, v)
            nlat, nlon = ALL_NODES[fnode]
            for _ in range(300):  # a stand-off point inside the 500 m zone, reachable from the field node with
                # room to turn (vessels start turning ~150 m before a waypoint)
                la, lo = polar_to_latlon(plat, plon, self._u(150, 480), self._u(0, 360))
                stand = (float(la), float(lo))
                if self.sea.segment_at_sea(nlat, nlon, stand[0], stand[1], 250.0):
                    break
            else:
                stand = self.sea.nearest_sea_point(plat, plon, 300.0)
            dwell = self._u(1, 4) * 3600 if ident.vtype == "supply" else self._u(0.3, 1.5) * 3600
            wps.append(Waypoint(stand[0], stand[1], min(v, 8.0), dwell_s=dwell, dwell_status=UNDER_WAY))
            wps.append(Waypoint(*ALL_NODES[fnode], v))
            node = fnode
        wps += self._path(node, base.node, v)[1:]
        wps.append(Waypoint(bb[0], bb[1], 6.0, dwell_s=self._u(2, 8) * 3600))
        return Vessel(ident, self._start_on_cycle(wps), f"field:{ident.vtype}")

    def fishing(self) -> Vessel:
        gid = list(FISHING_GROUNDS)[int(self.rng.choice(4, p=[0.35, 0.2, 0.3, 0.15]))]
        _, (la0, la1, lo0, lo1), _node = FISHING_GROUNDS[gid]
        flag = "IR" if gid == "fg-astara" and self.rng.random() < 0.3 else "AZ"
        ident = self.ids.make("fishing", flag)
        hlat, hlon = self._sea_point_near(*self.sea.nearest_sea_point(*FISHING_HARBOURS[gid], 300.0), 600.0,
                                          clearance_m=300.0)
        shrunk = self.sea.shrunk(800.0)
        pts: list[tuple[float, float]] = []
        for _ in range(100_000):  # the harbour leg may run closer to the shore (100 m) than trawl legs (300 m)
            if len(pts) == 6:
                break
            la, lo = self._u(la0, la1), self._u(lo0, lo1)
            prev = pts[-1] if pts else (hlat, hlon)
            if shrunk.contains_properly(_pt(la, lo)) and \
                    self.sea.segment_at_sea(prev[0], prev[1], la, lo, 300.0 if pts else 100.0):
                pts.append((la, lo))
        else:
            raise RuntimeError(f"no trawl pattern found on {gid} from {(hlat, hlon)}")
        v = self._u(*TYPES["fishing"].cruise_kn)
        wps = [Waypoint(pts[0][0], pts[0][1], v)]
        wps += [Waypoint(la, lo, self._u(2.5, 3.5), status=FISHING, dwell_s=self._u(0, 1800), dwell_status=FISHING)
                for la, lo in pts[1:]]
        if not self.sea.segment_at_sea(pts[-1][0], pts[-1][1], hlat, hlon, 100.0):
            wps.append(Waypoint(pts[0][0], pts[0][1], v))
        wps.append(Waypoint(hlat, hlon, v, dwell_s=self._u(6, 14) * 3600))
        return Vessel(ident, self._start_on_cycle(wps), f"fishing:{gid}")

    def small_craft(self) -> Vessel:
        run = list(COASTAL_RUNS)[int(self.rng.integers(len(COASTAL_RUNS)))]
        pts = COASTAL_RUNS[run]
        ident = self.ids.make("small", "AZ")
        v = self._u(*TYPES["small"].cruise_kn)
        out = [Waypoint(la, lo, v) for la, lo in pts]
        out[-1].dwell_s = self._u(0.5, 3) * 3600
        back = [Waypoint(la, lo, v) for la, lo in reversed(pts[:-1])]
        back[-1].dwell_s = self._u(1, 6) * 3600
        return Vessel(ident, self._start_on_cycle(out + back), f"small:{run}")

    def background(self, counts: dict[str, int]) -> list[Vessel]:
        """Build the background fleet; counts by role: tanker, ferry, cargo, anchored, field, fishing, small."""
        out: list[Vessel] = []
        ff = field_fleet()
        for ident in ff:  # reserve the fixed identities so that no other vessel draws them
            self.ids.used_mmsi.add(ident.mmsi)
            self.ids.used_names.add(ident.name)
        for vtype in ("tanker", "ferry", "cargo"):
            out += [self.lane_vessel(vtype) for _ in range(counts.get(vtype, 0))]
        out += [self.anchored() for _ in range(counts.get("anchored", 0))]
        for ident in ff[: counts.get("field", len(ff))]:
            out.append(self.field_service(ident))
        out += [self.fishing() for _ in range(counts.get("fishing", 0))]
        out += [self.small_craft() for _ in range(counts.get("small", 0))]
        return out


def _pt(lat: float, lon: float) -> Point:
    return Point(lon, lat)


__all__ = ["MOORED", "FleetBuilder", "Vessel"]
