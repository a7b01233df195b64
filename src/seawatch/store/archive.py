"""The embedded store's position archive: one Parquet file per UTC day, sorted by (id, t), read by DuckDB.

`DIR/positions/YYYY-MM-DD.parquet` sorted by (id, t) for track queries, and a copy sorted by (t, id) in
`DIR/positions/by_time/` for box-at-time queries (row-group statistics prune by time). A day file is
replaced atomically (write to a temporary file, fsync, rename) when more rows of that day roll over; rows
are merged and de-duplicated on (id, t), so rolling the same rows twice, or a crash between writing the
file and deleting the rows from SQLite, never duplicates (queries show a row in both parts once).
Row groups of `ROW_GROUP_ROWS` keep per-group id min/max statistics, so a one-vessel query reads a few
row groups only.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from seawatch.store.positions import ARROW_SCHEMA, POSITION_COLUMNS, dedupe_sorted, empty_table

log = logging.getLogger(__name__)

DAY_S = 86400.0
ROW_GROUP_ROWS = 8 * 1024
SELECT = ", ".join(POSITION_COLUMNS)


def day_name(day_start: float) -> str:
    return datetime.fromtimestamp(day_start, tz=UTC).strftime("%Y-%m-%d")


@functools.lru_cache(maxsize=4096)
def day_start_of(name: str) -> float:
    return datetime.strptime(name, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root / "positions"
        self.by_time = self.root / "by_time"
        self.by_time.mkdir(parents=True, exist_ok=True)
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._groups: dict[str, tuple[float, pq.ParquetFile, Any, Any]] = {}  # path -> row-group id ranges
        for stale in [*self.root.glob("*.parquet.tmp"), *self.by_time.glob("*.parquet.tmp")]:
            stale.unlink()  # a roll-over killed mid-write: its rows are still in SQLite

    def days(self) -> list[str]:
        return sorted(p.name[:-8] for p in self.root.glob("*.parquet"))

    def files(self, t0: float | None, t1: float | None, by_time: bool = False) -> list[str]:
        out = []
        for name in self.days():
            start = day_start_of(name)
            if (t1 is None or start <= t1) and (t0 is None or start + DAY_S > t0):
                out.append(str((self.by_time if by_time else self.root) / f"{name}.parquet"))
        return out

    def add_day(self, day_start: float, table: pa.Table) -> int:
        """Merge `table` (rows of one UTC day) into that day's file; returns the rows the file holds."""
        path = self.root / f"{day_name(day_start)}.parquet"
        if path.exists():
            table = pa.concat_tables([pq.read_table(path, schema=ARROW_SCHEMA), table.cast(ARROW_SCHEMA)])
        table = dedupe_sorted(table.cast(ARROW_SCHEMA), [("id", "ascending"), ("t", "ascending")])
        # the time-sorted copy first: the (id, t) file's presence marks the day as complete
        _write_atomic(table.sort_by([("t", "ascending"), ("id", "ascending")]), self.by_time / path.name)
        _write_atomic(table, path)
        return table.num_rows

    def drop_before(self, cutoff: float) -> int:
        """Delete day files that end before `cutoff`; returns how many."""
        removed = 0
        for name in self.days():
            if day_start_of(name) + DAY_S <= cutoff:
                (self.root / f"{name}.parquet").unlink()
                (self.by_time / f"{name}.parquet").unlink(missing_ok=True)
                removed += 1
        return removed

    def count(self) -> int:
        return sum(pq.ParquetFile(f).metadata.num_rows for f in self.files(None, None))

    def nbytes(self) -> int:
        return sum(p.stat().st_size for p in [*self.root.glob("*.parquet"), *self.by_time.glob("*.parquet")])

    def query(self, where: str, params: list[Any], t0: float | None, t1: float | None) -> pa.Table:
        """DuckDB over the day files of [t0, t1]. A query bounded in time reads the time-sorted copies,
        whose row-group t statistics let DuckDB skip all but the row groups of the period."""
        files = self.files(t0, t1, by_time=t0 is not None and t1 is not None)
        if not files:
            return empty_table()
        sql = f"SELECT {SELECT} FROM read_parquet(?) WHERE {where}"
        with self._lock:
            con = self._con()
            result = con.sql(sql, params=[files, *params]).to_arrow_table()
        return result.cast(ARROW_SCHEMA)

    def track(self, ids: list[int], t0: float, t1: float) -> pa.Table:
        """Rows of `ids` in [t0, t1]: reads only the row groups whose id range holds one of them (their
        min/max statistics are cached per file), then filters with Arrow. Faster than a DuckDB scan for
        one vessel, which is what the console asks for most."""
        parts = []
        want = np.asarray(sorted(ids), dtype="i8")
        for path in self.files(None if t0 == -math.inf else t0, None if t1 == math.inf else t1):
            pf, lo, hi = self._row_groups(path, "id")
            pos = np.searchsorted(want, lo)  # first wanted id >= each group's minimum
            hit = (pos < len(want)) & (want[np.minimum(pos, len(want) - 1)] <= hi)
            groups = np.flatnonzero(hit).tolist()
            if not groups:
                continue
            table = pf.read_row_groups(groups, columns=list(POSITION_COLUMNS), use_threads=False)
            t = table.column("t").to_numpy()
            if len(want) == 1:  # the file is sorted by (id, t): one vessel is one slice
                col = table.column("id").to_numpy()
                a, b = np.searchsorted(col, want[0], "left"), np.searchsorted(col, want[0], "right")
                a, b = a + np.searchsorted(t[a:b], t0, "left"), a + np.searchsorted(t[a:b], t1, "right")
                parts.append(table.slice(a, b - a))
                continue
            mask = pc.and_(pc.is_in(table.column("id"), pa.array(want)),
                           pa.array((t >= t0) & (t <= t1)))
            parts.append(table.filter(mask))
        return pa.concat_tables(parts).cast(ARROW_SCHEMA) if parts else empty_table()

    def track_day(self, name: str, rows: pa.Table) -> int:
        """How many of `rows` (id, t) the day file `name` already holds."""
        table = pq.read_table(self.root / f"{name}.parquet", columns=["id", "t"])
        joined = rows.select(["id", "t"]).join(table, keys=["id", "t"], join_type="inner")
        return int(joined.num_rows)

    def window(self, t0: float, t1: float, bbox: tuple[float, float, float, float] | None = None) -> pa.Table:
        """Every row with t in [t0, t1] (and in `bbox`): reads the time-sorted copies' row groups whose t
        range overlaps the period (statistics cached per file), then filters with Arrow."""
        parts = []
        for path in self.files(t0, t1, by_time=True):
            if not os.path.exists(path):
                continue
            pf, lo, hi = self._row_groups(path, "t")
            groups = np.flatnonzero((hi >= t0) & (lo <= t1)).tolist()
            if not groups:
                continue
            table = pf.read_row_groups(groups, columns=list(POSITION_COLUMNS), use_threads=False)
            t = table.column("t")
            mask = pc.and_(pc.greater_equal(t, t0), pc.less_equal(t, t1))
            if bbox is not None:
                lon, lat = table.column("lon"), table.column("lat")
                mask = pc.and_(mask, pc.and_(pc.and_(pc.greater_equal(lon, bbox[0]), pc.less_equal(lon, bbox[2])),
                                             pc.and_(pc.greater_equal(lat, bbox[1]), pc.less_equal(lat, bbox[3]))))
            parts.append(table.filter(mask))
        return pa.concat_tables(parts).cast(ARROW_SCHEMA) if parts else empty_table()

    def _row_groups(self, path: str, column: str) -> tuple[pq.ParquetFile, Any, Any]:
        mtime = os.stat(path).st_mtime
        key = f"{path}#{column}"
        with self._lock:
            cached = self._groups.get(key)
            if cached is None or cached[0] != mtime:
                pf = pq.ParquetFile(path)
                col = pf.schema_arrow.get_field_index(column)
                stats = [pf.metadata.row_group(i).column(col).statistics for i in range(pf.num_row_groups)]
                dtype = "i8" if column == "id" else "f8"
                lo = np.array([s.min for s in stats], dtype=dtype)
                hi = np.array([s.max for s in stats], dtype=dtype)
                cached = self._groups[key] = (mtime, pf, lo, hi)
        return cached[1], cached[2], cached[3]

    def _con(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            self._duck = duckdb.connect(":memory:", config={"threads": 2})
        return self._duck

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
            self._duck = None


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd", write_statistics=True)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
