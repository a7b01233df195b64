"""Ingest throughput: seawatch's NMEA decoder vs pyais, side by side in one run.

Measures AIS messages/s from file to decoded records (seawatch: observation batches with SI units,
absent values, tag-block time and receiver, duplicates merged; pyais: one decoded dict per message;
aiscat: its Decoder's dict per message, for reference) on
  1. the real USCG NAIS recording (../shared/data/real/uscg-nais-maritimeviz/, 57,586 messages), and
  2. a generated file of >= 1M lines encoded with pyais (a realistic mix of types, tag blocks).
Each measurement runs in its own subprocess (so peak memory is its own), repeated; medians are printed.
The headline figure is messages per second of the process's CPU time (one core, robust to the load of
a shared machine); wall-clock figures are printed next to it.

seawatch's hot path is compiled by numba. Its one-off costs are measured and printed apart: the compile
with an empty cache (a fresh NUMBA_CACHE_DIR), and the load of the cached kernels that every new
process pays (mostly numba's own start-up). Each seawatch run loads its kernels before its clock
starts (`warm_up_kernels`); the "incl. load" column adds that load back to the run's CPU time.

    .venv/bin/python bench/ingest.py [--repeat 5] [--lines 1000000] [--skip-pyais-big] [--no-aiscat]
    .venv/bin/python bench/ingest.py --ab BEFORE/src AFTER/src [--repeat 10] [--file F]   # before -> after
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
USCG = REPO.parent / "shared" / "data" / "real" / "uscg-nais-maritimeviz" / "ais_2016_07_28_aa.nmea"
CACHE = REPO / "bench" / ".cache"


def generate(path: Path, n_lines: int, seed: int = 7) -> None:
    """A realistic NMEA file: pool of pyais-encoded messages, each line with a tag block (s:, c:)."""
    from pyais.encode import encode_dict

    rng = random.Random(seed)
    pool: list[list[str]] = []
    for i in range(20_000):
        mmsi = rng.choice((423, 422, 273, 436, 434)) * 1_000_000 + rng.randrange(1_000_000)
        r = rng.random()
        lat, lon = 37.5 + rng.random() * 9, 47 + rng.random() * 7
        if r < 0.70:
            msg = {"type": rng.choice((1, 1, 1, 3)), "mmsi": mmsi, "lat": lat, "lon": lon,
                   "speed": rng.random() * 25, "course": rng.random() * 359, "heading": rng.randrange(360),
                   "status": rng.choice((0, 0, 1, 5))}
        elif r < 0.82:
            msg = {"type": 18, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": rng.random() * 30,
                   "course": rng.random() * 359, "heading": 511}
        elif r < 0.87:
            msg = {"type": 5, "mmsi": mmsi, "imo": rng.randrange(9_000_000, 9_999_999), "callsign": f"4JA{i:03d}",
                   "shipname": f"VESSEL {i:05d}", "ship_type": rng.choice((30, 52, 70, 80)), "to_bow": 50,
                   "to_stern": 20, "to_port": 5, "to_starboard": 5, "draught": 5.5, "destination": "BAKU"}
        elif r < 0.92:
            msg = {"type": 24, "mmsi": mmsi, "partno": 0, "shipname": f"SMALL {i:05d}"}
        elif r < 0.95:
            msg = {"type": 4, "mmsi": 4230000 + i % 100, "lat": lat, "lon": lon, "year": 2026, "month": 11,
                   "day": 29, "hour": 12, "minute": 0, "second": i % 60}
        elif r < 0.98:
            msg = {"type": 21, "mmsi": 992000000 + i % 1000, "lat": lat, "lon": lon, "name": f"BUOY {i}",
                   "aid_type": 1}
        else:
            msg = {"type": 27, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": 10, "course": 90}
        pool.append(encode_dict(msg, talker_id="AI", sentence_type="VDM", radio_channel=rng.choice("AB")))
    t0 = 1_795_000_000
    written = 0
    with open(path, "w", encoding="ascii") as f:
        rep = 0
        while written < n_lines:
            for k, sentences in enumerate(pool):
                t = t0 + rep * 3600 + k * 0.15  # copies of a pool message are an hour apart: no duplicates
                for j, s in enumerate(sentences):
                    tag = f"s:rx{k % 7},c:{int(t)}" if j == 0 else f"s:rx{k % 7}"
                    f.write("\\" + tag + "*00\\" + s + "\n")
                    written += 1
                if written >= n_lines:
                    break
            rep += 1


def _decode_file(path: str, q: mp.Queue, untimed_passes: int) -> None:  # type: ignore[type-arg]
    import logging

    logging.getLogger("seawatch").setLevel(logging.ERROR)  # the first reject of each reason is logged
    from seawatch.ingest.nmea.decoder import NmeaDecoder, warm_up_kernels
    from seawatch.ingest.sources.file import read_chunks

    load = warm_up_kernels()  # numba: the cached kernels are loaded (or compiled) here, reported apart
    for _ in range(untimed_passes):
        first = NmeaDecoder()
        for chunk in read_chunks(path):
            first.feed(chunk, received_at=0.0)
        first.flush()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0, c0 = time.perf_counter(), time.process_time()
    dec = NmeaDecoder()
    n_obs = 0
    for chunk in read_chunks(path):
        n_obs += len(dec.feed(chunk, received_at=0.0))
    n_obs += len(dec.flush())
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    msgs = sum(dec.stats.msg_types.values()) + dec.stats.rejects.get("duplicate", 0)
    q.put({"seconds": dt, "cpu": cpu, "messages": msgs, "observations": n_obs, "load_cpu": load,
           "peak_mb": usage.ru_maxrss / 1024, "page_faults": usage.ru_minflt - faults})


def run_seawatch(path: str, q: mp.Queue) -> None:  # type: ignore[type-arg]
    """The first pass of a fresh process."""
    _decode_file(path, q, 0)


def run_seawatch_warm(path: str, q: mp.Queue) -> None:  # type: ignore[type-arg]
    """The steady state of a long-running ingest: the same file decoded once untimed (the process's heap
    grown, caches warm: one-off costs of a fresh process), then timed with a new decoder."""
    _decode_file(path, q, 1)


def run_kernel_load(_path: str, q: mp.Queue) -> None:  # type: ignore[type-arg]
    """CPU seconds to import the decoder, and to get its kernels ready (numba's import, compile or load)."""
    c0 = time.process_time()
    from seawatch.ingest.nmea.decoder import warm_up_kernels

    c1 = time.process_time()
    ready = warm_up_kernels()
    q.put({"import_cpu": c1 - c0, "ready_cpu": ready})


def compile_times(repeat: int) -> dict[str, float]:
    """The numba kernels' one-off compile (empty cache) and their cached load, each in a new process."""
    ctx = mp.get_context("spawn")
    old = os.environ.get("NUMBA_CACHE_DIR")

    def once() -> dict[str, float]:
        q = ctx.Queue()
        p = ctx.Process(target=run_kernel_load, args=("", q))
        p.start()
        r: dict[str, float] = q.get()
        p.join()
        return r

    try:
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            os.environ["NUMBA_CACHE_DIR"] = cache
            cold = once()
            cached = [once() for _ in range(repeat)]
    finally:
        if old is None:
            os.environ.pop("NUMBA_CACHE_DIR", None)
        else:
            os.environ["NUMBA_CACHE_DIR"] = old
    return {"compile_cpu_s": cold["ready_cpu"], "cached_load_cpu_s": statistics.median(r["ready_cpu"] for r in cached),
            "import_cpu_s": statistics.median(r["import_cpu"] for r in cached)}


def run_pyais(path: str, q: mp.Queue) -> None:  # type: ignore[type-arg]
    from pyais.stream import FileReaderStream

    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    for msg in FileReaderStream(path):
        try:
            msg.decode().asdict()
        except Exception:  # noqa: BLE001, S112 — pyais's errors on bad messages
            continue
        n += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    q.put({"seconds": dt, "cpu": cpu, "messages": n, "observations": n,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def run_aiscat(path: str, q: mp.Queue) -> None:  # type: ignore[type-arg]
    import aiscat

    from seawatch.ingest.sources.file import read_chunks

    t0, c0 = time.perf_counter(), time.process_time()
    dec = aiscat.Decoder()
    n = 0
    for chunk in read_chunks(path):
        dec.feed(chunk)
        while dec.next() is not None:
            n += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    q.put({"seconds": dt, "cpu": cpu, "messages": n, "observations": n,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def measure(fn, path: Path, repeat: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    ctx = mp.get_context("spawn")
    runs = []
    for _ in range(repeat):
        q = ctx.Queue()
        p = ctx.Process(target=fn, args=(str(path), q))
        p.start()
        runs.append(q.get())
        p.join()
    med = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    load = statistics.median(r.get("load_cpu", 0.0) for r in runs)
    return {"messages": runs[0]["messages"], "median_s": med, "msg_per_s": runs[0]["messages"] / med,
            "cpu_s": cpu, "msg_per_cpu_s": runs[0]["messages"] / cpu, "load_cpu_s": load,
            "msg_per_cpu_s_incl_load": runs[0]["messages"] / (cpu + load),
            "peak_mb": max(r["peak_mb"] for r in runs), "observations": runs[0]["observations"],
            "page_faults": statistics.median(r.get("page_faults", 0) for r in runs)}


def first_pass(path: str) -> None:
    """`--one`: one first pass of a fresh process (kernels loaded first, untimed), printed as JSON."""
    import queue

    q: queue.Queue[dict[str, float]] = queue.Queue()
    _decode_file(path, q, 0)  # type: ignore[arg-type]
    print(json.dumps(q.get()))


def alternate(trees: list[str], path: Path, repeat: int) -> None:
    """`--ab`: the seawatch of each source tree (a `src` directory, e.g. from `git archive COMMIT src`) on one
    file, a fresh process per run, the trees in turn, `repeat` rounds: the fair before -> after on a shared
    machine (both versions see the same load). Prints the median and the fastest CPU time of each."""
    import subprocess

    cpu: dict[str, list[float]] = {t: [] for t in trees}
    messages = 0
    for _ in range(repeat):
        for tree in trees:
            env = {**os.environ, "PYTHONPATH": tree}
            out = subprocess.run([sys.executable, __file__, "--one", str(path)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            cpu[tree].append(r["cpu"])
            messages = int(r["messages"])
    print(f"load average at end: {os.getloadavg()[0]:.1f}; {path.name}, {messages:,} messages, first pass, "
          f"{repeat} fresh processes each")
    for tree, c in cpu.items():
        med, best = statistics.median(c), min(c)
        print(f"{tree}: median {med:.4f} CPU s ({messages / med:,.0f} msg/cpu-s), fastest {best:.4f} "
              f"({messages / best:,.0f}); runs {' '.join(f'{x:.3f}' for x in c)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ab", nargs="+", metavar="SRC", help="alternate fresh processes of these source trees on the "
                    "USCG recording (or --file) and print their medians; nothing else is run")
    ap.add_argument("--file", help="the recording for --ab (default: the USCG one)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (medians); pyais on the "
                    "big file runs min(repeat, 3) times (~35 s a run)")
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--skip-pyais-big", action="store_true", help="pyais on the big file takes ~35 s a run")
    ap.add_argument("--no-aiscat", action="store_true", help="leave out the aiscat reference rows")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    if args.one:
        first_pass(args.one)
        return 0
    if args.ab:
        print(f"load average at start: {os.getloadavg()[0]:.1f}")
        alternate(args.ab, Path(args.file) if args.file else USCG, args.repeat)
        return 0

    CACHE.mkdir(parents=True, exist_ok=True)
    big = CACHE / f"generated_{args.lines}.nmea"
    if not big.exists():
        print(f"generating {big} ({args.lines:,} lines, pyais encoder) ...", flush=True)
        generate(big, args.lines)
    files = [("USCG NAIS (real)", USCG), (f"generated {args.lines:,} lines", big)]
    results: dict[str, dict[str, dict[str, float]]] = {}
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    jit = compile_times(3)
    results["numba"] = {"seawatch": jit}
    print(f"numba kernels (one-off, CPU s, numba's import included): compile with an empty cache "
          f"{jit['compile_cpu_s']:.2f}; load from the cache {jit['cached_load_cpu_s']:.2f} per process\n"
          f"(median of 3; importing the decoder takes {jit['import_cpu_s']:.2f} more). Each seawatch run below "
          "loads its kernels before\nits clock starts; 'incl. load' adds that load to its CPU time.")
    print("msg/cpu-s = messages / median CPU time of the process (the one-core figure; robust to the load of\n"
          "a shared machine); msg/s = messages / median wall time.")
    print("faults: minor page faults of the timed decode (median; each costs microseconds of CPU on a VM)")
    print(f"{'file':<28}{'engine':<10}{'messages':>10}{'runs':>5}{'cpu s':>8}{'msg/cpu-s':>12}{'incl. load':>12}"
          f"{'wall s':>8}{'msg/s':>11}{'peak MB':>9}{'faults':>8}")
    ok = ok_warm = ok_ratio = True
    for label, path in files:
        if not path.exists():
            print(f"{label}: {path} not found, skipped")
            continue
        rows = [("seawatch", measure(run_seawatch, path, args.repeat), args.repeat)]
        warm = measure(run_seawatch_warm, path, args.repeat)
        if not (args.skip_pyais_big and path == big):
            n = min(args.repeat, 3) if path == big else args.repeat
            rows.append(("pyais", measure(run_pyais, path, n), n))
        if not args.no_aiscat:
            rows.append(("aiscat", measure(run_aiscat, path, min(args.repeat, 3)), min(args.repeat, 3)))
        for engine, r, n in rows:
            incl = f"{r['msg_per_cpu_s_incl_load']:>12,.0f}" if engine == "seawatch" else f"{'':>12}"
            faults = f"{r['page_faults']:>8,.0f}" if engine == "seawatch" else ""
            print(f"{label:<28}{engine:<10}{r['messages']:>10,}{n:>5}{r['cpu_s']:>8.3f}{r['msg_per_cpu_s']:>12,.0f}"
                  f"{incl}{r['median_s']:>8.3f}{r['msg_per_s']:>11,.0f}{r['peak_mb']:>9.0f}{faults}")
        print(f"{label:<28}{'sw warm':<10}{warm['messages']:>10,}{args.repeat:>5}{warm['cpu_s']:>8.3f}"
              f"{warm['msg_per_cpu_s']:>12,.0f}{'':>12}{warm['median_s']:>8.3f}{warm['msg_per_s']:>11,.0f}"
              f"{warm['peak_mb']:>9.0f}{warm['page_faults']:>8,.0f}   (second pass in the same process: a running "
              "ingest's steady state)")
        sw = rows[0][1]
        for engine, r, _n in rows[1:]:
            ratio_cpu = sw["msg_per_cpu_s"] / r["msg_per_cpu_s"]
            ratio = sw["msg_per_s"] / r["msg_per_s"]
            print(f"{'':<28}{'÷ ' + engine:<10}{'':>10}{'':>5}{'':>8}{ratio_cpu:>11.1f}x{'':>12}{'':>8}{ratio:>10.1f}x")
            if engine == "pyais":
                ok &= ratio_cpu >= 4.0
                ok_ratio &= ratio_cpu >= 4.0
        ok &= sw["msg_per_cpu_s"] >= 400_000
        ok_warm &= warm["msg_per_cpu_s"] >= 400_000
        results[label] = {engine: r for engine, r, _n in rows} | {"seawatch_warm": warm}
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    print("target (>= 400,000 msg/cpu-s and >= 4x pyais on every file), first pass of a fresh process:",
          "met" if ok else "NOT met")
    print("target, the same in a running ingest's steady state (sw warm; ratios as above):",
          "met" if ok_warm and ok_ratio else "NOT met")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
