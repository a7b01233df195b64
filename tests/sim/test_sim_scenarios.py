"""Every built-in scenario generates its threats, and every truth event is visible in the sensor data."""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyais
import pytest
from sim_helpers import read_events, read_plots, read_truth

from seawatch.config import load_site
from seawatch.sim.geometry import SITE_DIR, polar_to_latlon, range_bearing
from seawatch.sim.run import simulate
from seawatch.sim.scenario import SCENARIO_DIR, TrafficSection, builtin_scenarios, load_scenario

# how much sim time each threat needs (the background traffic is thinned to keep the tests quick)
NEEDED_S = {"astara-gofast": 5000, "cigarette-run": 8000, "platform-intrusion": 6000, "spoofing": 4800,
            "storm": 7200}
EXPECTED_KINDS = {
    "astara-gofast": {"high_speed", "dark_target", "border_crossing", "shore_approach"},
    "cigarette-run": {"ais_gap", "dark_target", "rendezvous", "high_speed", "shore_approach"},
    "platform-intrusion": {"zone_loiter", "zone_entry"},
    "spoofing": {"ais_spoofing"},
    "storm": {"rendezvous", "ais_gap", "dark_target"},
}


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


@functools.lru_cache(maxsize=8)
def _ais(path: Path) -> dict[str, np.ndarray]:
    rows: list[tuple[float, int, float, float]] = []
    statics: list[tuple[float, int, str]] = []
    lines = path.read_bytes().splitlines()
    i = 0
    while i < len(lines):
        tag, _, s = lines[i].rpartition(b"\\")
        epoch = float(tag.split(b"c:")[1].split(b"*")[0])
        if s.startswith(b"!AIVDM,2,1"):
            m = pyais.decode(s, lines[i + 1].rpartition(b"\\")[2]).asdict()
            statics.append((epoch, m["mmsi"], m["shipname"]))
            i += 2
            continue
        m = pyais.decode(s).asdict()
        if m["msg_type"] in (1, 18):
            rows.append((epoch, m["mmsi"], m["lat"], m["lon"]))
        i += 1
    a = np.array(rows, dtype=float).reshape(-1, 4)
    return {"time": a[:, 0], "mmsi": a[:, 1].astype(np.int64), "lat": a[:, 2], "lon": a[:, 3],
            "statics": statics}  # type: ignore[dict-item]


@functools.lru_cache(maxsize=64)
def _plots(path: Path) -> dict[str, np.ndarray]:
    return read_plots(path)


def _radar_hits(out: Path, truth: dict[str, np.ndarray], vessel: int, t0: float, t1: float) -> int:
    """Radar plots (any radar) within 300 m of where the vessel truly was at the plot's time."""
    sel = truth["vessel_id"] == vessel
    tt, tlat, tlon = truth["time"][sel], truth["lat"][sel], truth["lon"][sel]
    hits = 0
    for radar in load_site(SITE_DIR / "site.toml").radars:
        p = _plots(out / f"plots-{radar.id}.csv")
        m = (p["time"] >= max(t0, tt.min())) & (p["time"] <= min(t1, tt.max()))
        if not m.any():
            continue
        lat, lon = polar_to_latlon(radar.lat, radar.lon, p["range_m"][m], p["bearing_deg"][m])
        vlat, vlon = np.interp(p["time"][m], tt, tlat), np.interp(p["time"][m], tt, tlon)
        d, _ = range_bearing(vlat, vlon, lat, lon)
        hits += int((d < 300.0).sum())
    return hits


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    out: dict[str, tuple[Path, Any]] = {}
    for name, duration_s in NEEDED_S.items():
        scn = load_scenario(name)
        scn = scn.model_copy(update={"traffic": TrafficSection(
            **{**scn.traffic.model_dump(), "scale": 0.08, "field": 4})})
        d = tmp_path_factory.mktemp(name)
        simulate(scn, d, duration_s=float(duration_s))
        out[name] = (d, scn)
    return out


def test_every_builtin_scenario_is_documented_and_loads() -> None:
    names = builtin_scenarios()
    assert set(names) >= {"caspian-day", *NEEDED_S}
    for n in names:
        text = (SCENARIO_DIR / f"{n}.toml").read_text()
        assert text.startswith(f"# {n} — "), n
        assert load_scenario(n).scenario.name == n


def test_caspian_day_is_24_hours_of_300_vessels_without_threats() -> None:
    scn = load_scenario("caspian-day")
    assert scn.duration_s == 86400 and not scn.actors
    assert sum(scn.traffic.counts().values()) >= 300


@pytest.mark.parametrize("name", sorted(NEEDED_S))
def test_each_threat_scenario_writes_its_truth_events(generated: dict[str, tuple[Path, Any]], name: str) -> None:
    out, _ = generated[name]
    kinds = {e["kind"] for e in read_events(out)}
    assert kinds == EXPECTED_KINDS[name]
    for e in read_events(out):
        assert set(e) >= {"kind", "start", "end", "vessels", "mmsi", "lat", "lon"}
        assert _epoch(e["end"]) >= _epoch(e["start"])


