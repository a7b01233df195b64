"""Real-traffic sites for the benchmarks besides the Florida Straits (bench/detect.py): San Pedro Bay.

San Pedro Bay, 2020-01-01 (MarineCadastre, 313 vessels, 131k positions; ../shared/data/real/): the ports of Los
Angeles and Long Beach, the anchorage outside the breakwater, the coast from Redondo Beach to Newport Beach and Santa
Catalina's west end. Written for a held-out test (stop 43): the rules were never tuned on this recording. The zones are
approximate, from memory of the charts and checked against where the day's traffic runs and anchors (a ship
swinging at anchor draws a circle); resolution ~300 m, good for "near the shore" and "in the port", not for
navigation:
- the ports of Los Angeles and Long Beach as polygons over their harbours behind the breakwaters (the terminals,
  channels and basins; the Long Beach anchorages inside the breakwater are port waters);
- the anchorage outside the Long Beach breakwater where the day's ships anchor (kind `anchorage`);
- the land as polygons: the mainland from Redondo Beach round the Palos Verdes peninsula to Point Fermin, the
  harbours' shore, then Long Beach, Seal Beach, Huntington Beach and Newport Beach's ocean front; Santa Catalina's
  west end (its north shore past Two Harbors to Long Point, and back by Cat Harbor);
- no border (the recording is all US waters) and no platforms: the oil platforms Edith, Ellen/Elly and Eureka
  (33.56-33.60 N, 118.11-118.15 W) and the THUMS islands are there, but without their authorised supply vessels a
  coast guard would list, every supply boat's call would be an unauthorised entry (left out on purpose).
"""

from __future__ import annotations

from pathlib import Path

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "marinecadastre-2020-01-01"
SAN_PEDRO_CSV = REAL / "la_longbeach_2020-01-01.csv.gz"

_SP_MAINLAND = [  # (lat, lon): from Redondo Beach southwards round Palos Verdes, the harbours, then eastwards
    (33.870, -118.402), (33.845, -118.398), (33.820, -118.392), (33.804, -118.396), (33.795, -118.410),
    (33.785, -118.420), (33.774, -118.428), (33.760, -118.422), (33.741, -118.412), (33.736, -118.397),
    (33.738, -118.378), (33.736, -118.360), (33.727, -118.338), (33.716, -118.318), (33.706, -118.296),
    (33.709, -118.290),   # Cabrillo Beach: the harbours' shore (their water is the ports' polygons) ...
    (33.772, -118.290), (33.772, -118.190), (33.765, -118.188), (33.763, -118.170), (33.758, -118.150),
    (33.752, -118.132), (33.744, -118.118), (33.738, -118.103), (33.731, -118.090), (33.722, -118.075),
    (33.705, -118.055), (33.680, -118.030), (33.656, -118.004), (33.640, -117.985), (33.628, -117.960),
    (33.617, -117.937), (33.606, -117.922), (33.598, -117.900), (33.590, -117.880),
    (33.870, -117.880)]
_SP_ISLANDS = {  # name: (lat, lon) outline
    "Santa Catalina (west end)": [  # the north shore past Two Harbors to Long Point, back by Cat Harbor
        (33.479, -118.607), (33.468, -118.565), (33.457, -118.525), (33.447, -118.500), (33.432, -118.470),
        (33.416, -118.440), (33.405, -118.405), (33.390, -118.370), (33.300, -118.330), (33.300, -118.450),
        (33.433, -118.500), (33.428, -118.520), (33.436, -118.550), (33.452, -118.580), (33.470, -118.600)]}
_SP_PORTS = {  # id: (name, (lat, lon) outline) -- the harbour waters behind the breakwaters
    "port-los-angeles": ("Port of Los Angeles", [(33.709, -118.290), (33.709, -118.251), (33.716, -118.232),
                                                 (33.772, -118.232), (33.772, -118.290)]),
    "port-long-beach": ("Port of Long Beach", [(33.716, -118.232), (33.722, -118.185), (33.733, -118.140),
                                               (33.745, -118.118), (33.752, -118.132), (33.758, -118.150),
                                               (33.763, -118.170), (33.765, -118.188), (33.772, -118.190),
                                               (33.772, -118.232)])}
_SP_ANCHORAGES = {
    "anch-san-pedro-bay": ("San Pedro Bay anchorage (outside the breakwater)",
                           [(33.716, -118.210), (33.720, -118.180), (33.725, -118.105), (33.690, -118.085),
                            (33.655, -118.100), (33.660, -118.210)]),
}


def polygon(fid: str, name: str, kind: str, outline: list[tuple[float, float]]) -> dict:
    """A GeoJSON Polygon Feature of this zone kind from a (lat, lon) outline (closed here)."""
    ring = [[lon, lat] for lat, lon in outline]
    return {"type": "Feature", "properties": {"id": fid, "name": name, "kind": kind},
            "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}}


SAN_PEDRO_ZONES = {"type": "FeatureCollection", "features": [
    *(polygon(pid, name, "port", outline) for pid, (name, outline) in _SP_PORTS.items()),
    *(polygon(aid, name, "anchorage", outline) for aid, (name, outline) in _SP_ANCHORAGES.items()),
    polygon("land-mainland", "Redondo Beach to Newport Beach", "coast", _SP_MAINLAND),
    *(polygon("land-" + name.split(" ")[0].lower(), name, "coast", outline) for name, outline in _SP_ISLANDS.items())]}
SAN_PEDRO_SITE = """[site]
name = "San Pedro Bay: Los Angeles and Long Beach (benchmark)"
lat = 33.62
lon = -118.25

[[sensors]]            # the recording's extent (33.40-33.85 N, 118.60-117.90 W) as two reception circles that reach its
id = "ais-west"        # edges (85 % of the range, where the AIS rules judge a silence): a vessel leaving the extracted
kind = "ais"           # box has left "coverage", it has not gone dark
lat = 33.625
lon = -118.37
range_m = 25000

[[sensors]]
id = "ais-east"
kind = "ais"
lat = 33.625
lon = -118.13
range_m = 25000

[zones]
file = "zones.geojson"
"""
