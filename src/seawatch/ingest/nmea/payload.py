"""Vectorised decoding of the common AIS message types (ITU-R M.1371-5), a whole batch at a time.

Types 1, 2, 3 (Class A position), 18 (Class B), 27 (long range), 4 and 11 (base station), 9 (SAR),
5 (static and voyage), 24 (Class B static, parts A and B) and 21 (aids to navigation) make up more than
99 % of a real feed. Each payload is de-armoured to 6-bit values through a lookup table; a field is
assembled from the few 6-bit columns it spans with shifts and masks, for all rows at once. Every other
type (and type 24 with an invalid part number) goes through aiscat (`aiscat_decode.py`). Tests check
these fields against aiscat and pyais on real recordings.

Like aiscat, a payload whose bit count does not fit its type is rejected (`wrong_length`): the position
types and type 5 must have exactly their length, type 24 at least 160 bits, type 21 at least 272.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea.framing import windows
from seawatch.model.observation import Kind
from seawatch.model.units import KN_TO_MPS

U8 = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.int64]
F8 = npt.NDArray[np.float64]
Six = npt.NDArray[np.uint8]

# 6-bit de-armouring: '0'..'W' -> 0..39, '`'..'w' -> 40..63; anything else invalid (-1)
ARMOR = np.full(256, -1, dtype=np.int16)
for _c in range(48, 88):
    ARMOR[_c] = _c - 48
for _c in range(96, 120):
    ARMOR[_c] = _c - 56
# 6-bit text: 0..63 -> "@A..Z[\]^_ !"#...?"
SIXBIT_ASCII = np.array([c if c < 32 else c for c in range(64, 96)] + list(range(32, 64)), dtype=np.uint8)

POSITION_TYPES = (1, 2, 3, 4, 9, 11, 18, 27)
FAST_TYPES = POSITION_TYPES + (5, 21, 24)
EXACT_BITS = {1: 168, 2: 168, 3: 168, 4: 168, 9: 168, 11: 168, 18: 168, 27: 96, 5: 424}
MIN_BITS = {24: 160, 21: 272}


ARMOR_U8 = np.where(ARMOR < 0, 255, ARMOR).astype(np.uint8)


def sixbit_matrix(buf: U8, pay0: IntArray, pay1: IntArray, width: int) -> tuple[Six, npt.NDArray[np.bool_]]:
    """(N, width) 6-bit values of each payload (0 past its end), and whether every char was valid."""
    length = pay1 - pay0
    inside = np.arange(width)[None, :] < length[:, None]
    v = ARMOR_U8[windows(buf, pay0, width)]
    bad = (v == 255) & inside
    valid = ~bad.any(axis=1) & (length <= width)
    return np.where(inside & ~bad, v, 0).astype(np.uint8), valid


def ufield(six: Six, start: int, width: int) -> IntArray:
    """Unsigned field of `width` bits at bit `start`, for every row."""
    c0, c1 = start // 6, (start + width - 1) // 6
    acc = six[:, c0].astype(np.int64)
    for c in range(c0 + 1, c1 + 1):
        acc = (acc << 6) | six[:, c]
    total = (c1 - c0 + 1) * 6
    return (acc >> (total - (start - c0 * 6) - width)) & ((1 << width) - 1)


def sfield(six: Six, start: int, width: int) -> IntArray:
    u = ufield(six, start, width)
    return np.where(u >= (1 << (width - 1)), u - (1 << width), u)


def text(six: Six, start: int, nchars: int) -> npt.NDArray[np.object_]:
    """6-bit text fields: '@' padding and surrounding spaces stripped; empty -> None. Vectorised."""
    chars = np.stack([SIXBIT_ASCII[ufield(six, start + 6 * i, 6)] for i in range(nchars)], axis=1)
    fixed = np.ascontiguousarray(chars).view(f"S{nchars}").ravel()
    head = np.strings.partition(fixed, b"@")[0]
    if head.dtype.itemsize == 0:  # every field empty ('@' padding only)
        return np.full(len(fixed), None, dtype=object)
    clean = np.strings.strip(head)
    out = clean.astype("U").astype(object)  # 6-bit text is plain ASCII (0x20..0x5f)
    out[np.strings.str_len(clean) == 0] = None
    return out


def message_type(buf: U8, pay0: IntArray, pay1: IntArray) -> IntArray:
    first = ARMOR[buf[np.minimum(pay0, len(buf) - 1)]].astype(np.int64)
    return np.where(pay1 > pay0, first, -1)


def length_ok(mtype: IntArray, nbits: IntArray) -> npt.NDArray[np.bool_]:
    ok = np.ones(len(mtype), dtype=bool)
    for t, bits in EXACT_BITS.items():
        ok &= (mtype != t) | (nbits == bits)
    for t, bits in MIN_BITS.items():
        ok &= (mtype != t) | (nbits >= bits)
    return ok


def _latlon(lon_raw: IntArray, lat_raw: IntArray, scale: float) -> tuple[F8, F8]:
    lon, lat = lon_raw / scale, lat_raw / scale
    bad = (np.abs(lon) > 180.0) | (np.abs(lat) > 90.0)  # 181 / 91 = not available; beyond is invalid
    return np.where(bad, np.nan, lat), np.where(bad, np.nan, lon)


def _sog(raw: IntArray, tenths: bool = True) -> F8:
    return np.where(raw >= 1023, np.nan, (raw / 10.0 if tenths else raw) * KN_TO_MPS)


def _cog(raw: IntArray) -> F8:
    return np.where(raw >= 3600, np.nan, raw / 10.0)


def _heading(raw: IntArray) -> F8:
    return np.where(raw >= 360, np.nan, raw.astype(np.float64))


def _dim(raw: IntArray) -> IntArray:
    return np.where(raw > 0, raw, -1)


def decode_positions(six: Six, mtype: IntArray) -> dict[str, Any]:
    n = len(mtype)
    nan, neg = np.full(n, np.nan), np.full(n, -1, dtype=np.int64)
    lat, lon, sog, cog, hdg, rot = (nan.copy() for _ in range(6))
    status, acc, epoch = neg.copy(), neg.copy(), nan.copy()

    m = np.isin(mtype, (1, 2, 3))
    if m.any():
        b = six[m]
        status[m] = ufield(b, 38, 4)
        r = sfield(b, 42, 8)
        rot[m] = np.where(np.abs(r) >= 127, np.nan, np.sign(r) * (r / 4.733) ** 2)  # 127: no TI, -128: n/a
        sog[m] = _sog(ufield(b, 50, 10))
        acc[m] = ufield(b, 60, 1)
        lat[m], lon[m] = _latlon(sfield(b, 61, 28), sfield(b, 89, 27), 600000.0)
        cog[m] = _cog(ufield(b, 116, 12))
        hdg[m] = _heading(ufield(b, 128, 9))
    m = mtype == 18
    if m.any():
        b = six[m]
        sog[m] = _sog(ufield(b, 46, 10))
        acc[m] = ufield(b, 56, 1)
        lat[m], lon[m] = _latlon(sfield(b, 57, 28), sfield(b, 85, 27), 600000.0)
        cog[m] = _cog(ufield(b, 112, 12))
        hdg[m] = _heading(ufield(b, 124, 9))
    m = mtype == 9
    if m.any():
        b = six[m]
        sog[m] = _sog(ufield(b, 50, 10), tenths=False)  # whole knots for SAR aircraft
        acc[m] = ufield(b, 60, 1)
        lat[m], lon[m] = _latlon(sfield(b, 61, 28), sfield(b, 89, 27), 600000.0)
        cog[m] = _cog(ufield(b, 116, 12))
    m = mtype == 27
    if m.any():
        b = six[m]
        acc[m] = ufield(b, 38, 1)
        status[m] = ufield(b, 40, 4)
        lat[m], lon[m] = _latlon(sfield(b, 44, 18), sfield(b, 62, 17), 600.0)
        s = ufield(b, 79, 6)
        sog[m] = np.where(s >= 63, np.nan, s * KN_TO_MPS)
        c = ufield(b, 85, 9)
        cog[m] = np.where(c >= 360, np.nan, c)
    m = np.isin(mtype, (4, 11))
    if m.any():
        b = six[m]
        epoch[m] = _utc_epoch(ufield(b, 38, 14), ufield(b, 52, 4), ufield(b, 56, 5), ufield(b, 61, 5),
                              ufield(b, 66, 6), ufield(b, 72, 6))
        acc[m] = ufield(b, 78, 1)
        lat[m], lon[m] = _latlon(sfield(b, 79, 28), sfield(b, 107, 27), 600000.0)
    kind = np.where(np.isin(mtype, (4, 11)), Kind.AIS_BASE_STATION, Kind.AIS_POSITION).astype(np.uint8)
    return {"kind": kind, "msg_type": mtype, "mmsi": ufield(six, 8, 30), "lat": lat, "lon": lon, "sog_mps": sog,
            "cog_deg": cog, "heading_deg": hdg, "rot_deg_min": rot, "nav_status": np.where(status == 15, -1, status),
            "position_accuracy": acc}


def decode_static5(six: Six) -> dict[str, Any]:
    n = len(six)
    imo = ufield(six, 40, 30)
    month, day, hour, minute = ufield(six, 274, 4), ufield(six, 278, 5), ufield(six, 283, 5), ufield(six, 288, 6)
    eta = np.array([f"{mo:02d}-{d:02d}T{h:02d}:{mi:02d}Z" if mo and d and h < 24 and mi < 60 else None
                    for mo, d, h, mi in zip(month.tolist(), day.tolist(), hour.tolist(), minute.tolist())],
                   dtype=object)
    draught = ufield(six, 294, 8) / 10.0
    return {"kind": np.full(n, Kind.AIS_STATIC, dtype=np.uint8), "msg_type": np.full(n, 5),
            "mmsi": ufield(six, 8, 30), "imo": np.where(imo > 0, imo, -1), "callsign": text(six, 70, 7),
            "name": text(six, 112, 20), "ship_type": np.where((st := ufield(six, 232, 8)) > 0, st, -1),
            "to_bow_m": _dim(ufield(six, 240, 9)), "to_stern_m": _dim(ufield(six, 249, 9)),
            "to_port_m": _dim(ufield(six, 258, 6)), "to_starboard_m": _dim(ufield(six, 264, 6)),
            "draught_m": np.where(draught > 0, draught, np.nan), "destination": text(six, 302, 20), "eta": eta}


def decode_static24(six: Six) -> dict[str, Any]:
    """Type 24 part A (name) and part B (type, call sign, dimensions); rows must be part 0 or 1."""
    n = len(six)
    part_b = ufield(six, 38, 2) == 1
    name = text(six, 40, 20)
    name[part_b] = None
    st = ufield(six, 40, 8)
    callsign = text(six, 90, 7)
    callsign[~part_b] = None
    # auxiliary craft (MMSI 98xxxyyyy) carry the mother ship's MMSI where the dimensions are
    aux = (ufield(six, 8, 30) // 10_000_000) == 98
    dims = part_b & ~aux
    cols: dict[str, Any] = {"kind": np.full(n, Kind.AIS_STATIC, dtype=np.uint8), "msg_type": np.full(n, 24),
                            "mmsi": ufield(six, 8, 30), "name": name, "callsign": callsign,
                            "ship_type": np.where(part_b & (st > 0), st, -1)}
    for key, (start, width) in (("to_bow_m", (132, 9)), ("to_stern_m", (141, 9)), ("to_port_m", (150, 6)),
                                ("to_starboard_m", (156, 6))):
        cols[key] = np.where(dims, _dim(ufield(six, start, width)), -1)
    return cols


def decode_aton21(six: Six, nbits: IntArray) -> dict[str, Any]:
    n = len(six)
    name = text(six, 43, 20)
    ext_chars = np.clip((nbits - 272) // 6, 0, 14)
    if (ext_chars > 0).any():
        ext = text(six, 272, 14)
        for i in np.flatnonzero(ext_chars > 0).tolist():
            if ext[i]:
                name[i] = (name[i] or "") + ext[i][: int(ext_chars[i])]
    lat, lon = _latlon(sfield(six, 164, 28), sfield(six, 192, 27), 600000.0)
    return {"kind": np.full(n, Kind.AIS_ATON, dtype=np.uint8), "msg_type": np.full(n, 21),
            "mmsi": ufield(six, 8, 30), "ship_type": ufield(six, 38, 5), "name": name, "lat": lat, "lon": lon,
            "position_accuracy": ufield(six, 163, 1)}


def decode_batch(buf: U8, pay0: IntArray, pay1: IntArray, fill: IntArray, mtype: IntArray) -> tuple[
        list[tuple[IntArray, dict[str, Any]]], npt.NDArray[np.bool_]]:
    """Decode rows of FAST_TYPES. Returns [(row indices, columns)], and a mask of rows with bad characters."""
    out: list[tuple[IntArray, dict[str, Any]]] = []
    bad = np.zeros(len(mtype), dtype=bool)
    nbits = (pay1 - pay0) * 6 - fill
    for types, width in ((POSITION_TYPES, 28), ((5,), 71), ((24,), 30), ((21,), 60)):
        rows = np.flatnonzero(np.isin(mtype, types))
        if not len(rows):
            continue
        six, valid = sixbit_matrix(buf, pay0[rows], np.minimum(pay1[rows], pay0[rows] + width), width)
        bad[rows[~valid]] = True
        rows, six = rows[valid], six[valid]
        if not len(rows):
            continue
        if types == POSITION_TYPES:
            cols = decode_positions(six, mtype[rows])
        elif types == (5,):
            cols = decode_static5(six)
        elif types == (24,):
            cols = decode_static24(six)
        else:
            cols = decode_aton21(six, nbits[rows])
        out.append((rows, cols))
    return out, bad


def _utc_epoch(year: IntArray, month: IntArray, day: IntArray, hour: IntArray, minute: IntArray,
               second: IntArray) -> F8:
    ok = (year >= 1970) & (year < 2200) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & \
         (hour < 24) & (minute < 60) & (second < 60)
    out = np.full(len(year), np.nan)
    if ok.any():
        dates = (year[ok] - 1970).astype("datetime64[Y]") + (month[ok] - 1).astype("timedelta64[M]")
        days = dates.astype("datetime64[D]") + (day[ok] - 1).astype("timedelta64[D]")
        out[ok] = days.astype("datetime64[s]").astype(np.float64) + hour[ok] * 3600 + minute[ok] * 60 + second[ok]
    return out
