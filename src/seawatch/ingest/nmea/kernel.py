"""Compiled (numba) kernels of the NMEA decoder: one pass over the lines of a chunk, then per-row loops.

`scan_lines` does in one loop over the bytes what `framing.py` does with ~15 numpy passes over the
whole chunk (newlines, tag blocks, `*hh` checksums, `c:`/`s:` tag fields, VDM fields): every line is
read once, while it is in cache. `payload_keys`, `pack_words`, `six_text` and `span_xor` replace the
numpy gathers of `dedup.py`, `payload.Bits` and `framing.span_xor`; `slice_hashes` + `intern_hashes`
intern receiver names. Each kernel computes exactly what its numpy reference computes (same rules,
same float summation order where a sum is rounded); `tests/ingest/nmea/test_kernel.py` compares them
on every real NMEA recording and on fuzzed bytes. The decoder uses them unless `SEAWATCH_NO_JIT=1`.
Outputs are allocated by the callers: each numpy call inside a kernel costs seconds of compile time.
"""

from __future__ import annotations

import numpy as np

from seawatch.ingest.nmea._jit import inline, jit
from seawatch.ingest.nmea.dedup_kernel import lookup_or_add

# line classes (as framing.py)
EMPTY, COMMENT, AIS, DOLLAR, SLOW = 0, 1, 2, 3, 4

_FNV_BASIS = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@inline
def _digit(c: int) -> int:
    return c - 48 if 48 <= c <= 57 else -1


@inline
def _hex(c: int) -> int:
    if 48 <= c <= 57:
        return c - 48
    if 65 <= c <= 70:
        return c - 55
    if 97 <= c <= 102:
        return c - 87
    return -1


@inline
def _pairwise(t: np.ndarray, n: int) -> float:
    """0 + numpy's pairwise sum of t[:n] (8 <= n < 16: the order `ndarray.sum(axis=1)` rounds in)."""
    r0, r1, r2, r3, r4, r5, r6, r7 = t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]
    i = 8
    if n >= 16:
        r0 += t[8]
        r1 += t[9]
        r2 += t[10]
        r3 += t[11]
        r4 += t[12]
        r5 += t[13]
        r6 += t[14]
        r7 += t[15]
        i = 16
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += t[i]
        i += 1
    return 0.0 + res


@inline
def parse_number(buf: np.ndarray, pos: int, terms: np.ndarray, pow10: np.ndarray) -> float:
    """Decimal digits (up to 16) with an optional '.fraction' (up to 9 digits) at pos; NaN if no digit.
    Same value, bit for bit, as `framing.parse_uint_at`."""
    n = len(buf)
    run = 0
    while run < 16 and pos + run < n and 48 <= buf[pos + run] <= 57:
        run += 1
    if run == 0:
        return np.nan
    for j in range(16):
        terms[j] = (buf[pos + j] - 48) * pow10[run - 1 - j] if j < run else 0.0
    intval = _pairwise(terms, 16)
    frac = 0.0
    at = pos + run
    if at < n and buf[at] == 46:
        live = True
        for k in range(9):
            q = at + 1 + k
            live = live and q < n and 48 <= buf[q] <= 57
            terms[k] = (buf[q] - 48) / pow10[k + 1] if live else 0.0
        frac = _pairwise(terms, 9)
    return intval + frac


# rows of the int64 table `scan_lines` fills (one column per line)
START, END, SENT, STAR, TAG0, TAG1, S0, S1, COUNT, NUMBER, SEQ, PAY0, PAY1, FILL = range(14)
# rows of its uint8 table
CLS, CS_OK, FMT_OK, V_OK, CHANNEL = range(5)


