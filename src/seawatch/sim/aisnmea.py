"""AIS messages as NMEA 0183 `!AIVDM` sentences with NMEA 4.0 tag blocks (`\\s:<station>,c:<epoch>*hh\\`).

Position reports (types 1 and 18, the bulk: millions a day) are bit-packed with numpy, many at once; the
test suite decodes them with pyais and checks every field. Static and voyage data (type 5, two sentences;
type 24 parts A and B) are encoded with `pyais` once per identity and reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyais.encode import encode_dict

from seawatch.sim.identity import Identity

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

_ARMOR = np.array([c + 48 if c < 40 else c + 56 for c in range(64)], dtype=np.uint8)


def _bits(value: npt.NDArray[np.int64], width: int) -> U8:
    """[n, width] bits (MSB first) of the two's-complement value in `width` bits."""
    v = np.asarray(value, dtype=np.int64) & ((1 << width) - 1)
    shifts = np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((v[:, None] >> shifts[None, :]) & 1).astype(np.uint8)


def _armor(bits: U8) -> U8:
    """[n, 6k] bits -> [n, k] ASCII-armored payload characters."""
    n, nb = bits.shape
    six = bits.reshape(n, nb // 6, 6)
    vals = (six * np.array([32, 16, 8, 4, 2, 1], dtype=np.uint8)).sum(axis=2)
    return _ARMOR[vals]


def _rot_ais(rot_dps: npt.NDArray[np.float64]) -> I64:
    """Rate of turn field: 4.733 √(ROT °/min), signed, ±126 (M.1371 table 46); 0 when not turning."""
    dpm = rot_dps * 60.0
    v = np.sign(dpm) * 4.733 * np.sqrt(np.abs(dpm))
    return np.clip(np.round(v), -126, 126).astype(np.int64)


def _common(sog_kn: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64],
            cog: npt.NDArray[np.float64], heading: npt.NDArray[np.float64]) -> tuple[I64, I64, I64, I64, I64]:
    speed = np.clip(np.round(sog_kn * 10.0), 0, 1022).astype(np.int64)
    lon_f = np.round(lon * 600000.0).astype(np.int64)
    lat_f = np.round(lat * 600000.0).astype(np.int64)
    course = np.round(cog * 10.0).astype(np.int64) % 3600
    hdg = np.round(heading).astype(np.int64) % 360
    return speed, lon_f, lat_f, course, hdg


def payload_type1(mmsi: I64, status: I64, rot_dps: npt.NDArray[np.float64], sog_kn: npt.NDArray[np.float64],
                  lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], cog: npt.NDArray[np.float64],
                  heading: npt.NDArray[np.float64], second: I64) -> U8:
    """[n, 28] armored payloads of Class A position reports (type 1, 168 bits, no fill bits)."""
    n = len(mmsi)
    speed, lon_f, lat_f, course, hdg = _common(sog_kn, lat, lon, cog, heading)
    z = np.zeros(n, np.int64)
    bits = np.hstack([
        _bits(z + 1, 6), _bits(z, 2), _bits(mmsi, 30), _bits(status, 4), _bits(_rot_ais(rot_dps), 8),
        _bits(speed, 10), _bits(z + 1, 1), _bits(lon_f, 28), _bits(lat_f, 27), _bits(course, 12),
        _bits(hdg, 9), _bits(second, 6), _bits(z, 2), _bits(z, 3), _bits(z, 1), _bits(z, 19)])
    return _armor(bits)


def payload_type18(mmsi: I64, sog_kn: npt.NDArray[np.float64], lat: npt.NDArray[np.float64],
                   lon: npt.NDArray[np.float64], cog: npt.NDArray[np.float64], heading: npt.NDArray[np.float64],
                   second: I64) -> U8:
    """[n, 28] armored payloads of Class B CS position reports (type 18, 168 bits)."""
    n = len(mmsi)
    speed, lon_f, lat_f, course, hdg = _common(sog_kn, lat, lon, cog, heading)
    z = np.zeros(n, np.int64)
    bits = np.hstack([
        _bits(z + 18, 6), _bits(z, 2), _bits(mmsi, 30), _bits(z, 8), _bits(speed, 10), _bits(z, 1),
        _bits(lon_f, 28), _bits(lat_f, 27), _bits(course, 12), _bits(hdg, 9), _bits(second, 6), _bits(z, 2),
        _bits(z + 1, 1), _bits(z, 1), _bits(z + 1, 1), _bits(z + 1, 1), _bits(z + 1, 1), _bits(z, 1),
        _bits(z, 1), _bits(z + 0b1100000000000000110, 20)])
    return _armor(bits)


