"""Small pieces both back-ends share: last position per contact in a box, full-text query terms."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

from seawatch.store.base import BBox
from seawatch.store.positions import dedupe_sorted

_WORD = re.compile(r"\w+", re.UNICODE)


def last_per_id(table: pa.Table, bbox: BBox) -> pa.Table:
    """Each id's latest row, kept when that latest position lies in the box; sorted by id."""
    if not table.num_rows:
        return table
    table = dedupe_sorted(table, [("id", "ascending"), ("t", "ascending")])
    ids = table.column("id").to_numpy()
    last = np.ones(len(ids), dtype=bool)
    last[:-1] = ids[1:] != ids[:-1]
    lat = table.column("lat").to_numpy()
    lon = table.column("lon").to_numpy()
    inside = (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
    return table.filter(pa.array(last & inside))


def search_terms(text: str) -> tuple[str | None, str | None]:
    """(MMSI digits prefix, or None; FTS5 prefix query on the words, or None)."""
    text = text.strip()
    if text.isdigit():
        return text, None
    words = _WORD.findall(text)
    if not words:
        return None, None
    return None, " ".join(f'"{w}"*' for w in words)
