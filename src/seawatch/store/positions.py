"""Positions as the store keeps them: one narrow row per (id, t), plus vessel identities kept apart.

`id` is the contact id (tracking's `ContactBatch.contact_id`). AIS observations given directly
(`ObservationBatch`) use the id tracking gives an AIS-only contact: `AIS_ID_OFFSET + mmsi`, so the same AIS
report stored from both paths is one row. Names, callsigns, IMO and ship type are not repeated on every
position: they go to the vessel table (one row per (id, mmsi)) that full-text search runs on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

AIS_ID_OFFSET = 10_000_000_000  # = seawatch.track.fusion.AIS_ONLY_ID_OFFSET
AIS_ONLY_KIND = 3  # ContactKind.AIS_ONLY
AIS_POSITION_KIND = 1  # observation Kind.AIS_POSITION

# column -> (numpy dtype, absent marker); the order is the storage order
POSITION_SCHEMA: dict[str, tuple[str, Any]] = {
    "id": ("i8", -1),
    "t": ("f8", np.nan),
    "lat": ("f8", np.nan),
    "lon": ("f8", np.nan),
    "sog_mps": ("f8", np.nan),
    "cog_deg": ("f8", np.nan),
    "heading_deg": ("f8", np.nan),
    "kind": ("i2", 0),
    "status": ("i2", 0),
    "mmsi": ("i8", -1),
}
POSITION_COLUMNS = tuple(POSITION_SCHEMA)

ARROW_SCHEMA = pa.schema([
    ("id", pa.int64()), ("t", pa.float64()), ("lat", pa.float64()), ("lon", pa.float64()),
    ("sog_mps", pa.float64()), ("cog_deg", pa.float64()), ("heading_deg", pa.float64()),
    ("kind", pa.int16()), ("status", pa.int16()), ("mmsi", pa.int64()),
])

VESSEL_COLUMNS = ("id", "mmsi", "name", "callsign", "imo", "ship_type", "first_seen", "last_seen")

Columns = dict[str, npt.NDArray[Any]]


@dataclass(frozen=True, slots=True)
class Normalised:
    positions: Columns  # POSITION_SCHEMA columns, sorted by (id, t), unique (id, t), positions only
    vessels: list[tuple[Any, ...]]  # VESSEL_COLUMNS rows, one per (id, mmsi) in the batch

    def __len__(self) -> int:
        return len(self.positions["id"])


def _col(source: Any, name: str, dtype: str, absent: Any, n: int) -> npt.NDArray[Any]:
    """A column from a ColumnBatch-like mapping or a pyarrow Table, absent markers for nulls."""
    if isinstance(source, pa.Table):
        if name not in source.column_names:
            return np.full(n, absent, dtype=dtype)
        col = source.column(name)
        if dtype == "O":
            return np.asarray(col.to_pylist(), dtype=object)
        if col.null_count:
            col = col.fill_null(absent)
        return np.asarray(col.to_numpy(), dtype=dtype)
    return np.asarray(source[name], dtype=dtype) if name in source.SCHEMA else np.full(n, absent, dtype)


def normalise(batch: Any) -> Normalised:
    """ContactBatch, ObservationBatch or a pyarrow Table (either of their layouts, or POSITION_SCHEMA)."""
    is_table = isinstance(batch, pa.Table)
    names = set(batch.column_names) if is_table else set(batch.SCHEMA)
    n = batch.num_rows if is_table else len(batch)
    get = lambda name, dtype, absent: _col(batch, name, dtype, absent, n)
    if "contact_id" in names or "id" in names:  # contacts (or already in the store's layout)
        ids = get("contact_id" if "contact_id" in names else "id", "i8", -1)
        t = get("t", "f8", np.nan)
        kind = get("kind", "i2", 0)
        status = get("status", "i2", 0)
        mmsi = get("mmsi", "i8", -1)
        keep = ids >= 0
    elif "observed_at" in names:  # AIS observations
        mmsi = get("mmsi", "i8", -1)
        t = get("observed_at", "f8", np.nan)
        obs_kind = get("kind", "i2", 0)
        ids = np.where(mmsi > 0, AIS_ID_OFFSET + mmsi, -1)
        kind = np.full(n, AIS_ONLY_KIND, dtype="i2")
        status = np.zeros(n, dtype="i2")
        keep = (mmsi > 0) & (obs_kind <= 2)  # AIS positions and static reports only
    else:
        raise ValueError(f"cannot store positions from columns {sorted(names)[:8]}...")
    lat = get("lat", "f8", np.nan)
    lon = get("lon", "f8", np.nan)
    keep &= np.isfinite(t)
    is_pos = keep & np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if "observed_at" in names:
        is_pos &= obs_kind == AIS_POSITION_KIND
    cols: Columns = {
        "id": ids, "t": t, "lat": lat, "lon": lon,
        "sog_mps": get("sog_mps", "f8", np.nan), "cog_deg": get("cog_deg", "f8", np.nan),
        "heading_deg": get("heading_deg", "f8", np.nan), "kind": kind, "status": status, "mmsi": mmsi,
    }
    idx = np.flatnonzero(is_pos)
    if len(idx):
        order = np.lexsort((cols["t"][idx], cols["id"][idx]))
        idx = idx[order]
        sid, st = cols["id"][idx], cols["t"][idx]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = (sid[1:] != sid[:-1]) | (st[1:] != st[:-1])
        idx = idx[first]
    positions = {name: col[idx] for name, col in cols.items()}
    vessels = _vessels(names, get, ids, mmsi, t, keep)
    return Normalised(positions, vessels)


def _vessels(names: set[str], get: Any, ids: npt.NDArray[Any], mmsi: npt.NDArray[Any],
             t: npt.NDArray[Any], keep: npt.NDArray[Any]) -> list[tuple[Any, ...]]:
    """One identity row per (id, mmsi) with the last non-empty name/callsign/imo/ship type in the batch
    (vectorised: the batch is sorted by (id, mmsi, t) and each column takes its last present value)."""
    name = get("name", "O", None)
    callsign = get("callsign", "O", None)
    imo = get("imo", "i8", -1)
    ship_type = get("ship_type", "i4", -1)
    name_ok = _present_text(name)
    call_ok = _present_text(callsign)
    idx = np.flatnonzero(keep)  # every contact: the table doubles as the contacts' lifetime index
    if not len(idx):
        return []
    idx = idx[np.lexsort((t[idx], mmsi[idx], ids[idx]))]
    gid, gm = ids[idx], mmsi[idx]
    new = np.ones(len(idx), dtype=bool)
    new[1:] = (gid[1:] != gid[:-1]) | (gm[1:] != gm[:-1])
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    n_groups = len(starts)
    ends = np.append(starts[1:], len(idx)) - 1
    tt = t[idx]
    first_seen = np.minimum.reduceat(tt, starts)
    last_seen = np.maximum.reduceat(tt, starts)

    def last_of(values: npt.NDArray[Any], present: npt.NDArray[Any]) -> list[Any]:
        out: list[Any] = [None] * n_groups
        rows = np.flatnonzero(present[idx])
        if len(rows):
            g = group[rows]
            is_last = np.ones(len(rows), dtype=bool)
            is_last[:-1] = g[1:] != g[:-1]
            for gi, v in zip(g[is_last].tolist(), values[idx[rows[is_last]]].tolist()):
                out[gi] = v.strip() if isinstance(v, str) else v
        return out

    names_out = last_of(name, name_ok)
    calls_out = last_of(callsign, call_ok)
    imos = last_of(imo, imo > 0)
    types = last_of(ship_type, ship_type >= 0)
    m = gm[ends].tolist()
    return [(i, mm if mm > 0 else None, nm, cs, im, st, fs, ls) for i, mm, nm, cs, im, st, fs, ls in
            zip(gid[ends].tolist(), m, names_out, calls_out, imos, types, first_seen.tolist(),
                last_seen.tolist())]


def _present_text(col: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """True where a string column holds a non-blank string."""
    if not len(col):
        return np.zeros(0, dtype=bool)
    ok = col != None
    if ok.any():
        sub = col[ok].astype(str)
        ok[ok] = np.char.str_len(np.char.strip(sub)) > 0
    return ok


def to_arrow(cols: Columns) -> pa.Table:
    """POSITION_SCHEMA columns to an Arrow table with nulls for absent values."""
    arrays = []
    for name, (dtype, absent) in POSITION_SCHEMA.items():
        col = cols[name]
        if dtype.startswith("f"):
            arrays.append(pa.array(col, type=ARROW_SCHEMA.field(name).type, mask=np.isnan(col)))
        elif name in ("kind", "status", "id"):
            arrays.append(pa.array(col, type=ARROW_SCHEMA.field(name).type))
        else:
            arrays.append(pa.array(col, type=ARROW_SCHEMA.field(name).type, mask=col == absent))
    return pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA)


_EMPTY = ARROW_SCHEMA.empty_table()


def empty_table() -> pa.Table:
    return _EMPTY  # tables are immutable: one empty table serves every caller


def rows_for_sql(cols: Columns, sql_nulls: bool = True) -> list[tuple[Any, ...]]:
    """Row tuples for executemany; NaN binds as SQL NULL, and so does the -1 MMSI marker unless
    `sql_nulls` is False (the statement then maps it with nullif(?, -1))."""
    out = []
    for name, (dtype, absent) in POSITION_SCHEMA.items():
        col = cols[name]
        if sql_nulls and name == "mmsi" and (col == absent).any():
            lst = [None if v == absent else v for v in col.tolist()]
        else:
            lst = col.tolist()  # NaN binds as SQL NULL (SQLite stores no NaN)
        out.append(lst)
    return list(zip(*out))


def dedupe_sorted(table: pa.Table, sort: list[tuple[str, str]]) -> pa.Table:
    """Drop repeated (id, t) rows (a row both in the live part and the archive), then sort."""
    if table.num_rows < 2:
        return table.sort_by(sort) if table.num_rows else table
    table = table.sort_by([("id", "ascending"), ("t", "ascending")])
    ids = table.column("id").to_numpy()
    ts = table.column("t").to_numpy()
    first = np.ones(len(ids), dtype=bool)
    first[1:] = (ids[1:] != ids[:-1]) | (ts[1:] != ts[:-1])
    if not first.all():
        table = table.filter(pa.array(first))
    return table.sort_by(sort)
