"""Decode the items seawatch maps to observation columns, vectorised over the framed records.

Scalings (EUROCONTROL ASTERIX CAT 010 ed. 1.1, CAT 048 ed. 1.2x):

| item | CAT 010 | CAT 048 |
|---|---|---|
| /010 data source | SAC, SIC | SAC, SIC |
| /140 time of day | 1/128 s | 1/128 s |
| /040 polar position | RHO 1 m, THETA 360/2^16 deg | RHO 1/256 NM, THETA 360/2^16 deg |
| /042 cartesian position | X, Y signed, 1 m | X, Y signed, 1/128 NM |
| /041 WGS-84 position | lat, lon signed 32 bit, 180/2^31 deg | (none) |
| /161 track number | 12 bits | 12 bits |
| /200 velocity, polar | speed 2^-14 NM/s, track angle 360/2^16 deg | same |
| /202 velocity, cartesian | VX, VY signed, 0.25 m/s | (none) |
| /270 size and orientation | length 1 m, orientation 360/128 deg, width 1 m | (none) |
| /245, /240 identification | 8 six-bit ICAO characters after an STI octet | 8 six-bit characters |
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.asterix.records import IntArray, U8Array
from seawatch.ingest.asterix.uap import UAPS, frn_index
from seawatch.model.units import NM_TO_M

FloatArray = npt.NDArray[np.float64]

# six-bit ICAO character set (ICAO Annex 10 vol. IV): 1-26 = A-Z, 32 = space, 48-57 = 0-9
_SIXBIT = np.full(64, ord("?"), dtype=np.uint8)
_SIXBIT[1:27] = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_SIXBIT[32] = ord(" ")
_SIXBIT[48:58] = np.frombuffer(b"0123456789", dtype=np.uint8)
_SIXBIT_CODE = {chr(c): i for i, c in enumerate(_SIXBIT.tolist()) if chr(c) != "?"}


def uint(arr: U8Array, off: IntArray, nbytes: int) -> IntArray:
    """Big-endian unsigned integers of `nbytes` at `off` (absent offsets -1 read as 0). An absent item's
    offset plus a field position (`o + 4` of a -1) can point past a short block: reads are clipped to the
    array, the value of an absent item is not used."""
    o = np.where(off >= 0, off, 0)
    v = np.zeros(len(o), dtype=np.int64)
    last = len(arr) - 1
    for k in range(nbytes):
        v = (v << 8) | arr[np.minimum(o + k, last)].astype(np.int64)
    return v


def sint(arr: U8Array, off: IntArray, nbytes: int) -> IntArray:
    sign = np.int64(1) << (8 * nbytes - 1)
    v = uint(arr, off, nbytes)
    return (v ^ sign) - sign


def _nan_unless(present: npt.NDArray[np.bool_], values: Any) -> FloatArray:
    return np.where(present, values, np.nan).astype(np.float64)


def sixbit_text(arr: U8Array, off: IntArray) -> npt.NDArray[np.object_]:
    """Eight six-bit characters packed in the 6 octets at `off`; None where absent or blank."""
    out = np.full(len(off), None, dtype=object)
    idx = np.flatnonzero(off >= 0)
    if not idx.size:
        return out
    v = uint(arr, off[idx], 6)
    codes = np.stack([(v >> (42 - 6 * k)) & 63 for k in range(8)], axis=1)
    chars = _SIXBIT[codes].copy().view("S8").ravel()
    texts = [c.decode("ascii").strip() or None for c in chars.tolist()]
    out[idx] = np.array(texts + [None], dtype=object)[:-1]
    return out


def encode_sixbit(text: str) -> int:
    """Eight characters (space padded, upper case) to a 48-bit integer; unknown characters become spaces."""
    v = 0
    for ch in text.upper()[:8].ljust(8):
        v = (v << 6) | _SIXBIT_CODE.get(ch, 32)
    return v


def decode_fields(arr: U8Array, offsets: IntArray, category: int) -> dict[str, Any]:
    """The mapped items of each record as float/int arrays (NaN / -1 / None when absent)."""
    uap = UAPS[category]

    def off(item: str) -> IntArray:
        return offsets[:, frn_index(uap, item)]

    n = len(offsets)
    o010, o140, o040, o042, o161, o200 = (off(i) for i in ("010", "140", "040", "042", "161", "200"))
    p140, p040, p042, p161, p200 = (o >= 0 for o in (o140, o040, o042, o161, o200))
    out: dict[str, Any] = {
        "sac": uint(arr, o010, 1),
        "sic": uint(arr, o010 + 1, 1),
        "tod_s": _nan_unless(p140, uint(arr, o140, 3) / 128.0),
        "theta_deg": _nan_unless(p040, uint(arr, o040 + 2, 2) * (360.0 / 65536.0)),
        "track_number": np.where(p161, uint(arr, o161, 2) & 0x0FFF, -1),
        "sog_mps": _nan_unless(p200, uint(arr, o200, 2) * (NM_TO_M / 16384.0)),
        "cog_deg": _nan_unless(p200, uint(arr, o200 + 2, 2) * (360.0 / 65536.0)),
        "heading_deg": np.full(n, np.nan),
        "lat": np.full(n, np.nan),
        "lon": np.full(n, np.nan),
    }
    if category == 10:
        o000, o041, o202, o270, o245 = (off(i) for i in ("000", "041", "202", "270", "245"))
        out["message_type"] = np.where(o000 >= 0, uint(arr, o000, 1), 1)  # target report if absent
        out["rho_m"] = _nan_unless(p040, uint(arr, o040, 2).astype(np.float64))
        out["x_m"] = _nan_unless(p042, sint(arr, o042, 2).astype(np.float64))
        out["y_m"] = _nan_unless(p042, sint(arr, o042 + 2, 2).astype(np.float64))
        p041 = o041 >= 0
        out["lat"] = _nan_unless(p041, sint(arr, o041, 4) * (180.0 / 2**31))
        out["lon"] = _nan_unless(p041, sint(arr, o041 + 4, 4) * (180.0 / 2**31))
        p202 = (o202 >= 0) & ~p200  # polar velocity wins when both are present
        if p202.any():
            vx = sint(arr, o202, 2) * 0.25
            vy = sint(arr, o202 + 2, 2) * 0.25
            out["sog_mps"] = np.where(p202, np.hypot(vx, vy), out["sog_mps"])
            out["cog_deg"] = np.where(p202, np.degrees(np.arctan2(vx, vy)) % 360.0, out["cog_deg"])
        # I010/270: octet 1 length (+FX), octet 2 orientation (+FX), octet 3 width
        has_orientation = (o270 >= 0) & ((uint(arr, o270, 1) & 1) == 1)
        out["heading_deg"] = _nan_unless(has_orientation, (uint(arr, o270 + 1, 1) >> 1) * (360.0 / 128.0))
        out["callsign"] = sixbit_text(arr, np.where(o245 >= 0, o245 + 1, -1))
    else:
        out["message_type"] = np.ones(n, dtype=np.int64)
        out["rho_m"] = _nan_unless(p040, uint(arr, o040, 2) * (NM_TO_M / 256.0))
        out["x_m"] = _nan_unless(p042, sint(arr, o042, 2) * (NM_TO_M / 128.0))
        out["y_m"] = _nan_unless(p042, sint(arr, o042 + 2, 2) * (NM_TO_M / 128.0))
        out["callsign"] = sixbit_text(arr, off("240"))
    return out
