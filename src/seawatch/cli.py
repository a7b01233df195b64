"""The seawatch command line: demo | run | replay | sim | eval | check-config | user."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import logging
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from seawatch import __version__
from seawatch.errors import ConfigError, NotYetAvailableError, SeawatchError

logger = logging.getLogger(__name__)

BUILTIN_SITE = Path(__file__).parent / "sites" / "caspian" / "site.toml"


def _cmd_check_config(args: argparse.Namespace) -> int:
    from seawatch.config import load_site

    cfg = load_site(args.site)
    # what a start would refuse: the [rules.*] settings (detection's and fusion's) and the zones file
    from seawatch.detect.engine import DetectionEngine
    from seawatch.pipeline import fusion_params

    DetectionEngine(cfg)
    fusion_params(cfg, ())
    radars = len(cfg.radars)
    print(f"{args.site}: OK — site '{cfg.site.name}', {len(cfg.sensors)} sensor(s) "
          f"({radars} radar, {len(cfg.sensors) - radars} AIS)"
          + (f", zones {cfg.zones_path()}" if cfg.zones else ""))
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    from seawatch.config import load_site
    from seawatch.replay import ReplayOptions, run_replay

    site = load_site(args.site) if args.site else None
    opts = ReplayOptions(
        inputs=[Path(p) for p in args.inputs],
        date=_parse_date(args.date),
        tracks_out=Path(args.tracks_out) if args.tracks_out else None,
        alerts_out=Path(args.alerts_out) if args.alerts_out else None,
        store=args.store,
        speed=None if args.fast or args.speed is None else args.speed,
        progress=not args.no_progress and not args.serve and sys.stderr.isatty(),
    )
    if args.serve:
        from seawatch.replay_serve import serve_replay

        return serve_replay(site, opts)
    result = run_replay(site, opts)
    stats = result.stats_dict()
    print(result.format_table())
    if args.json:
        Path(args.json).write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
        print(f"stats written to {args.json}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from seawatch.config import load_site

    if args.ingest_only:
        from seawatch.ingest.live import run_live

        asyncio.run(run_live(load_site(args.site), duration_s=args.duration, stats_every_s=args.stats_every,
                             emit=lambda line: print(line, flush=True)))
        return 0
    from seawatch.live_run import run_site

    return run_site(Path(args.site), data=args.data, duration_s=args.duration)


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not v > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number > 0 (1 = real time; --fast for no pacing)")
    return v


def _parse_date(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as err:
        raise ConfigError(f"--date {text!r}: expected a UTC day as YYYY-MM-DD") from err


def _not_yet(what: str, issue: str) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise NotYetAvailableError(f"`seawatch {what}` is not available yet ({issue})")

    return run


def _cmd_demo(args: argparse.Namespace) -> int:
    from seawatch.demo import DemoOptions, run_demo

    return run_demo(DemoOptions(host=args.host, port=args.port, scenario=args.scenario, speed=args.speed,
                                seed=args.seed, data_dir=Path(args.data) if args.data else None))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="seawatch", description="Maritime surveillance: radar + AIS fusion, alerts.")
    p.add_argument("--version", action="version", version=f"seawatch {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("demo", help="the whole system on the built-in Caspian site, simulator feeding it live")
    s.add_argument("--host", default="127.0.0.1", help="console address (default: loopback only)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--scenario", default="cigarette-run", help="simulator scenario (name or TOML file)")
    s.add_argument("--speed", type=float, default=5.0, help="simulated time per real second (default 5x)")
    s.add_argument("--seed", type=int)
    s.add_argument("--data", help="directory for the demo's files (default: a new temporary directory)")
    s.set_defaults(func=_cmd_demo)

    s = sub.add_parser("run", help="live operation on the site's sensor sources: tracking, alerts, store, console")
    s.add_argument("--site", required=True)
    s.add_argument("--duration", type=float, metavar="S", help="stop by itself after S seconds")
    s.add_argument("--stats-every", type=float, default=10.0, metavar="S",
                   help="with --ingest-only: stats line period (10 s)")
    s.add_argument("--ingest-only", action="store_true",
                   help="only read and decode the feeds, printing stats lines (no tracking, store or console)")
    s.add_argument("--data", metavar="DIR|URL", help="the store (default: the site's [storage])")
    s.set_defaults(func=_cmd_run)

    s = sub.add_parser("replay", help="process recordings (format detected from content) as fast as possible")
    s.add_argument("--site", help="site.toml (needed for range/bearing radar plots)")
    s.add_argument("inputs", nargs="+", metavar="INPUT")
    s.add_argument("--stats", action="store_true", help="print the counts (always printed; kept for old command lines)")
    s.add_argument("--json", metavar="FILE", help="also write the counts as JSON")
    s.add_argument("--speed", type=_positive, help="replay at X times real time (X > 0)")
    s.add_argument("--fast", action="store_true", help="as fast as the CPU allows (default)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--date", help="UTC day (YYYY-MM-DD) for inputs that carry only a time of day (ASTERIX, TTM)")
    s.add_argument("--tracks-out", metavar="F.parquet", help="write every contact update (tracking + fusion)")
    s.add_argument("--alerts-out", metavar="F.jsonl", help="write the final alerts, one per line")
    s.add_argument("--store", metavar="DIR|URL", help="persist contacts and alerts (directory or postgresql://)")
    s.add_argument("--serve", action="store_true",
                   help="open the console on the replay (the site's [server] address; a one-off login is printed; "
                        "with --speed X to watch it at X times real time)")
    s.set_defaults(func=_cmd_replay)

    s = sub.add_parser("sim", help="generate recordings + ground truth from a scenario")
    from seawatch.sim.cli import add_arguments as _sim_args
    from seawatch.sim.cli import cmd_sim as _cmd_sim
    _sim_args(s)
    s.set_defaults(func=_cmd_sim)

    s = sub.add_parser("eval", help="score tracks/alerts against simulator ground truth")
    s.add_argument("--truth", required=True, help="a `seawatch sim` output directory (or its truth/)")
    s.add_argument("--alerts", help="alerts JSONL to score per type (seawatch.eval.alerts)")
    s.add_argument("--json", dest="json_out", help="also write the scores as JSON to this file")
    s.add_argument("--tracks", help="contact updates (replay --tracks-out) to score: GOSPA, breaks, swaps, "
                   "time to confirm, fused identity (seawatch.eval.tracks)")
    s.set_defaults(func=lambda a: __import__("seawatch.eval.alerts", fromlist=["x"]).run_eval_cli(a))

    s = sub.add_parser("check-config", help="validate a site file")
    s.add_argument("site")
    s.set_defaults(func=_cmd_check_config)

    s = sub.add_parser("user", help="manage console users")
    from seawatch.serve.users_cli import add_arguments as _user_args
    from seawatch.serve.users_cli import cmd_user as _cmd_user
    _user_args(s)
    s.set_defaults(func=_cmd_user)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except SeawatchError as err:
        print(f"seawatch {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
