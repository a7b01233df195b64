"""End-to-end throughput of `seawatch replay`: ingest -> tracking + fusion -> detection -> alerts out.

    .venv/bin/python bench/pipeline.py [--caspian-duration 2h] [--skip-florida] [--skip-caspian] [--repeat N]
                                       [--dense N_VESSELS] [--dense-duration-s S]

Every replay runs in a fresh Python process, as `seawatch replay` does (its start — lazy imports, numba's cache —
is the `setup` stage). Two code trees side by side: `--against /path/to/other/worktree/src` starts each replay of
this tree and, at the same moment (one per core), the same replay of the other tree; `--repeat N` makes N such
pairs and shows the median CPU run of each tree and the ratio of the medians. On a shared machine, runs one
after the other vary by up to a third; a pair run at once sees the same load. (Until stop 24 this tree's
replays ran in the bench's own process, warm after the first: its ratio against the other tree's fresh
processes was flattered by the start, ~0.5-1 CPU s.)

1. the real Florida Straits day (MarineCadastre CSV, 292k AIS positions, 906 vessels; AIS only, with the
   approximate zones of bench/detect.py);
2. a simulated Caspian recording (`caspian-day`, 5 radars + AIS; default 2 h, `--caspian-duration 24h` for
   the full day — long on a shared 2-core machine).
3. with `--dense N`, a generated dense AIS feed (`bench/dense_feed.py`: N vessels in one picture, each
   reporting at its M.1371 rate, default 30 min): the other end from the sparse Florida day, where the cost of
   each 5 s update cycle is shared by thousands of positions instead of ~17 (the issue's target is argued
   from the whole world's AIS, ~20k sentences/s).
Prints wall and CPU time, observations/s (positions and plots) and contact updates/s, alerts by type, and the CPU
seconds of each stage of the median run (setup, ingest, tracking with fusion, detection, outputs).

A replay of inputs this large judges in a process of its own on a second core (`seawatch.detect.worker`); its CPU
counts with the replay's (the bench adds its children's). `--versus-one-process` follows each replay with the same
replay judged in its own process (`SEAWATCH_DETECT_PROCESS=0`) and prints the ratio of their median wall times;
with `--against`, where two replays run at once, one core each, give `--one-process` too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _children_cpu_s() -> float:
    """CPU seconds of this process's ended children: the replay's detection process (seawatch.detect.worker), if
    it ran one, counts with the replay's own."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def replay(site_path: Path, inputs: list[Path], out: Path) -> dict[str, object]:
    from seawatch.config import load_site
    from seawatch.replay import ReplayOptions, run_replay

    site = load_site(site_path)
    opts = ReplayOptions(inputs=inputs, tracks_out=out / "tracks.parquet", alerts_out=out / "alerts.jsonl")
    w0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu_s()
    r = run_replay(site, opts)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0 + _children_cpu_s() - k0
    return {"observations": r.n_obs, "contact_updates": r.n_contact_updates, "wall_s": wall, "cpu_s": cpu,
            "detect_process": r.detect_process,
            "alerts": dict(Counter(a["type"] for a in r.alerts)), "rejects": r.stats.total_rejects,
            "cpu_s_by_stage": {k: round(v, 2) for k, v in getattr(r, "cpu_s", {}).items()}}


def _start(site_path: Path, inputs: list[Path], out: Path, src: Path,
           one_process: bool = False) -> subprocess.Popen[str]:
    """One replay of the tree whose src directory is `src`, in a fresh Python process (`--replay-one`);
    one_process: with detection in that process (SEAWATCH_DETECT_PROCESS=0), not in a child of its own."""
    out.mkdir()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--replay-one", str(site_path), str(out), *map(str, inputs)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    if one_process:
        env["SEAWATCH_DETECT_PROCESS"] = "0"
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)


def _figures(child: subprocess.Popen[str], src: Path) -> dict[str, object]:
    stdout, _ = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"the replay of {src} failed (exit {child.returncode})")
    return json.loads(stdout.strip().splitlines()[-1])  # type: ignore[no-any-return,unused-ignore]


