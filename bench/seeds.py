"""The simulator scenarios on several seeds through the pipeline: does detection hold beyond the seeds it was
tuned on? Per scenario and alert type, one cell per seed: events found / events, false alarms, median latency
(min); `X` marks a cell under the issue's bar (recall < 0.95, precision < 0.9). Seed "own" is the scenario's
own seed (what the tests and `bench/detect.py` use).

    python bench/seeds.py                                  # own seed and seeds 1-4, 2 h each, 2 processes
    python bench/seeds.py --seeds own 5 6 --scenarios storm spoofing --jobs 1

Each run is `seawatch sim` (once, into --sims, the same directories as `bench/detect.py --sim-seed`) then
`seawatch replay` and `seawatch eval`; alerts are kept as <sim dir>/pipeline-alerts.jsonl.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from detect import SCENARIOS, simulated  # bench/detect.py


def one(name: str, seed: int | None, sims: Path, duration: str) -> tuple[str, int | None, dict]:
    from seawatch.config import load_site
    from seawatch.eval.alerts import load_truth, score_alerts
    from seawatch.replay import ReplayOptions, run_replay

    out = simulated(name, sims, duration, seed)
    site = load_site(out / "site.toml")
    inputs = [out / "ais.nmea", *sorted(out.glob("plots-*.csv"))]
    r = run_replay(site, ReplayOptions(inputs=inputs, alerts_out=out / "pipeline-alerts.jsonl"))
    return name, seed, score_alerts(load_truth(out), r.alerts)


def cell(v: dict) -> str:
    bad = (v["recall"] is not None and v["recall"] < 0.95) or (v["precision"] is not None and v["precision"] < 0.9)
    lat = v.get("latency_median_s")
    return (f"{v['found']}/{v['events']} fa{v['false_alarms']}" + (f" {lat / 60:.1f}m" if lat is not None else "")
            + (" X" if bad else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sims", default="/tmp/seawatch-bench-sims", help="where scenario outputs are (or go)")
    ap.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    ap.add_argument("--seeds", nargs="*", default=["own", "1", "2", "3", "4"], help='"own" or integers')
    ap.add_argument("--duration", default="2h")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    seeds = [None if s == "own" else int(s) for s in args.seeds]
    sims = Path(args.sims)
    for name in args.scenarios:   # simulate first, one at a time (the simulator is memory-hungry)
        for seed in seeds:
            simulated(name, sims, args.duration, seed)
    runs = [(n, s) for n in args.scenarios for s in seeds]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        done = list(pool.map(one, [n for n, _ in runs], [s for _, s in runs], [sims] * len(runs),
                             [args.duration] * len(runs)))
    res = {(n, s): r for n, s, r in done}
    label = ["own" if s is None else f"s{s}" for s in seeds]
    print(f"{'scenario':<19}{'type':<16}" + "".join(f"{x:<20}" for x in label))
    failing = 0
    for name in args.scenarios:
        kinds = [k for k in res[(name, seeds[0])]["types"]
                 if any(res[(name, s)]["types"][k]["events"] or res[(name, s)]["types"][k]["alerts"] for s in seeds)]
        for k in kinds:
            cells = [cell(res[(name, s)]["types"][k]) for s in seeds]
            failing += sum(c.endswith(" X") for c in cells)
            print(f"{name:<19}{k:<16}" + "".join(f"{c:<20}" for c in cells))
        fa = [res[(name, s)]["all"]["false_alarms_per_1000_vessel_hours"] for s in seeds]
        print(f"{name:<19}{'FA/1000 vh':<16}" + "".join(f"{x:<20.2f}" for x in fa))
    print(f"{failing} cells under the bar (recall < 0.95 or precision < 0.9) of {len(runs)} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
