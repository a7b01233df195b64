"""Simulator throughput: 24 h of the Caspian (caspian-day: ~310 vessels, 5 radars, 8 AIS base stations),
and a 5,000-vessel load scenario.

    .venv/bin/python bench/sim.py                 # 24 h once + 5,000 vessels for 1 h
    .venv/bin/python bench/sim.py --repeat 3      # median of 3 runs of the 24 h day
    .venv/bin/python bench/sim.py --load-duration 2h --skip-day

Prints wall-clock and CPU (process) time: on a shared machine the CPU time is the figure that says what
one core does; the wall-clock time includes waiting for the CPU. Outputs go to a temporary directory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from seawatch.sim.run import simulate
from seawatch.sim.scenario import TrafficSection, load_scenario, parse_duration_s


def _one(scn, duration_s: float) -> tuple[float, float, dict]:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory(prefix="seawatch-bench-sim-") as d:
        w0, c0 = time.perf_counter(), time.process_time()
        out = simulate(scn, Path(d), duration_s=duration_s)
        w1, c1 = time.perf_counter(), time.process_time()
        size = sum(p.stat().st_size for p in Path(d).rglob("*") if p.is_file())
    summary = dict(out.summary)
    summary["bytes"] = size
    return w1 - w0, c1 - c0, summary


def _report(label: str, walls: list[float], cpus: list[float], s: dict, duration_s: float) -> None:
    plots = sum(s["radar_plots"].values())
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"{label}: {s['vessels']} vessels, {duration_s / 3600:g} h of sim time, {len(s['radar_plots'])} radars")
    print(f"  wall {wall:6.1f} s   cpu {cpu:6.1f} s   (median of {len(walls)}; all wall: "
          f"{', '.join(f'{w:.1f}' for w in walls)})")
    print(f"  {s['ais_lines']:,} AIS lines, {plots:,} radar plots, {s['truth_positions']:,} truth positions, "
          f"{s['bytes'] / 1e6:,.0f} MB written")
    print(f"  {duration_s / cpu:,.0f}× real time on one core; {(s['ais_lines'] + plots) / cpu:,.0f} output rows "
          "per cpu-second")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=1, help="runs of the 24 h day (median reported)")
    ap.add_argument("--day-duration", default="24h")
    ap.add_argument("--load-vessels", type=int, default=5000)
    ap.add_argument("--load-duration", default="1h")
    ap.add_argument("--skip-day", action="store_true")
    ap.add_argument("--skip-load", action="store_true")
    args = ap.parse_args(argv)

    day = load_scenario("caspian-day")
    if not args.skip_day:
        dur = parse_duration_s(args.day_duration)
        walls, cpus = [], []
        for _ in range(args.repeat):
            w, c, s = _one(day, dur)
            walls.append(w)
            cpus.append(c)
        _report("caspian-day", walls, cpus, s, dur)
        print(f"  target: 24 h in < 60 s on one core -> {'met' if statistics.median(cpus) * 86400 / dur < 60 else 'NOT met'}"
              f" (cpu {statistics.median(cpus) * 86400 / dur:.1f} s per 24 h)")
    if not args.skip_load:
        counts = day.traffic.counts()
        base = sum(v for k, v in counts.items() if k != "field")
        scale = (args.load_vessels - counts["field"]) / base
        load = day.model_copy(update={"traffic": TrafficSection(**{**day.traffic.model_dump(), "scale": scale})})
        dur = parse_duration_s(args.load_duration)
        w, c, s = _one(load, dur)
        _report(f"load ({args.load_vessels:,} vessels requested)", [w], [c], s, dur)
        print(f"  extrapolated: {c * 86400 / dur / 60:.1f} cpu-minutes per 24 h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
