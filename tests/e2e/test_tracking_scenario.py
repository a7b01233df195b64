"""Tracking and fusion on a simulated night go-fast run (astara-gofast, shortened, light traffic):
scored by `seawatch eval --tracks` against the simulator's ground truth."""

from __future__ import annotations

import re

import pytest

from seawatch.cli import main
from seawatch.eval.tracks import evaluate_tracks
from seawatch.sim.scenario import SCENARIO_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("gofast")
    text = (SCENARIO_DIR / "astara-gofast.toml").read_text(encoding="utf-8")
    text = text.replace('duration = "6h"', 'duration = "65m"')
    text = re.sub(r"appear_s = \d+", "appear_s = 120", text)
    scn = tmp / "gofast.toml"
    scn.write_text(text + "\n[traffic]\nscale = 0.2\nfield = 10\n", encoding="utf-8")
    out = tmp / "rec"
    assert main(["sim", "--scenario", str(scn), "--out", str(out)]) == 0
    tracks = tmp / "tracks.parquet"
    inputs = [str(out / "ais.nmea"), *sorted(str(p) for p in out.glob("plots-*.csv"))]
    assert main(["replay", "--site", str(out / "site.toml"), *inputs, "--tracks-out", str(tracks)]) == 0
    return evaluate_tracks(out, tracks)


def test_the_go_fast_keeps_one_track_through_its_turns(scored: dict) -> None:
    (gofast,) = [v for v in scored["per_vessel"] if v["type"] == "gofast"]
    assert len(gofast["contacts"]) == 1 and gofast["breaks"] == 0 and gofast["swaps"] == 0
    assert gofast["radar_cover_tracked"] >= 0.95 * gofast["radar_cover_instants"]


def test_every_vessel_in_radar_cover_is_tracked(scored: dict) -> None:
    v = scored["vessels"]
    assert v["in_radar_cover"] > 20
    assert v["tracked_in_radar_cover"] == v["in_radar_cover"]
    assert v["radar_cover_time_tracked"] >= 0.99


def test_fused_identity_is_right_for_at_least_99_percent_of_fused_contact_time(scored: dict) -> None:
    ident = scored["identity"]
    assert ident["fused_instants"] > 1_000
    assert ident["fused_correct_share"] >= 0.99


def test_few_vessels_are_missed_and_few_contacts_are_false(scored: dict) -> None:
    g = scored["gospa"]
    half_c = g["c_m"] / 2
    assert g["missed"] / half_c < 0.02 * g["mean_truth"]
    assert g["false"] / half_c < 0.05 * g["mean_truth"]
    assert g["localisation"] / g["mean_assigned"] < 25.0   # metres per assigned vessel
