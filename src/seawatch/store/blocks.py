"""Position blocks: how both back-ends keep positions on the bulk path.

A block is one contact's positions inside one `BLOCK_S` bucket of time (an hour, so a block never straddles
a UTC day), kept as one database row keyed `(id, t0)` (t0 = the block's first time) whose `data` is the
rows packed as fixed 60-byte little-endian records (`RECORD`: t, lat, lon, sog, cog, heading, kind, status,
mmsi; the id is the key). One row per contact per batch instead of one per position is what lets SQLite and
PostgreSQL take hundreds of thousands of positions a second; a track is still one key-range read, and
decoding any number of blocks is one `numpy.frombuffer` over their concatenation.

Idempotence ((id, t) stored once) is kept at write time: `new_rows` drops the rows of a batch that the
store already holds, fetching only the blocks of contacts whose stored time span (the vessels table's
first/last seen) overlaps the batch, which for a replay or a live feed moving forward is none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from seawatch.store.positions import POSITION_SCHEMA, Columns, empty_table, to_arrow

BLOCK_S = 3600.0  # a block holds one contact's positions of one hour bucket: floor(t / BLOCK_S)

RECORD = np.dtype([("t", "<f8"), ("lat", "<f8"), ("lon", "<f8"), ("sog_mps", "<f8"), ("cog_deg", "<f8"),
                   ("heading_deg", "<f8"), ("kind", "<i2"), ("status", "<i2"), ("mmsi", "<i8")])
RECORD_FIELDS = RECORD.names or ()


@dataclass(frozen=True, slots=True)
class Blocks:
    """A batch cut into blocks: one entry per block, columns as numpy arrays, payloads as bytes."""

    id: npt.NDArray[np.int64]
    t0: npt.NDArray[np.float64]
    t1: npt.NDArray[np.float64]
    n: npt.NDArray[np.int64]
    lon_min: npt.NDArray[np.float64]
    lon_max: npt.NDArray[np.float64]
    lat_min: npt.NDArray[np.float64]
    lat_max: npt.NDArray[np.float64]
    data: list[bytes]
    starts: npt.NDArray[np.int64]  # first row of each block in the batch

    def __len__(self) -> int:
        return len(self.data)


def make_blocks(cols: Columns) -> Blocks:
    """Cut POSITION_SCHEMA columns sorted by (id, t) into blocks (vectorised; one bytes slice per block)."""
    ids, t = cols["id"], cols["t"]
    n = len(ids)
    bucket = np.floor(t / BLOCK_S)
    new = np.ones(n, dtype=bool)
    new[1:] = (ids[1:] != ids[:-1]) | (bucket[1:] != bucket[:-1])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    rec = np.empty(n, dtype=RECORD)
    for name in RECORD_FIELDS:
        rec[name] = cols[name]
    raw = rec.tobytes()
    size = RECORD.itemsize
    data = [raw[s * size:e * size] for s, e in zip(starts.tolist(), ends.tolist())]
    lat, lon = cols["lat"], cols["lon"]
    return Blocks(ids[starts], t[starts], t[ends - 1], ends - starts,
                  np.minimum.reduceat(lon, starts) if n else lon[:0], np.maximum.reduceat(lon, starts) if n else lon[:0],
                  np.minimum.reduceat(lat, starts) if n else lat[:0], np.maximum.reduceat(lat, starts) if n else lat[:0],
                  data, starts)


def decode(ids: Sequence[int], counts: Sequence[int], payloads: Sequence[bytes]) -> Columns:
    """Blocks back to POSITION_SCHEMA columns (absent markers kept: NaN, -1), in the order given."""
    rec = np.frombuffer(b"".join(payloads), dtype=RECORD)
    cols: Columns = {"id": np.repeat(np.asarray(ids, dtype="i8"), np.asarray(counts, dtype="i8"))}
    for name in RECORD_FIELDS:
        cols[name] = rec[name]
    return {name: cols[name] for name in POSITION_SCHEMA}


def decode_table(rows: Sequence[tuple[Any, ...]]) -> pa.Table:
    """Rows of (id, n, data) to an Arrow table in POSITION_SCHEMA (nulls for absent values)."""
    if not rows:
        return empty_table()
    ids, counts, payloads = zip(*rows)
    return to_arrow(decode(ids, counts, [bytes(p) for p in payloads]))


def select(cols: Columns, mask: npt.NDArray[np.bool_]) -> Columns:
    return {name: col[mask] for name, col in cols.items()}


def within(cols: Columns, t0: float, t1: float) -> Columns:
    t = cols["t"]
    return select(cols, (t >= t0) & (t <= t1))


def new_rows(cols: Columns, alive: Sequence[tuple[int, float, float]],
             fetch: Callable[[list[tuple[int, float, float]]], Columns]) -> Columns:
    """The rows of `cols` (sorted by (id, t)) not yet stored. `alive` is (id, first_seen, last_seen) of the
    stored contacts whose span may overlap the batch; `fetch([(id, t0, t1), ...])` returns the stored rows
    of those contacts in those periods."""
    if not len(alive) or not len(cols["id"]):
        return cols
    ids, t = cols["id"], cols["t"]
    known = np.asarray([a[0] for a in alive], dtype="i8")
    order = np.argsort(known)
    known = known[order]
    first = np.asarray([a[1] for a in alive], dtype="f8")[order]
    last = np.asarray([a[2] for a in alive], dtype="f8")[order]
    pos = np.minimum(np.searchsorted(known, ids), len(known) - 1)
    maybe = (known[pos] == ids) & (t >= first[pos]) & (t <= last[pos])
    if not maybe.any():
        return cols
    m_ids, m_t = ids[maybe], t[maybe]
    starts = np.flatnonzero(np.r_[True, m_ids[1:] != m_ids[:-1]])
    spans = list(zip(m_ids[starts].tolist(), np.minimum.reduceat(m_t, starts).tolist(),
                     np.maximum.reduceat(m_t, starts).tolist()))
    stored = fetch(spans)
    if not len(stored["id"]):
        return cols
    # ids are below 2**53, so (id, t) is exact as one complex number, and complex sorts lexicographically
    have = np.isin(ids[maybe] + 1j * t[maybe], stored["id"] + 1j * stored["t"])
    keep = np.ones(len(ids), dtype=bool)
    keep[np.flatnonzero(maybe)[have]] = False
    return select(cols, keep)


def every_contact(cols: Columns) -> list[tuple[int, float, float]]:
    """(id, -inf, inf) for every contact of a batch sorted by id: `new_rows` then checks all its rows (the
    fallback when the vessels table does not know a contact that has stored blocks)."""
    ids = cols["id"]
    return [(i, -np.inf, np.inf) for i in ids[np.r_[True, ids[1:] != ids[:-1]]].tolist()] if len(ids) else []


BOX_EWKB = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("n", "<u4"), ("x0", "<f8"), ("y0", "<f8"),
                     ("m0", "<f8"), ("x1", "<f8"), ("y1", "<f8"), ("m1", "<f8")])


def ewkb_boxes(blocks: Blocks) -> bytes:
    """Each block's XYM bounding box as an EWKB LINESTRING M of two points, (lon_min, lat_min, t0) to
    (lon_max, lat_max, t1), SRID 4326 (for PostGIS's n-D GiST index), concatenated: `BOX_EWKB.itemsize`
    bytes each, in block order."""
    rec = np.empty(len(blocks), dtype=BOX_EWKB)
    rec["order"] = 1
    rec["type"] = 2 | 0x40000000 | 0x20000000  # LineString, M, SRID
    rec["srid"] = 4326
    rec["n"] = 2
    rec["x0"], rec["y0"], rec["m0"] = blocks.lon_min, blocks.lat_min, blocks.t0
    rec["x1"], rec["y1"], rec["m1"] = blocks.lon_max, blocks.lat_max, blocks.t1
    return rec.tobytes()
