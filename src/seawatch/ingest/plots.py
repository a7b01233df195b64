"""Radar plots (single detections) as CSV or JSON Lines: formats `plots-csv` and `plots-jsonl`.

Columns / keys (DESIGN.md): `time` (ISO-8601 UTC, a zone-less time is UTC, or epoch seconds), `sensor` (a
sensor id of the site file), then `range_m` + `bearing_deg` (true bearing, measured from that sensor's
position in the site file; lat/lon are computed) or `lat` + `lon` (WGS84 degrees; range/bearing are computed
when the sensor's position is known); optional `rcs_m2`, `snr_db`, `doppler_mps`. Other columns are ignored.
A row without `sensor` (or an empty one) belongs to the decoder's sensor (`DecoderContext.sensor_id`), else
to the site's only radar.

Each row becomes one `RADAR_PLOT` observation. Rejected rows (counted, never raised): an unknown sensor id,
range/bearing without a sensor position, neither a full range/bearing nor a full lat/lon, a value that is
not a number or out of range (`invalid_field`); no time (`no_timestamp`); CSV rows with too few / too many
fields (`truncated` / `bad_record`); JSON lines that are not JSON objects (`bad_record`).

Parsing is vectorised: a chunk of CSV goes through pyarrow.csv, a chunk of JSONL through pyarrow.json (with
a line-by-line fallback only when that chunk holds a malformed line or mixed value types).
"""

from __future__ import annotations

import io
import json
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.json as pj

from seawatch.geo import destination, inverse
from seawatch.ingest.base import DecoderContext, register
from seawatch.ingest.stats import IngestStats
from seawatch.ingest.tabular import (
    LineBuffer,
    RawLines,
    header_names,
    read_csv_block,
    reject_rows,
    to_epoch,
    to_float,
)
from seawatch.model.observation import Kind, ObservationBatch

logger = logging.getLogger(__name__)

NUMERIC = ("range_m", "bearing_deg", "lat", "lon", "rcs_m2", "snr_db", "doppler_mps")
OPTIONAL = ("rcs_m2", "snr_db", "doppler_mps")
WRITE_COLUMNS = ("time", "sensor", "range_m", "bearing_deg", "lat", "lon", "rcs_m2", "snr_db", "doppler_mps")
FloatArray = npt.NDArray[np.float64]


