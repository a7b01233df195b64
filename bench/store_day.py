"""A day of recording through the store: `seawatch replay --store`, then every query and export on it.

Replays a `seawatch sim` recording (REC/site.toml, REC/ais.nmea, REC/plots-*.csv) into a store in this
process (the same `run_replay` as `seawatch replay --store`), with the site's retention but `live_days`
set by `--live-days` (default 0: each UTC day rolls into the Parquet archive as soon as the recording's
clock enters the next one, so a 24 h recording that crosses midnight exercises the roll-over). Prints the
replay's wall and CPU time, how long the store's writes took (median / p99 / longest: a roll-over that
held the writer shows as the longest), what the housekeeper did, the store's size, then the median wall
(and CPU) ms of each query of issue 6 over `--repeat` runs, and the size of each export.

    nice -n 5 .venv/bin/python bench/store_day.py /work/rec/caspian-24h [--store DIR|URL | --pg]
        [--live-days 0] [--repeat 15] [--keeper-in-writer] [--queries-only]

`--pg` replays into a throwaway PostgreSQL cluster (initdb + pg_ctl, removed at the end). `--queries-only`
skips the replay and queries the store given by `--store`; `--from-store DIR` copies an embedded store's
positions (with vessel names) and alerts into the store instead of replaying (e.g. `--pg --from-store DIR`). `--keeper-in-writer` runs the housekeeper in the
writer's thread (the behaviour before it got its own thread), to compare the longest write.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from seawatch.config import load_site
from seawatch.store import Store, open_store
from seawatch.store.export import (
    alert_evidence,
    evidence_csv,
    evidence_geojson,
    evidence_kml,
    track_csv,
    track_geojson,
    track_kml,
)
from seawatch.store.keeper import retention_of
from seawatch.store.positions import AIS_ID_OFFSET

HOUR = 3600.0


class WriteTimes(logging.Handler):
    """Collects the housekeeper's log lines (what it moved and how long it took)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def replay(rec: Path, store_url: str, live_days: float, keeper_in_writer: bool) -> dict[str, Any]:
    """`seawatch replay --site REC/site.toml REC/ais.nmea REC/plots-*.csv --store URL`, timed."""
    from seawatch.replay import ReplayOptions, run_replay
    from seawatch.store import keeper as keeper_mod

    site = load_site(rec / "site.toml")
    retention = site.storage.retention.model_copy(update={"live_days": live_days})
    site = site.model_copy(update={"storage": site.storage.model_copy(update={"retention": retention})})
    inputs = [rec / "ais.nmea", *sorted(rec.glob("plots-*.csv"))]
    writes: list[float] = []
    probe = open_store(store_url, retention_of(retention))  # creates the store; its class's writes are timed
    classes = {type(probe)}
    probe.close()
    originals = {cls: cls.write_positions for cls in classes}
    for cls, original in originals.items():
        def timed(self: Any, batch: Any, checkpoint: Any = None, _original: Any = original) -> int:
            t = time.perf_counter()
            try:
                return int(_original(self, batch, checkpoint))
            finally:
                writes.append(time.perf_counter() - t)
        cls.write_positions = timed  # type: ignore[method-assign]
    init = keeper_mod.Housekeeper.__init__
    if keeper_in_writer:
        def in_writer(self: Any, store: Any, every_s: float = keeper_mod.DAY_S, *, background: bool = True) -> None:
            init(self, store, every_s, background=False)
        keeper_mod.Housekeeper.__init__ = in_writer  # type: ignore[method-assign]
    log = WriteTimes()
    logging.getLogger("seawatch.store").addHandler(log)
    logging.getLogger("seawatch.store").setLevel(logging.INFO)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result = run_replay(site, ReplayOptions(inputs=inputs, store=store_url))
    finally:
        for cls, original in originals.items():
            cls.write_positions = original  # type: ignore[method-assign]
        keeper_mod.Housekeeper.__init__ = init  # type: ignore[method-assign]
        logging.getLogger("seawatch.store").removeHandler(log)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    w = np.array(writes) * 1000
    print(f"replay: {result.n_obs:,} observations, {result.n_contact_updates:,} contact updates, "
          f"{len(result.alerts)} alerts; {wall:.1f} s wall, {cpu:.1f} s CPU (all threads; load average "
          f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())})")
    print(f"  store writes: {len(w):,} calls, median {np.median(w):.1f} ms, p99 {np.percentile(w, 99):.1f} ms, "
          f"longest {w.max():.0f} ms, {w.sum() / 1000:.1f} s in all "
          f"(housekeeper {'in the writer' if keeper_in_writer else 'in its own thread'})")
    for line in log.lines:
        if "housekeeping" in line or "rolled" in line:
            print(f"  {line}")
    return {"wall_s": wall, "cpu_s": cpu, "writes": len(w), "write_max_ms": float(w.max())}


