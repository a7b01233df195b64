"""Vectorised decoding of the common AIS message types (ITU-R M.1371-5), a whole batch at a time.

Types 1, 2, 3 (Class A position), 18 (Class B), 27 (long range), 4 and 11 (base station), 9 (SAR),
5 (static and voyage), 24 (Class B static, parts A and B) and 21 (aids to navigation) make up more than
99 % of a real feed. The payloads of one bit layout are gathered once, de-armoured to 6-bit values
arithmetically and packed 8 characters to a 48-bit word (`Bits`); a field is one or two shifts and
masks of those words, for all rows at once. Every other
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
SIXBIT_ASCII = np.array(list(range(64, 96)) + list(range(32, 64)), dtype=np.uint8)

POSITION_TYPES = (1, 2, 3, 4, 9, 11, 18, 27)
FAST_TYPES = POSITION_TYPES + (5, 21, 24)
EXACT_BITS = {1: 168, 2: 168, 3: 168, 4: 168, 9: 168, 11: 168, 18: 168, 27: 96, 5: 424}
MIN_BITS = {24: 160, 21: 272}


WORD_BITS = 48  # 8 six-bit characters per int64 word: fields of up to 30 bits span at most two words
_CLASSES: tuple[tuple[tuple[int, ...], int], ...] = (
    ((1, 2, 3), 28), ((18,), 28), ((9,), 28), ((27,), 16), ((4, 11), 28), ((5,), 71), ((24,), 30), ((21,), 60))
_WORD_WEIGHTS = 2.0 ** (6 * np.arange(7, -1, -1))
_CLASS_OF = np.full(64, -1, dtype=np.int8)
for _k, (_types, _w) in enumerate(_CLASSES):
    _CLASS_OF[list(_types)] = _k


class Bits:
    """The payloads of a group of messages as 48-bit words (one contiguous array per word), so a field
    is one or two shifts and masks over the whole group."""

    def __init__(self, words: list[IntArray], six: Six, compiled: bool = False) -> None:
        self.words = words
        self.six = six  # the 6-bit values, one column per character (for text fields)
        self.compiled = compiled  # text fields by the numba kernel

    @classmethod
    def of(cls, buf: U8, pay0: IntArray, pay1: IntArray, width: int,
           compiled: bool = False) -> tuple[Bits, npt.NDArray[np.bool_]]:
        """The first `width` characters of each payload (0 past its end), and whether they were all valid
        6-bit armour. One gather of the bytes, de-armoured arithmetically, packed 8 characters a word
        (`compiled`: the same by the numba kernel, one loop over the rows)."""
        if compiled:
            from seawatch.ingest.nmea.kernel import pack_words

            n, w8 = len(pay0), (width + 7) // 8 * 8
            words_t = np.zeros((w8 // 8, n), dtype=np.int64)
            six, ok = np.zeros((n, w8), dtype=np.uint8), np.ones(n, dtype=bool)
            pack_words(buf, pay0, pay1, width, words_t, six, ok)
            return cls(list(words_t), six, True), ok
        n = len(pay0)
        w8 = (width + 7) // 8 * 8
        v = windows(buf, pay0, w8) - np.uint8(48)  # '0'..'W' -> 0..39, '`'..'w' -> 48..71
        hi = v >= 48
        bad = (v >= 72) | ((v >= 40) & ~hi)
        v -= hi.view(np.uint8) * np.uint8(8)
        inside = np.minimum(pay1 - pay0, width)
        if (inside == width).all():
            bad = bad[:, :width]
            v[:, width:] = 0
        else:
            mask = np.arange(w8)[None, :] < inside[:, None]
            bad &= mask
            v *= mask
        valid: npt.NDArray[np.bool_] = np.asarray(~bad.any(axis=1))
        if not valid.all():
            v[~valid] = 0
        # 8 characters -> one 48-bit word: a float64 dot product is exact below 2**53, and one BLAS call
        words = (v.reshape(-1, 8) @ _WORD_WEIGHTS).astype(np.int64).reshape(n, w8 // 8)
        return cls(list(np.ascontiguousarray(words.T)), v), valid

    def take(self, rows: IntArray) -> Bits:
        return Bits([w[rows] for w in self.words], self.six[rows], self.compiled)

    def u(self, start: int, width: int) -> IntArray:
        """Unsigned field of `width` bits at bit `start`."""
        k, off = divmod(start, WORD_BITS)
        if off + width <= WORD_BITS:
            return (self.words[k] >> (WORD_BITS - off - width)) & ((1 << width) - 1)
        lo = off + width - WORD_BITS
        return ((self.words[k] & ((1 << (WORD_BITS - off)) - 1)) << lo) | (self.words[k + 1] >> (WORD_BITS - lo))

    def s(self, start: int, width: int) -> IntArray:
        u = self.u(start, width)
        return np.where(u >= (1 << (width - 1)), u - (1 << width), u)

    def text(self, start: int, nchars: int) -> npt.NDArray[np.object_]:
        """6-bit text: '@' padding and surrounding spaces stripped; empty -> None. Vectorised."""
        n = len(self.words[0])
        q, r = divmod(start, 6)  # character i spans columns q + i and q + i + 1 of the 6-bit matrix
        six = self.six
        if self.compiled:
            from seawatch.ingest.nmea.kernel import six_text

            text, length = np.zeros((n, nchars), dtype=np.uint8), np.empty(n, dtype=np.int64)
            six_text(six, q, r, nchars, SIXBIT_ASCII, text, length)
            if not length.any():
                return np.full(n, None, dtype=object)
            res = text.view(f"S{nchars}").ravel().astype("U").astype(object)
            res[length == 0] = None
            return res
        vals: Six = six[:, q:q + nchars]
        if r:
            vals = ((vals << np.uint8(r)) | (six[:, q + 1:q + nchars + 1] >> np.uint8(6 - r))) & np.uint8(63)
        chars = SIXBIT_ASCII[vals]
        fixed = chars.view(f"S{nchars}").ravel()
        head = np.strings.partition(fixed, b"@")[0]
        if head.dtype.itemsize == 0:  # every field empty ('@' padding only)
            return np.full(n, None, dtype=object)
        clean = np.strings.strip(head)
        out = clean.astype("U").astype(object)  # 6-bit text is plain ASCII (0x20..0x5f)
        out[np.strings.str_len(clean) == 0] = None
        return out


def message_type(buf: U8, pay0: IntArray, pay1: IntArray) -> IntArray:
    first = ARMOR[buf[np.minimum(pay0, len(buf) - 1)]].astype(np.int64)
    return np.where(pay1 > pay0, first, -1)


# per type (0..63): the exact bit count it must have (-1: any), and the fewest bits it may have
_EXACT_OF = np.full(64, -1, dtype=np.int64)
_EXACT_OF[list(EXACT_BITS)] = list(EXACT_BITS.values())
_MIN_OF = np.full(64, np.iinfo(np.int64).min, dtype=np.int64)
_MIN_OF[list(MIN_BITS)] = list(MIN_BITS.values())


def length_ok(mtype: IntArray, nbits: IntArray) -> npt.NDArray[np.bool_]:
    """Whether each payload's bit count fits its type (`message_type`: -1 .. 63; -1 and 63 have no rule)."""
    t = mtype & 63
    exact = _EXACT_OF[t]
    ok: npt.NDArray[np.bool_] = ((exact < 0) | (nbits == exact)) & (nbits >= _MIN_OF[t])
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


