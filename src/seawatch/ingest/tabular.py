"""Vectorised helpers shared by the text-table formats (radar plots CSV/JSONL, decoded AIS CSV).

- `LineBuffer` cuts fed chunks at the last newline and keeps the incomplete tail for the next chunk.
- `read_csv_block` parses a block of complete CSV lines with pyarrow: a fast path with typed columns, and,
  when a value does not fit its type, a slow path that reads every column as text so that each bad value
  is found and counted on its own row (instead of failing the whole block).
- `to_float` / `to_epoch` turn an Arrow column of any type (number, text, timestamp) into float64 numpy
  arrays plus a mask of the rows whose value was present but not understood.

Nothing here builds one Python object per row on the normal path.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from seawatch.ingest.stats import IngestStats

logger = logging.getLogger(__name__)

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

# a decimal number (optionally signed, with exponent), surrounding blanks allowed
NUMBER_RE = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
# text that means "no value"
ABSENT_RE = r"^\s*((?i:nan|null|none|n/a|na))?\s*$"
# ISO-8601 date-time with an explicit zone (Z or +hh:mm / +hhmm / +hh)
ISO_ZONED_RE = r"(Z|z|[+-]\d{2}(:?\d{2})?)\s*$"
ISO_RE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?\s*$")
SAMPLE_ROWS = 5
MAX_LINE_BYTES = 1 << 20  # no text line of these formats comes near this


class LineBuffer:
    """Holds the partial last line of a chunk until the next chunk completes it.

    A "line" that grows past `max_line_bytes` without a newline (binary junk, a wrong format) is dropped and
    counted as `bad_record`, so that memory stays bounded.
    """

    def __init__(self, stats: IngestStats, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.tail = b""
        self.stats = stats
        self.max_line_bytes = max_line_bytes

    def complete(self, data: bytes) -> bytes:
        """The complete lines of tail + data (ending in a newline), keeping the rest as the new tail."""
        buf = self.tail + data if self.tail else data
        cut = buf.rfind(b"\n")
        if cut < 0:
            self.tail = buf
            body = b""
        else:
            self.tail = buf[cut + 1 :]
            body = buf[: cut + 1]
        if len(self.tail) > self.max_line_bytes:
            self.stats.reject("bad_record", self.tail)
            self.tail = b""
        return body

    def rest(self) -> bytes:
        out, self.tail = self.tail, b""
        return out


def valid_utf8(data: bytes) -> bytes:
    """The bytes as they are when they are valid UTF-8, else with each bad sequence replaced by U+FFFD."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").encode("utf-8")
    return data


def header_names(line: bytes) -> list[str]:
    """Column names of a CSV header line (quotes removed, blanks trimmed); a repeated name gets a suffix."""
    text = line.strip().lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")
    try:
        names = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        names = [c.strip('"') for c in text.split(",")]
    out: list[str] = []
    for i, name in enumerate(n.strip() for n in names):
        base = name or f"column_{i + 1}"
        out.append(base if base not in out else f"{base}_{i + 1}")
    return out


def row_text(table: pa.Table, rows: Sequence[int]) -> list[bytes]:
    """Rebuild the text of a few rows from their values (for the reject sample and the log), where their lines
    are not known (`RawLines`)."""
    cols = [table.column(i) for i in range(table.num_columns)]
    out = []
    for r in rows:
        vals = ["" if c[r].as_py() is None else str(c[r].as_py()) for c in cols]
        out.append(",".join(vals).encode("utf-8", "replace"))
    return out