class Tables:
    """The tables `scan_lines` fills, kept by a decoder from chunk to chunk: allocated again only when a
    chunk has more lines than they hold (a new process's first chunks would otherwise grow its heap,
    and every chunk pay the allocation). `scan_lines` writes every cell of the lines it scans. At the
    end of a feed (`release`) they go to the next decoder made in the process."""

    def __init__(self) -> None:
        self._ints = np.empty(0, dtype=np.int64)
        self._u8 = np.empty(0, dtype=np.uint8)
        self._time = np.empty(0)
        self._bytes_per_line = 0.0  # the fewest bytes per line of a chunk seen so far (0: none seen)

    def room_for(self, n_bytes: int) -> int:
        """Lines to make room for in a chunk of n_bytes, from the shortest lines seen in the earlier chunks
        (with a margin); 0 on the first chunk (count them)."""
        return int(n_bytes / self._bytes_per_line * 1.25) + 64 if self._bytes_per_line else 0

    def seen(self, n_bytes: int, n_lines: int) -> None:
        if n_lines:
            bpl = n_bytes / n_lines
            self._bytes_per_line = min(self._bytes_per_line, bpl) if self._bytes_per_line else bpl

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(14, n) int64, (5, n) uint8 and (n,) float64 tables, C-contiguous; their content is undefined."""
        if len(self._time) < n:
            spare = _SPARE_TABLES.pop() if _SPARE_TABLES else None
            if spare is not None and len(spare[2]) >= n:
                self._ints, self._u8, self._time = spare
            else:
                cap = n + n // 4
                self._ints, self._u8, self._time = np.empty(14 * cap, dtype=np.int64), \
                    np.empty(5 * cap, dtype=np.uint8), np.empty(cap)
        return self._ints[:14 * n].reshape(14, n), self._u8[:5 * n].reshape(5, n), self._time[:n]

    def release(self) -> None:
        """Hand the tables to the next decoder made in this process (at the end of a feed)."""
        if len(self._time):
            _SPARE_TABLES[:] = [(self._ints, self._u8, self._time)]
            self._ints, self._u8, self._time = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint8), np.empty(0)


_SPARE_TABLES: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []


def new_tables(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tables for `scan_lines` for n lines (allocated here: numpy calls inside a kernel cost seconds of
    compile time each); `scan_lines` writes every cell."""
    return np.empty((14, n), dtype=np.int64), np.empty((5, n), dtype=np.uint8), np.empty(n)


POW10 = 10.0 ** np.arange(24)


@jit
def scan_lines(buf, end, ints, u8, c_time, pow10, terms, commas):
    """The complete lines of buf[:end] (which ends with b'\\n'; zero padding follows), in one pass.
    Returns how many there are, or -1 if the tables (room for `ints.shape[1]` lines) are too small.

    Fills every cell of the tables (`new_tables`, `Tables`), per line: start, end, cls, sent, star, tag0, tag1 (as `framing.frame`); c_time
    (the tag block `c:` in seconds, NaN if none); s0, s1 (the `s:` value, at most 32 bytes; -1 if none);
    and for AIS lines: checksum ok, formatter VDM/VDO, VDM fields ok, count, number, seq, channel,
    payload span, fill bits (as `framing.checksum_ok` / `framing.vdm_fields`). terms (16 floats) and
    commas (6 ints) are scratch space."""
    nbuf = len(buf)
    n = ints.shape[1]
    i = 0
    for li in range(n):
        if i >= end:
            return li
        for row in range(14):  # the defaults: -1, or 0 for the VDM numbers and the payload span
            ints[row, li] = -1
        ints[COUNT, li], ints[NUMBER, li], ints[PAY0, li], ints[PAY1, li], ints[FILL, li] = 0, 0, 0, 0, 0
        for row in range(5):
            u8[row, li] = 0
        c_time[li] = np.nan
        s = i
        c = SLOW
        se = -1
        f = buf[s]
        j = s  # ends on the line's newline
        if f == 92:  # '\\' tag block: fields up to the first '*', closed by the first '\\' after the start
            j = s + 1
            t1 = -1
            cp = -1
            sp = -1
            b = buf[j]
            while b != 92 and b != 10 and b != 42:  # the fields
                if (b == 99 or b == 115) and buf[j + 1] == 58 and (j == s + 1 or buf[j - 1] == 44):
                    if b == 99 and cp < 0:
                        cp = j + 2
                    elif b == 115 and sp < 0:
                        sp = j + 2
                j += 1
                b = buf[j]
            if b == 42:  # the checksum, up to the closing backslash
                t1 = j
                while b != 92 and b != 10:
                    j += 1
                    b = buf[j]
            if b == 92 and (buf[j + 1] == 33 or buf[j + 1] == 36):
                close = j
                se = j + 1
                t1 = close if t1 < 0 else t1
                ints[TAG0, li], ints[TAG1, li] = s + 1, t1
                if cp >= 0:
                    v = parse_number(buf, cp, terms, pow10)
                    c_time[li] = v / 1000.0 if v > 1e11 else v  # some receivers write milliseconds
                if sp >= 0:
                    stop = min(sp + 48, t1)
                    for k in range(sp, min(sp + 48, nbuf)):
                        b = buf[k]
                        if b == 44 or b == 42 or b == 92:
                            stop = min(k, stop)
                            break
                    ints[S0, li], ints[S1, li] = sp, min(stop, sp + 32)
        elif f == 33 or f == 36:  # '!' '$'
            se = s
        if se >= 0:
            # the sentence: its first '*'; for '!' sentences also the XOR of the bytes before it and its first
            # six commas ('$' sentences need neither)
            j = se + 1
            st = -1
            x = 0
            m = 0
            b = buf[j]
            if buf[se] == 33:
                while m < 6 and b != 10 and b != 42:  # the fields up to the payload's end
                    x ^= b
                    if b == 44:
                        commas[m] = j
                        m += 1
                    j += 1
                    b = buf[j]
                while b != 10 and b != 42:  # the fill bits and anything after them
                    x ^= b
                    j += 1
                    b = buf[j]
            else:
                while b != 10 and b != 42:
                    j += 1
                    b = buf[j]
            if b == 42:
                st = j
                while buf[j] != 10:
                    j += 1
        else:
            while buf[j] != 10:
                j += 1
        e = j
        i = j + 1
        if e > s and buf[e - 1] == 13:
            e -= 1
        ints[START, li], ints[END, li] = s, e
        if e == s:
            c = EMPTY
        elif f == 35:  # '#'
            c = COMMENT
        elif se >= 0:
            ints[SENT, li] = se
            if st >= 0 and st + 3 == e:
                ints[STAR, li] = st
                if buf[se] == 36:
                    c = DOLLAR
                else:
                    c = AIS
                    _ais_fields(buf, li, se, st, x, m, commas, ints, u8)
        u8[CLS, li] = c
    return n if i >= end else -1