def paired(site_path: Path, inputs: list[Path], out: Path, repeat: int, against: Path | None,
           one_process: bool = False, versus_one_process: bool = False,
           ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """`repeat` replays of this tree, each with (against: the other tree's src) the same replay of the other tree
    started at the same moment; (this tree's runs, the other's). Every replay is a fresh Python process, as
    `seawatch replay` is: both trees pay the same start (the lazy imports and numba's cache, counted as `setup`),
    which a replay in this process would pay only on its first run. one_process: every replay judges in its own
    process (a CPU comparison of two trees at once, one core each). versus_one_process: the other runs are this
    tree's with detection in the replay's process, each right after one of the default runs (not at the same
    time: a replay with a detection process of its own takes both cores)."""
    import seawatch

    here = Path(seawatch.__file__).resolve().parent.parent
    mine: list[dict[str, object]] = []
    theirs: list[dict[str, object]] = []
    for i in range(repeat):
        if versus_one_process:
            mine.append(_figures(_start(site_path, inputs, out / f"mine{i}", here), here))
            theirs.append(_figures(_start(site_path, inputs, out / f"other{i}", here, one_process=True), here))
            continue
        other = _start(site_path, inputs, out / f"other{i}", against, one_process) if against is not None else None
        me = _start(site_path, inputs, out / f"mine{i}", here, one_process)
        mine.append(_figures(me, here))
        if other is not None:
            assert against is not None
            theirs.append(_figures(other, against))
    return mine, theirs


def show_pair(label: str, runs: tuple[list[dict[str, object]], list[dict[str, object]]],
              against: Path | None) -> None:
    mine, theirs = runs
    show(label, mine)
    if theirs and against is None:   # --versus-one-process
        show(f"{label}: this tree with detection in the replay's process, run right after each", theirs)
        ratio = _median(theirs, "wall_s") / _median(mine, "wall_s")
        print(f"   wall time in one process / with a detection process (medians): {ratio:.2f}")
    elif theirs:
        show(f"{label}: the other tree ({against}), run at the same time", theirs)
        ratio = float(median_run(theirs)["cpu_s"]) / float(median_run(mine)["cpu_s"])  # type: ignore[arg-type]
        print(f"   CPU time of the other tree / this tree (medians): {ratio:.2f}")


def _median(runs: list[dict[str, object]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in runs))  # type: ignore[arg-type]


def median_run(runs: list[dict[str, object]]) -> dict[str, object]:
    """The run of median CPU time (the lower middle one of an even count)."""
    return sorted(runs, key=lambda r: float(r["cpu_s"]))[(len(runs) - 1) // 2]  # type: ignore[arg-type]


def show(label: str, runs: list[dict[str, object]]) -> None:
    r = median_run(runs)
    obs, cu = int(r["observations"]), int(r["contact_updates"])  # type: ignore[call-overload]
    wall, cpu = float(r["wall_s"]), float(r["cpu_s"])  # type: ignore[arg-type]
    print(f"== {label}")
    print(f"   observations {obs:,}  contact updates {cu:,}  rejects {r['rejects']}")
    print(f"   wall {wall:.1f} s ({obs / wall:,.0f} obs/s)   CPU {cpu:.1f} s ({obs / cpu:,.0f} obs/cpu-s, "
          f"{cu / cpu:,.0f} contact updates/cpu-s)")
    print(f"   alerts: {r['alerts']}")
    stages = r.get("cpu_s_by_stage")
    if stages:   # a tree from before stop 22 does not count them
        print("   CPU s by stage: " + ", ".join(f"{k} {float(v):.1f}" for k, v in stages.items()))  # type: ignore[attr-defined]
    if r.get("detect_process"):
        print("   detection in a process of its own (its CPU counted with the replay's)")
    if len(runs) > 1:
        cpus = ", ".join(f"{float(x['cpu_s']):.1f}" for x in runs)  # type: ignore[arg-type]
        walls = ", ".join(f"{float(x['wall_s']):.1f}" for x in runs)  # type: ignore[arg-type]
        print(f"   CPU s of the {len(runs)} runs: {cpus}")
        print(f"   wall s of the {len(runs)} runs: {walls}; median {_median(runs, 'wall_s'):.1f} s "
              f"({obs / _median(runs, 'wall_s'):,.0f} obs/s)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--caspian-duration", default="2h")
    ap.add_argument("--skip-florida", action="store_true")
    ap.add_argument("--skip-caspian", action="store_true")
    ap.add_argument("--dense", type=int, default=0, metavar="N_VESSELS",
                    help="also replay a generated dense AIS feed of this many vessels (e.g. 20000)")
    ap.add_argument("--dense-duration-s", type=int, default=1800)
    ap.add_argument("--repeat", type=int, default=1, help="replays per recording (the median CPU run is shown)")
    ap.add_argument("--against", type=Path, metavar="OTHER_SRC",
                    help="run each replay of the other tree (its src directory) at the same time, side by side")
    ap.add_argument("--one-process", action="store_true",
                    help="detection in each replay's own process (SEAWATCH_DETECT_PROCESS=0): for --against, "
                         "where the two trees' replays run at once, one core each")
    ap.add_argument("--versus-one-process", action="store_true",
                    help="after each replay, the same replay with detection in its own process: wall and CPU of both")
    if sys.argv[1:2] == ["--replay-one"]:   # the child of --against: one replay, its figures as JSON
        site_path, out, *inputs = sys.argv[2:]
        print(json.dumps(replay(Path(site_path), [Path(i) for i in inputs], Path(out))))
        return 0
    a = ap.parse_args()
    if a.versus_one_process and a.against is not None:
        ap.error("--versus-one-process compares this tree with itself; --against compares two trees: one at a time")
    import seawatch

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; seawatch from "
          f"{Path(seawatch.__file__).parent}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if not a.skip_florida:
            from detect import FLORIDA_CSV, FLORIDA_SITE, FLORIDA_ZONES  # bench/detect.py

            if FLORIDA_CSV.exists():
                (d / "zones.geojson").write_text(json.dumps(FLORIDA_ZONES), encoding="utf-8")
                (d / "site.toml").write_text(FLORIDA_SITE, encoding="utf-8")
                (d / "fl").mkdir()
                show_pair("Florida Straits 2020-01-01 (real AIS, 24 h)",
                          paired(d / "site.toml", [FLORIDA_CSV], d / "fl", a.repeat, a.against,
                                 a.one_process, a.versus_one_process), a.against)
            else:
                print(f"{FLORIDA_CSV} not found; skipped")
        if not a.skip_caspian:
            from seawatch.cli import main as cli

            sim = d / "caspian"
            t0 = time.perf_counter()
            cli(["sim", "--scenario", "caspian-day", "--out", str(sim), "--duration", a.caspian_duration,
                 "--seed", "1"])
            print(f"   (simulated in {time.perf_counter() - t0:.0f} s)")
            inputs = [sim / "ais.nmea", *sorted(sim.glob("plots-*.csv"))]
            (d / "cz").mkdir()
            show_pair(f"Caspian caspian-day {a.caspian_duration} (simulated, AIS + 5 radars)",
                      paired(sim / "site.toml", inputs, d / "cz", a.repeat, a.against,
                                 a.one_process, a.versus_one_process), a.against)
        if a.dense:
            from dense_feed import SITE, generate  # bench/dense_feed.py

            dense = d / "dense"
            dense.mkdir()
            (dense / "site.toml").write_text(SITE, encoding="utf-8")
            n = generate(dense / "feed.nmea", a.dense, a.dense_duration_s)
            print(f"   (generated {n:,} position sentences)")
            show_pair(f"dense generated AIS feed: {a.dense:,} vessels for {a.dense_duration_s} s (AIS only)",
                      paired(dense / "site.toml", [dense / "feed.nmea"], dense, a.repeat, a.against,
                                 a.one_process, a.versus_one_process), a.against)
    return 0


if __name__ == "__main__":
    sys.exit(main())
