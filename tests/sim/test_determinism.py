"""Same scenario, same seed: the same bytes in every output file; another seed: another day."""

from __future__ import annotations

import hashlib
from pathlib import Path

from seawatch.sim.run import simulate
from seawatch.sim.scenario import TrafficSection, load_scenario


def _digests(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


def _run(d: Path, seed: int) -> dict[str, str]:
    scn = load_scenario("cigarette-run")
    scn = scn.model_copy(update={"traffic": TrafficSection(scale=0.1, field=6)})
    simulate(scn, d, seed=seed, duration_s=900.0)
    return _digests(d)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", 5)
    b = _run(tmp_path / "b", 5)
    c = _run(tmp_path / "c", 6)
    assert {"ais.nmea", "truth/events.jsonl", "truth/positions.parquet", "plots-radar-lankaran.csv"} <= set(a)
    assert a == b
    assert a["ais.nmea"] != c["ais.nmea"] and a["plots-radar-lankaran.csv"] != c["plots-radar-lankaran.csv"]