def _status(raw: IntArray) -> IntArray:
    return np.where(raw == 15, -1, raw)


def decode_class_a(b: Bits, mtype: IntArray) -> dict[str, Any]:
    """Types 1, 2, 3."""
    r = b.s(42, 8)
    lat, lon = _latlon(b.s(61, 28), b.s(89, 27), 600000.0)
    return {"kind": Kind.AIS_POSITION, "msg_type": mtype, "mmsi": b.u(8, 30), "nav_status": _status(b.u(38, 4)),
            "rot_deg_min": np.where(np.abs(r) >= 127, np.nan, np.sign(r) * (r / 4.733) ** 2),  # 127: no TI, -128: n/a
            "sog_mps": _sog(b.u(50, 10)), "position_accuracy": b.u(60, 1), "lat": lat, "lon": lon,
            "cog_deg": _cog(b.u(116, 12)), "heading_deg": _heading(b.u(128, 9))}


def decode_class_b(b: Bits, mtype: IntArray) -> dict[str, Any]:
    """Type 18."""
    lat, lon = _latlon(b.s(57, 28), b.s(85, 27), 600000.0)
    return {"kind": Kind.AIS_POSITION, "msg_type": mtype, "mmsi": b.u(8, 30), "sog_mps": _sog(b.u(46, 10)),
            "position_accuracy": b.u(56, 1), "lat": lat, "lon": lon, "cog_deg": _cog(b.u(112, 12)),
            "heading_deg": _heading(b.u(124, 9))}


