"""The embedded store's position archive: one Parquet file per UTC day, sorted by (id, t), read by DuckDB.

`DIR/positions/YYYY-MM-DD.parquet`. A day file is replaced atomically (write to a temporary file, fsync,
rename) when more rows of that day roll over; rows are merged and de-duplicated on (id, t), so rolling the
same rows twice, or a crash between writing the file and deleting the rows from SQLite, never duplicates.
Row groups of `ROW_GROUP_ROWS` keep per-group id min/max statistics, so a one-vessel query reads a few
row groups only.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from seawatch.store.positions import ARROW_SCHEMA, POSITION_COLUMNS, dedupe_sorted, empty_table

log = logging.getLogger(__name__)

DAY_S = 86400.0
ROW_GROUP_ROWS = 64 * 1024
SELECT = ", ".join(POSITION_COLUMNS)


def day_name(day_start: float) -> str:
    return datetime.fromtimestamp(day_start, tz=timezone.utc).strftime("%Y-%m-%d")


def day_start_of(name: str) -> float:
    return datetime.strptime(name, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root / "positions"
        self.root.mkdir(parents=True, exist_ok=True)
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        for stale in self.root.glob("*.parquet.tmp"):
            stale.unlink()  # a roll-over killed mid-write: its rows are still in SQLite

    def days(self) -> list[str]:
        return sorted(p.name[:-8] for p in self.root.glob("*.parquet"))

    def files(self, t0: float | None, t1: float | None) -> list[str]:
        out = []
        for name in self.days():
            start = day_start_of(name)
            if (t1 is None or start <= t1) and (t0 is None or start + DAY_S > t0):
                out.append(str(self.root / f"{name}.parquet"))
        return out

    def add_day(self, day_start: float, table: pa.Table) -> int:
        """Merge `table` (rows of one UTC day) into that day's file; returns the rows the file holds."""
        path = self.root / f"{day_name(day_start)}.parquet"
        if path.exists():
            table = pa.concat_tables([pq.read_table(path, schema=ARROW_SCHEMA), table.cast(ARROW_SCHEMA)])
        table = dedupe_sorted(table.cast(ARROW_SCHEMA), [("id", "ascending"), ("t", "ascending")])
        tmp = path.with_name(path.name + ".tmp")
        pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd",
                       write_statistics=True)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(self.root)
        return table.num_rows

    def drop_before(self, cutoff: float) -> int:
        """Delete day files that end before `cutoff`; returns how many."""
        removed = 0
        for name in self.days():
            if day_start_of(name) + DAY_S <= cutoff:
                (self.root / f"{name}.parquet").unlink()
                removed += 1
        return removed

    def count(self) -> int:
        return sum(pq.ParquetFile(f).metadata.num_rows for f in self.files(None, None))

    def nbytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*.parquet"))

    def query(self, where: str, params: list[Any], t0: float | None, t1: float | None) -> pa.Table:
        files = self.files(t0, t1)
        if not files:
            return empty_table()
        sql = f"SELECT {SELECT} FROM read_parquet(?) WHERE {where}"
        with self._lock:
            con = self._con()
            result = con.sql(sql, params=[files, *params]).to_arrow_table()
        return result.cast(ARROW_SCHEMA)

    def _con(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            self._duck = duckdb.connect(":memory:", config={"threads": 2})
        return self._duck

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
            self._duck = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