def _xor_rows(m: U8) -> U8:
    return np.bitwise_xor.reduce(m, axis=1) if m.shape[1] else np.zeros(m.shape[0], np.uint8)


_HEX = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)


def _hex2(x: U8) -> U8:
    return np.stack([_HEX[x >> 4], _HEX[x & 15]], axis=1)


def _const(s: bytes, n: int) -> U8:
    return np.broadcast_to(np.frombuffer(s, dtype=np.uint8), (n, len(s)))


def _digits(v: I64, width: int) -> U8:
    p = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((v[:, None] // p[None, :]) % 10 + 48).astype(np.uint8)


def position_lines(station_id: str, epoch_s: I64, channel_b: npt.NDArray[np.bool_], payload: U8) -> npt.NDArray[np.bytes_]:
    """One tag-blocked single-sentence line per payload row (same station), as a numpy bytes array."""
    n = len(epoch_s)
    tag = np.hstack([_const(f"s:{station_id},c:".encode(), n), _digits(epoch_s, 10)])
    tag_cs = _hex2(_xor_rows(tag))
    ch = np.where(channel_b, ord("B"), ord("A")).astype(np.uint8)[:, None]
    body = np.hstack([_const(b"AIVDM,1,1,,", n), ch, _const(b",", n), payload, _const(b",0", n)])
    body_cs = _hex2(_xor_rows(body))
    line = np.hstack([_const(b"\\", n), tag, _const(b"*", n), tag_cs, _const(b"\\!", n), body,
                      _const(b"*", n), body_cs])
    return np.ascontiguousarray(line).view(f"S{line.shape[1]}").ravel()


def _nmea_checksum(s: str) -> str:
    c = 0
    for ch in s.encode():
        c ^= ch
    return f"{c:02X}"


def tag_block(station_id: str, epoch_s: int) -> str:
    body = f"s:{station_id},c:{epoch_s}"
    return f"\\{body}*{_nmea_checksum(body)}\\"


@dataclass(frozen=True)
class StaticExtra:
    destination: str = ""
    draught_m: float = 0.0


@lru_cache(maxsize=65536)
def static_payloads(ident: Identity, ais_class: int, destination: str = "") -> tuple[tuple[str, int], ...]:
    """(armored payload, fill bits) of each sentence of the identity's static message(s).

    Class A: one type 5 message split over two sentences. Class B: type 24 part A and part B, one each.
    """
    bow, stern, port, stbd = ident.dims
    out: list[tuple[str, int]] = []
    if ais_class == 1:
        sentences = encode_dict({
            "type": 5, "mmsi": ident.mmsi, "ais_version": 2, "imo": ident.imo, "callsign": ident.callsign,
            "shipname": ident.name, "ship_type": ident.vtype_code, "to_bow": bow, "to_stern": stern,
            "to_port": port, "to_starboard": stbd, "epfd": 1, "month": 0, "day": 0, "hour": 24, "minute": 60,
            "draught": ident.draught_m, "destination": destination, "dte": 0},
            talker_id="AI", sentence_type="VDM", seq_id=1)
        for s in sentences:
            parts = s.split(",")
            out.append((parts[5], int(parts[6].split("*")[0])))
    else:
        msgs: tuple[dict[str, str | int | float | bytes | bool], ...] = ({"type": 24, "mmsi": ident.mmsi, "partno": 0, "shipname": ident.name},
                    {"type": 24, "mmsi": ident.mmsi, "partno": 1, "ship_type": ident.vtype_code,
                     "vendorid": "SWSIM", "callsign": ident.callsign, "to_bow": bow, "to_stern": stern,
                     "to_port": port, "to_starboard": stbd})
        for msg in msgs:
            s = encode_dict(msg, talker_id="AI", sentence_type="VDM")[0]
            parts = s.split(",")
            out.append((parts[5], int(parts[6].split("*")[0])))
    return tuple(out)


def static_lines(ident: Identity, ais_class: int, station_id: str, epoch_s: int, channel: str, seq_id: int,
                 destination: str = "") -> list[bytes]:
    """The tag-blocked sentence(s) of one static report."""
    tag = tag_block(station_id, epoch_s)
    parts = static_payloads(ident, ais_class, destination)
    lines = []
    if ais_class == 1:
        for i, (payload, fill) in enumerate(parts, start=1):
            body = f"AIVDM,{len(parts)},{i},{seq_id},{channel},{payload},{fill}"
            lines.append(f"{tag}!{body}*{_nmea_checksum(body)}".encode())
    else:
        for payload, fill in parts:
            body = f"AIVDM,1,1,,{channel},{payload},{fill}"
            lines.append(f"{tag}!{body}*{_nmea_checksum(body)}".encode())
    return lines