@inline
def _ais_fields(buf, li, se, st, x, m, commas, ints, u8) -> None:
    """Checksum (x: the XOR of the bytes between '!' and '*'), formatter and the VDM fields of one sentence."""
    hi, lo = _hex(buf[st + 1]), _hex(buf[st + 2])
    u8[CS_OK, li] = hi >= 0 and lo >= 0 and x == hi * 16 + lo
    u8[FMT_OK, li] = buf[se + 3] == 86 and buf[se + 4] == 68 and (buf[se + 5] == 77 or buf[se + 5] == 79)
    if m < 6:
        return
    c0, c1, c2, c3, c4, c5 = commas[0], commas[1], commas[2], commas[3], commas[4], commas[5]
    cnt, num = _digit(buf[c0 + 1]), _digit(buf[c1 + 1])
    fl = _digit(buf[c5 + 1])
    ok = (c0 == se + 6 and c1 == c0 + 2 and c2 == c1 + 2 and cnt >= 1 and num >= 1 and num <= cnt
          and c3 - c2 - 1 <= 1 and c4 - c3 - 1 <= 1 and 0 <= fl <= 5)
    if not ok:  # the fields of a broken sentence stay at their defaults (as in the numpy reference)
        return
    u8[V_OK, li] = 1
    ints[COUNT, li], ints[NUMBER, li], ints[FILL, li] = cnt, num, fl
    ints[SEQ, li] = _digit(buf[c2 + 1]) if c3 - c2 - 1 == 1 else -1
    u8[CHANNEL, li] = buf[c3 + 1] if c4 - c3 - 1 == 1 else 0
    ints[PAY0, li], ints[PAY1, li] = c4 + 1, c5


@inline
def _fnv(buf: np.ndarray, lo: int, hi: int) -> np.int64:
    """64-bit FNV-1a of buf[lo:hi] and its length, shifted to be >= 0 (-1 stays free as a marker)."""
    h = _FNV_BASIS
    for k in range(lo, hi):
        h = (h ^ np.uint64(buf[k])) * _FNV_PRIME
    h = (h ^ np.uint64(hi - lo)) * _FNV_PRIME
    return np.int64(h >> np.uint64(1))


@jit
def slice_hashes(buf, a, b, out):
    """out: a 64-bit FNV-1a hash of each slice buf[a:b] and its length (-1 where a < 0)."""
    for r in range(len(a)):
        if a[r] < 0:
            out[r] = -1
            continue
        out[r] = _fnv(buf, a[r], b[r])


@jit
def lookup_names(buf, a, b, table_keys, table_vals, h, out):
    """`slice_hashes` into h, and each hash looked up in an open-addressing table (power-of-two size,
    free slots -2): out is the value found, -1 where the hash is not in the table, -2 where a < 0 (no
    name). Returns the number of rows not found."""
    mask = len(table_keys) - 1
    missing = 0
    for r in range(len(a)):
        if a[r] < 0:
            h[r] = -1
            out[r] = -2
            continue
        key = _fnv(buf, a[r], b[r])
        h[r] = key
        slot = (key ^ (key >> 29)) & mask
        out[r] = -1
        while table_keys[slot] != -2:
            if table_keys[slot] == key:
                out[r] = table_vals[slot]
                break
            slot = (slot + 1) & mask
        if out[r] == -1:
            missing += 1
    return missing


