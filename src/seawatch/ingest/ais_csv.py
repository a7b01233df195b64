"""Decoded AIS CSV in the MarineCadastre / DMA layout, registered as format `ais-csv`.

Columns are found by name in the header line (case-insensitive, any order); MMSI, BaseDateTime, LAT and LON
are required, the rest optional:
`MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,
TransceiverClass`. `BaseDateTime` is ISO-8601, UTC when it carries no zone; epoch seconds are accepted too.

Every row becomes an `AIS_POSITION` observation. `TransceiverClass` A / B becomes the message type of that class's
scheduled position report, 1 / 18 (the file keeps the class, not which of types 1–3 or 18–19 it was): the tracker
takes a class B set's M.1371 intervals from it, detection its shorter reach; absent (-1) for another value.
The AIS "not available" values (SOG 102.3 kn, COG 360, heading 511, lat 91, lon 181) become absent (NaN); so do
values outside the field's range (SOG > 102.2, COG/heading outside [0, 360)). An `AIS_STATIC` observation is emitted only where a vessel's static fields
(name, IMO, call sign, vessel type, draught) differ from the last ones seen for that MMSI, not once per row.

Rejected rows (counted, never raised): an invalid MMSI, a present but unreadable number or time, a position
out of range (`invalid_field`); no time at all (`no_timestamp`); too few / too many fields (`truncated` /
`bad_record`). Parsing is vectorised with pyarrow.csv, one chunk at a time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from seawatch.ingest.base import DecoderContext, register
from seawatch.ingest.stats import IngestStats
from seawatch.ingest.tabular import LineBuffer, header_names, read_csv_block, reject_rows, to_epoch, to_float
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.model.units import KN_TO_MPS

if TYPE_CHECKING:
    from seawatch.ingest.tabular import RawLines

logger = logging.getLogger(__name__)

REQUIRED = ("mmsi", "basedatetime", "lat", "lon")
NUMERIC = ("lat", "lon", "sog", "cog", "heading", "vesseltype", "status", "length", "width", "draft", "cargo")
TEXT = ("vesselname", "imo", "callsign", "transceiverclass")
STATIC_TEXT = ("vesselname", "imo", "callsign")
SOG_NOT_AVAILABLE_KN = 102.3
LAT_NOT_AVAILABLE = 91.0
LON_NOT_AVAILABLE = 181.0


def _text(table: pa.Table, col: str | None) -> pa.Array:
    """A text column, trimmed, empty -> null; an all-null column when the file does not have it."""
    if col is None:
        return pa.nulls(table.num_rows, pa.string())
    arr = table.column(col).combine_chunks()
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _int_or_absent(vals: npt.NDArray[np.float64], lo: float, hi: float) -> npt.NDArray[np.int64]:
    ok = np.isfinite(vals) & (vals >= lo) & (vals <= hi)
    return np.where(ok, np.nan_to_num(vals), -1).astype(np.int64)


class AisCsvDecoder:
    """Chunked decoder of MarineCadastre-style decoded AIS CSV."""

    def __init__(self, ctx: DecoderContext) -> None:
        self.ctx = ctx
        self.stats = ctx.stats if ctx.stats is not None else IngestStats()
        self._buf = LineBuffer(self.stats)
        self._header_line: bytes | None = None
        self._names: list[str] = []
        self._col: dict[str, str] = {}  # canonical lower-case name -> name in the header
        self._dead = False  # header without the required columns: every line is a reject
        # per vessel (sorted by MMSI): the static fields of its last row seen, to spot changes across chunks
        self._state_mmsi: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._state_values: list[npt.NDArray[Any]] | None = None
        self._received_at = float("nan")
        self._source: str | None = None

    # -- the decoder contract ---------------------------------------------------------------------------
    def feed(self, data: bytes, received_at: float, source: str | None = None) -> ObservationBatch:
        self._received_at, self._source = received_at, source
        return self._decode(self._buf.complete(data), received_at, source)

    def flush(self) -> ObservationBatch:
        rest = self._buf.rest()
        if not rest.strip():
            return ObservationBatch.empty()
        return self._decode(rest + b"\n", self._received_at, self._source)

    # -- internals ----------------------------------------------------------------------------------------
    def _take_header(self, body: bytes) -> bytes:
        while self._header_line is None and body:
            cut = body.find(b"\n")
            line, body = body[: cut + 1], body[cut + 1 :]
            self.stats.lines += 1
            text = line.strip().lstrip(b"\xef\xbb\xbf")
            if not text:
                continue
            self._header_line = text
            self._names = header_names(text)
            self._col = {n.lower(): n for n in self._names}
            missing = [r for r in REQUIRED if r not in self._col]
            if missing:
                self._dead = True
                self.stats.reject("bad_record", line)
                logger.warning("AIS CSV header %r lacks the column(s) %s: every row is rejected", text[:200],
                               ", ".join(missing))
        return body

    def _decode(self, body: bytes, received_at: float, source: str | None) -> ObservationBatch:
        if not body:
            return ObservationBatch.empty()
        body = self._take_header(body)
        if not body:
            return ObservationBatch.empty()
        n_lines = body.count(b"\n")
        self.stats.lines += n_lines
        if self._dead:
            self.stats.reject("bad_record", body[:512], n=max(n_lines, 1))
            return ObservationBatch.empty()
        if self._header_line is not None and self._header_line in body:  # a concatenated file's header
            lines = body.split(b"\n")
            body = b"\n".join(ln for ln in lines if ln.strip() != self._header_line)
        types: dict[str, pa.DataType] = {self._col["mmsi"]: pa.int64()}
        types.update({self._col[c]: pa.float64() for c in NUMERIC if c in self._col})
        types.update({self._col[c]: pa.string() for c in TEXT if c in self._col})
        types[self._col["basedatetime"]] = pa.timestamp("us")
        table, raw = read_csv_block(body, self._names, types, self.stats)
        if table is None or table.num_rows == 0:
            return ObservationBatch.empty()
        return self._rows(table, received_at, source, raw)

    def _num(self, table: pa.Table, name: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        if name not in self._col:
            return np.full(table.num_rows, np.nan), np.zeros(table.num_rows, dtype=bool)
        return to_float(table.column(self._col[name]))

    def _rows(self, table: pa.Table, received_at: float, source: str | None,
              raw: RawLines | None = None) -> ObservationBatch:
        n = table.num_rows
        mmsi_f, bad_mmsi = to_float(table.column(self._col["mmsi"]))
        t, bad_t = to_epoch(table.column(self._col["basedatetime"]))
        num = {c: self._num(table, c) for c in NUMERIC}
        bad_num = np.zeros(n, dtype=bool)
        for _vals, bad in num.values():
            bad_num |= bad
        lat, lon = num["lat"][0].copy(), num["lon"][0].copy()
        lat[lat == LAT_NOT_AVAILABLE] = np.nan
        lon[lon == LON_NOT_AVAILABLE] = np.nan
        with np.errstate(invalid="ignore"):
            bad_pos = (np.abs(lat) > 90) | (np.abs(lon) > 180)
            bad_mmsi |= ~np.isfinite(mmsi_f) | (mmsi_f < 1) | (mmsi_f > 999_999_999) | (mmsi_f % 1 != 0)
        invalid = bad_mmsi | bad_t | bad_num | bad_pos
        no_time = ~invalid & ~np.isfinite(t)
        reject_rows(self.stats, "invalid_field", table, invalid, raw)
        reject_rows(self.stats, "no_timestamp", table, no_time, raw)
        keep = ~(invalid | no_time)
        if not keep.all():
            idx = np.flatnonzero(keep)
            table = table.take(pa.array(idx))
            mmsi_f, t, lat, lon = mmsi_f[idx], t[idx], lat[idx], lon[idx]
            num = {c: (v[idx], b[idx]) for c, (v, b) in num.items()}
            n = len(idx)
        if n == 0:
            return ObservationBatch.empty()
        mmsi = mmsi_f.astype(np.int64)
        sog_kn = num["sog"][0]
        cog = num["cog"][0]
        heading = num["heading"][0]
        with np.errstate(invalid="ignore"):
            sog_mps = np.where((sog_kn >= 0) & (sog_kn < SOG_NOT_AVAILABLE_KN - 0.05), sog_kn * KN_TO_MPS, np.nan)
            cog_deg = np.where((cog >= 0) & (cog < 360), cog, np.nan)
            heading_deg = np.where((heading >= 0) & (heading < 360), heading, np.nan)
        common: dict[str, Any] = {"observed_at": t, "received_at": np.full(n, received_at), "source": source,
                                  "sensor": self.ctx.sensor_id, "mmsi": mmsi}
        pos = ObservationBatch({**common, "kind": np.full(n, int(Kind.AIS_POSITION)), "lat": lat, "lon": lon,
                                "sog_mps": sog_mps, "cog_deg": cog_deg, "heading_deg": heading_deg,
                                "nav_status": _int_or_absent(num["status"][0], 0, 15),
                                "msg_type": self._msg_type(table)}, n=n)
        static = self._static(table, num, common, n)
        self.stats.observations[Kind.AIS_POSITION.name.lower()] += n
        self.stats.observations[Kind.AIS_STATIC.name.lower()] += len(static)
        if not len(static):
            return pos
        return ObservationBatch.concat([pos, static])  # the time merge downstream orders the rows

    def _msg_type(self, table: pa.Table) -> npt.NDArray[np.int16]:
        """Per row, the position report type of its TransceiverClass (A: 1, B: 18; -1: absent or another value)."""
        cls = _text(table, self._col.get("transceiverclass"))
        out = np.full(table.num_rows, -1, np.int16)
        if cls.null_count == len(cls):
            return out
        up = pc.utf8_upper(cls)
        for letter, mt in (("A", 1), ("B", 18)):
            out[np.asarray(pc.fill_null(pc.equal(up, letter), False))] = mt
        return out

    def _static(self, table: pa.Table, num: dict[str, tuple[Any, Any]], common: dict[str, Any],
                n: int) -> ObservationBatch:
        """AIS_STATIC rows where a vessel's static fields differ from its previous row (or last chunk)."""
        # compare the raw text as dictionary codes and the numbers as numbers; parse only the emitted rows
        codes: list[npt.NDArray[np.int64]] = []
        words: list[list[Any]] = []
        for col in STATIC_TEXT:
            if col not in self._col:
                continue
            arr = table.column(self._col[col]).combine_chunks()
            if not pa.types.is_string(arr.type):
                arr = pc.cast(arr, pa.string())
            enc = pc.dictionary_encode(pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr))
            codes.append(np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64))
            words.append(enc.dictionary.to_pylist() + [None])  # code -1 -> None
        numbers = [np.nan_to_num(num[c][0], nan=-1.0) for c in ("vesseltype", "draft")]
        has_info = np.zeros(n, dtype=bool)
        for c in codes:
            has_info |= c >= 0
        for v in numbers:
            has_info |= v > 0
        cand = np.flatnonzero(has_info)
        if not len(cand):
            return ObservationBatch.empty()
        mmsi = common["mmsi"]
        order = cand[np.argsort(mmsi[cand], kind="stable")]  # by vessel, in file order within a vessel
        m = mmsi[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = m[1:] != m[:-1]
        differs = np.zeros(len(order), dtype=bool)
        for part in (*codes, *numbers):
            p = part[order]
            differs[1:] |= p[1:] != p[:-1]
        changed = differs & ~first

        # the first row of each vessel is compared with the last one seen in earlier chunks
        word_arrays = [np.array(w, dtype=object) for w in words]

        def gather(rows: npt.NDArray[np.int64]) -> list[npt.NDArray[Any]]:
            return [wa[c[rows]] for wa, c in zip(word_arrays, codes)] + [v[rows] for v in numbers]

        first_m = m[first]
        st_m, st_vals = self._state_mmsi, self._state_values
        if st_vals is None:
            st_vals = [np.empty(0, dtype=object) for _ in codes] + [np.empty(0) for _ in numbers]
        new_first = np.ones(len(first_m), dtype=bool)
        if len(st_m):
            at = np.minimum(np.searchsorted(st_m, first_m), len(st_m) - 1)
            found = st_m[at] == first_m
            same = found.copy()
            for sv, fv in zip(st_vals, gather(order[first])):
                same &= sv[at] == fv
            new_first = ~same
        changed[first] = new_first
        last = np.ones(len(order), dtype=bool)
        last[:-1] = m[:-1] != m[1:]
        last_m = m[last]
        keep_old = ~np.isin(st_m, last_m)
        merged_m = np.concatenate([st_m[keep_old], last_m])
        by_mmsi = np.argsort(merged_m, kind="stable")
        self._state_mmsi = merged_m[by_mmsi]
        self._state_values = [np.concatenate([sv[keep_old], lv])[by_mmsi]
                              for sv, lv in zip(st_vals, gather(order[last]))]
        rows = np.sort(order[changed])
        if not len(rows):
            return ObservationBatch.empty()
        sub = table.take(pa.array(rows))
        name = _text(sub, self._col.get("vesselname"))
        callsign = _text(sub, self._col.get("callsign"))
        imo_digits = pc.replace_substring_regex(_text(sub, self._col.get("imo")), r"^(?i:IMO)\s*", "")
        imo = _int_or_absent(to_float(imo_digits)[0], 1, 9_999_999)  # 0 and junk: no IMO
        draught = num["draft"][0][rows]
        k = len(rows)
        return ObservationBatch({
            "kind": np.full(k, int(Kind.AIS_STATIC)), "observed_at": common["observed_at"][rows],
            "received_at": common["received_at"][rows], "source": common["source"], "sensor": common["sensor"],
            "mmsi": mmsi[rows], "name": name.to_numpy(zero_copy_only=False),
            "callsign": callsign.to_numpy(zero_copy_only=False), "imo": imo,
            "ship_type": _int_or_absent(num["vesseltype"][0][rows], 1, 255),  # 0 = not available
            "draught_m": np.where(draught > 0, draught, np.nan),
        }, n=k)


@register("ais-csv")
def make_ais_csv_decoder(ctx: DecoderContext) -> AisCsvDecoder:
    return AisCsvDecoder(ctx)
