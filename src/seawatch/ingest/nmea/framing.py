"""Vectorised NMEA framing: a buffer of complete lines -> per-line spans, tag block fields, sentence fields.

Everything here works on the whole buffer at once with numpy (positions of newlines, backslashes,
stars and commas, a prefix XOR for checksums); no Python object per line. Lines this fast framer does
not recognise (logger layouts, several sentences on one line, ...) are marked `SLOW` and handled by
`layouts.py`, which rewrites them into the canonical shapes and frames them again.
This is the numpy reference of the compiled scan (`kernel.scan_lines`), which computes the same arrays
in one pass over the lines; the decoder uses it when `SEAWATCH_NO_JIT=1`, the tests compare the two.

Canonical shapes:   `!AIVDM,...*hh`    `\\s:src,c:epoch*hh\\!AIVDM,...*hh`    and the same with `$` sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

# line classes
EMPTY, COMMENT, AIS, DOLLAR, SLOW, BROKEN = 0, 1, 2, 3, 4, 5

_HEX = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX[_c] = 10 + _i
_DIGIT = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(b"0123456789"):
    _DIGIT[_c] = _i


PAD = bytes(160)  # zero bytes after a buffer, so fixed-width windows never run off its end


def windows(buf: U8, pos: IntArray, width: int) -> U8:
    """(N, width) bytes starting at each pos: one gather through a strided view, no index matrices."""
    if len(pos) and int(pos.max()) + width > len(buf):
        buf = np.concatenate([buf, np.zeros(width, dtype=np.uint8)])
    view = np.lib.stride_tricks.sliding_window_view(buf, width)
    return view[np.maximum(pos, 0)]


@dataclass(frozen=True)
class Lines:
    start: IntArray  # first byte of the line
    end: IntArray  # one past the last byte, CR/LF stripped
    cls: npt.NDArray[np.int8]
    sent: IntArray  # first byte of the sentence ('!' or '$'); -1 if none
    star: IntArray  # position of '*' of the sentence checksum; -1 if none
    tag0: IntArray  # first byte inside the tag block (after '\\'); -1 if none
    tag1: IntArray  # position of the '*' or '\\' closing the tag block's fields; -1 if none
    key_pos: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # 'k' of every "k:" field
    key_chr: U8 = field(default_factory=lambda: np.empty(0, dtype=np.uint8))  # ... and its letter


def split_lines(buf: U8) -> tuple[IntArray, IntArray]:
    """Start/end of every complete line (buf must end with b'\\n'); CR before LF stripped."""
    return _lines_from(buf, np.flatnonzero(buf == 10))


def _lines_from(buf: U8, nl: IntArray) -> tuple[IntArray, IntArray]:
    start = np.empty(len(nl), dtype=np.int64)
    start[0:1] = 0
    start[1:] = nl[:-1] + 1
    end = nl.astype(np.int64)
    cr = (end > start) & (buf[np.maximum(end - 1, 0)] == 13)
    end = end - cr
    return start, end


def _next_pos(positions: IntArray, after: IntArray) -> IntArray:
    """For each value in `after`, the first position >= it (or a huge number if none)."""
    k = np.searchsorted(positions, after)
    ext = np.append(positions, np.iinfo(np.int64).max // 2)
    return ext[k]


def frame(buf: U8) -> Lines:
    start, end = split_lines(buf)
    stars = np.flatnonzero(buf == 42)
    n = len(start)
    first = np.where(end > start, buf[np.minimum(start, len(buf) - 1)], 0)
    cls = np.full(n, SLOW, dtype=np.int8)
    cls[end == start] = EMPTY
    cls[first == ord("#")] = COMMENT
    sent = np.full(n, -1, dtype=np.int64)
    tag0 = np.full(n, -1, dtype=np.int64)
    tag1 = np.full(n, -1, dtype=np.int64)

    bang_or_dollar = (first == ord("!")) | (first == ord("$"))
    sent[bang_or_dollar] = start[bang_or_dollar]

    tagged = np.flatnonzero(first == ord("\\"))
    key_pos, key_chr = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint8)
    if len(tagged):
        bs = np.flatnonzero(buf == 92)
        close = _next_pos(bs, start[tagged] + 1)
        ok = close < end[tagged] - 1
        t_idx = tagged[ok]
        close = close[ok]
        after = buf[close + 1]
        good = (after == ord("!")) | (after == ord("$"))
        t_idx, close = t_idx[good], close[good]
        sent[t_idx] = close + 1
        tag0[t_idx] = start[t_idx] + 1
        # the tag block's own checksum star (optional): fields end there
        tstar = _next_pos(stars, start[t_idx] + 1)
        tag1[t_idx] = np.where(tstar < close, tstar, close)
        # tag block fields "k:value": a colon after a letter that starts a field (after '\\' or ',')
        colon = np.flatnonzero(buf[2:] == 58) + 2
        prev = buf[colon - 2]
        colon = colon[(prev == ord(",")) | (prev == ord("\\"))]
        key_pos, key_chr = colon - 1, buf[colon - 1]

    has_sent = np.flatnonzero(sent >= 0)
    star = np.full(n, -1, dtype=np.int64)
    if len(has_sent):
        st = _next_pos(stars, sent[has_sent])
        e = end[has_sent]
        # checksum must be '*hh' closing the line exactly
        exact = st + 3 == e
        star[has_sent[exact]] = st[exact]
        s_first = buf[sent[has_sent]]
        is_ais = s_first == ord("!")
        cls[has_sent[exact & is_ais]] = AIS
        cls[has_sent[exact & ~is_ais]] = DOLLAR
        # text after the checksum, or no checksum at all: logger layouts -> slow path
        cls[has_sent[~exact]] = SLOW
    return Lines(start=start, end=end, cls=cls, sent=sent, star=star, tag0=tag0, tag1=tag1, key_pos=key_pos,
                 key_chr=key_chr)


def span_xor(buf: U8, a: IntArray, b: IntArray) -> U8:
    """XOR of the bytes buf[a:b] for every span (0 for an empty one): one `reduceat` over the spans
    (in order, it reads each byte about once and allocates nothing the size of the buffer)."""
    n = len(a)
    if n == 0:
        return np.empty(0, dtype=np.uint8)
    idx = np.empty(2 * n, dtype=np.int64)
    idx[0::2], idx[1::2] = a, b
    if int(idx.max()) >= len(buf):
        buf = np.concatenate([buf, np.zeros(1, dtype=np.uint8)])
    out = np.bitwise_xor.reduceat(buf, idx)[0::2]
    return np.where(b > a, out, 0).astype(np.uint8)


def checksum_ok(buf: U8, sent: IntArray, star: IntArray) -> npt.NDArray[np.bool_]:
    """XOR of the bytes between the leading '!'/'$' and '*' equals the two hex digits after '*'."""
    calc = span_xor(buf, sent + 1, star)
    hi = _HEX[buf[star + 1]]
    lo = _HEX[buf[np.minimum(star + 2, len(buf) - 1)]]
    given = hi * 16 + lo
    return (hi >= 0) & (lo >= 0) & (calc.astype(np.int16) == given)


_POW10 = 10.0 ** np.arange(24)
_POW10_INT = 10 ** np.arange(10, dtype=np.int64)


def parse_uint_at(buf: U8, pos: IntArray, width: int = 16) -> tuple[npt.NDArray[np.float64], IntArray]:
    """Parse a run of decimal digits (with an optional '.fraction') starting at each pos.

    Returns (value, length consumed); value NaN where there is no digit."""
    if len(pos) == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    # fast path: exactly 10 digits then a non-digit, non-dot (epoch seconds, the common tag block value)
    w = windows(buf, pos, 11) - np.uint8(48)  # digits -> 0..9, everything else >= 10 (uint8 wraps)
    common = (w[:, :10] < 10).all(axis=1) & (w[:, 10] >= 10) & (w[:, 10] != np.uint8((ord(".") - 48) % 256))
    if common.all():
        # a float64 dot product is exact for 10 digits, and one BLAS call
        return w[:, :10] @ _POW10[9::-1], np.full(len(pos), 10, dtype=np.int64)
    d = _DIGIT[windows(buf, pos, width)]
    run = np.cumprod(d >= 0, axis=1, dtype=np.int8).sum(axis=1, dtype=np.int64)
    place = run[:, None] - 1 - np.arange(width)
    intval = (np.where(place >= 0, d, 0) * _POW10[np.clip(place, 0, 23)]).sum(axis=1)
    dot_at = np.minimum(pos + run, len(buf) - 1)
    has_dot = (buf[dot_at] == ord(".")) & (run > 0)
    frac = np.zeros(len(pos))
    consumed = run.copy()
    if has_dot.any():
        fi = np.flatnonzero(has_dot)
        fd = _DIGIT[windows(buf, dot_at[fi] + 1, 9)]
        frun = np.cumprod(fd >= 0, axis=1)
        frac[fi] = (np.where(frun > 0, fd, 0) / _POW10[1:10]).sum(axis=1)
        consumed[fi] += 1 + frun.sum(axis=1)
    value = np.where(run > 0, intval + frac, np.nan)
    return value, consumed


def find_key(lines: Lines, tag0: IntArray, tag1: IntArray, key: bytes) -> IntArray:
    """Position of the value of `key:` (e.g. b'c') inside each tag block [tag0, tag1), or -1."""
    out = np.full(len(tag0), -1, dtype=np.int64)
    if len(tag0) == 0:
        return out
    cand = lines.key_pos[lines.key_chr == key[0]]
    if len(cand) == 0:
        return out
    nxt = _next_pos(cand, tag0)
    hit = nxt < tag1
    out[hit] = nxt[hit] + 2
    return out


def field_end(buf: U8, pos: IntArray, limit: IntArray, width: int = 48) -> IntArray:
    """End of a tag-block field value starting at pos: the next ',' '*' or '\\' (capped at limit).
    Looked for in the first 16 bytes, then (for the few longer values) in `width` bytes."""
    if len(pos) == 0:
        return pos
    first = _first_stop(windows(buf, pos, min(16, width)))
    long = np.flatnonzero(first < 0)
    if len(long) and width > 16:
        first[long] = _first_stop(windows(buf, pos[long], width))
    first[first < 0] = width
    return np.minimum(pos + first, limit)


def _first_stop(c: U8) -> IntArray:
    stop = c == ord(",")
    stop |= c == ord("*")
    stop |= c == ord("\\")
    return np.where(stop.any(axis=1), stop.argmax(axis=1), -1)


def slices_to_strings(buf: U8, a: IntArray, b: IntArray, width: int = 32) -> tuple[npt.NDArray[np.int64],
                                                                                     list[str]]:
    """Byte slices buf[a:b] as (codes, unique strings): codes index into the list. Vectorised: the slices
    are hashed 8 bytes at a time and only one slice per distinct hash becomes a Python string."""
    n = len(a)
    if n == 0:
        return np.empty(0, dtype=np.int64), []
    length = np.clip(b - a, 0, width)
    w8 = int(min(max(int(length.max()), 1), width) + 7) // 8 * 8
    m = np.where(np.arange(w8)[None, :] < length[:, None], windows(buf, a, w8), 0).astype(np.uint8)
    words = np.ascontiguousarray(m).view(np.uint64)
    h = np.full(n, 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            h = (h ^ words[:, j]) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
    _, first, codes = np.unique(h, return_index=True, return_inverse=True)
    names = [bytes(m[i, : length[i]]).decode("latin-1") for i in first.tolist()]
    return codes.astype(np.int64).ravel(), names


@dataclass(frozen=True)
class VdmFields:
    """Fields of !--VDM/VDO sentences, one row per sentence."""

    ok: npt.NDArray[np.bool_]  # enough fields
    count: IntArray
    number: IntArray
    seq: IntArray  # -1 if empty
    channel: U8  # 0 if empty
    pay0: IntArray
    pay1: IntArray
    fill: IntArray


def vdm_fields(buf: U8, sent: IntArray, star: IntArray) -> VdmFields:
    commas = np.flatnonzero(buf == 44)
    k = np.searchsorted(commas, sent)
    ext = np.append(commas, np.full(8, np.iinfo(np.int64).max // 2))
    c0, c1, c2, c3, c4, c5 = (ext[k + i] for i in range(6))  # the first six commas of each sentence
    ok = (c5 < star) & (c0 == sent + 6)
    if not ok.all():
        c0, c1, c2, c3, c4, c5 = (np.where(ok, c, 0) for c in (c0, c1, c2, c3, c4, c5))
    cnt = _DIGIT[buf[c0 + 1]].astype(np.int64)
    num = _DIGIT[buf[c1 + 1]].astype(np.int64)
    ok &= (c1 == c0 + 2) & (c2 == c1 + 2) & (cnt >= 1) & (num >= 1) & (num <= cnt)
    seq_len = c3 - c2 - 1
    seq = np.where(seq_len == 1, _DIGIT[buf[c2 + 1]], -1).astype(np.int64)
    ok &= seq_len <= 1
    ch_len = c4 - c3 - 1
    channel = np.where(ch_len == 1, buf[c3 + 1], 0).astype(np.uint8)
    ok &= ch_len <= 1
    fill = _DIGIT[buf[c5 + 1]].astype(np.int64)
    ok &= (fill >= 0) & (fill <= 5)
    return VdmFields(ok=ok, count=cnt, number=num, seq=seq, channel=channel, pay0=c4 + 1, pay1=c5, fill=fill)
