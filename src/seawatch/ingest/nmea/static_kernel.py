"""Compiled (numba) decoding of the AIS static reports: types 5, 24 (parts A and B) and 21 in one kernel call.

The numbers go straight into the observation columns at the rows the messages get in the chunk's batch;
the text fields (name, call sign, destination, ETA) are written left-aligned into byte matrices, '@'
padding cut and spaces stripped as `payload.Bits.text` does, and made into strings with one numpy call
per field. The rules are `payload.py`'s (`decode_static5`, `decode_static24`, `decode_aton21`), value
for value; that module stays the reference (`SEAWATCH_NO_JIT=1`) and `tests/ingest/nmea/test_kernel.py`
holds the two paths to the same observations. Rows must have valid armour and their type's length.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea._jit import helper, inline, jit
from seawatch.ingest.nmea.payload import SIXBIT_ASCII
from seawatch.ingest.nmea.position_kernel import WIDTH_OF_TYPE, _latlon, _s, _u, _words
from seawatch.model.observation import Kind

_STATIC = np.uint8(Kind.AIS_STATIC)
_ATON = np.uint8(Kind.AIS_ATON)
NAME_CHARS = 34  # 20 characters, and up to 14 more in a type 21's name extension


@helper("int64(int64[::1], int64, int64, uint8[::1], uint8[:, ::1], int64, int64)")
def _text(wd, start: int, nchars: int, table, out, row: int, off: int) -> int:
    """6-bit text of nchars characters at bit `start`, cut at the first '@', spaces stripped on both sides,
    written at out[row, off:]; the rest of the nchars cells zero. Returns its length."""
    end = nchars
    for i in range(nchars):
        c = table[_u(wd, start + 6 * i, 6)]
        if c == 64:
            end = i
            break
        out[row, off + i] = c
    a = 0
    while a < end and out[row, off + a] == 32:
        a += 1
    b = end
    while b > a and out[row, off + b - 1] == 32:
        b -= 1
    for i in range(b - a):
        out[row, off + i] = out[row, off + a + i]
    for i in range(b - a, nchars):
        out[row, off + i] = 0
    return b - a


@inline
def _dim(raw: int) -> int:
    return raw if raw > 0 else -1


@inline
def _two(out, row: int, col: int, v: int) -> None:
    out[row, col] = 48 + (v // 10) % 10
    out[row, col + 1] = 48 + v % 10


@jit
def decode_statics(buf, pay0, pay1, fill, mtype, width_of_type, wd, rows, dest, table, kind, msg_type, mmsi, imo,
                   ship_type, bow, stern, port, starboard, draught, lat, lon, accuracy, name, name_len, callsign, callsign_len,
                   destination, destination_len, eta, eta_ok):
    """Types 5, 24 (part 0 or 1) and 21 of `rows` into the columns at `dest`; text per row i of the
    matrices (length 0: none)."""
    for i in range(len(rows)):
        r = rows[i]
        at = dest[i]
        p = pay0[r]
        n = pay1[r] - p
        t = mtype[r]
        _words(buf, p, min(n, width_of_type[t]), wd)
        msg_type[at] = t
        m = _u(wd, 8, 30)
        mmsi[at] = m
        name_len[i], callsign_len[i], destination_len[i], eta_ok[i] = 0, 0, 0, False
        if t == 5:
            kind[at] = _STATIC
            v = _u(wd, 40, 30)
            imo[at] = v if v > 0 else -1
            callsign_len[i] = _text(wd, 70, 7, table, callsign, i, 0)
            name_len[i] = _text(wd, 112, 20, table, name, i, 0)
            st = _u(wd, 232, 8)
            ship_type[at] = st if st > 0 else -1
            bow[at] = _dim(_u(wd, 240, 9))
            stern[at] = _dim(_u(wd, 249, 9))
            port[at] = _dim(_u(wd, 258, 6))
            starboard[at] = _dim(_u(wd, 264, 6))
            month, day = _u(wd, 274, 4), _u(wd, 278, 5)
            hour, minute = _u(wd, 283, 5), _u(wd, 288, 6)
            if month > 0 and day > 0 and hour < 24 and minute < 60:
                eta_ok[i] = True
                _two(eta, i, 0, month)
                _two(eta, i, 3, day)
                _two(eta, i, 6, hour)
                _two(eta, i, 9, minute)
                eta[i, 2], eta[i, 5], eta[i, 8], eta[i, 11] = 45, 84, 58, 90  # - T : Z
            d = _u(wd, 294, 8) / 10.0
            draught[at] = d if d > 0 else np.nan
            destination_len[i] = _text(wd, 302, 20, table, destination, i, 0)
        elif t == 24:
            kind[at] = _STATIC
            if _u(wd, 38, 2) == 1:  # part B: type, call sign, dimensions
                st = _u(wd, 40, 8)
                ship_type[at] = st if st > 0 else -1
                callsign_len[i] = _text(wd, 90, 7, table, callsign, i, 0)
                # auxiliary craft (MMSI 98xxxyyyy) carry the mother ship's MMSI where the dimensions are
                if m // 10_000_000 != 98:
                    bow[at] = _dim(_u(wd, 132, 9))
                    stern[at] = _dim(_u(wd, 141, 9))
                    port[at] = _dim(_u(wd, 150, 6))
                    starboard[at] = _dim(_u(wd, 156, 6))
            else:  # part A: the name
                name_len[i] = _text(wd, 40, 20, table, name, i, 0)
        else:  # 21: aid to navigation
            kind[at] = _ATON
            ship_type[at] = _u(wd, 38, 5)
            k = _text(wd, 43, 20, table, name, i, 0)
            name_len[i] = k
            ext_chars = min(max((n * 6 - fill[r] - 272) // 6, 0), 14)
            if ext_chars > 0:
                e = _text(wd, 272, 14, table, name, i, k)
                cut = min(e, ext_chars)
                for j in range(k + cut, k + 14):
                    name[i, j] = 0
                name_len[i] = k + cut
            _latlon(_s(wd, 164, 28), _s(wd, 192, 27), 600000.0, at, lat, lon)
            accuracy[at] = _u(wd, 163, 1)


NUMBER_COLUMNS = ("kind", "msg_type", "mmsi", "imo", "ship_type", "to_bow_m", "to_stern_m", "to_port_m",
                  "to_starboard_m", "draught_m", "lat", "lon", "position_accuracy")


def _strings(chars: npt.NDArray[np.uint8], present: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """Rows of left-aligned ASCII (zero after) -> str objects; None where `present` is 0."""
    out = chars.view(f"S{chars.shape[1]}").ravel().astype("U").astype(object)
    out[present == 0] = None
    return out


def decode(buf: npt.NDArray[np.uint8], pay0: npt.NDArray[np.int64], pay1: npt.NDArray[np.int64],
           fill: npt.NDArray[np.int64], mtype: npt.NDArray[np.int64], rows: npt.NDArray[np.int64],
           dest: npt.NDArray[np.int64], column: Callable[[str], npt.NDArray[Any]]) -> None:
    """The static reports `rows` into the observation columns (`column(name)`) at rows `dest`."""
    k = len(rows)
    name, callsign = np.zeros((k, NAME_CHARS), dtype=np.uint8), np.zeros((k, 7), dtype=np.uint8)
    destination, eta = np.zeros((k, 20), dtype=np.uint8), np.zeros((k, 12), dtype=np.uint8)
    lengths = np.empty((3, k), dtype=np.int64)
    eta_ok = np.empty(k, dtype=np.bool_)
    args = [buf, pay0, pay1, fill, mtype, WIDTH_OF_TYPE, np.zeros(9, dtype=np.int64), rows, dest, SIXBIT_ASCII,
            *(column(c) for c in NUMBER_COLUMNS),
            name, lengths[0], callsign, lengths[1], destination, lengths[2], eta, eta_ok]
    decode_statics(*args)
    for col, chars, present in (("name", name, lengths[0]), ("callsign", callsign, lengths[1]),
                                ("destination", destination, lengths[2]), ("eta", eta, eta_ok)):
        if present.any():
            column(col)[dest] = _strings(chars, present)
