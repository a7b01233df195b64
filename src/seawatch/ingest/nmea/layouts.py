"""Logger layouts and odd lines, rewritten into canonical tag-blocked lines for the fast framer.

Handled (per line, in Python: these layouts are rare or small):
- a leading timestamp column, epoch seconds/milliseconds or ISO-8601: `1469664000.24 !AIVDM,...`,
  `2020-09-04T18:12:06Z,!AIVDM,...`;
- trailing columns after the checksum as loggers append them: `!AIVDM,...*hh,1327992119173` (exactEarth,
  ms), `!AIVDM,...*hh,d-109,S2105,t050056.00,T56.1,r003669946,1325394060,1325394001` (MERIDIAN, receiver
  `r...` and epoch columns);
- several tag block + sentence pairs on one line (satellite providers concatenate them);
- `$PGHP` lines (Gatehouse / Danish feed) are handled in the decoder, not here: they carry the time of
  the sentence on the following line.
A line that still is not NMEA after this is rejected as `not_nmea`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_EPOCH = re.compile(rb"^\s*(\d{9,10}(?:\.\d+)?|\d{12,13}(?:\.\d+)?)\s*[,;\s]\s*(?=[!$\\])")
_ISO = re.compile(
    rb"^\s*(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]00:?00)?\s*[,;\s]\s*(?=[!$\\])")
_PIECE = re.compile(rb"(\\[^\\]*\\)?([!$][^\\]*)")
_TRAIL_EPOCH = re.compile(rb"^\d{10}(\.\d+)?$|^\d{13}$")


def epoch_value(text: bytes) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    if v > 1e11:  # milliseconds
        v /= 1000.0
    return v if 0 < v < 7e9 else None


def iso_value(text: bytes) -> float | None:
    try:
        dt = datetime.fromisoformat(text.decode().replace(" ", "T"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _tagged(sentence: bytes, epoch: float | None, source: bytes | None, tag: bytes | None) -> bytes:
    """A canonical line: the original tag block (if any) extended with c:/s: when it lacks them."""
    fields: list[bytes] = []
    if tag:
        inner = tag[1:-1]
        star = inner.rfind(b"*")
        inner = inner[:star] if star >= 0 else inner
        fields = [f for f in inner.split(b",") if f]
    keys = {f[:2] for f in fields}
    if epoch is not None and b"c:" not in keys:
        fields.append(b"c:%.3f" % epoch)
    if source and b"s:" not in keys:
        fields.append(b"s:" + source)
    if not fields:
        return sentence
    return b"\\" + b",".join(fields) + b"*00\\" + sentence


def rewrite(line: bytes) -> list[bytes] | None:
    """Canonical lines for one odd line, or None if it is not NMEA at all."""
    epoch: float | None = None
    m = _EPOCH.match(line)
    if m:
        epoch = epoch_value(m.group(1))
        line = line[m.end():]
    else:
        m = _ISO.match(line)
        if m:
            epoch = iso_value(m.group(1))
            line = line[m.end():]
    out: list[bytes] = []
    for piece in _PIECE.finditer(line):
        tag, body = piece.group(1), piece.group(2).rstrip()
        star = body.find(b"*")
        if star < 0 or len(body) < star + 3:
            out.append(_tagged(body, epoch, None, tag))  # no checksum: the framer rejects it as truncated
            continue
        sentence, trailer = body[: star + 3], body[star + 3:]
        t_epoch, source = epoch, None
        if trailer.startswith(b","):
            cols = trailer[1:].split(b",")
            for col in cols:
                if col.startswith(b"r") and len(col) > 1 and source is None:
                    source = col[1:]
            for col in cols:  # the first epoch-looking column is the receive time
                if _TRAIL_EPOCH.match(col.strip()):
                    t_epoch = epoch_value(col.strip())
                    break
        out.append(_tagged(sentence, t_epoch, source, tag))
    return out or None
