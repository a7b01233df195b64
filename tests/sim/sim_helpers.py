"""Helpers for the simulator tests: small scenarios written as TOML, as a user would, and run in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from seawatch.sim.run import simulate
from seawatch.sim.scenario import load_scenario

NO_TRAFFIC = "[traffic]\ntanker = 0\nferry = 0\ncargo = 0\nanchored = 0\nfield = 0\nfishing = 0\nsmall = 0\n"


def write_scenario(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def run(scenario: str | Path, out: Path, **kw: Any) -> dict[str, Any]:
    scn = load_scenario(scenario)
    return simulate(scn, out, **kw).summary


def read_plots(path: Path) -> dict[str, np.ndarray]:
    t = pv.read_csv(path, convert_options=pv.ConvertOptions(column_types={"time": pa.float64()}))
    return {k: t.column(k).to_numpy() for k in t.column_names}


def read_events(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "truth" / "events.jsonl").read_text().splitlines() if line]


def read_truth(out: Path) -> dict[str, np.ndarray]:
    t = pq.read_table(out / "truth" / "positions.parquet")
    d = {c: t.column(c).to_numpy() for c in t.column_names if c != "time"}
    d["time"] = t.column("time").cast("int64").to_numpy() / 1000.0
    return d

