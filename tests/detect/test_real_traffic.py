"""The real San Pedro Bay day (MarineCadastre, Los Angeles and Long Beach) with the benchmark's zones
(bench/real_sites.py): what the zones file must say for ships at anchor and boats at their berths."""

from __future__ import annotations

import copy
import functools
import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from seawatch.config.loader import load_site
from seawatch.detect.zones import ZoneIndex
from seawatch.geo import site_frame
from seawatch.replay import ReplayOptions, run_replay

BENCH = Path(__file__).resolve().parents[2] / "bench"
ANCHORED = {538007127: "ARISTOKLIS", 538004255: "SEAWAYS LEYTE", 477737900: "NEW VOYAGE"}  # all day at anchor


@functools.cache
def _sites() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_real_sites", BENCH / "real_sites.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _site_dir(tmp: Path, zones: dict[str, Any]) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "zones.geojson").write_text(json.dumps(zones), encoding="utf-8")
    (tmp / "site.toml").write_text(_sites().SAN_PEDRO_SITE, encoding="utf-8")
    return tmp / "site.toml"


@pytest.fixture(scope="module")
def first_hours(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The day's first 3.5 h (the file is in time order), as a CSV of its own."""
    src = _sites().SAN_PEDRO_CSV
    if not src.exists():
        pytest.skip(f"real recording {src} not present (../shared/data/real is not checked out)")
    out = tmp_path_factory.mktemp("san-pedro") / "first-hours.csv"
    with gzip.open(src, "rt", encoding="utf-8") as f, out.open("w", encoding="utf-8") as g:
        for i, line in enumerate(f):
            if i and line.split(",", 2)[1] >= "2020-01-01T03:30:00":
                break
            g.write(line)
    return out


def test_the_san_pedro_bay_zones_hold_its_berths_in_the_ports_its_anchored_ships_in_the_anchorage(
        tmp_path: Path) -> None:
    site = load_site(_site_dir(tmp_path, _sites().SAN_PEDRO_ZONES))
    fr = site_frame(site)
    zones_path = site.zones_path()
    assert zones_path is not None
    z = ZoneIndex.from_file(zones_path, fr)
    places = {  # (lat, lon) from the day's reports -> the zone kind it is in
        "JOHN HENRY's berth, San Pedro": ((33.73503, -118.27099), "port"),
        "a ship anchored in Long Beach's outer harbour": ((33.7349, -118.1553), "port"),
        "ARISTOKLIS at anchor": ((33.6796, -118.1093), "anchorage"),
        "SEAWAYS LEYTE at anchor": ((33.6801, -118.1247), "anchorage"),
    }

    def within(lat: float, lon: float, kinds: tuple[str, ...]) -> bool:
        x, y = fr.to_xy(np.array([lat]), np.array([lon]))
        return bool(z.any_within(x, y, kinds, 0.0)[0])

    for what, ((lat, lon), kind) in places.items():
        assert within(lat, lon, (kind,)), what
    # TITUS's berth up Newport Harbor is behind the beach (inland waters); the sea off Point Fermin is sea
    x, y = fr.to_xy(np.array([33.61798, 33.60]), np.array([-117.92737, -118.30]))
    assert z.on_land(x, y).tolist() == [True, False]
    assert not within(33.60, -118.30, ("port", "anchorage"))


def test_ships_at_anchor_in_the_charted_anchorage_are_not_loitering_and_are_without_it(
        tmp_path: Path, first_hours: Path) -> None:
    """Three ships lie at anchor outside the Long Beach breakwater from before the day starts: the anchorage in the
    zones file excuses them; drawn without it, the engine (which has not seen them stop) raises all three as
    loitering after an hour."""
    mod = _sites()
    without = copy.deepcopy(mod.SAN_PEDRO_ZONES)
    without["features"] = [f for f in without["features"] if f["properties"]["kind"] != "anchorage"]
    loitering = {}
    for name, zones in (("with", mod.SAN_PEDRO_ZONES), ("without", without)):
        r = run_replay(load_site(_site_dir(tmp_path / name, zones)),
                       ReplayOptions(inputs=[first_hours], alerts_out=tmp_path / f"{name}.jsonl"))
        assert r.stats.total_rejects == 0
        loitering[name] = {m for a in r.alerts if a["type"] == "loitering" for m in a["mmsi"]}
    assert not loitering["with"] & set(ANCHORED)
    assert set(ANCHORED) <= loitering["without"]