class _PlotRows:
    """Turns columns (any Arrow type) into validated RADAR_PLOT observations. Shared by CSV and JSONL."""

    def __init__(self, ctx: DecoderContext, stats: IngestStats) -> None:
        self.ctx, self.stats = ctx, stats
        site = ctx.site
        self.default_sensor: str | None = ctx.sensor_id
        if self.default_sensor is None and site is not None and len(site.radars) == 1:
            self.default_sensor = site.radars[0].id

    def _sensor_position(self, sensor_id: str) -> tuple[bool, float, float]:
        """(known, lat, lon) of a sensor id; known without a site means 'cannot check' (NaN position)."""
        site = self.ctx.site
        if site is None:
            return True, math.nan, math.nan
        try:
            s = site.sensor(sensor_id)
        except KeyError:
            return False, math.nan, math.nan
        return True, (math.nan if s.lat is None else s.lat), (math.nan if s.lon is None else s.lon)

    def build(self, table: pa.Table, cols: Mapping[str, pa.Array | pa.ChunkedArray | None], received_at: float,
              source: str | None, raw: RawLines | None = None) -> ObservationBatch:
        """The plots of a parsed table; its rejected rows' samples are their lines in `raw` (a CSV block's), else
        rebuilt from their values (JSON lines)."""
        n = table.num_rows
        if n == 0:
            return ObservationBatch.empty()
        time_col = cols.get("time")
        if time_col is None:
            t, bad = np.full(n, np.nan), np.zeros(n, dtype=bool)
        else:
            t, bad = to_epoch(time_col)
        vals: dict[str, FloatArray] = {}
        for name in NUMERIC:
            col = cols.get(name)
            if col is None:
                vals[name] = np.full(n, np.nan)
                continue
            v, b = to_float(col)
            vals[name], bad = v, bad | b
        sensor, sens_lat, sens_lon, unknown = self._sensors(cols.get("sensor"), n)
        rng, brg, lat, lon = vals["range_m"], vals["bearing_deg"], vals["lat"], vals["lon"]
        has_rb = np.isfinite(rng) & np.isfinite(brg)
        has_ll = np.isfinite(lat) & np.isfinite(lon)
        with np.errstate(invalid="ignore"):
            bad |= (rng < 0) | (brg < 0) | (brg > 360) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
        bad |= np.isinf(rng) | np.isinf(brg) | np.isinf(lat) | np.isinf(lon)
        for name in OPTIONAL:
            bad |= np.isinf(vals[name])
        bad |= unknown | ~(has_rb | has_ll)
        sens_known = np.isfinite(sens_lat)
        bad |= has_rb & ~has_ll & ~sens_known
        no_time = ~bad & ~np.isfinite(t)
        reject_rows(self.stats, "invalid_field", table, bad, raw)
        reject_rows(self.stats, "no_timestamp", table, no_time, raw)
        keep = np.flatnonzero(~(bad | no_time))
        if not len(keep):
            return ObservationBatch.empty()
        if len(keep) < n:
            t, sensor, sens_lat, sens_lon = t[keep], sensor[keep], sens_lat[keep], sens_lon[keep]
            vals = {k: v[keep] for k, v in vals.items()}
            has_rb, has_ll, sens_known = has_rb[keep], has_ll[keep], sens_known[keep]
        rng, brg, lat, lon = vals["range_m"], np.mod(vals["bearing_deg"], 360.0), vals["lat"], vals["lon"]
        todo = np.flatnonzero(has_rb & ~has_ll)
        if len(todo):
            lat[todo], lon[todo] = destination(sens_lat[todo], sens_lon[todo], rng[todo], brg[todo])
        todo = np.flatnonzero(has_ll & ~has_rb & sens_known)
        if len(todo):
            rng[todo], brg[todo] = inverse(sens_lat[todo], sens_lon[todo], lat[todo], lon[todo])
        m = len(keep)
        self.stats.observations[Kind.RADAR_PLOT.name.lower()] += m
        out: dict[str, Any] = {
            "kind": np.full(m, int(Kind.RADAR_PLOT)), "observed_at": t, "received_at": np.full(m, received_at),
            "source": source, "sensor": sensor, "lat": lat, "lon": lon, "range_m": rng, "bearing_deg": brg,
            "rcs_m2": vals["rcs_m2"], "snr_db": vals["snr_db"], "doppler_mps": vals["doppler_mps"]}
        return ObservationBatch(out, n=m)

    def _sensors(self, col: pa.Array | pa.ChunkedArray | None, n: int
                 ) -> tuple[npt.NDArray[Any], FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Per row: sensor id, its lat, lon (NaN if unknown), and whether a named sensor is unknown."""
        not_text = np.zeros(n, dtype=bool)
        if col is None:
            ids = pa.nulls(n, pa.string())
        else:
            ids = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            if not pa.types.is_string(ids.type):
                try:
                    ids = pc.cast(ids, pa.string())
                except (pa.ArrowNotImplementedError, pa.ArrowInvalid):  # lists, objects: not a sensor id
                    not_text = np.asarray(ids.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
                    ids = pa.nulls(n, pa.string())
            ids = pc.utf8_trim_whitespace(ids)
            ids = pc.if_else(pc.equal(ids, ""), pa.scalar(None, pa.string()), ids)
        if self.default_sensor is not None:
            ids = pc.fill_null(ids, self.default_sensor)
        enc = pc.dictionary_encode(ids)
        codes = enc.indices.to_numpy(zero_copy_only=False)
        codes = np.where(np.isnan(codes.astype(np.float64)), -1, codes).astype(np.int64) \
            if enc.null_count else codes.astype(np.int64)
        names = enc.dictionary.to_pylist()
        table_lat = np.full(len(names) + 1, np.nan)
        table_lon = np.full(len(names) + 1, np.nan)
        table_unknown = np.zeros(len(names) + 1, dtype=bool)
        for i, name in enumerate(names):
            known, la, lo = self._sensor_position(name)
            table_unknown[i], table_lat[i], table_lon[i] = not known, la, lo
        sensor = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object)
        return sensor, table_lat[codes], table_lon[codes], table_unknown[codes] | not_text


class PlotsCsvDecoder:
    """Chunked decoder of radar plots CSV (header line first)."""

    def __init__(self, ctx: DecoderContext) -> None:
        self.stats = ctx.stats if ctx.stats is not None else IngestStats()
        self._rows = _PlotRows(ctx, self.stats)
        self._buf = LineBuffer(self.stats)
        self._names: list[str] | None = None
        self._header: bytes = b""
        self._received_at: float = math.nan
        self._source: str | None = None

    def feed(self, data: bytes, received_at: float, source: str | None = None) -> ObservationBatch:
        self._received_at, self._source = received_at, source
        return self._decode(self._buf.complete(data))

    def flush(self) -> ObservationBatch:
        rest = self._buf.rest()
        return self._decode(rest + b"\n") if rest.strip() else ObservationBatch.empty()

    def _decode(self, body: bytes) -> ObservationBatch:
        while self._names is None and body:
            cut = body.find(b"\n")
            line, body = body[: cut + 1], body[cut + 1 :]
            self.stats.lines += 1
            text = line.strip().lstrip(b"\xef\xbb\xbf")
            if text and not text.startswith(b"#"):
                self._header = text
                self._names = [c.lower() for c in header_names(text)]
        if self._names is None or not body:
            return ObservationBatch.empty()
        self.stats.lines += body.count(b"\n")
        names = self._names
        if self._header in body:  # a second file's header, concatenated
            body = b"\n".join(ln for ln in body.split(b"\n") if ln.strip() != self._header)
        types: dict[str, pa.DataType] = {n: pa.float64() for n in NUMERIC if n in names}
        types.update({n: pa.string() for n in ("time", "sensor") if n in names})
        table, raw = read_csv_block(body, names, types, self.stats)
        if table is None:
            return ObservationBatch.empty()
        cols = {n: table.column(n) for n in ("time", "sensor", *NUMERIC) if n in names}
        return self._rows.build(table, cols, self._received_at, self._source, raw)


def _json_lines_slow(body: bytes, stats: IngestStats) -> pa.Table:
    """Line by line, for a chunk pyarrow.json refused: bad lines are counted, values kept as text."""
    keys = ("time", "sensor", *NUMERIC)
    data: dict[str, list[str | None]] = {k: [] for k in keys}
    bad: list[bytes] = []
    for line in body.split(b"\n"):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            bad.append(line)
            continue
        if not isinstance(obj, dict):
            bad.append(line)
            continue
        for k in keys:
            v = obj.get(k)
            data[k].append(None if v is None else (v if isinstance(v, str) else json.dumps(v)))
    stats.reject_many("bad_record", bad)
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in data.items()})


class PlotsJsonlDecoder:
    """Chunked decoder of radar plots as JSON Lines (one JSON object per line)."""

    def __init__(self, ctx: DecoderContext) -> None:
        self.stats = ctx.stats if ctx.stats is not None else IngestStats()
        self._rows = _PlotRows(ctx, self.stats)
        self._buf = LineBuffer(self.stats)
        self._received_at: float = math.nan
        self._source: str | None = None

    def feed(self, data: bytes, received_at: float, source: str | None = None) -> ObservationBatch:
        self._received_at, self._source = received_at, source
        return self._decode(self._buf.complete(data))

    def flush(self) -> ObservationBatch:
        rest = self._buf.rest()
        return self._decode(rest + b"\n") if rest.strip() else ObservationBatch.empty()

    def _decode(self, body: bytes) -> ObservationBatch:
        if not body.strip():
            self.stats.lines += body.count(b"\n")
            return ObservationBatch.empty()
        self.stats.lines += body.count(b"\n")
        try:
            if b"\n\n" in body or body.startswith(b"\n") or b"\r" in body:
                raise pa.ArrowInvalid("blank lines or CR: use the line-by-line reader")
            table = pj.read_json(io.BytesIO(body), read_options=pj.ReadOptions(
                use_threads=False, block_size=max(len(body) + 1, 1 << 16)))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as err:
            logger.debug("pyarrow.json refused a chunk (%s); reading it line by line", err)
            table = _json_lines_slow(body, self.stats)
        names = set(table.column_names)
        cols = {n: table.column(n) for n in ("time", "sensor", *NUMERIC) if n in names}
        return self._rows.build(table, cols, self._received_at, self._source)


@register("plots-csv")
def make_plots_csv_decoder(ctx: DecoderContext) -> PlotsCsvDecoder:
    return PlotsCsvDecoder(ctx)


@register("plots-jsonl")
def make_plots_jsonl_decoder(ctx: DecoderContext) -> PlotsJsonlDecoder:
    return PlotsJsonlDecoder(ctx)


# -- writers (the simulator's emitters use these) -------------------------------------------------------------

def _plot_columns(batch_or_arrays: ObservationBatch | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(batch_or_arrays, ObservationBatch):
        b = batch_or_arrays
        sel = np.flatnonzero(b["kind"] == int(Kind.RADAR_PLOT))
        if len(sel) != len(b):
            b = b.take(sel)
        return {"time": b["observed_at"], **{k: b[k] for k in WRITE_COLUMNS[1:]}}
    cols = dict(batch_or_arrays)
    if "time" not in cols and "observed_at" in cols:
        cols["time"] = cols.pop("observed_at")
    unknown = set(cols) - set(WRITE_COLUMNS)
    if unknown:
        raise KeyError(f"unknown plot columns {sorted(unknown)}; allowed: {', '.join(WRITE_COLUMNS)}")
    if "time" not in cols:
        raise KeyError("plots need a 'time' column (epoch seconds UTC)")
    return cols


def _iso(times: FloatArray) -> pa.Array:
    """Epoch seconds to ISO-8601 UTC text with microseconds and a trailing Z; NaN -> null."""
    t = np.asarray(times, dtype=np.float64)
    ok = np.isfinite(t)
    us = np.where(ok, np.round(t * 1e6), 0).astype(np.int64).astype("datetime64[us]")
    text = np.char.add(np.datetime_as_string(us, unit="us"), "Z")
    return pa.array(text.astype(object), type=pa.string(), mask=~ok)


def plots_table(batch_or_arrays: ObservationBatch | Mapping[str, Any], time_format: str = "iso",
                columns: Sequence[str] | None = None) -> pa.Table:
    """The plots as an Arrow table in the file column order.

    By default, columns absent on every row are left out. A writer that appends chunks under one header
    passes `columns` (a subset of WRITE_COLUMNS, in file order) to get exactly those columns every time.
    """
    if columns is not None and (set(columns) - set(WRITE_COLUMNS) or "time" not in columns):
        raise KeyError(f"columns must include 'time' and be among {', '.join(WRITE_COLUMNS)}")
    cols = _plot_columns(batch_or_arrays)
    n = len(np.asarray(cols["time"]))
    out: dict[str, pa.Array] = {}
    times = np.asarray(cols["time"], dtype=np.float64)
    if time_format == "iso":
        out["time"] = _iso(times)
    elif time_format == "epoch":
        out["time"] = pa.array(times, mask=~np.isfinite(times))
    else:
        raise ValueError(f"time_format must be 'iso' or 'epoch', not {time_format!r}")
    if "sensor" in cols and cols["sensor"] is not None:
        s = cols["sensor"]
        sens = np.full(n, s, dtype=object) if isinstance(s, str) else np.asarray(s, dtype=object)
        out["sensor"] = pa.array(sens, type=pa.string(), from_pandas=True)
    elif columns is not None and "sensor" in columns:
        out["sensor"] = pa.nulls(n, pa.string())
    for name in WRITE_COLUMNS[2:]:
        if name not in cols or cols[name] is None:
            if columns is not None and name in columns:
                out[name] = pa.nulls(n, pa.float64())
            continue
        v = np.broadcast_to(np.asarray(cols[name], dtype=np.float64), (n,))
        if np.isfinite(v).any() or (columns is not None and name in columns):
            out[name] = pa.array(v, mask=~np.isfinite(v))
    if columns is not None:
        return pa.table({name: out[name] for name in WRITE_COLUMNS if name in columns})
    return pa.table(out)


def write_plots_csv(path_or_file: str | Path | IO[bytes] | IO[str],
                    batch_or_arrays: ObservationBatch | Mapping[str, Any], time_format: str = "iso") -> int:
    """Write radar plots as CSV (header + one row per plot); returns the number of rows written.

    `batch_or_arrays` is an ObservationBatch (its RADAR_PLOT rows) or a mapping of equal-length arrays with
    keys among time (or observed_at, epoch s), sensor, range_m, bearing_deg, lat, lon, rcs_m2, snr_db,
    doppler_mps. Times are written as ISO-8601 UTC (`time_format="iso"`) or epoch seconds (`"epoch"`).
    """
    table = plots_table(batch_or_arrays, time_format)
    header = (",".join(table.column_names) + "\n").encode()
    sink = io.BytesIO()
    try:  # ids and ISO times need no quotes; quote only if some sensor id holds a comma or quote
        pv.write_csv(table, sink, write_options=pv.WriteOptions(include_header=False, quoting_style="none"))
    except pa.ArrowInvalid:
        sink = io.BytesIO()
        pv.write_csv(table, sink, write_options=pv.WriteOptions(include_header=False, quoting_style="needed"))
    _write(path_or_file, header + sink.getvalue())
    return table.num_rows


def write_plots_jsonl(path_or_file: str | Path | IO[bytes] | IO[str],
                      batch_or_arrays: ObservationBatch | Mapping[str, Any], time_format: str = "iso") -> int:
    """Write radar plots as JSON Lines (absent values left out of each object); returns the row count."""
    table = plots_table(batch_or_arrays, time_format)
    lines = [json.dumps({k: v for k, v in row.items() if v is not None}, separators=(",", ":"))
             for row in table.to_pylist()]
    _write(path_or_file, ("\n".join(lines) + "\n").encode() if lines else b"")
    return table.num_rows


def _write(path_or_file: str | Path | IO[bytes] | IO[str], data: bytes) -> None:
    if isinstance(path_or_file, (str, Path)):
        Path(path_or_file).write_bytes(data)
    elif isinstance(path_or_file, io.TextIOBase):
        path_or_file.write(data.decode("utf-8"))
    else:
        path_or_file.write(data)  # type: ignore[arg-type]
