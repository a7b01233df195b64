"""End to end without the tracker: short versions of the simulator's threat scenarios (fixed seeds, a twentieth
of the background traffic) turned into contact updates from their ground truth
(`seawatch.eval.truth_contacts`), run through the engine and scored with `seawatch.eval.alerts`.

Issue 5's bar per alert type with truth events: recall >= 0.95, precision >= 0.9, median latency no more
than the rule's minimum duration + 2 min. One known gap of the truth is excused below, by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seawatch.config.loader import load_site
from seawatch.detect.engine import DetectionEngine
from seawatch.eval.alerts import latency_bar_s, load_truth, score_alerts
from seawatch.eval.truth_contacts import truth_contacts
from seawatch.sim.run import simulate
from seawatch.sim.scenario import load_scenario

# scenario -> seconds simulated (enough to cover its threat events)
SHORT = {"astara-gofast": 5_800, "cigarette-run": 9_000, "platform-intrusion": 6_600, "spoofing": 5_600,
         "storm": 7_200}
# known gaps of the truth, excused by name (none at present: cigarette-run's runner's first run at 30 kn, once
# untagged, is a high_speed event of its truth)
EXCUSED: set[tuple[str, str, str]] = set()


def scored(name: str, out: Path, seconds: float, scale: float = 0.05) -> dict[str, Any]:
    scn = load_scenario(name)
    scn = scn.model_copy(update={"traffic": scn.traffic.model_copy(update={"scale": scale})})
    simulate(scn, out, duration_s=seconds)
    site = load_site(out / "site.toml")
    eng = DetectionEngine(site)
    for b in truth_contacts(out, site, step_s=20.0):
        eng.process(b)
    return score_alerts(load_truth(out), eng.finish())


@pytest.mark.parametrize("name", sorted(SHORT))
def test_every_threat_of_the_scenario_is_found_early_and_without_false_alarms(name: str, tmp_path: Path) -> None:
    res = scored(name, tmp_path / name, SHORT[name])
    checked = 0
    for kind, v in res["types"].items():
        if v["events"] == 0:
            assert v["alerts"] == 0 or (name, kind, "precision") in EXCUSED, f"{name}: {kind} false alarms {v}"
            continue
        checked += 1
        assert v["recall"] >= 0.95, f"{name}: {kind} recall {v}"
        if (name, kind, "precision") not in EXCUSED:
            assert v["precision"] >= 0.9, f"{name}: {kind} precision {v}"
        assert v["latency_median_s"] <= latency_bar_s(kind), f"{name}: {kind} latency {v}"
    assert checked >= 1


def test_a_quiet_day_raises_fewer_than_one_false_alarm_per_1000_vessel_hours(tmp_path: Path) -> None:
    res = scored("caspian-day", tmp_path / "day", 3 * 3600, scale=0.15)
    assert res["all"]["events"] == 0
    assert res["vessel_hours"] > 150
    assert res["all"]["false_alarms_per_1000_vessel_hours"] < 1.0, res["all"]