@dataclass
class RawLines:
    """The lines of a CSV block as they came, for the reject sample of its table's rows: the offending bytes, not
    the values pyarrow made of them (`1.7e+09` for `1700000000`, a dropped quote). The lines are split only when a
    row is rejected; the block's lines pyarrow did not make rows of (blank ones, and those with the wrong number
    of fields, `skipped`, counted on their own) are taken out. None where lines and rows may not be one to one
    (a quote, which may hold a line break; a lone carriage return, which ends a row for pyarrow only; or a count
    that does not line up): the rows are then rebuilt from their values (`row_text`). (Counting alone is not
    enough: a quoted line break and a lone CR in one block cancel out, and every row after them would get the
    line before its own.)"""

    body: bytes
    skipped: list[bytes] = field(default_factory=list)

    def of_rows(self, n_rows: int) -> list[bytes] | None:
        """The line of each of the table's n_rows rows (None: not known); split once, however many reasons ask."""
        lines = self._lines
        return lines if lines is not None and len(lines) == n_rows else None

    @cached_property
    def _lines(self) -> list[bytes] | None:
        if b'"' in self.body or self.body.count(b"\r") != self.body.count(b"\r\n"):
            return None
        lines = [ln for ln in (ln.rstrip(b"\r") for ln in self.body.split(b"\n")) if ln]
        for s in self.skipped:
            try:
                lines.remove(s.rstrip(b"\r"))
            except ValueError:
                return None
        return lines


def reject_rows(stats: IngestStats, reason: str, table: pa.Table, mask: BoolArray,
                raw: RawLines | None = None) -> None:
    """Count every row of `mask` under `reason`; keep the first few as the sample: their lines as they came
    (`raw`), else rebuilt from their values."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    first = idx[:SAMPLE_ROWS].tolist()
    lines = raw.of_rows(table.num_rows) if raw is not None else None
    samples = [lines[i] for i in first] if lines is not None else row_text(table, first)
    stats.reject_many(reason, samples)
    if len(idx) > len(samples):
        stats.rejects[reason] += len(idx) - len(samples)


@dataclass
class BadRows:
    """Rows pyarrow's CSV parser could not split into the header's columns."""

    expected: int
    short: list[bytes] = field(default_factory=list)
    long: list[bytes] = field(default_factory=list)

    def __call__(self, row: Any) -> str:
        text = (row.text or "").encode("utf-8", "replace")
        (self.short if row.actual_columns < self.expected else self.long).append(text)
        return "skip"

    def report(self, stats: IngestStats) -> int:
        stats.reject_many("truncated", self.short)
        stats.reject_many("bad_record", self.long)
        n = len(self.short) + len(self.long)
        self.short, self.long = [], []
        return n


def read_csv_block(body: bytes, names: list[str], types: dict[str, pa.DataType],
                   stats: IngestStats) -> tuple[pa.Table | None, RawLines]:
    """Parse complete CSV lines (no header line) with the given column names.

    Fast path: the typed columns in `types`; if a value does not parse as its type, the block is read again
    with every column as text (the callers then validate each value). Rows with the wrong number of fields
    are counted (`truncated` / `bad_record`) and skipped. Returns the table (None when nothing could be read)
    and the block's lines, for the reject samples of its rows (`reject_rows`).
    """
    raw = RawLines(body)
    if not body.strip():
        return None, raw
    body = valid_utf8(body)
    bad = BadRows(len(names))
    parse = pv.ParseOptions(invalid_row_handler=bad)
    read = pv.ReadOptions(column_names=names, use_threads=False, block_size=max(len(body) + 1, 1 << 16))
    strings = {n: pa.string() for n in names}
    attempts = [types, strings] if types else [strings]
    for i, col_types in enumerate(attempts):
        try:
            conv = pv.ConvertOptions(column_types=col_types, strings_can_be_null=True,
                                     quoted_strings_can_be_null=True)
            table = pv.read_csv(pa.py_buffer(body), read_options=read, parse_options=parse,
                                convert_options=conv)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
            bad.short, bad.long = [], []
            if i + 1 < len(attempts):
                logger.debug("typed CSV read failed (%s); reading the block as text", err)
                continue
            stats.reject("bad_record", body[:512])
            logger.debug("CSV block unreadable: %s", err)
            return None, raw
        raw = RawLines(body, bad.short + bad.long)
        bad.report(stats)
        return table, raw
    return None, raw


def to_float(col: pa.ChunkedArray | pa.Array) -> tuple[FloatArray, BoolArray]:
    """float64 values (absent -> NaN) and a mask of rows whose value was present but not a number."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    n = len(arr)
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_null(t):
        vals = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        return np.asarray(vals, dtype=np.float64), np.zeros(n, dtype=bool)
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        present = arr.is_valid().to_numpy(zero_copy_only=False)
        return np.full(n, np.nan), np.asarray(present, dtype=bool)
    is_num = pc.fill_null(pc.match_substring_regex(arr, NUMBER_RE), False)
    is_absent = pc.fill_null(pc.match_substring_regex(arr, ABSENT_RE), True)
    cleaned = pc.if_else(is_num, pc.utf8_trim_whitespace(arr), pa.scalar(None, pa.string()))
    vals = pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False)
    bad = ~(is_num.to_numpy(zero_copy_only=False) | is_absent.to_numpy(zero_copy_only=False))
    return np.asarray(vals, dtype=np.float64), bad