def decode_sar(b: Bits, mtype: IntArray) -> dict[str, Any]:
    """Type 9 (SAR aircraft): speed in whole knots."""
    lat, lon = _latlon(b.s(61, 28), b.s(89, 27), 600000.0)
    return {"kind": Kind.AIS_POSITION, "msg_type": mtype, "mmsi": b.u(8, 30), "sog_mps": _sog(b.u(50, 10), False),
            "position_accuracy": b.u(60, 1), "lat": lat, "lon": lon, "cog_deg": _cog(b.u(116, 12))}


def decode_long_range(b: Bits, mtype: IntArray) -> dict[str, Any]:
    """Type 27: positions in 1/10 minute, speed in knots, course in degrees."""
    lat, lon = _latlon(b.s(44, 18), b.s(62, 17), 600.0)
    s, c = b.u(79, 6), b.u(85, 9)
    return {"kind": Kind.AIS_POSITION, "msg_type": mtype, "mmsi": b.u(8, 30), "position_accuracy": b.u(38, 1),
            "nav_status": _status(b.u(40, 4)), "lat": lat, "lon": lon,
            "sog_mps": np.where(s >= 63, np.nan, s * KN_TO_MPS), "cog_deg": np.where(c >= 360, np.nan, c)}


def decode_base_station(b: Bits, mtype: IntArray) -> dict[str, Any]:
    """Types 4 and 11."""
    lat, lon = _latlon(b.s(79, 28), b.s(107, 27), 600000.0)
    return {"kind": Kind.AIS_BASE_STATION, "msg_type": mtype, "mmsi": b.u(8, 30), "position_accuracy": b.u(78, 1),
            "lat": lat, "lon": lon}