def copy_store(source_url: str, target_url: str, batch_rows: int = 50_000) -> None:
    """Every position (with the vessels' names and callsigns) and alert of an embedded store written into
    another store in time-ordered batches through `write_positions` / `upsert_alerts`: the same day in
    PostgreSQL without a second replay of the recording."""
    import json

    import pyarrow as pa

    src = open_store(source_url)
    try:
        table = src.track_all().sort_by([("t", "ascending"), ("id", "ascending")])  # type: ignore[attr-defined]
        names = {(r[0], r[1]): (r[2], r[3]) for r in src._all(  # type: ignore[attr-defined]
            "SELECT id, coalesce(mmsi, 0), name, callsign FROM vessels WHERE name IS NOT NULL OR callsign IS NOT NULL")}
        docs = [json.loads(r[0]) for r in src._all("SELECT doc FROM alerts")]  # type: ignore[attr-defined]
    finally:
        src.close()
    ids = table.column("id").to_numpy()
    mmsi = table.column("mmsi").fill_null(0).to_numpy()
    pairs, inverse = np.unique(np.stack([ids, mmsi]), axis=1, return_inverse=True)
    known = [names.get((int(i), int(m)), (None, None)) for i, m in zip(*pairs.tolist())]
    table = table.append_column("name", pa.array(np.array([k[0] for k in known], dtype=object)[inverse.ravel()],
                                                 type=pa.string()))
    table = table.append_column("callsign", pa.array(np.array([k[1] for k in known], dtype=object)[inverse.ravel()],
                                                     type=pa.string()))
    store = open_store(target_url)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        for start in range(0, table.num_rows, batch_rows):
            store.write_positions(table.slice(start, batch_rows))
        store.upsert_alerts(docs)
    finally:
        store.close()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"copied {table.num_rows:,} positions and {len(docs)} alerts from {source_url} in batches of "
          f"{batch_rows:,}: {wall:.1f} s wall, {cpu:.1f} s CPU of this process "
          f"({table.num_rows / wall:,.0f} rows/s wall)")


def median_ms(fn: Callable[[Any], Any], args: list[Any]) -> tuple[float, float, str]:
    """Median wall and CPU ms of `fn` over `args`, and the median size of its results."""
    fn(args[0])  # warm
    walls, cpus, sizes = [], [], []
    for a in args:
        t, c = time.perf_counter(), time.process_time()
        out = fn(a)
        walls.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
        sizes.append(out.num_rows if hasattr(out, "num_rows") else len(out))
    unit = "rows" if hasattr(out, "num_rows") else "items"
    return statistics.median(walls), statistics.median(cpus), f"{statistics.median(sizes):,.0f} {unit}"


def busiest(store: Store, candidates: list[Any], key: str, k: int) -> list[Any]:
    """The `k` candidates (vessels rows) with the most stored positions."""
    column = 0 if key == "contact_id" else 1
    rows = [(store.track(**{key: v[column]}).num_rows, i) for i, v in enumerate(candidates)]  # type: ignore[arg-type]
    return [candidates[i] for _, i in sorted(rows, reverse=True)[:k]]


