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
    s.add_argument("--live", action="store_true",
                   help="serve the AIS and radar feeds over TCP in real time instead of writing files "
                        "(DIR gets the truth and a site.toml whose sources are these feeds)")
    s.add_argument("--speed", type=float, default=1.0, help="with --live: X times real time (default 1)")
    s.add_argument("--host", default="127.0.0.1", help="with --live: address to listen on")
    s.add_argument("--port-base", type=int, default=10110,
                   help="with --live: AIS on this port, radar i on port + 1 + i (default 10110)")
    s.add_argument("--wait-clients", action="store_true",
                   help="with --live: start the clock once every feed has a client")


def cmd_sim(args: argparse.Namespace) -> int:
    from seawatch.sim.run import simulate
    from seawatch.sim.scenario import load_scenario

    scn = load_scenario(args.scenario)
    try:
        duration = parse_duration_s(args.duration) if args.duration else None
        start = parse_time(args.start) if args.start else None
    except ValueError as err:
        raise ConfigError(f"seawatch sim: {err}") from err
    t = time.perf_counter()
    if args.live:
        from seawatch.sim.live import LiveConfig

        if args.speed <= 0:
            raise ConfigError("seawatch sim: --speed must be positive")
        cfg = LiveConfig(host=args.host, port_base=args.port_base, speed=args.speed,
                         wait_for_clients=args.wait_clients)

        def ready(ports: dict[str, int]) -> None:
            print(f"live at {args.speed:g}x real time; feeds (TCP servers on {args.host}):", flush=True)
            for name, port in ports.items():
                print(f"  {name}: {port}", flush=True)
            print(f"consume them with: seawatch run --site {Path(args.out) / 'site.toml'}", flush=True)

        try:
            out = simulate(scn, Path(args.out), seed=args.seed, duration_s=duration, start_epoch=start, live=cfg,
                           on_live=ready)
        except OSError as err:
            raise ConfigError(f"seawatch sim --live: cannot serve the feeds: {err}") from err
        s = out.summary
        print(f"live run done: {s['live_messages']} messages sent; truth in {out.out_dir / 'truth'}")
        return 0
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
