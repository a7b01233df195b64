"""Complete AIS messages of one chunk -> validated, deduplicated, decoded observations, in one batch.

The decoder hands over a table of complete messages (`Messages`): payload spans into one byte buffer
(the chunk itself, with reassembled multi-part payloads appended), fill bits, time, receiver code, and
the span of the raw line(s) for evidence. Here, for all rows at once:
1. rows whose payload cannot be its type are rejected (`truncated`, `wrong_length`);
2. duplicates are dropped before any decoding work (`dedup.py`);
3. the vectorised types are decoded by `payload.decode_batch`, every other type by aiscat;
4. the observation columns are allocated once, at their final size, and every decoded group is
   scattered into its rows (message order is kept; type 19 gives two rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea.aiscat_decode import AiscatDecoder, synthetic_sentence, to_columns
from seawatch.ingest.nmea.dedup import Deduplicator, payload_keys
from seawatch.ingest.nmea.framing import span_xor
from seawatch.ingest.nmea.payload import ARMOR, FAST_TYPES, decode_batch, length_ok, message_type
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import SCHEMA, ObservationBatch

IntArray = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

_FAST = np.zeros(64, dtype=bool)
_FAST[list(FAST_TYPES)] = True


@dataclass(frozen=True)
class Messages:
    """Complete messages, one row each, payloads as spans of `buf`."""

    buf: U8
    pay0: IntArray
    pay1: IntArray
    fill: IntArray
    t: npt.NDArray[np.float64]
    src: IntArray  # index into `names`
    names: list[str]
    raw0: IntArray  # span of the raw line(s) in buf
    raw1: IntArray

    def raw(self, rows: IntArray) -> list[bytes]:
        buf = self.buf
        return [buf[a:b].tobytes() for a, b in zip(self.raw0[rows].tolist(), self.raw1[rows].tolist())]


class Columns:
    """Observation columns allocated once at their final length; groups of rows are scattered in."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.cols: dict[str, npt.NDArray[Any]] = {}

    def column(self, name: str) -> npt.NDArray[Any]:
        col = self.cols.get(name)
        if col is None:
            dtype, absent = SCHEMA[name]
            col = self.cols[name] = np.full(self.n, absent, dtype=dtype)
        return col

    def put(self, at: IntArray, values: dict[str, Any]) -> None:
        """Scatter a group's values into rows `at` (a slice when the group is all the rows)."""
        if len(at) == self.n:
            for name, v in values.items():
                self.set(name, v)
            return
        for name, v in values.items():
            self.column(name)[at] = v

    def set(self, name: str, values: Any) -> None:
        """A whole column: taken as it is when it already has the column's dtype."""
        dtype = SCHEMA[name][0]
        if isinstance(values, np.ndarray) and values.dtype == np.dtype(dtype) and len(values) == self.n:
            self.cols[name] = values
        else:
            self.column(name)[:] = values

    def batch(self) -> ObservationBatch:
        return ObservationBatch(self.cols, n=self.n)