def _iso_to_epoch(arr: pa.Array, zoned: bool) -> FloatArray:
    """ISO strings (all zoned, or all without zone = UTC) to epoch seconds; unparsable -> NaN."""
    typ = pa.timestamp("us", tz="UTC") if zoned else pa.timestamp("us")
    stripped = pc.utf8_trim_whitespace(arr)
    try:
        ts = pc.cast(stripped, typ)
        us = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False)
        return np.asarray(us, dtype=np.float64) / 1e6
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # a well-formed but impossible date (month 13, ...) somewhere in the block: element by element
        out = np.full(len(arr), np.nan)
        for i, s in enumerate(stripped.to_pylist()):
            if s is None:
                continue
            try:
                d = datetime.fromisoformat(s.replace("z", "Z"))
            except ValueError:
                continue
            if d.tzinfo is None:
                d = d.replace(tzinfo=UTC)
            out[i] = d.timestamp()
        return out


def to_epoch(col: pa.ChunkedArray | pa.Array) -> tuple[FloatArray, BoolArray]:
    """Epoch seconds UTC from numbers (epoch s), ISO-8601 text (zone-less = UTC) or Arrow timestamps.

    Returns (values with NaN where absent or bad, mask of rows present but not understood).
    """
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    n = len(arr)
    t = arr.type
    if pa.types.is_timestamp(t):
        us = pc.cast(pc.cast(arr, pa.timestamp("us", tz=t.tz)), pa.int64()).to_numpy(zero_copy_only=False)
        return np.asarray(us, dtype=np.float64) / 1e6, np.zeros(n, dtype=bool)
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return to_float(arr)
    vals, bad = to_float(arr)  # epoch seconds as text
    is_absent = np.asarray(pc.fill_null(pc.match_substring_regex(arr, ABSENT_RE), True)
                           .to_numpy(zero_copy_only=False), dtype=bool)
    cand = bad.copy()  # present, not a number: maybe ISO
    if cand.any():
        idx = np.flatnonzero(cand)
        sub = arr.take(pa.array(idx))
        looks_iso = np.asarray(pc.fill_null(pc.match_substring_regex(sub, ISO_RE.pattern), False)
                               .to_numpy(zero_copy_only=False), dtype=bool)
        zoned = np.asarray(pc.fill_null(pc.match_substring_regex(sub, ISO_ZONED_RE), False)
                           .to_numpy(zero_copy_only=False), dtype=bool)
        for want_zone in (True, False):
            m = looks_iso & (zoned == want_zone)
            if m.any():
                vals[idx[m]] = _iso_to_epoch(sub.filter(pa.array(m)), want_zone)
    bad = ~is_absent & ~np.isfinite(vals)
    return vals, bad
