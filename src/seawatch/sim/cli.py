"""The `seawatch sim` command (argument parsing lives in seawatch.cli; the work here)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from seawatch.errors import ConfigError
from seawatch.sim.scenario import builtin_scenarios, parse_duration_s, parse_time


def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--scenario", required=True,
                   help=f"built-in name ({', '.join(builtin_scenarios())}) or a scenario TOML file")
    s.add_argument("--out", required=True, help="output directory")
    s.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    s.add_argument("--duration", help="e.g. 3600, 90m, 2h, 1d (default: the scenario's)")
    s.add_argument("--start", help="ISO-8601 UTC start time (default: the scenario's)")
    s.add_argument("--live", action="store_true", help="stream in real time over TCP/UDP (not available yet)")


def cmd_sim(args: argparse.Namespace) -> int:
    from seawatch.sim.run import simulate
    from seawatch.sim.scenario import load_scenario

    if args.live:
        raise ConfigError("`seawatch sim --live` is not available yet; generate recordings and use "
                          "`seawatch replay --speed X` on them")
    scn = load_scenario(args.scenario)
    try:
        duration = parse_duration_s(args.duration) if args.duration else None
        start = parse_time(args.start) if args.start else None
    except ValueError as err:
        raise ConfigError(f"seawatch sim: {err}") from err
    t = time.perf_counter()
    out = simulate(scn, Path(args.out), seed=args.seed, duration_s=duration, start_epoch=start)
    s = out.summary
    print(f"scenario {s['scenario']} seed {s['seed']}: {s['start']} .. {s['end']}, {s['vessels']} vessels, "
          f"sea state {s['sea_state']:g}")
    print(f"  ais.nmea: {s['ais_lines']} lines ({s['ais_position_reports']} position, "
          f"{s['ais_static_reports']} static reports)")
    for rid, n in s["radar_plots"].items():
        print(f"  plots-{rid}.csv: {n} plots ({s['radar_target_plots'][rid]} on vessels)")
    print(f"  truth: {s['events']} events, {s['truth_positions']} positions")
    print(f"written to {out.out_dir} in {time.perf_counter() - t:.1f} s")
    return 0
