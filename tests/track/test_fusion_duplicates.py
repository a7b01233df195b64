"""Radar–AIS fusion: a second radar track on an identified vessel's echo is that vessel's duplicate, not a
dark stranger beside it; a boat shadowing a ship, or moored beside it, stays its own contact."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seawatch.config import validate_site_dict
from seawatch.config.site import SiteConfig
from seawatch.errors import ConfigError
from seawatch.geo import LocalFrame
from seawatch.model import Kind, ObservationBatch
from seawatch.pipeline import Pipeline, fusion_params
from seawatch.track.ais_state import AisSnapshot
from seawatch.track.fusion import (
    AIS_ONLY_ID_OFFSET,
    ContactKind,
    FusionParams,
    RadarAisFusion,
    hull_residual_d2,
)
from seawatch.track.lifecycle import TrackStatus
from seawatch.track.tracker import TrackTable

SHIP = 423_702_006
CREW_BOAT_HULL = (22.0, 14.0, 4.0, 5.0)      # to_bow, to_stern, to_port, to_starboard (a 36 m crew boat)


def _tracks(t: float, ids: list[int], xy: list[tuple[float, float]], v: list[tuple[float, float]],
            sigma_m: float = 20.0) -> TrackTable:
    n = len(ids)
    x = np.column_stack([np.array(xy, float).reshape(n, 2), np.array(v, float).reshape(n, 2)])
    p = np.tile(np.diag([sigma_m**2, sigma_m**2, 0.5**2, 0.5**2]), (n, 1, 1))
    return TrackTable(t, np.array(ids, np.int64), np.full(n, TrackStatus.CONFIRMED, np.int8), x, p)


def _ais(t: float, xy: tuple[float, float], v: tuple[float, float]) -> AisSnapshot:
    x = np.array([[xy[0], xy[1], v[0], v[1]]])
    p = np.diag([10.0**2, 10.0**2, 0.3**2, 0.3**2])[None]
    return AisSnapshot(t, np.array([SHIP], np.int64), x, p, np.zeros(1), np.full(1, t + 2.0))


def _run(second_offset: tuple[float, float], speed_mps: float, minutes: float, seed: int = 1,
         track_sigma_m: float = 20.0, jitter_m: float = 15.0) -> tuple[list[list[int]], list[tuple[str, int, int]]]:
    """A ship heading north-east at speed_mps, its own radar track (id 1) on it, a second radar track (id 2)
    at second_offset (along, across to starboard, metres) from its AIS position with the same velocity,
    both tracks jittered by radar noise; fusion every 5 s. Returns the contact ids of every update and the
    duplicate events."""
    fu = RadarAisFusion()
    rng = np.random.default_rng(seed)
    heading = math.radians(45.0)
    u = np.array([math.sin(heading), math.cos(heading)])
    starboard = np.array([u[1], -u[0]])
    v = tuple(speed_mps * u)
    hull = np.array([CREW_BOAT_HULL])
    ids, events = [], []
    for k in range(int(minutes * 12) + 1):
        t = 5.0 * k
        ship = speed_mps * t * u
        second = ship + second_offset[0] * u + second_offset[1] * starboard
        xy = [tuple(ship + rng.normal(0, jitter_m, 2)), tuple(second + rng.normal(0, jitter_m, 2))]
        c = fu.update(_tracks(t, [1, 2], xy, [v, v], track_sigma_m), _ais(t, tuple(ship), v), hull)
        ids.append(sorted(int(i) for i in c.contact_id))
        events += [(e.kind, e.track_id, e.mmsi) for e in c.events if e.kind == "duplicate"]
    return ids, events


def test_a_second_track_running_on_a_fused_ships_echo_becomes_its_duplicate_after_a_minute() -> None:
    # the Caspian day's 04:27 case: a second track 15-75 m astern of a crew boat at 23 kn
    ids, events = _run(second_offset=(-40.0, 0.0), speed_mps=12.0, minutes=4)
    vessel = AIS_ONLY_ID_OFFSET + SHIP
    assert ids[3] == [2, vessel]                  # at first it is a radar contact of its own
    assert all(i == [vessel] for i in ids[14:])  # after a minute it is the vessel's, and stays so
    assert events == [("duplicate", 2, SHIP)]


def test_a_dark_boat_shadowing_a_ship_150_m_abeam_stays_its_own_dark_contact() -> None:
    # a boat in company 150 m off the starboard side for 20 min, with loose (40 m) track estimates
    ids, events = _run(second_offset=(0.0, 150.0), speed_mps=6.0, minutes=20, track_sigma_m=40.0, jitter_m=30.0)
    assert all(i == [2, AIS_ONLY_ID_OFFSET + SHIP] for i in ids[3:])   # once track 1 has the ship's AIS
    assert events == []


def test_a_dark_boat_100_m_off_a_ship_under_way_stays_its_own_dark_contact() -> None:
    ids, events = _run(second_offset=(0.0, -100.0), speed_mps=8.0, minutes=20)
    assert all(i == [2, AIS_ONLY_ID_OFFSET + SHIP] for i in ids[3:])
    assert events == []


def test_a_coasting_track_with_a_wide_covariance_is_not_taken_for_a_duplicate() -> None:
    # a track 300 m astern with a 400 m position sigma fits any gate, but lies far outside the hull
    ids, events = _run(second_offset=(-300.0, 0.0), speed_mps=8.0, minutes=5, track_sigma_m=400.0, jitter_m=5.0)
    assert all(2 in i for i in ids)
    assert events == []


def test_a_boat_stopped_right_beside_a_stopped_ship_is_not_taken_for_a_duplicate() -> None:
    # a rendezvous: both slow, hulls touching — two vessels, whatever the geometry
    ids, events = _run(second_offset=(0.0, 30.0), speed_mps=0.3, minutes=30)
    assert all(2 in i for i in ids)
    assert events == []


def test_a_duplicate_stays_one_when_its_vessel_slows_down_and_is_released_when_it_moves_away() -> None:
    fu = RadarAisFusion()
    v_fast, v_slow = (0.0, 10.0), (0.0, 0.5)
    hull = np.array([CREW_BOAT_HULL])
    shown = []
    y = 0.0
    for k in range(60):
        t = 5.0 * k
        v = v_fast if k < 20 else v_slow
        y += 5.0 * v[1]
        off = -30.0 if k < 40 else -30.0 - 40.0 * (k - 39)    # from update 40 it drops astern, 40 m each
        vv = v if k < 40 else (0.0, v[1] - 8.0)
        c = fu.update(_tracks(t, [1, 2], [(0.0, y), (0.0, y + off)], [v, vv]), _ais(t, (0.0, y), v), hull)
        shown.append(2 in c.contact_id.tolist())
    assert shown[:12] == [True] * 12          # a minute to recognise it
    assert not any(shown[14:40])              # the vessel slowed down at update 20: still its duplicate
    assert all(shown[46:])                    # gone astern at another speed: a contact of its own again


def test_a_vessel_without_a_track_of_its_own_takes_the_radar_track_as_usual() -> None:
    # only one radar track, astern of the AIS position: plain association, not a duplicate of nothing
    fu = RadarAisFusion()
    for k in range(20):
        t = 5.0 * k
        c = fu.update(_tracks(t, [2], [(0.0, 60.0 * k - 40.0)], [(0.0, 12.0)]), _ais(t, (0.0, 60.0 * k), (0.0, 12.0)),
                      np.array([CREW_BOAT_HULL]))
    assert c.kind.tolist() == [ContactKind.FUSED] and c.track_id.tolist() == [2]


def test_duplicate_s_zero_turns_the_recognition_off() -> None:
    fu = RadarAisFusion(FusionParams(duplicate_s=0.0))
    for k in range(30):
        t = 5.0 * k
        c = fu.update(_tracks(t, [1, 2], [(0.0, 60.0 * k), (0.0, 60.0 * k - 30.0)], [(0.0, 12.0)] * 2),
                      _ais(t, (0.0, 60.0 * k), (0.0, 12.0)))
    assert sorted(c.contact_id.tolist()) == [2, AIS_ONLY_ID_OFFSET + SHIP]


def test_the_hull_offset_counts_only_what_lies_outside_the_hull_along_the_ships_course() -> None:
    s = np.tile(np.eye(2) * 10.0**2, (4, 1, 1))
    tanker = np.tile([150.0, 50.0, 15.0, 15.0], (4, 1))          # 200 m long, antenna 50 m from the stern
    heading_east = np.tile([8.0, 0.0], (4, 1))
    offsets = np.array([[140.0, 0.0],     # 140 m ahead: on the foredeck
                        [0.0, -14.0],     # 14 m to starboard (south when heading east): on deck
                        [-80.0, 0.0],     # 80 m astern: 30 m behind the stern
                        [0.0, 65.0]])     # 65 m to port: 50 m off the side
    d2, outside_m = hull_residual_d2(offsets, heading_east, tanker, s)
    assert d2[:2].tolist() == [0.0, 0.0]
    assert np.allclose(d2[2:], [30.0**2 / 100.0, 50.0**2 / 100.0]) and np.allclose(outside_m, [0, 0, 30, 50])
    # unknown dimensions: the hull is a point
    d2_point, _ = hull_residual_d2(offsets, heading_east, np.full((4, 4), np.nan), s)
    assert np.allclose(d2_point, (offsets**2).sum(axis=1) / 100.0)
    # stopped (no course): a circle of the largest dimension, 150 m
    d2_stopped, outside_m = hull_residual_d2(np.array([[0.0, 160.0], [-100.0, 0.0]]), np.zeros((2, 2)), tanker[:2],
                                             s[:2])
    assert np.allclose(outside_m, [10.0, 0.0]) and np.allclose(d2_stopped, [1.0, 0.0])


def _site(fusion: dict[str, object]) -> SiteConfig:
    return SiteConfig.model_validate({"site": {"name": "t"}, "sensors": [{"id": "ais", "kind": "ais"}],
                                      "rules": {"fusion": fusion}})


def test_a_site_sets_the_duplicate_thresholds_in_rules_fusion_and_a_misspelt_key_is_refused() -> None:
    p = fusion_params(_site({"duplicate_s": 90, "duplicate_max_m": 50.0}), ())
    assert (p.duplicate_s, p.duplicate_max_m, p.duplicate_mean_d2) == (90.0, 50.0, FusionParams().duplicate_mean_d2)
    with pytest.raises(ConfigError, match="duplicate_sec"):
        fusion_params(_site({"duplicate_sec": 90}), ())
    with pytest.raises(ConfigError, match="give a number"):
        fusion_params(_site({"duplicate_s": True}), ())


def test_the_pipeline_gives_fusion_each_vessels_hull_from_its_ais_static_report() -> None:
    site = validate_site_dict({"site": {"name": "t", "lat": 38.45, "lon": 48.90},
                               "sensors": [{"id": "ais", "kind": "ais"}]})
    p = Pipeline(site)
    lat, lon = LocalFrame(38.45, 48.90).to_latlon(np.array([0.0, 500.0]), np.array([0.0, 0.0]))
    p.process(ObservationBatch({"kind": Kind.AIS_POSITION, "observed_at": 1.7e9, "received_at": 1.7e9,
                                "msg_type": 1, "mmsi": [423000001, 423000002], "lat": lat, "lon": lon,
                                "sog_mps": [5.0, 0.0], "cog_deg": [90.0, 0.0], "sensor": "ais"}, n=2))
    p.process(ObservationBatch({"kind": Kind.AIS_STATIC, "observed_at": 1.7e9 + 1, "received_at": 1.7e9 + 1,
                                "msg_type": 5, "mmsi": [423000001], "to_bow_m": [80], "to_stern_m": [20],
                                "to_port_m": [6], "to_starboard_m": [9]}, n=1))
    hull = p._hull(np.array([423000001, 423000002, 423999999], np.int64))
    assert hull[0].tolist() == [80.0, 20.0, 6.0, 9.0]
    assert np.isnan(hull[1:]).all()      # no static report, not a known vessel: a point