@jit
def insert_names(table_keys, table_vals, keys, vals):
    """Add keys (not in the table yet, distinct) with their values to `lookup_names`' table."""
    mask = len(table_keys) - 1
    for r in range(len(keys)):
        key = keys[r]
        slot = (key ^ (key >> 29)) & mask
        while table_keys[slot] != -2:
            slot = (slot + 1) & mask
        table_keys[slot] = key
        table_vals[slot] = vals[r]


@jit
def payload_keys(buf, pay0, pay1, fill, width, out):
    """out: `dedup.payload_keys`, bit for bit: the payload read 8 bytes to a little-endian word, the bytes
    past its end (or past `width`) zero, each word mixed in, then the length and fill bits."""
    n = len(pay0)
    shift = np.uint64(29)
    for r in range(n):
        p, length = pay0[r], min(pay1[r] - pay0[r], width)
        h = _FNV_BASIS
        nw = max((length + 7) // 8, 1)
        for j in range(nw):
            word = np.uint64(0)
            for k in range(min(8, max(length - 8 * j, 0))):
                word |= np.uint64(buf[p + 8 * j + k]) << np.uint64(8 * k)
            h = (h ^ word) * _FNV_PRIME
            h ^= h >> shift
        h = (h ^ np.uint64((pay1[r] - pay0[r]) * 8 + fill[r])) * _FNV_PRIME
        out[r] = np.int64(h)


@jit
def pack_words(buf, pay0, pay1, width, words, six, valid):
    """`payload.Bits.of`: the first `width` characters of each payload de-armoured to 6-bit values (0 past
    its end; a row with a character outside the armour is all 0 and not valid), and packed 8 characters
    to a 48-bit word. Fills words (n_words, n) and six (n, 8 * n_words), both zero, and valid (all True)."""
    n = len(pay0)
    w8 = six.shape[1]
    for r in range(n):
        p = pay0[r]
        inside = min(pay1[r] - p, width)
        for k in range(inside):
            v = buf[p + k] - 48
            if v < 0 or v >= 72 or 40 <= v < 48:
                valid[r] = False
                break
            six[r, k] = v - 8 if v >= 48 else v
        if not valid[r]:
            for k in range(w8):
                six[r, k] = 0
            continue
        for w in range(w8 // 8):
            acc = 0
            for k in range(8):
                acc = (acc << 6) | six[r, 8 * w + k]
            words[w, r] = acc


@jit
def span_xor(buf, a, b, out):
    """out: the XOR of the bytes buf[a:b] of every span (`framing.span_xor`, without touching the gaps)."""
    for r in range(len(a)):
        x = 0
        for k in range(a[r], b[r]):
            x ^= buf[k]
        out[r] = x


@jit
def intern_hashes(h, table_keys, table_vals, codes, first):
    """Equal values of h get the same code (0, 1, ... in order of first appearance): codes per row, and
    the row where each code first appears; returns the number of codes. table_keys/table_vals: an
    open-addressing table of a power-of-two size > len(h), keys filled with -2 (h is never -2)."""
    return lookup_or_add(h, table_keys, table_vals, 0, codes, first)


@jit
def six_text(six, q, r, nchars, table, out, length):
    """`payload.Bits.text`: characters q.. of the 6-bit matrix (shifted by r bits) as ASCII, cut at the first
    '@', spaces stripped on both sides, left-aligned in out (zero after); length per row."""
    for row in range(six.shape[0]):
        end = nchars
        for i in range(nchars):
            v = six[row, q + i]
            if r:
                v = ((v << r) | (six[row, q + i + 1] >> (6 - r))) & 63
            c = table[v]
            if c == 64:
                end = i
                break
            out[row, i] = c
        a = 0
        while a < end and out[row, a] == 32:
            a += 1
        b = end
        while b > a and out[row, b - 1] == 32:
            b -= 1
        for i in range(b - a):
            out[row, i] = out[row, a + i]
        for i in range(b - a, nchars):
            out[row, i] = 0
        length[row] = b - a


@jit
def count_newlines(buf):
    n = 0
    for i in range(len(buf)):
        if buf[i] == 10:
            n += 1
    return n
