"""Files as sources: plain or gzip (detected from the magic bytes, not the name), read in chunks."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from seawatch.errors import SourceError

CHUNK_BYTES = 1 << 20  # amortises the per-batch numpy calls; 2 MiB: fewer of them, but 4x the page faults of a first pass
GZIP_MAGIC = b"\x1f\x8b"


def sniff(path: str | Path, n: int = 16384) -> bytes:
    """The first n bytes (decompressed) of a recording, for format detection: those that could be read, if a
    gzip is cut short or corrupt within them (SourceError only if none could)."""
    out = bytearray()
    try:
        for chunk in read_chunks(path, n):
            out += chunk
            if len(out) >= n:
                break
    except SourceError:
        if not out:
            raise
    return bytes(out[:n])


def read_chunks(path: str | Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Yield the file's bytes (gunzipped, if it is gzip) in chunks of at most chunk_bytes. A gzip stream cut
    short or corrupt ends the file with a SourceError after every byte that could be decompressed."""
    p = Path(path)
    try:
        raw = open(p, "rb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise SourceError(f"{p}: cannot open: {err.strerror}") from err
    with raw:
        try:
            gz = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            if gz:
                yield from _gunzip(p, raw, chunk_bytes)
                return
            while data := raw.read(chunk_bytes):
                yield data
        except OSError as err:
            raise SourceError(f"{p}: read failed: {err}") from err


def _gunzip(path: Path, raw: BinaryIO, chunk_bytes: int) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file of one or more members, chunk by chunk (zlib directly, not
    GzipFile: a read that meets the cut-off end of a stream loses what it had decompressed)."""
    d = zlib.decompressobj(wbits=31)
    pending, started, between = b"", False, False
    while True:
        if not pending:
            pending = raw.read(chunk_bytes)
            if between and pending and not pending.startswith(GZIP_MAGIC[:len(pending)]):
                return   # bytes after the last member that are not another one: ignored, however they were read
            if not pending:   # the end of the file: what the decompressor still holds
                try:
                    out = d.flush() if started else b""
                except zlib.error as err:
                    raise SourceError(f"{path}: corrupt gzip data ({err}); what came before it was read") from err
                if out:
                    yield out
                break
        try:
            out = d.decompress(pending, chunk_bytes)
        except zlib.error as err:
            raise SourceError(f"{path}: corrupt gzip data ({err}); what came before it was read") from err
        started, between = True, False
        pending = d.unconsumed_tail
        if out:
            yield out
        if d.eof:   # a member ended: the next one, if any (bytes after the last member are ignored)
            pending = d.unused_data   # (the same leftover is also in unconsumed_tail)
            if pending and not pending.startswith(GZIP_MAGIC[:len(pending)]):
                return
            d, started, between = zlib.decompressobj(wbits=31), False, True
    if started and not d.eof:
        raise SourceError(f"{path}: compressed file ended before the end-of-stream marker (cut short); "
                          "what came before it was read")


def file_size(path: str | Path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


__all__ = ["file_size", "read_chunks", "sniff"]