class MessageDecoder:
    def __init__(self, stats: IngestStats, dedup: Deduplicator, sensor: str | None, keep_raw: bool,
                 compiled: bool = False) -> None:
        self.compiled = compiled  # numba kernels (kernel.py) for the keys and 6-bit words, else numpy
        self.stats = stats
        self.dedup = dedup
        self.sensor = sensor
        self.keep_raw = keep_raw
        self.aiscat = AiscatDecoder()

    def decode(self, m: Messages, received_at: float) -> ObservationBatch:
        stats, buf = self.stats, m.buf
        pay0, pay1, fill = m.pay0, m.pay1, m.fill
        mtype = message_type(buf, pay0, pay1)
        nbits = (pay1 - pay0) * 6 - fill
        part = (ARMOR[buf[np.minimum(pay0 + 6, len(buf) - 1)]] >> 2) & 3
        fast = _FAST[mtype & 63] & (mtype >= 0) & ~((mtype == 24) & (part > 1))
        rejected = mtype < 0
        if rejected.any():
            stats.reject_many("truncated", m.raw(np.flatnonzero(rejected)))
        wrong = fast & ~rejected & ~length_ok(mtype, nbits)
        if wrong.any():
            stats.reject_many("wrong_length", m.raw(np.flatnonzero(wrong)))
            rejected |= wrong
        ok = np.flatnonzero(~rejected)
        # duplicates go before any decoding work is spent on them
        chosen = self.dedup.select(payload_keys(buf, pay0[ok], pay1[ok], fill[ok], compiled=self.compiled), m.t[ok],
                                   m.src[ok], m.names)
        rows = ok[chosen.keep]

        counts = np.zeros(len(rows), dtype=np.int64)  # observations per kept message
        is_fast = fast[rows]
        fpos = np.flatnonzero(is_fast)
        frows = rows[fpos]
        bad, write_fast = self._fast(buf, pay0, pay1, fill, mtype, frows)
        if bad.any():
            stats.reject_many("invalid_field", m.raw(frows[bad]))
        counts[fpos] = ~bad
        spos = np.flatnonzero(~is_fast)
        slow = self._aiscat(m, rows[spos], received_at)
        counts[spos] = [len(r) for r in slow]

        n = int(counts.sum())
        at = np.cumsum(counts) - counts  # first output row of each kept message
        out = Columns(n)
        write_fast(out, at[fpos])
        if len(spos):
            srecs = [row for recs in slow for row in recs]
            sat = np.repeat(at[spos], counts[spos]) + _ranks(counts[spos])
            names = {k for r in srecs for k in r}
            out.put(sat, {k: _column_values(k, [r.get(k) for r in srecs]) for k in names})
        names_arr = np.array(m.names + [None], dtype=object)[:-1]
        one_each = n == len(rows)  # no rejects at decoding and no type 19: one row per message
        srow = rows if one_each else np.repeat(rows, counts)
        out.set("observed_at", m.t[srow])
        out.set("source", names_arr[m.src[srow]])
        out.set("receivers", chosen.receivers if one_each else np.repeat(chosen.receivers, counts))
        out.set("n_receivers", chosen.n_receivers if one_each else np.repeat(chosen.n_receivers, counts))
        out.column("received_at")[:] = received_at
        if self.sensor is not None:
            out.column("sensor")[:] = self.sensor
        if self.keep_raw:
            out.set("raw", np.array(m.raw(srow) + [b""], dtype=object)[:-1])
        return out.batch()

    def _fast(self, buf: U8, pay0: IntArray, pay1: IntArray, fill: IntArray, mtype: IntArray, rows: IntArray) -> tuple[
            npt.NDArray[np.bool_], Callable[[Columns, IntArray], None]]:
        """The messages `rows` of the fast types: which have characters outside the 6-bit alphabet (no
        observation), and a function that decodes the others into the columns of `out` at rows `dest` (one
        per row of `rows`). Compiled: one kernel for the position reports, one for the static ones; else
        the numpy classes of `payload.py`, the reference."""
        if not self.compiled:
            groups, bad = decode_batch(buf, pay0[rows], pay1[rows], fill[rows], mtype[rows], False)

            def put_groups(out: Columns, dest: IntArray) -> None:
                for sub, cols in groups:
                    out.put(dest[sub], cols)
            return bad, put_groups
        from seawatch.ingest.nmea import position_kernel as pk
        from seawatch.ingest.nmea import static_kernel as sk

        bad, is_position = pk.check_rows(buf, pay0, pay1, rows, mtype)

        def decode(out: Columns, dest: IntArray) -> None:
            pos = np.flatnonzero(is_position & ~bad)
            if len(pos):
                pk.decode(buf, pay0, pay1, mtype, rows[pos], dest[pos], out.column)
            static = np.flatnonzero(~is_position & ~bad)
            if len(static):
                sk.decode(buf, pay0, pay1, fill, mtype, rows[static], dest[static], out.column)
        return bad, decode

    def _aiscat(self, m: Messages, rows: IntArray, received_at: float) -> list[list[dict[str, Any]]]:
        """Rows outside the vectorised types, one aiscat call each: their observation rows (0, 1 or 2)."""
        if not len(rows):
            return []
        p0, p1 = m.pay0[rows], m.pay1[rows]
        if self.compiled:
            from seawatch.ingest.nmea.kernel import span_xor as span_xor_compiled

            xors = np.empty(len(p0), dtype=np.uint8)
            span_xor_compiled(m.buf, p0, p1, xors)
            pxor = xors.tolist()
        else:
            pxor = span_xor(m.buf, p0, p1).tolist()
        out: list[list[dict[str, Any]]] = []
        for r, a, e, fl, x in zip(rows.tolist(), p0.tolist(), p1.tolist(), m.fill[rows].tolist(), pxor):
            payload = m.buf[a:e].tobytes()
            msg = self.aiscat.decode_sentence(synthetic_sentence(payload, fl, payload_xor=x))
            if msg is None:
                mt = _armored_type(payload)
                self.stats.reject("unsupported_type" if mt <= 0 or mt > 27 else "wrong_length",
                                  m.raw(np.array([r]))[0])
                out.append([])
            else:
                out.append(to_columns(msg))
        return out


def _ranks(counts: IntArray) -> IntArray:
    """0, 1, .. within each run of `counts` rows: [2, 1] -> [0, 1, 0]."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total) - np.repeat(starts, counts)


def _column_values(name: str, vals: list[Any]) -> npt.NDArray[Any]:
    dtype, absent = SCHEMA[name]
    vals = [absent if v is None else v for v in vals]
    if dtype == "O":
        return np.array(vals + [None], dtype=object)[:-1]
    return np.array(vals, dtype=dtype)


def _armored_type(payload: bytes) -> int:
    """The message type from a payload's first character, -1 if none or not 6-bit armoured."""
    if not payload:
        return -1
    c = payload[0]
    return c - 48 if 48 <= c < 88 else (c - 56 if 96 <= c < 120 else -1)