def queries(store: Store, repeat: int) -> None:
    rng = np.random.default_rng(6)
    vessels = store._all("SELECT id, mmsi, name, first_seen, last_seen FROM vessels ORDER BY id, mmsi")  # type: ignore[attr-defined]
    t_lo = min(v[3] for v in vessels)
    t_hi = max(v[4] for v in vessels)
    by_span = sorted(vessels, key=lambda v: v[4] - v[3], reverse=True)
    # the busiest of the 200 longest-lived contacts from tracking (radar + AIS), and MMSIs
    tracked = busiest(store, [v for v in by_span if v[0] < AIS_ID_OFFSET][:200], "contact_id", repeat)
    with_mmsi = busiest(store, [v for v in by_span if v[1]][:200], "mmsi", repeat)
    names = [v[2] for v in vessels if v[2]]
    print(f"store: {store.count_positions():,} positions of {len(vessels):,} contact/MMSI pairs over "
          f"{(t_hi - t_lo) / HOUR:.1f} h; {store.disk_bytes() / 2**20:.1f} MB on disk"  # type: ignore[attr-defined]
          + (f"; archive days {store.archive.days()}" if hasattr(store, "archive") else ""))  # type: ignore[attr-defined]
    rows: list[tuple[str, float, float, str]] = []

    def run(label: str, fn: Callable[[Any], Any], args: list[Any]) -> None:
        wall, cpu, size = median_ms(fn, args)
        rows.append((label, wall, cpu, size))

    hours = [(v[0], v[3] + rng.uniform(0, max(v[4] - v[3] - HOUR, 0))) for v in tracked]
    run("track: one contact, 1 h", lambda a: store.track(contact_id=a[0], t0=a[1], t1=a[1] + HOUR), hours)
    run("track: one contact, its whole life", lambda v: store.track(contact_id=v[0]), tracked)
    m_hours = [(v[1], v[3] + rng.uniform(0, max(v[4] - v[3] - HOUR, 0))) for v in with_mmsi]
    run("track: one MMSI, 1 h", lambda a: store.track(mmsi=a[0], t0=a[1], t1=a[1] + HOUR), m_hours)
    run("track: one MMSI, the whole recording", lambda v: store.track(mmsi=v[1], t0=t_lo, t1=t_hi), with_mmsi)
    box = (49.3, 39.9, 50.3, 40.6)  # Baku bay and the Absheron approaches, 1 x 0.7 degree
    times = rng.uniform(t_lo + 60, t_hi, repeat).tolist()
    run("bbox at time T (60 s tolerance)", lambda t: store.bbox_at(box, t, 60.0), times)
    run("bbox over 1 h", lambda t: store.bbox_between(box, t - HOUR, t), times)
    run("bbox over the whole recording", lambda _: store.bbox_between(box, t_lo, t_hi), [0] * min(repeat, 5))
    alerts = store.alerts()
    if alerts:
        types = [a["type"] for a in alerts]
        zones = [a["zone"] for a in alerts if a.get("zone")]
        common = max(set(types), key=types.count)
        run(f"alerts by type ({common})", lambda _: store.alerts(type=common), [0] * repeat)
        if zones:
            zone = max(set(zones), key=zones.count)
            run(f"alerts by zone ({zone})", lambda _: store.alerts(zone=zone), [0] * repeat)
        sev = alerts[0]["severity"]
        run(f"alerts by severity ({sev})", lambda _: store.alerts(severity=sev), [0] * repeat)
        run("alerts by state (closed)", lambda _: store.alerts(state="closed"), [0] * repeat)
        run("alerts by time (1 h)", lambda t: store.alerts(t0=t - HOUR, t1=t), times)
    words = [n.split()[0][:4] for n in names[:repeat]] or ["NEFT"]
    run("full text on vessel names (prefix)", lambda w: store.search_vessels(w), words)
    print(f"\n{'query':44} {'median ms':>10} {'CPU ms':>8}   result (median)")
    for label, wall, cpu, out in rows:
        print(f"{label:44} {wall:>10.2f} {cpu:>8.2f}   {out}")

    print(f"\n{'export':44} {'ms':>10} {'bytes':>12}")
    whole = store.track(mmsi=with_mmsi[0][1], t0=t_lo, t1=t_hi)
    for label, fn in (("track GeoJSON (one MMSI, whole recording)", track_geojson),
                      ("track KML", lambda t: track_kml(t, "bench")), ("track CSV", track_csv)):
        t = time.perf_counter()
        text = fn(whole)
        print(f"{label:44} {(time.perf_counter() - t) * 1000:>10.1f} {len(text.encode()):>12,}   "
              f"({whole.num_rows:,} positions)")
    if alerts:
        target = max(alerts, key=lambda a: len(a.get("track_ids") or []) + len(a.get("mmsi") or []))
        t = time.perf_counter()
        alert, tracks = alert_evidence(store, target["id"])
        ev_ms = (time.perf_counter() - t) * 1000
        print(f"{'alert evidence query (' + target['type'] + ')':44} {ev_ms:>10.1f} {'':>12}   "
              f"({tracks.num_rows:,} positions, ±600 s)")
        for label, fn in (("evidence GeoJSON", evidence_geojson), ("evidence KML", evidence_kml),
                          ("evidence CSV", evidence_csv)):
            t = time.perf_counter()
            text = fn(alert, tracks)
            print(f"{label:44} {(time.perf_counter() - t) * 1000:>10.1f} {len(text.encode()):>12,}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("rec", type=Path, help="a `seawatch sim` output directory")
    p.add_argument("--store", help="store directory or URL (default: a temporary directory, removed)")
    p.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL cluster instead")
    p.add_argument("--live-days", type=float, default=0.0)
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--keeper-in-writer", action="store_true")
    p.add_argument("--queries-only", action="store_true")
    p.add_argument("--from-store", help="instead of replaying: copy this embedded store's positions and alerts")
    args = p.parse_args()
    cluster: Any = None
    tmp: Path | None = None
    if args.pg:
        from seawatch.store.pgtemp import TempCluster

        cluster = TempCluster().start()
        url = cluster.url
    elif args.store:
        url = args.store
    else:
        tmp = Path(tempfile.mkdtemp(prefix="seawatch-store-day-"))
        url = str(tmp / "store")
    print(f"store day: {args.rec} -> {'throwaway PostgreSQL cluster' if args.pg else url}")
    try:
        if args.from_store:
            copy_store(args.from_store, url)
        elif not args.queries_only:
            replay(args.rec, url, args.live_days, args.keeper_in_writer)
        store = open_store(url)
        try:
            queries(store, args.repeat)
        finally:
            store.close()
    finally:
        if cluster is not None:
            cluster.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
