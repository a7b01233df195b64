#!/usr/bin/env python3
"""ASTERIX decoding benchmark: seawatch's decoder side by side with `libasterix` and `aviconv-asterix`.

    .venv/bin/python bench/asterix.py [--file ../shared/data/real/asterix-lebl-upc/201002-lebl-080001_smr.ast]
                                      [--repeats 3] [--libasterix-blocks 6000] [--cat048 200000]

Measured, per decoder, in a fresh spawned process (so the peak RSS is its own):
- seawatch: file -> `read_chunks` (1 MiB chunks) -> `AsterixDecoder.feed/flush` -> ObservationBatches with
  observed_at, range/bearing, lat/lon (the LEBL site's radar position), speed, course, track number.
- aviconv-asterix: bytes -> `iter_records` -> a tuple of the same fields per target report (no batch
  building: that is extra work the libraries would need on top).
- libasterix: bytes -> per-block `RawDatablock.parse_single` + `Cat_010_1_1.cv_uap.parse` -> the same tuple
  (its `RawDatablock.parse` recurses once per block and overflows the stack on this file). It runs ~40x
  slower, so by default on the first --libasterix-blocks blocks only; its rate is per report all the same.
Then seawatch on a generated CAT 048 stream (seawatch's encoder, 50 records per block), the layout of a
typical monoradar feed.

Rate = target reports / median wall time of --repeats runs. Peak memory: the process's peak RSS
(resource.getrusage) and the tracemalloc peak of one extra, untimed run.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

# this file is named like the `asterix` package of libasterix: keep bench/ off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FILE = REPO.parent / "shared" / "data" / "real" / "asterix-lebl-upc" / "201002-lebl-080001_smr.ast"
LEBL_SMR = (41.29561944, 2.09511389)


def _first_blocks(data: bytes, n: int) -> bytes:
    pos = 0
    for _ in range(n):
        if pos >= len(data):
            break
        pos += int.from_bytes(data[pos + 1 : pos + 3], "big")
    return data[:pos]


def run_seawatch(path: str) -> int:
    from seawatch.ingest.asterix import AsterixDecoder
    from seawatch.ingest.base import DecoderContext
    from seawatch.ingest.sources.file import read_chunks

    dec = AsterixDecoder(DecoderContext(date=datetime.date(2010, 2, 1)), sensor_position=LEBL_SMR)
    n = 0
    for chunk in read_chunks(path):
        n += len(dec.feed(chunk, received_at=0.0, source="bench"))
    return n + len(dec.flush())


def run_aviconv(path: str, nblocks: int = 0) -> int:
    from aviconv_asterix import iter_records

    data = Path(path).read_bytes()
    if nblocks:
        data = _first_blocks(data, nblocks)
    out = [(r.time_of_day_s, r.track_number, r.rho_m, r.theta_deg, r.ground_speed_kt, r.track_angle_deg)
           for r in iter_records(data) if getattr(r, "message_type", "target_report") == "target_report"]
    return len(out)


def run_libasterix(path: str, nblocks: int = 0) -> int:
    import asterix.generated as gen
    from asterix.base import Bits, RawDatablock

    data = Path(path).read_bytes()
    if nblocks:
        data = _first_blocks(data, nblocks)
    uaps = {10: gen.Cat_010_1_1.cv_uap, 48: gen.Cat_048_1_32.cv_uap}

    def q(rec: Any, item: str, sub: str) -> float | None:
        it = rec.get_item(item)
        return None if it is None else it.variation.get_item(sub).variation.content.as_quantity()

    out = []
    pos = 0
    while pos < len(data):
        length = int.from_bytes(data[pos + 1 : pos + 3], "big")
        cat = data[pos]
        parsed = RawDatablock.parse_single(Bits.from_bytes(data[pos : pos + length]))
        pos += length
        if isinstance(parsed, ValueError) or cat not in uaps:
            continue
        records = uaps[cat].parse(parsed[0].get_raw_records())
        if isinstance(records, ValueError):
            continue
        for r in records:
            mt = r.get_item("000") if cat == 10 else None
            if mt is not None and mt.as_uint() != 1:
                continue
            trk = r.get_item("161")
            out.append((r.get_item("140").variation.content.as_quantity(),
                        None if trk is None else trk.variation.get_item("TRK").as_uint(),
                        q(r, "040", "RHO"), q(r, "040", "TH"), q(r, "200", "GSP"),
                        q(r, "200", "TRA" if cat == 10 else "HDG")))
    return len(out)


def _child(fn_name: str, args: tuple[Any, ...], repeats: int, conn: Any) -> None:
    fn: Callable[..., int] = globals()[fn_name]
    times, n = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        n = fn(*args)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn(*args)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send((times, n, rss_mb, peak / 2**20))
    conn.close()


def measure(fn_name: str, args: tuple[Any, ...], repeats: int) -> tuple[float, int, float, float]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(fn_name, args, repeats, child))
    proc.start()
    child.close()
    try:
        times, n, rss, traced = parent.recv()
    except EOFError as err:
        raise SystemExit(f"{fn_name} failed in its process (see the traceback above)") from err
    proc.join()
    return statistics.median(times), n, rss, traced


def _cat048_file(n: int, directory: str) -> str:
    import numpy as np

    from seawatch.ingest.asterix import encode_target_reports
    from seawatch.model.observation import Kind, ObservationBatch

    rng = np.random.default_rng(0)
    track = rng.integers(0, 4096, n)
    batch = ObservationBatch({
        "kind": Kind.RADAR_TRACK, "observed_at": 1_700_000_000.0 + np.sort(rng.uniform(0, 3600, n)),
        "range_m": rng.uniform(100, 90_000, n), "bearing_deg": rng.uniform(0, 360, n),
        "sog_mps": rng.uniform(0, 20, n), "cog_deg": rng.uniform(0, 360, n), "track_number": track,
    }, n=n)
    path = Path(directory) / "cat048.ast"
    path.write_bytes(encode_target_reports(batch, category=48, sac=1, sic=2, records_per_block=50))
    return str(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--libasterix-blocks", type=int, default=6000,
                    help="blocks of the file libasterix decodes (0 = all; ~15 s a run)")
    ap.add_argument("--cat048", type=int, default=200_000, help="generated CAT 048 target reports (0 = skip)")
    args = ap.parse_args()
    if not args.file.exists():
        print(f"{args.file} not found (../shared/data/real is not checked out)", file=sys.stderr)
        return 2
    path = str(args.file)
    print(f"ASTERIX decoding, {args.file.name} ({args.file.stat().st_size:,} bytes), "
          f"median of {args.repeats} runs, one process per decoder")
    print(f"{'decoder':<34}{'reports':>9}{'median s':>10}{'reports/s':>12}{'peak RSS MB':>13}{'traced MB':>11}")
    rows = [
        ("seawatch (file -> batches)", "run_seawatch", (path,)),
        ("aviconv-asterix 0.4 (records)", "run_aviconv", (path,)),
        (f"libasterix 0.36 (first {args.libasterix_blocks or 'all'} blocks)", "run_libasterix",
         (path, args.libasterix_blocks)),
    ]
    rates: dict[str, float] = {}
    counts: dict[str, int] = {}
    for label, fn, fargs in rows:
        t, n, rss, traced = measure(fn, fargs, args.repeats)
        rates[fn], counts[fn] = n / t, n
        print(f"{label:<34}{n:>9,}{t:>10.3f}{n / t:>12,.0f}{rss:>13.1f}{traced:>11.1f}")
    if counts["run_seawatch"] != counts["run_aviconv"]:
        print(f"(seawatch counts observations: {counts['run_aviconv'] - counts['run_seawatch']:,} target reports "
              "without any position, e.g. track ends, are decoded but counted as ignored)")
    print(f"seawatch / aviconv: {rates['run_seawatch'] / rates['run_aviconv']:.1f}x, "
          f"seawatch / libasterix: {rates['run_seawatch'] / rates['run_libasterix']:.0f}x; "
          f"target >= 20,000 reports/s: {'met' if rates['run_seawatch'] >= 20_000 else 'NOT met'}")
    if args.cat048:
        with tempfile.TemporaryDirectory() as tmp:
            gen = _cat048_file(args.cat048, tmp)
            size = Path(gen).stat().st_size
            t, n, rss, traced = measure("run_seawatch", (gen,), args.repeats)
            print(f"{'seawatch, generated CAT 048':<34}{n:>9,}{t:>10.3f}{n / t:>12,.0f}{rss:>13.1f}{traced:>11.1f}"
                  f"   ({size:,} bytes, 50 records/block)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