def _eta(month: IntArray, day: IntArray, hour: IntArray, minute: IntArray) -> npt.NDArray[np.object_]:
    """"MM-DDTHH:MMZ" where month and day are given and the time is valid, else None. Vectorised."""
    n = len(month)
    chars = np.empty((n, 12), dtype=np.uint8)
    for col, v in ((0, month), (3, day), (6, hour), (9, minute)):
        chars[:, col] = 48 + (v // 10) % 10
        chars[:, col + 1] = 48 + v % 10
    chars[:, 2], chars[:, 5], chars[:, 8], chars[:, 11] = ord("-"), ord("T"), ord(":"), ord("Z")
    out = chars.view("S12").ravel().astype("U12").astype(object)
    out[~((month > 0) & (day > 0) & (hour < 24) & (minute < 60))] = None
    return out


def decode_static5(b: Bits, mtype: IntArray) -> dict[str, Any]:
    imo = b.u(40, 30)
    draught = b.u(294, 8) / 10.0
    st = b.u(232, 8)
    return {"kind": Kind.AIS_STATIC, "msg_type": mtype, "mmsi": b.u(8, 30), "imo": np.where(imo > 0, imo, -1),
            "callsign": b.text(70, 7), "name": b.text(112, 20), "ship_type": np.where(st > 0, st, -1),
            "to_bow_m": _dim(b.u(240, 9)), "to_stern_m": _dim(b.u(249, 9)),
            "to_port_m": _dim(b.u(258, 6)), "to_starboard_m": _dim(b.u(264, 6)),
            "draught_m": np.where(draught > 0, draught, np.nan), "destination": b.text(302, 20),
            "eta": _eta(b.u(274, 4), b.u(278, 5), b.u(283, 5), b.u(288, 6))}


def decode_static24(b: Bits, mtype: IntArray) -> dict[str, Any]:
    """Type 24 part A (name) and part B (type, call sign, dimensions); rows must be part 0 or 1."""
    part_b = b.u(38, 2) == 1
    name = b.text(40, 20)
    name[part_b] = None
    st = b.u(40, 8)
    callsign = b.text(90, 7)
    callsign[~part_b] = None
    mmsi = b.u(8, 30)
    # auxiliary craft (MMSI 98xxxyyyy) carry the mother ship's MMSI where the dimensions are
    dims = part_b & ((mmsi // 10_000_000) != 98)
    cols: dict[str, Any] = {"kind": Kind.AIS_STATIC, "msg_type": mtype, "mmsi": mmsi, "name": name,
                            "callsign": callsign, "ship_type": np.where(part_b & (st > 0), st, -1)}
    for key, (start, width) in (("to_bow_m", (132, 9)), ("to_stern_m", (141, 9)), ("to_port_m", (150, 6)),
                                ("to_starboard_m", (156, 6))):
        cols[key] = np.where(dims, _dim(b.u(start, width)), -1)
    return cols


def decode_aton21(b: Bits, mtype: IntArray, nbits: IntArray) -> dict[str, Any]:
    name = b.text(43, 20)
    ext_chars = np.clip((nbits - 272) // 6, 0, 14)
    if (ext_chars > 0).any():
        ext = b.text(272, 14)
        for i in np.flatnonzero(ext_chars > 0).tolist():
            if ext[i]:
                name[i] = (name[i] or "") + ext[i][: int(ext_chars[i])]
    lat, lon = _latlon(b.s(164, 28), b.s(192, 27), 600000.0)
    return {"kind": Kind.AIS_ATON, "msg_type": mtype, "mmsi": b.u(8, 30), "ship_type": b.u(38, 5), "name": name,
            "lat": lat, "lon": lon, "position_accuracy": b.u(163, 1)}


_DECODERS = (decode_class_a, decode_class_b, decode_sar, decode_long_range, decode_base_station, decode_static5,
             decode_static24)


def decode_batch(buf: U8, pay0: IntArray, pay1: IntArray, fill: IntArray, mtype: IntArray,
                 compiled: bool = False) -> tuple[
        list[tuple[IntArray, dict[str, Any]]], npt.NDArray[np.bool_]]:
    """Decode rows of FAST_TYPES, one group per bit layout. Returns [(row indices, columns)], and a mask of
    rows with characters outside the 6-bit alphabet."""
    out: list[tuple[IntArray, dict[str, Any]]] = []
    bad = np.zeros(len(mtype), dtype=bool)
    cls = _CLASS_OF[mtype & 63]
    for k, (_types, width) in enumerate(_CLASSES):
        rows = np.flatnonzero(cls == k)
        if not len(rows):
            continue
        bits, valid = Bits.of(buf, pay0[rows], pay1[rows], width, compiled)
        if not valid.all():
            bad[rows[~valid]] = True
            rows, bits = rows[valid], bits.take(np.flatnonzero(valid))
            if not len(rows):
                continue
        if k < len(_DECODERS):
            cols = _DECODERS[k](bits, mtype[rows])
        else:
            cols = decode_aton21(bits, mtype[rows], (pay1[rows] - pay0[rows]) * 6 - fill[rows])
        out.append((rows, cols))
    return out, bad
