"""Compiled (numba) decoding of the AIS position reports: one kernel call per chunk writes every column.

Types 1, 2, 3 (Class A), 18 (Class B), 9 (SAR aircraft), 27 (long range), 4 and 11 (base station) are
~95 % of the messages of a real feed. `payload.py` decodes them with one or two numpy shifts and masks
per field and class (~50 numpy calls per class and chunk: fixed costs that weigh more than the work on
the rows); here one loop over the rows reads each field straight from the 6-bit characters of the
payload and writes it into the observation column, at the row the message gets in the chunk's batch.
The rules are `payload.py`'s, value for value (same float operations in the same order): that module
stays the reference (`SEAWATCH_NO_JIT=1`), and `tests/ingest/nmea/test_kernel.py` holds the two paths
to the same observations on every real recording and on fuzzed input.

Rows must have passed `length_ok` (their payload has its type's length); `armour_bad` flags the rows
with a character outside the 6-bit alphabet among the characters their class reads (`payload.Bits.of`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea._jit import helper, inline, jit
from seawatch.ingest.nmea.payload import _CLASSES
from seawatch.model.observation import Kind
from seawatch.model.units import KN_TO_MPS

# characters each type's class reads (the width of its `payload.Bits`), 0 for the other types
WIDTH_OF_TYPE = np.zeros(64, dtype=np.int64)
for _types, _width in _CLASSES:
    WIDTH_OF_TYPE[list(_types)] = _width
# the types this module decodes
POSITION_OF_TYPE = np.zeros(64, dtype=np.bool_)
POSITION_OF_TYPE[[1, 2, 3, 18, 9, 27, 4, 11]] = True

_POSITION = np.uint8(Kind.AIS_POSITION)
_BASE = np.uint8(Kind.AIS_BASE_STATION)
_KN = KN_TO_MPS


@inline
def _six(c: int) -> int:
    """The 6-bit value of an armoured character (-1 if outside the alphabet)."""
    v = c - 48
    if v < 0 or v >= 72 or 40 <= v < 48:
        return -1
    return v - 8 if v >= 48 else v


@jit
def armour_bad(buf, pay0, pay1, rows, mtype, width_of_type, bad, is_position):
    """Per row of `rows`: bad if one of the first `width_of_type[type]` characters of its payload is not
    6-bit armour (`payload.Bits.of`'s check); is_position if its type is decoded by `decode_positions`."""
    for i in range(len(rows)):
        r = rows[i]
        t = mtype[r] & 63
        p = pay0[r]
        inside = min(pay1[r] - p, width_of_type[t])
        b = False
        for k in range(inside):
            if _six(buf[p + k]) < 0:
                b = True
                break
        bad[i] = b
        is_position[i] = t == 1 or t == 2 or t == 3 or t == 18 or t == 9 or t == 27 or t == 4 or t == 11


@helper()
def _words(buf, p: int, n: int, wd) -> None:
    """The n characters at buf[p] (valid armour) de-armoured and packed 8 to a 48-bit word into wd (zero
    past them), as `payload.Bits.of` packs them."""
    for w in range(len(wd)):
        wd[w] = 0
    for c in range(n):
        v = buf[p + c] - 48
        wd[c >> 3] |= (v - 8 if v >= 48 else v) << (6 * (7 - (c & 7)))


@helper("int64(int64[::1], int64, int64)")
def _u(wd, start: int, width: int) -> int:
    """Unsigned field of `width` (<= 48) bits at bit `start` of the words (`payload.Bits.u`)."""
    k, off = start // 48, start % 48
    if off + width <= 48:
        return (wd[k] >> (48 - off - width)) & ((1 << width) - 1)
    lo = off + width - 48
    return ((wd[k] & ((1 << (48 - off)) - 1)) << lo) | (wd[k + 1] >> (48 - lo))


@helper("int64(int64[::1], int64, int64)")
def _s(wd, start: int, width: int) -> int:
    u = _u(wd, start, width)
    return u - (1 << width) if u >= (1 << (width - 1)) else u


@inline
def _latlon(lon_raw: int, lat_raw: int, scale: float, at: int, lat, lon) -> None:
    x, y = lon_raw / scale, lat_raw / scale
    if abs(x) > 180.0 or abs(y) > 90.0:  # 181 / 91 = not available; beyond is invalid
        lat[at], lon[at] = np.nan, np.nan
    else:
        lat[at], lon[at] = y, x


@inline
def _sog_tenths(raw: int) -> float:
    return np.nan if raw >= 1023 else (raw / 10.0) * _KN


@inline
def _cog(raw: int) -> float:
    return np.nan if raw >= 3600 else raw / 10.0


@inline
def _heading(raw: int) -> float:
    return np.nan if raw >= 360 else float(raw)


@jit
def decode_positions(buf, pay0, pay1, mtype, width_of_type, wd, rows, dest, kind, msg_type, mmsi, nav_status, rot,
                     sog, accuracy, lat, lon, cog, heading):
    """The position reports `rows` (valid armour, their type's length) decoded into the observation
    columns at `dest`; a column a type does not define is left as it is (absent)."""
    for i in range(len(rows)):
        r = rows[i]
        at = dest[i]
        p = pay0[r]
        n = pay1[r] - p
        t = mtype[r]
        _words(buf, p, min(n, width_of_type[t]), wd)
        msg_type[at] = t
        mmsi[at] = _u(wd, 8, 30)
        if t == 1 or t == 2 or t == 3:
            kind[at] = _POSITION
            st = _u(wd, 38, 4)
            nav_status[at] = -1 if st == 15 else st
            rr = _s(wd, 42, 8)
            if abs(rr) >= 127:  # 127: no turn indicator, -128: not available
                rot[at] = np.nan
            else:
                q = rr / 4.733
                rot[at] = (1.0 if rr > 0 else (-1.0 if rr < 0 else 0.0)) * (q * q)
            sog[at] = _sog_tenths(_u(wd, 50, 10))
            accuracy[at] = _u(wd, 60, 1)
            _latlon(_s(wd, 61, 28), _s(wd, 89, 27), 600000.0, at, lat, lon)
            cog[at] = _cog(_u(wd, 116, 12))
            heading[at] = _heading(_u(wd, 128, 9))
        elif t == 18:
            kind[at] = _POSITION
            sog[at] = _sog_tenths(_u(wd, 46, 10))
            accuracy[at] = _u(wd, 56, 1)
            _latlon(_s(wd, 57, 28), _s(wd, 85, 27), 600000.0, at, lat, lon)
            cog[at] = _cog(_u(wd, 112, 12))
            heading[at] = _heading(_u(wd, 124, 9))
        elif t == 9:  # SAR aircraft: speed in whole knots
            kind[at] = _POSITION
            raw = _u(wd, 50, 10)
            sog[at] = np.nan if raw >= 1023 else raw * _KN
            accuracy[at] = _u(wd, 60, 1)
            _latlon(_s(wd, 61, 28), _s(wd, 89, 27), 600000.0, at, lat, lon)
            cog[at] = _cog(_u(wd, 116, 12))
        elif t == 27:  # positions in 1/10 minute, speed in knots, course in degrees
            kind[at] = _POSITION
            accuracy[at] = _u(wd, 38, 1)
            st = _u(wd, 40, 4)
            nav_status[at] = -1 if st == 15 else st
            _latlon(_s(wd, 44, 18), _s(wd, 62, 17), 600.0, at, lat, lon)
            s = _u(wd, 79, 6)
            sog[at] = np.nan if s >= 63 else s * _KN
            c = _u(wd, 85, 9)
            cog[at] = np.nan if c >= 360 else float(c)
        else:  # 4, 11: base station
            kind[at] = _BASE
            accuracy[at] = _u(wd, 78, 1)
            _latlon(_s(wd, 79, 28), _s(wd, 107, 27), 600000.0, at, lat, lon)


POSITION_COLUMNS = ("kind", "msg_type", "mmsi", "nav_status", "rot_deg_min", "sog_mps", "position_accuracy", "lat",
                    "lon", "cog_deg", "heading_deg")


def check_rows(buf: npt.NDArray[np.uint8], pay0: npt.NDArray[np.int64], pay1: npt.NDArray[np.int64],
               rows: npt.NDArray[np.int64], mtype: npt.NDArray[np.int64]) -> tuple[
                   npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(bad armour, decoded here) per row of `rows` (rows of the fast types)."""
    bad, is_position = np.empty(len(rows), dtype=np.bool_), np.empty(len(rows), dtype=np.bool_)
    armour_bad(buf, pay0, pay1, rows, mtype, WIDTH_OF_TYPE, bad, is_position)
    return bad, is_position


def decode(buf: npt.NDArray[np.uint8], pay0: npt.NDArray[np.int64], pay1: npt.NDArray[np.int64],
           mtype: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], dest: npt.NDArray[np.int64],
           column: Callable[[str], npt.NDArray[Any]]) -> None:
    """The position reports `rows` into the observation columns (`column(name)`) at rows `dest`."""
    args = [buf, pay0, pay1, mtype, WIDTH_OF_TYPE, np.zeros(9, dtype=np.int64), rows, dest,
            *(column(name) for name in POSITION_COLUMNS)]
    decode_positions(*args)
