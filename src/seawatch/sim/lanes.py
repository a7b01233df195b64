"""Sea lanes of the Caspian as a waypoint graph, ports and their berths, anchorages and fishing grounds.

Nodes are hand-placed open-water waypoints (≥ 1.5 km from any shore of the sea polygon, checked by the tests);
edges are straight legs that stay at sea with the same clearance. Routes are shortest paths on this graph
(Dijkstra with a deterministic tie-break), so a vessel following a route never crosses land.
Port positions are those of CASPIAN_FACTS.md (sources there); each port's *berth* is the nearest point with
300 m of water around it, since the port reference points lie on the shore.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from seawatch.sim.geometry import Sea, range_bearing

# harbour approaches: narrow water, checked with 30 m clearance instead of 1.5 km
HARBOUR_NODES: dict[str, tuple[float, float]] = {
    "tmb_gap_e": (39.8586, 52.985),
    "tmb_bay": (39.950, 53.000),
}
HARBOUR_EDGES: tuple[tuple[str, str], ...] = (("tmb_gap_w", "tmb_gap_e"), ("tmb_gap_e", "tmb_bay"))

# name -> (lat, lon): open-water lane nodes
NODES: dict[str, tuple[float, float]] = {
    # Baku / Alat / Sangachal
    "alat_app": (40.200, 49.600),
    "sangachal_app": (40.140, 49.560),
    "alat_anchorage": (40.120, 49.660),
    "baku_bay": (40.335, 49.878),
    "baku_bay_out": (40.235, 49.875),
    "absheron_s": (40.170, 50.150),
    "absheron_se": (40.150, 50.480),
    "nd_channel": (40.330, 50.960),
    "absheron_e": (40.600, 50.700),
    "absheron_ne": (40.750, 50.300),
    # north-west coast to Makhachkala
    "siyazan_off": (41.200, 49.500),
    "derbent_off": (42.100, 48.500),
    "mkh_app": (42.950, 47.650),
    # middle Caspian to Aktau
    "mid_north": (41.800, 51.000),
    "aktau_app": (43.550, 51.050),
    # to Turkmenbashi
    "east_mid": (40.100, 51.800),
    "tmb_outer": (40.050, 52.600),
    "tmb_gap_w": (39.8586, 52.900),
    # south: Kura, Lankaran, Astara, Anzali
    "south_alat": (39.900, 49.720),
    "kura_off": (39.300, 49.650),
    "lankaran_off": (38.750, 49.150),
    "astara_off": (38.450, 49.100),
    "iran_west": (37.900, 49.300),
    "anzali_app": (37.550, 49.470),
    # east of the Azerbaijani sector (Aktau–Anzali traffic)
    "acg_east": (40.300, 51.450),
    "south_mid": (38.800, 50.700),
    # fields
    "acg_app": (40.180, 51.000),
    "sd_app": (39.970, 50.300),
}

EDGES: tuple[tuple[str, str], ...] = (
    ("alat_app", "sangachal_app"), ("alat_app", "alat_anchorage"), ("sangachal_app", "alat_anchorage"),
    ("alat_anchorage", "baku_bay_out"), ("baku_bay", "baku_bay_out"), ("baku_bay_out", "absheron_s"),
    ("alat_anchorage", "absheron_s"), ("absheron_s", "absheron_se"), ("absheron_se", "nd_channel"),
    ("absheron_se", "acg_app"), ("nd_channel", "absheron_e"), ("absheron_e", "absheron_ne"),
    ("absheron_ne", "siyazan_off"), ("siyazan_off", "derbent_off"), ("derbent_off", "mkh_app"),
    ("absheron_e", "mid_north"), ("mid_north", "aktau_app"), ("nd_channel", "acg_east"),
    ("acg_app", "acg_east"), ("tmb_outer", "tmb_gap_w"), ("acg_east", "east_mid"), ("absheron_se", "east_mid"), ("east_mid", "tmb_outer"),
    ("alat_anchorage", "south_alat"), ("south_alat", "kura_off"), ("kura_off", "lankaran_off"),
    ("lankaran_off", "astara_off"), ("astara_off", "iran_west"), ("iran_west", "anzali_app"),
    ("acg_east", "mid_north"), ("acg_east", "south_mid"), ("south_mid", "anzali_app"),
    ("absheron_s", "sd_app"), ("sd_app", "south_alat"), ("sd_app", "absheron_se"), ("sd_app", "south_mid"),
)


@dataclass(frozen=True)
class Port:
    id: str
    name: str
    lat: float  # the reference point (CASPIAN_FACTS.md)
    lon: float
    node: str  # the lane node that serves it
    country: str


PORTS: tuple[Port, ...] = (
    Port("port-baku-alat", "Port of Baku (Alat)", 40.2343, 49.5256, "alat_app", "AZ"),
    Port("port-baku-bay", "Baku bay (city harbour, supply bases)", 40.3600, 49.8600, "baku_bay", "AZ"),
    Port("terminal-sangachal", "Sangachal terminal", 40.201262, 49.481270, "sangachal_app", "AZ"),
    Port("port-aktau", "Aktau Sea Commercial Port", 43.650, 51.150, "aktau_app", "KZ"),
    Port("port-turkmenbashi", "Turkmenbashi International Seaport", 40.000, 53.0333, "tmb_bay", "TM"),
    Port("port-makhachkala", "Makhachkala Commercial Sea Port", 42.9825, 47.505, "mkh_app", "RU"),
    Port("port-anzali", "Bandar Anzali", 37.468, 49.463, "anzali_app", "IR"),
    Port("port-astara-az", "Astara (Azerbaijan)", 38.45611, 48.87861, "astara_off", "AZ"),
)

# anchorages: id -> (name, lat, lon, radius_m)
ANCHORAGES: dict[str, tuple[str, float, float, float]] = {
    "anch-alat": ("Alat outer anchorage", 40.120, 49.660, 3000.0),
    "anch-baku": ("Baku roads anchorage", 40.270, 49.930, 2500.0),
    "anch-aktau": ("Aktau anchorage", 43.560, 51.080, 3000.0),
}

# fishing grounds: id -> (name, (lat_min, lat_max, lon_min, lon_max), home harbour lane node)
FISHING_GROUNDS: dict[str, tuple[str, tuple[float, float, float, float], str]] = {
    "fg-lankaran": ("Lankaran shelf", (38.60, 38.95, 48.97, 49.25), "lankaran_off"),
    "fg-astara": ("Astara shelf", (38.46, 38.58, 48.94, 49.15), "astara_off"),
    "fg-kura": ("Kura delta", (39.15, 39.45, 49.42, 49.70), "kura_off"),
    "fg-absheron": ("South Absheron banks", (40.02, 40.20, 49.75, 50.05), "baku_bay_out"),
}

# coastal small-craft runs: chains of waypoints 1.5-4 km off the shore, (lat, lon)
COASTAL_RUNS: dict[str, tuple[tuple[float, float], ...]] = {
    "astara-lankaran": ((38.460, 48.920), (38.600, 48.900), (38.750, 48.910)),
    "lankaran-kura": ((38.750, 48.910), (38.950, 48.980), (39.150, 49.300), (39.250, 49.420)),
    "baku-sangachal": ((40.325, 49.880), (40.270, 49.800), (40.210, 49.660), (40.160, 49.590)),
    "absheron-south": ((40.280, 50.050), (40.300, 50.150), (40.280, 50.300)),
}


ALL_NODES: dict[str, tuple[float, float]] = {**NODES, **HARBOUR_NODES}


def _edge_length(a: str, b: str) -> float:
    (la, loa), (lb, lob) = ALL_NODES[a], ALL_NODES[b]
    r, _ = range_bearing(la, loa, lb, lob)
    return float(r)


class LaneGraph:
    """Shortest sea routes between lane nodes."""

    def __init__(self) -> None:
        self.adj: dict[str, list[tuple[str, float]]] = {n: [] for n in ALL_NODES}
        for a, b in EDGES + HARBOUR_EDGES:
            d = _edge_length(a, b)
            self.adj[a].append((b, d))
            self.adj[b].append((a, d))
        for n in self.adj:
            self.adj[n].sort()

    def route(self, a: str, b: str) -> list[str]:
        """The node names of the shortest path from a to b (inclusive)."""
        dist: dict[str, float] = {a: 0.0}
        prev: dict[str, str] = {}
        heap: list[tuple[float, str]] = [(0.0, a)]
        while heap:
            d, n = heapq.heappop(heap)
            if n == b:
                break
            if d > dist.get(n, float("inf")):
                continue
            for m, w in self.adj[n]:
                nd = d + w
                if nd < dist.get(m, float("inf")) - 1e-9:
                    dist[m] = nd
                    prev[m] = n
                    heapq.heappush(heap, (nd, m))
        if b not in dist:
            raise ValueError(f"no sea route from {a} to {b}")
        path = [b]
        while path[-1] != a:
            path.append(prev[path[-1]])
        return path[::-1]

    def route_points(self, a: str, b: str) -> list[tuple[float, float]]:
        return [ALL_NODES[n] for n in self.route(a, b)]


def port_by_id(port_id: str) -> Port:
    for p in PORTS:
        if p.id == port_id:
            return p
    raise KeyError(port_id)


def berth(sea: Sea, port: Port) -> tuple[float, float]:
    """Where a vessel lies in port: the nearest point of open water to the port's reference point."""
    return sea.nearest_sea_point(port.lat, port.lon, clearance_m=300.0)
