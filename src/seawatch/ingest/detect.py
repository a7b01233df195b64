"""Detect a recording's format from its content (not its file name)."""

from __future__ import annotations

import re

from seawatch.errors import InputFormatError

_NMEA_AIS = re.compile(rb"[!$][A-Z]{2}VD[MO],")
_NMEA_ANY = re.compile(rb"(^|\\|[\s,;])[!$][A-Z][A-Z0-9]{2,5},")
_RADAR_NMEA = re.compile(rb"\$[A-Z]{2}(TTM|TLL),")


def detect_format(head: bytes) -> str:
    """Return one of: nmea, asterix, plots-csv, plots-jsonl, ais-csv. `head` is the first few KB.

    NMEA files carrying both AIS and radar sentences (TTM/TLL/ZDA) are all `nmea`: one decoder
    handles AIS and radar sentences alike.
    """
    if not head:
        raise InputFormatError("empty input: nothing to detect a format from")
    if head[:1] in (b"\x0a", b"\x30") and _looks_asterix(head):  # CAT 010 = 0x0a, CAT 048 = 0x30
        return "asterix"
    text = head.lstrip(b"\xef\xbb\xbf")
    first_lines = [ln.strip() for ln in text.splitlines()[:50] if ln.strip() and not ln.startswith(b"#")]
    if not first_lines:
        raise InputFormatError("only comments or blank lines at the start of the input")
    if _NMEA_AIS.search(text) or _RADAR_NMEA.search(text) or _NMEA_ANY.search(text):
        return "nmea"
    first = first_lines[0]
    if first.startswith(b"{"):
        return "plots-jsonl"
    header = first.decode("utf-8", "replace").lower()
    cols = [c.strip().strip('"').strip() for c in header.split(",")]  # headers may be quoted
    if "mmsi" in cols and ("basedatetime" in cols or "lat" in cols):
        return "ais-csv"
    if "time" in cols and (("range_m" in cols and "bearing_deg" in cols) or ("lat" in cols and "lon" in cols)):
        return "plots-csv"
    raise InputFormatError(
        f"cannot tell the format of input starting {first[:80]!r}: expected NMEA 0183, ASTERIX, "
        "radar plots CSV/JSONL (time, sensor, range_m+bearing_deg or lat+lon) or MarineCadastre AIS CSV")


def _looks_asterix(head: bytes) -> bool:
    """ASTERIX data blocks: CAT (1 byte) + LEN (2 bytes, big endian) chained through the buffer."""
    pos, blocks = 0, 0
    while pos + 3 <= len(head) and blocks < 20:
        cat = head[pos]
        length = int.from_bytes(head[pos + 1 : pos + 3], "big")
        if cat not in (1, 2, 10, 34, 48, 62, 65, 21) or length < 3:
            return False
        pos += length
        blocks += 1
    return blocks >= 1 and (pos == len(head) or blocks >= 2 or pos > len(head))