@pytest.mark.parametrize("name", sorted(NEEDED_S))
def test_every_truth_event_is_visible_in_the_sensor_data(generated: dict[str, tuple[Path, Any]], name: str) -> None:
    out, _ = generated[name]
    truth = read_truth(out)
    ais = _ais(out / "ais.nmea")
    for e in read_events(out):
        t0, t1 = _epoch(e["start"]) - 60, _epoch(e["end"]) + 60
        for v in e["vessels"]:
            sel = (truth["vessel_id"] == v) & (truth["time"] >= t0) & (truth["time"] <= t1)
            on = truth["ais_on"][sel]
            if not on.all():  # dark for some of it: the radars must show it
                assert _radar_hits(out, truth, v, t0, t1) >= 3, (e["kind"], v)
            if on.any():  # transmitting for some of it: the AIS must show it
                mm = np.unique(truth["mmsi"][sel])
                seen = np.isin(ais["mmsi"], mm) & (ais["time"] >= t0) & (ais["time"] <= t1)
                assert seen.sum() >= 1, (e["kind"], v)


def test_the_go_fast_is_in_the_radar_plots_and_absent_from_ais(generated: dict[str, tuple[Path, Any]]) -> None:
    out, _ = generated["astara-gofast"]
    truth = read_truth(out)
    ev = next(e for e in read_events(out) if e["kind"] == "high_speed")
    v = ev["vessels"][0]
    sel = truth["vessel_id"] == v
    assert not truth["ais_on"][sel].any() and (truth["mmsi"][sel] == -1).all() and ev["mmsi"] == []
    assert truth["sog_kn"][sel].max() > 35
    assert _radar_hits(out, truth, v, truth["time"][sel].min(), truth["time"][sel].max()) > 50
    ais = _ais(out / "ais.nmea")
    for t, la, lo in zip(truth["time"][sel][::6], truth["lat"][sel][::6], truth["lon"][sel][::6]):
        near_t = np.abs(ais["time"] - t) < 30
        if near_t.any():
            d, _ = range_bearing(la, lo, ais["lat"][near_t], ais["lon"][near_t])
            assert d.min() > 1000.0
    cross = next(e for e in read_events(out) if e["kind"] == "border_crossing")
    assert abs(cross["lat"] - 38.44222) < 1e-4


def test_rendezvous_partners_are_together_and_slow(generated: dict[str, tuple[Path, Any]]) -> None:
    for name in ("cigarette-run", "storm"):
        out, _ = generated[name]
        truth = read_truth(out)
        ev = next(e for e in read_events(out) if e["kind"] == "rendezvous")
        t0, t1 = _epoch(ev["start"]), _epoch(ev["end"])
        assert t1 - t0 >= 15 * 60
        a, b = ev["vessels"]
        ta = (truth["vessel_id"] == a) & (truth["time"] >= t0) & (truth["time"] <= t1)
        tb = (truth["vessel_id"] == b) & (truth["time"] >= t0) & (truth["time"] <= t1)
        d, _ = range_bearing(truth["lat"][ta], truth["lon"][ta], truth["lat"][tb], truth["lon"][tb])
        assert d.max() < 500 and truth["sog_kn"][ta].max() < 2 and truth["sog_kn"][tb].max() < 2


def test_spoofed_position_clone_and_identity_change_show_in_ais(generated: dict[str, tuple[Path, Any]]) -> None:
    out, _ = generated["spoofing"]
    truth, ais, events = read_truth(out), _ais(out / "ais.nmea"), read_events(out)
    off = next(e for e in events if e.get("how") == "position_offset")
    v, mmsi = off["vessels"][0], off["mmsi"][0]
    t0, t1 = _epoch(off["start"]) + 30, _epoch(off["end"]) - 30
    m = (ais["mmsi"] == mmsi) & (ais["time"] > t0) & (ais["time"] < t1)
    sel = truth["vessel_id"] == v
    tl, to = np.interp(ais["time"][m], truth["time"][sel], truth["lat"][sel]), \
        np.interp(ais["time"][m], truth["time"][sel], truth["lon"][sel])
    d, _ = range_bearing(tl, to, ais["lat"][m], ais["lon"][m])
    assert m.sum() > 50 and np.all(np.abs(d - np.hypot(6000, 4000)) < 300)
    assert _radar_hits(out, truth, v, t0, t1) > 100  # radar sees it where it really is
    clone = next(e for e in events if e.get("how") == "mmsi_clone")
    m = ais["mmsi"] == clone["mmsi"][0]
    far = np.ptp(ais["lat"][m]) + np.ptp(ais["lon"][m])
    assert far > 0.3  # the same MMSI heard in two places tens of km apart
    change = next(e for e in events if e.get("how") == "identity_change")
    old, new = change["mmsi"] if change["mmsi"][1] == 423999017 else change["mmsi"][::-1]
    tc = _epoch(change["start"])
    assert (ais["time"][ais["mmsi"] == old] < tc).all() and (ais["time"][ais["mmsi"] == new] >= tc).all()
    assert any(mm == new and n == "NEW HORIZON" for _, mm, n in ais["statics"])


def test_no_vessel_of_any_threat_scenario_is_ever_on_land(generated: dict[str, tuple[Path, Any]]) -> None:
    from seawatch.sim.geometry import Sea

    sea = Sea.from_geojson()
    for name, (out, _) in generated.items():
        t = read_truth(out)
        assert sea.is_sea(t["lat"], t["lon"]).all(), name
