"""Data-block framing of an ASTERIX byte stream, with resynchronisation after corrupt bytes.

A stream is a chain of data blocks: CAT (1 octet), LEN (2 octets, big endian, counting the header), then
the records. The framer walks the chain; when a header is not ASTERIX (unknown category, LEN < 3) it
scans forward for the next *plausible* block: a CAT 010/048 header with LEN >= 4 whose successor header is
plausible too (or which ends exactly at the end of the input). The skipped bytes are one `bad_record`.

Every decision depends only on bytes the framer has seen, and it waits for more input instead of
guessing, so splitting the input into chunks anywhere gives the same blocks as one big chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from seawatch.ingest.asterix.uap import KNOWN_CATEGORIES, UAPS
from seawatch.ingest.stats import IngestStats

_SCAN_CANDIDATE = re.compile(b"[" + b"".join(re.escape(bytes([c])) for c in sorted(UAPS)) + b"]")
_SAMPLE = 512
_DECODED = frozenset(UAPS)


@dataclass
class Blocks:
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    cats: list[int] = field(default_factory=list)


class BlockFramer:
    """Cuts complete data blocks out of a growing buffer; the caller keeps `buf[consumed:]` for later."""

    def __init__(self, stats: IngestStats) -> None:
        self.stats = stats
        self._scanning = False
        self._garbage = bytearray()  # sample of the current run of skipped bytes
        self._garbage_len = 0

    def _skip(self, chunk: bytes) -> None:
        if len(self._garbage) < _SAMPLE:
            self._garbage += chunk[: _SAMPLE - len(self._garbage)]
        self._garbage_len += len(chunk)

    def _end_garbage(self) -> None:
        if self._garbage_len:
            self.stats.reject("bad_record", bytes(self._garbage))
        self._garbage, self._garbage_len = bytearray(), 0

    def frame(self, buf: bytes, final: bool) -> tuple[Blocks, int]:
        """The complete blocks of CAT 010/048 in `buf`, and how many bytes were consumed."""
        out = Blocks()
        n, pos = len(buf), 0
        unsupported: list[bytes] = []
        starts, ends, cats = out.starts, out.ends, out.cats
        known, decoded = KNOWN_CATEGORIES, _DECODED
        while True:
            if self._scanning:
                found, pos = self._scan(buf, pos, final)
                if not found:
                    break
            while pos + 3 <= n:  # the hot loop: a run of well-formed blocks
                cat = buf[pos]
                length = (buf[pos + 1] << 8) | buf[pos + 2]
                end = pos + length
                if cat not in known or length < 3 or end > n:
                    break
                if cat in decoded:
                    starts.append(pos)
                    ends.append(end)
                    cats.append(cat)
                else:
                    unsupported.append(buf[pos:end])
                pos = end
            if pos + 3 > n:
                break
            cat = buf[pos]
            length = (buf[pos + 1] << 8) | buf[pos + 2]
            if cat in known and length >= 3:  # a good header whose block is not complete yet
                break
            self._scanning = True  # not ASTERIX: skip it, look for the next plausible block
            self._skip(buf[pos : pos + 1])
            pos += 1
        if unsupported:
            self.stats.reject_many("unsupported_type", unsupported)
        if final and pos < n:
            if self._scanning:
                self._skip(buf[pos:])
            else:
                self.stats.reject("truncated", buf[pos:])
            pos = n
        if final:
            self._end_garbage()
            self._scanning = False
        return out, pos

    def _scan(self, buf: bytes, pos: int, final: bool) -> tuple[bool, int]:
        """Look for the next plausible block from `pos`. Returns (found, position to go on from)."""
        n = len(buf)
        while True:
            m = _SCAN_CANDIDATE.search(buf, pos)
            if m is None:  # no byte left that could start a block
                self._skip(buf[pos:])
                return False, n
            q = m.start()
            if q + 3 > n:  # a candidate header, not complete yet
                if final:
                    self._skip(buf[pos:])
                    return False, n
                self._skip(buf[pos:q])
                return False, q
            length = (buf[q + 1] << 8) | buf[q + 2]
            end = q + length
            if length >= 4:
                if end + 3 <= n:
                    nxt = buf[end]
                    nlen = (buf[end + 1] << 8) | buf[end + 2]
                    if nxt in KNOWN_CATEGORIES and nlen >= 3:
                        self._skip(buf[pos:q])
                        self._end_garbage()
                        self._scanning = False
                        return True, q
                elif end == n and final:
                    self._skip(buf[pos:q])
                    self._end_garbage()
                    self._scanning = False
                    return True, q
                elif not final:  # cannot tell yet: wait for more bytes
                    self._skip(buf[pos:q])
                    return False, q
            self._skip(buf[pos : q + 1])
            pos = q + 1
