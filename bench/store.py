"""Store benchmark: both back-ends in one run, on the same generated positions.

For each back-end: bulk insert of N positions through `Store.write_positions` in batches (rows/s of wall
time, and rows per CPU second: this process, plus the PostgreSQL backend serving it, so that the figure does
not depend on what else the shared machine runs; the process RSS printed as it goes and its peak, to show
memory stays flat), a single-vessel track query (median ms over
>= 20 random vessels: one hour, and the vessel's whole track), the bbox-at-time query (median ms over >= 20
random times, 1 x 1 degree box, 60 s tolerance) and disk bytes per million positions. The embedded store
is measured twice: all rows in SQLite (live part), then after rolling them into the daily Parquet archive
(read through DuckDB). PostgreSQL runs in a throwaway cluster (initdb + pg_ctl, fsync on) removed at the end.
The load average (1 min) before and after each insert is printed with it: the wall figures follow it.

    .venv/bin/python bench/store.py [--rows 10000000] [--vessels 2000] [--batch 100000]
                                    [--only embedded|postgres|archive]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from seawatch.model.contact import ContactBatch
from seawatch.store import Retention, Store, open_store

T0 = 1_780_000_000.0
REPORT_S = 10.0  # each vessel reports every 10 s


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of another process (the PostgreSQL backend)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def batches(n_rows: int, n_vessels: int, batch_rows: int, seed: int = 3, *, first_id: int = 1,
            t0: float = T0) -> Iterator[ContactBatch]:
    """Vessels random-walking across the Caspian box, all reporting each step; batches in time order."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(37.5, 46.5, n_vessels)
    lon = rng.uniform(47.0, 54.0, n_vessels)
    sog = rng.uniform(0.0, 10.0, n_vessels)
    cog = rng.uniform(0.0, 360.0, n_vessels)
    ids = np.arange(first_id, first_id + n_vessels)
    mmsi = np.where(ids % 3 != 0, 423_000_000 + ids, -1)
    steps_per_batch = max(1, batch_rows // n_vessels)
    step, done = 0, 0
    while done < n_rows:
        k = min(steps_per_batch, -(-(n_rows - done) // n_vessels))
        t = t0 + (step + np.repeat(np.arange(k), n_vessels)) * REPORT_S
        cog_k = (cog[None, :] + rng.normal(0, 5, (k, n_vessels)).cumsum(axis=0)) % 360
        d_m = sog[None, :] * REPORT_S * np.arange(1, k + 1)[:, None]
        lat_k = lat[None, :] + d_m * np.cos(np.radians(cog_k)) / 111_320.0
        lon_k = lon[None, :] + d_m * np.sin(np.radians(cog_k)) / (111_320.0 * np.cos(np.radians(lat[None, :])))
        lat, lon, cog = lat_k[-1], lon_k[-1], cog_k[-1]
        n = min(k * n_vessels, n_rows - done)
        yield ContactBatch({
            "contact_id": np.tile(ids, k)[:n], "t": t[:n], "kind": np.where(np.tile(mmsi, k)[:n] > 0, 1, 2),
            "status": 2, "lat": lat_k.ravel()[:n], "lon": lon_k.ravel()[:n],
            "sog_mps": np.tile(sog, k)[:n], "cog_deg": cog_k.ravel()[:n], "mmsi": np.tile(mmsi, k)[:n],
        })
        step += k
        done += n


def median_ms(fn: Callable[[Any], Any], args: list[Any]) -> tuple[float, float, int]:
    """Median wall ms, median CPU ms of this process (all its threads; not PostgreSQL's), rows per query."""
    times, cpus, rows = [], [], 0
    fn(args[0])  # warm
    for a in args:
        t, c = time.perf_counter(), time.process_time()
        rows += fn(a).num_rows
        times.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(times), statistics.median(cpus), rows // len(args)


def insert(store: Store, args: argparse.Namespace, server_pid: int | None = None) -> dict[str, float]:
    """Insert the generated batches; rows/s of wall time and per CPU second (this process + the server
    backend), RSS after the first batch and at its peak (sampled after every batch)."""
    load0 = os.getloadavg()[0]
    cpu0 = time.process_time() + (proc_cpu_s(server_pid) if server_pid else 0.0)
    start = time.perf_counter()
    done, next_print = 0, 0
    rss_first, rss_peak = 0.0, 0.0
    gen_wall = gen_cpu = 0.0  # generating the batches is the bench's work, not the store's: not counted
    source = batches(args.rows, args.vessels, args.batch)
    while True:
        w, c = time.perf_counter(), time.process_time()
        batch = next(source, None)
        gen_wall += time.perf_counter() - w
        gen_cpu += time.process_time() - c
        if batch is None:
            break
        store.write_positions(batch)
        done += len(batch)
        rss = rss_mb()
        rss_first, rss_peak = rss_first or rss, max(rss_peak, rss)
        if done >= next_print:
            el = time.perf_counter() - start - gen_wall
            print(f"    {done:>11,} rows  {done / el:>10,.0f} rows/s  RSS {rss:7.1f} MB", flush=True)
            next_print += max(args.rows // 10, 1)
    el = time.perf_counter() - start - gen_wall
    cpu = time.process_time() + (proc_cpu_s(server_pid) if server_pid else 0.0) - cpu0 - gen_cpu
    print(f"    {done:>11,} rows  {done / el:>10,.0f} rows/s  RSS {rss_mb():7.1f} MB  (done, {el:.1f} s; "
          f"{cpu:.1f} CPU s{' client + server backend' if server_pid else ''}: {done / cpu:,.0f} rows per CPU s; "
          f"RSS after the first batch {rss_first:.1f} MB, peak {rss_peak:.1f} MB; "
          f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f})")
    return {"rate": done / el, "cpu_rate": done / cpu, "rss_first": rss_first, "rss_peak": rss_peak,
            "load": f"{load0:.1f}-{os.getloadavg()[0]:.1f}"}


def queries(store: Store, args: argparse.Namespace, label: str) -> dict[str, float]:
    rng = np.random.default_rng(11)
    span = (args.rows // args.vessels) * REPORT_S
    ids = rng.integers(1, args.vessels + 1, args.queries).tolist()
    hours = [(i, T0 + rng.uniform(0, max(span - 3600, 1))) for i in ids]
    track_h, cpu_h, rows_h = median_ms(lambda a: store.track(contact_id=a[0], t0=a[1], t1=a[1] + 3600), hours)
    track_all, cpu_all, rows_all = median_ms(lambda i: store.track(contact_id=i), ids)
    at = [(T0 + rng.uniform(60, span), rng.uniform(38, 45), rng.uniform(47.5, 53)) for _ in range(args.queries)]
    bbox_ms, cpu_b, rows_b = median_ms(lambda a: store.bbox_at((a[2], a[1], a[2] + 1, a[1] + 1), a[0], 60.0), at)
    print(f"    [{label}] track 1 h: {track_h:.2f} ms ({rows_h} rows); whole track: {track_all:.2f} ms "
          f"({rows_all} rows); bbox-at-time: {bbox_ms:.1f} ms ({rows_b} contacts)   medians of {args.queries}; "
          f"CPU of this process: {cpu_h:.2f} / {cpu_all:.2f} / {cpu_b:.1f} ms")
    return {"track_1h_ms": track_h, "track_all_ms": track_all, "bbox_at_ms": bbox_ms}


def roll_over_while_writing(store: Store, args: argparse.Namespace) -> tuple[int, float, list[float]]:
    """Roll everything into the archive in the housekeeper's thread while this thread writes a batch of 10,000
    positions of other vessels two days later every 0.5 s (a live feed ~10x a real site's; the queries measured
    after it are not changed): (rows moved, seconds the roll-over took, seconds each write took)."""
    from seawatch.store.keeper import Housekeeper

    span = -(-args.rows // args.vessels) * REPORT_S
    later = (np.floor((T0 + span) / 86400.0) + 2) * 86400.0  # every day of the data is past; none past retention
    keeper = Housekeeper(store)
    extra = batches(10_000 * 10_000, 1000, 10_000, first_id=1_000_001, t0=later)
    t = time.perf_counter()
    keeper.tick(later)
    writes: list[float] = []
    while keeper._thread is not None and keeper._thread.is_alive():  # a live writer: a batch each 0.5 s
        w = time.perf_counter()
        store.write_positions(next(extra))
        writes.append(time.perf_counter() - w)
        time.sleep(max(0.0, 0.5 - (time.perf_counter() - w)))
    keeper.join()
    took = keeper.last_s or time.perf_counter() - t
    return keeper.last.get("rolled_over", 0), took, writes or [0.0]


def run_embedded(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="seawatch-bench-store-"))
    try:
        store = open_store(root, Retention(live_days=0))
        print("embedded (SQLite WAL + Parquet/DuckDB):")
        ins = insert(store, args)
        live = queries(store, args, "SQLite live part")
        size_live = store.disk_bytes()  # type: ignore[attr-defined]
        moved, took_s, writes = roll_over_while_writing(store, args)
        w = np.array(writes) * 1000
        print(f"    roll-over of {moved:,} rows to Parquet: {took_s:.1f} s, in the housekeeper's thread; the writer "
              f"wrote {len(w)} batches of 10,000 new positions meanwhile (one each 0.5 s): median {np.median(w):.0f} ms, longest "
              f"{w.max():.0f} ms (had the roll-over run in the writer, it would have waited {took_s:.1f} s)")
        archived = queries(store, args, "Parquet archive")
        size_dir = store.disk_bytes()  # type: ignore[attr-defined]
        size_archive = store.archive.nbytes()  # type: ignore[attr-defined]
        print(f"    disk after the roll-over: {size_archive / 2**20:.1f} MB of Parquet (both sort orders), "
              f"{size_dir / 2**20:.1f} MB for the whole directory (SQLite keeps its freed pages for reuse)")
        store.close()
        return {**ins, "live": live, "archive": archived, "mb_per_m_live": size_live / 2**20 / (args.rows / 1e6),
                "mb_per_m_archive": size_archive / 2**20 / (args.rows / 1e6)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_archive_only(args: argparse.Namespace) -> dict[str, Any]:
    """The archive's queries without the SQLite insert and roll-over: day files written directly."""
    import pyarrow as pa

    from seawatch.store.archive import DAY_S
    from seawatch.store.positions import normalise, to_arrow

    root = Path(tempfile.mkdtemp(prefix="seawatch-bench-archive-"))
    try:
        store = open_store(root, Retention(live_days=0))
        print("embedded archive only (day files written directly, no SQLite insert):")
        t = time.perf_counter()
        days: dict[float, list[Any]] = {}
        for batch in batches(args.rows, args.vessels, args.batch):
            table = to_arrow(normalise(batch).positions)
            day = np.floor(table.column("t").to_numpy() / DAY_S) * DAY_S
            for d in np.unique(day).tolist():
                days.setdefault(d, []).append(table.filter(pa.array(day == d)))
        for d, parts in days.items():
            store.archive.add_day(d, pa.concat_tables(parts))  # type: ignore[attr-defined]
        print(f"    wrote {args.rows:,} rows into {len(days)} day files in {time.perf_counter() - t:.1f} s")
        archived = queries(store, args, "Parquet archive")
        size = store.disk_bytes()  # type: ignore[attr-defined]
        store.close()
        return {"archive": archived, "mb_per_m_archive": size / 2**20 / (args.rows / 1e6)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_postgres(args: argparse.Namespace) -> dict[str, Any]:
    from seawatch.store.pgtemp import TempCluster

    with TempCluster() as cluster:
        store = open_store(cluster.url)
        print("PostgreSQL + PostGIS (throwaway cluster, fsync on):")
        pid = store._db.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[attr-defined]
        ins = insert(store, args, server_pid=pid)
        store._db.execute("VACUUM ANALYZE position_blocks")  # type: ignore[attr-defined]
        q = queries(store, args, "PostgreSQL")
        size = store.disk_bytes()  # type: ignore[attr-defined]
        store.close()
    return {**ins, "pg": q, "mb_per_m": size / 2**20 / (args.rows / 1e6)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--vessels", type=int, default=2000)
    p.add_argument("--batch", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=25)
    p.add_argument("--only", choices=("embedded", "postgres", "archive"),
                   help="archive: the Parquet archive's queries only, its day files written directly")
    args = p.parse_args()
    print(f"store bench: {args.rows:,} positions, {args.vessels} vessels every {REPORT_S:.0f} s, "
          f"batches of {args.batch:,}")
    results: dict[str, Any] = {}
    if args.only == "archive":
        a = run_archive_only(args)
        q = a["archive"]
        print(f"archive: track 1 h {q['track_1h_ms']:.2f} ms, whole track {q['track_all_ms']:.2f} ms, "
              f"bbox-at-time {q['bbox_at_ms']:.1f} ms, {a['mb_per_m_archive']:.1f} MB per 1M positions")
        return
    if args.only != "postgres":
        results["embedded"] = run_embedded(args)
    if args.only != "embedded":
        results["postgres"] = run_postgres(args)
    print("\nsummary (targets: >= 500,000 rows/s insert, track < 10 ms, bbox-at-time < 100 ms at 10M rows)")
    print(f"{'back-end':34} {'insert rows/s':>14} {'rows/CPU s':>11} {'track 1 h ms':>13} {'track all ms':>13} "
          f"{'bbox@t ms':>10} {'MB / 1M pos':>12} {'RSS MB 1st/peak':>16} {'load':>9}")
    if "embedded" in results:
        e = results["embedded"]
        for label, q, mb in (("embedded: SQLite live", e["live"], e["mb_per_m_live"]),
                             ("embedded: Parquet archive (files)", e["archive"], e["mb_per_m_archive"])):
            print(f"{label:34} {e['rate']:>14,.0f} {e['cpu_rate']:>11,.0f} {q['track_1h_ms']:>13.2f} "
                  f"{q['track_all_ms']:>13.2f} {q['bbox_at_ms']:>10.1f} {mb:>12.1f} "
                  f"{e['rss_first']:>7.0f}/{e['rss_peak']:<8.0f} {e['load']:>9}")
    if "postgres" in results:
        r = results["postgres"]
        q = r["pg"]
        print(f"{'PostgreSQL + PostGIS':34} {r['rate']:>14,.0f} {r['cpu_rate']:>11,.0f} {q['track_1h_ms']:>13.2f} "
              f"{q['track_all_ms']:>13.2f} {q['bbox_at_ms']:>10.1f} {r['mb_per_m']:>12.1f} "
              f"{r['rss_first']:>7.0f}/{r['rss_peak']:<8.0f} {r['load']:>9}")


if __name__ == "__main__":
    main()
