"""Decoding through aiscat: every message type outside the vectorised fast path, and multi-part messages.

aiscat (AIS-catcher's decoder) is complete and exact. A message it cannot decode, or flags in its
`quality` field (512 bad checksum, 1024/2048 bit count wrong for the type), is rejected. Its dict is
mapped to observation columns here, "not available" values to absent.
"""

from __future__ import annotations

from typing import Any

import aiscat

from seawatch.model.observation import Kind
from seawatch.model.units import KN_TO_MPS

STATIC_TYPES = {5, 24}
POSITION_TYPES = {1, 2, 3, 18, 19, 27, 9}
BASE_TYPES = {4, 11}


def nmea_checksum(body: bytes) -> int:
    x = 0
    for ch in body:
        x ^= ch
    return x


SYNTHETIC_HEAD = b"AIVDM,1,1,,A,"
SYNTHETIC_HEAD_XOR = nmea_checksum(SYNTHETIC_HEAD)


def synthetic_sentence(payload: bytes, fill: int, channel: bytes = b"A", payload_xor: int | None = None) -> bytes:
    """A normalised single sentence for aiscat: talker AI, channel A, no extra fields.

    Receivers write odd talkers (`!=IVDM`), channels (`1`, `2`) or extra fields; aiscat decodes the
    payload exactly once it is wrapped like this. `payload_xor` (the XOR of the payload bytes, computed
    vectorised by the caller) saves the checksum loop."""
    if payload_xor is None:
        body = b"AIVDM,1,1,," + (channel or b"A") + b"," + payload + b"," + str(fill).encode()
        return b"!" + body + b"*" + b"%02X" % nmea_checksum(body) + b"\n"
    cs = SYNTHETIC_HEAD_XOR ^ payload_xor ^ 44 ^ (48 + fill)
    return b"!" + SYNTHETIC_HEAD + payload + b"," + bytes((48 + fill,)) + b"*" + b"%02X" % cs + b"\n"


class AiscatDecoder:
    """Decodes one complete payload at a time (reassembled multi-part or a slow-path type)."""

    def __init__(self) -> None:
        self._dec = aiscat.Decoder()

    def decode(self, payload: bytes, fill: int, channel: bytes = b"A") -> dict[str, Any] | None:
        """A reassembled payload, wrapped in a synthetic single sentence."""
        return self.decode_sentence(synthetic_sentence(payload, fill, channel or b"A"))

    def decode_sentence(self, sentence: bytes) -> dict[str, Any] | None:
        """One complete single-part sentence (checksum already verified), newline-terminated."""
        self._dec.feed(sentence)
        msg = self._dec.next()
        while self._dec.next() is not None:  # never more than one, but keep the queue empty
            pass
        if msg is None or msg.get("quality") or msg.get("type") is None:
            return None
        return msg


def _num(v: Any, absent: tuple[float, ...] = ()) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if f in absent else f


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip().rstrip("@").strip()
    return s or None


def to_columns(msg: dict[str, Any]) -> list[dict[str, Any]]:
    """aiscat dict -> one or two rows of observation column values (type 19 carries position + static)."""
    t = int(msg["type"])
    base: dict[str, Any] = {"msg_type": t, "mmsi": int(msg.get("mmsi", -1))}
    rows: list[dict[str, Any]] = []
    if t in POSITION_TYPES or t in BASE_TYPES or t == 21:
        lat, lon = _num(msg.get("lat")), _num(msg.get("lon"))
        if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
            lat = lon = None
        row = dict(base, lat=lat, lon=lon)
        if t in POSITION_TYPES:
            row["kind"] = Kind.AIS_POSITION
            speed = _num(msg.get("speed"))
            limit = 1022.5 if t == 9 else (62.5 if t == 27 else 102.25)
            row["sog_mps"] = None if speed is None or speed > limit else speed * KN_TO_MPS
            course = _num(msg.get("course"))
            row["cog_deg"] = None if course is None or course >= 360 else course
            heading = _num(msg.get("heading"))
            row["heading_deg"] = None if heading is None or heading >= 360 else heading
            status = msg.get("status")
            row["nav_status"] = None if status is None or status == 15 else int(status)
            acc = msg.get("accuracy")
            row["position_accuracy"] = None if acc is None else int(bool(acc))
        elif t in BASE_TYPES:
            row["kind"] = Kind.AIS_BASE_STATION
        else:
            row["kind"] = Kind.AIS_ATON
            row["name"] = _text(msg.get("name"))
            row["ship_type"] = msg.get("aid_type")
        rows.append(row)
    if t in STATIC_TYPES or t == 19:
        srow = dict(base, kind=Kind.AIS_STATIC)
        name = _text(msg.get("shipname"))
        if name is not None:
            srow["name"] = name
        for key, col in (("callsign", "callsign"), ("destination", "destination"), ("eta", "eta")):
            val = _text(msg.get(key))
            if val is not None:
                srow[col] = val
        imo = msg.get("imo")
        if imo:
            srow["imo"] = int(imo)
        st = msg.get("shiptype")
        if st:
            srow["ship_type"] = int(st)
        for key, col in (("to_bow", "to_bow_m"), ("to_stern", "to_stern_m"), ("to_port", "to_port_m"),
                         ("to_starboard", "to_starboard_m")):
            v = msg.get(key)
            if v is not None and (t != 24 or "shiptype" in msg):
                srow[col] = int(v)
        dr = _num(msg.get("draught"))
        if dr:
            srow["draught_m"] = dr
        rows.append(srow)
    if not rows:
        rows.append(dict(base, kind=Kind.AIS_OTHER))
    return rows
