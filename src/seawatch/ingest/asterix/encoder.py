"""Encode radar observations as ASTERIX CAT 010 or CAT 048 target reports (the simulator's radar output).

Vectorised: every record's FSPEC and items are laid out with numpy, records are packed
`records_per_block` to a data block. Which items a record carries follows from which of its columns are
present (not NaN / -1 / None):

| column(s) | CAT 010 | CAT 048 |
|---|---|---|
| (always) | I010/010 SAC/SIC, /000 = 1 (target report), /020 TYP = PSR, /140 time of day | I048/010, /140, /020 TYP = PSR |
| lat, lon | I010/041 | (no WGS-84 item) |
| range_m, bearing_deg | I010/040 (1 m) | I048/040 (1/256 NM) |
| track_number | I010/161 | I048/161 |
| sog_mps, cog_deg | I010/200 | I048/200 |
| heading_deg | I010/270 orientation | (none) |
| callsign | I010/245 | I048/240 |

A track number makes the report a track report, its absence a plot; decoding gives back each value to
within the item's resolution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.asterix.fields import encode_sixbit
from seawatch.model.observation import ObservationBatch
from seawatch.model.units import NM_TO_M

IntArray = npt.NDArray[np.int64]
# an item: (FRN, size in octets, which rows carry it, function of the rows -> (rows, size) octets)
_Item = tuple[int, int, npt.NDArray[np.bool_], Callable[[npt.NDArray[np.int64]], IntArray]]


def _octets(values: Any, nbytes: int) -> IntArray:
    """Big-endian octets of integers (two's complement for negatives), shape (n, nbytes)."""
    v = np.asarray(values, dtype=np.int64) & ((1 << (8 * nbytes)) - 1) if nbytes < 8 else \
        np.asarray(values, dtype=np.int64)
    return np.stack([(v >> (8 * (nbytes - 1 - k))) & 0xFF for k in range(nbytes)], axis=1)


def _check_range(name: str, values: npt.NDArray[np.float64], lo: float, hi: float) -> None:
    bad = np.isfinite(values) & ((values < lo) | (values > hi))
    if bad.any():
        raise ValueError(f"{name} {values[bad][0]!r} cannot be encoded: the item holds {lo} .. {hi}")


def encode_target_reports(batch: ObservationBatch, *, category: int = 10, sac: int = 0, sic: int = 1,
                          records_per_block: int = 1) -> bytes:
    """ASTERIX data blocks carrying one target report per row of `batch` (observed_at is required)."""
    if category not in (10, 48):
        raise ValueError(f"category {category} cannot be encoded: seawatch writes CAT 010 and CAT 048")
    if not 0 <= sac <= 255 or not 0 <= sic <= 255:
        raise ValueError(f"SAC/SIC must be 0..255, got {sac}/{sic}")
    if records_per_block < 1:
        raise ValueError("records_per_block must be >= 1")
    n = len(batch)
    if n == 0:
        return b""
    t = batch["observed_at"]
    if not np.isfinite(t).all():
        raise ValueError("every target report needs observed_at (I/140 time of day)")
    tod = np.round((t % 86400.0) * 128.0).astype(np.int64) % (86400 * 128)
    rng, brg = batch["range_m"], batch["bearing_deg"]
    lat, lon = batch["lat"], batch["lon"]
    sog, cog, hdg = batch["sog_mps"], batch["cog_deg"], batch["heading_deg"]
    trk = batch["track_number"]
    calls = batch["callsign"]
    has_polar = np.isfinite(rng) & np.isfinite(brg)
    has_vel = np.isfinite(sog) & np.isfinite(cog)
    has_trk = trk >= 0
    has_call = np.array([c is not None and c != "" for c in calls.tolist()], dtype=bool)
    always = np.ones(n, dtype=bool)
    theta = np.round(np.nan_to_num(brg) % 360.0 * (65536.0 / 360.0)).astype(np.int64) % 65536
    speed = np.round(np.nan_to_num(sog) * (16384.0 / NM_TO_M)).astype(np.int64)
    course = np.round(np.nan_to_num(cog) % 360.0 * (65536.0 / 360.0)).astype(np.int64) % 65536
    _check_range("sog_mps", np.where(has_vel, sog, np.nan), 0.0, 65535 * NM_TO_M / 16384.0)
    callcodes = np.array([encode_sixbit(c) if ok else 0 for c, ok in zip(calls.tolist(), has_call.tolist())],
                         dtype=np.int64)
    sacsic = np.full(n, sac * 256 + sic, dtype=np.int64)
    items: list[_Item] = []
    if category == 10:
        _check_range("range_m", np.where(has_polar, rng, np.nan), 0.0, 65535.0)
        has_wgs = np.isfinite(lat) & np.isfinite(lon)
        has_hdg = np.isfinite(hdg)
        la = np.round(np.nan_to_num(lat) * (2**31 / 180.0)).astype(np.int64)
        lo = np.round(np.nan_to_num(lon) * (2**31 / 180.0)).astype(np.int64)
        orient = np.round(np.nan_to_num(hdg) % 360.0 * (128.0 / 360.0)).astype(np.int64) % 128
        items = [
            (1, 2, always, lambda r: _octets(sacsic[r], 2)),
            (2, 1, always, lambda r: _octets(np.ones(len(r)), 1)),
            (3, 1, always, lambda r: _octets(np.full(len(r), 3 << 5), 1)),  # TYP = PSR, no extension
            (4, 3, always, lambda r: _octets(tod[r], 3)),
            (5, 8, has_wgs, lambda r: np.concatenate([_octets(la[r], 4), _octets(lo[r], 4)], axis=1)),
            (6, 4, has_polar, lambda r: _octets((np.round(rng[r]).astype(np.int64) << 16) | theta[r], 4)),
            (8, 4, has_vel, lambda r: _octets((speed[r] << 16) | course[r], 4)),
            (10, 2, has_trk, lambda r: _octets(trk[r] & 0x0FFF, 2)),
            (14, 7, has_call, lambda r: _octets(callcodes[r], 7)),  # STI octet 0, then 6 octets
            (19, 2, has_hdg, lambda r: _octets((1 << 8) | (orient[r] << 1), 2)),  # length 0 + FX, orientation
        ]
    else:
        rho = np.round(np.nan_to_num(rng) * (256.0 / NM_TO_M)).astype(np.int64)
        _check_range("range_m", np.where(has_polar, rng, np.nan), 0.0, 65535 * NM_TO_M / 256.0)
        items = [
            (1, 2, always, lambda r: _octets(sacsic[r], 2)),
            (2, 3, always, lambda r: _octets(tod[r], 3)),
            (3, 1, always, lambda r: _octets(np.full(len(r), 1 << 5), 1)),  # TYP = single PSR detection
            (4, 4, has_polar, lambda r: _octets((rho[r] << 16) | theta[r], 4)),
            (9, 6, has_call, lambda r: _octets(callcodes[r], 6)),
            (11, 2, has_trk, lambda r: _octets(trk[r] & 0x0FFF, 2)),
            (13, 4, has_vel, lambda r: _octets((speed[r] << 16) | course[r], 4)),
        ]
    return _pack(n, items, category, records_per_block)


def _pack(n: int, items: list[_Item], category: int, per_block: int) -> bytes:
    max_frn = np.zeros(n, dtype=np.int64)
    for frn, _size, present, _fn in items:
        max_frn = np.where(present, np.maximum(max_frn, frn), max_frn)
    fs_len = (max_frn + 6) // 7
    size = fs_len.copy()
    for _frn, nbytes, present, _fn in items:
        size += present * nbytes
    group = np.arange(n) // per_block
    n_groups = int(group[-1]) + 1
    block_len = 3 + np.bincount(group, weights=size, minlength=n_groups).astype(np.int64)
    if (block_len > 65535).any():
        raise ValueError("a data block would exceed 65535 octets: lower records_per_block")
    rec_start = np.cumsum(size) - size + 3 * (group + 1)  # each group is preceded by its block header
    block_start = np.cumsum(block_len) - block_len
    out = np.zeros(int(block_len.sum()), dtype=np.uint8)
    out[block_start] = category
    out[block_start + 1] = block_len >> 8
    out[block_start + 2] = block_len & 0xFF
    for k in range(int(fs_len.max())):  # FSPEC octets: presence bits, FX on all but the last
        with_octet = np.flatnonzero(fs_len > k)
        octet = np.where(fs_len[with_octet] > k + 1, 1, 0)
        for frn, _size, present, _fn in items:
            if (frn - 1) // 7 == k:
                octet |= present[with_octet].astype(np.int64) << (7 - (frn - 1) % 7)
        out[rec_start[with_octet] + k] = octet
    cursor = rec_start + fs_len
    for _frn, nbytes, present, fn in sorted(items, key=lambda it: it[0]):
        carrying = np.flatnonzero(present)
        if carrying.size:
            octets = fn(carrying)
            pos = cursor[carrying][:, None] + np.arange(nbytes)[None, :]
            out[pos] = octets
        cursor = cursor + present * nbytes
    return out.tobytes()
