"""A chunk's complete lines in one reusable byte buffer, with room after them for reassembled payloads.

The decoder copies each chunk's complete lines (the previous chunk's unfinished line first) once, into a
buffer it keeps from chunk to chunk (`ChunkStore`): a running decoder does not allocate a chunk-sized
array per chunk, and a new process's heap does not grow (page faults) chunk after chunk. After the lines
come `framing.PAD` (zero bytes the kernels may read past the end) and room where the multi-part messages
of the chunk are appended, so every complete message is a span of one array (`ChunkBuffer.extended`).
Python-side code slices it like bytes (`buf[a:b]` is a bytes object).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea.framing import PAD

U8 = npt.NDArray[np.uint8]
_PAD = np.frombuffer(PAD, dtype=np.uint8)


class ChunkBuffer:
    """`arr`: the lines then PAD (len(self) bytes); `room`: the array `arr` starts, longer, or None."""

    __slots__ = ("arr", "room")

    def __init__(self, arr: U8, room: U8 | None = None) -> None:
        self.arr = arr
        self.room = room

    @classmethod
    def of_bytes(cls, data: bytes) -> ChunkBuffer:
        """Lines already followed by PAD, as bytes (rewritten lines, the last line at flush); copied, so
        that the kernels see one type of array (writable), compiled once."""
        return cls(np.frombuffer(data, dtype=np.uint8).copy())

    def __len__(self) -> int:
        return len(self.arr)

    def __getitem__(self, span: slice) -> bytes:
        return self.arr[span].tobytes()

    def slices(self, start: list[int], end: list[int]) -> list[bytes]:
        """buf[a:b] for every pair; one copy of the covered range when there are many."""
        if len(start) < 64:
            arr = self.arr
            return [arr[a:b].tobytes() for a, b in zip(start, end)]
        lo = min(start)
        whole = self.arr[lo:max(end)].tobytes()
        return [whole[a - lo:b - lo] for a, b in zip(start, end)]

    def extended(self, ext: U8) -> U8:
        """The lines, PAD, `ext` and PAD again as one array: in place when there is room, else a copy."""
        if not len(ext):
            return self.arr
        n = len(self.arr)
        total = n + len(ext) + len(PAD)
        room = self.room
        if room is not None and len(room) >= total:
            room[n:n + len(ext)] = ext
            room[n + len(ext):total] = _PAD
            return room[:total]
        return np.concatenate([self.arr, ext, _PAD])


class ChunkStore:
    """The buffer a decoder copies its chunks into, grown when a chunk does not fit. `release()` (at the
    end of a feed) hands it to the next decoder made in the process (`_SPARE`), which would otherwise
    grow the heap again for its own."""

    def __init__(self) -> None:
        self._store = np.empty(0, dtype=np.uint8)

    def put(self, tail: bytes, data: bytes, cut: int) -> ChunkBuffer:
        """tail + data[:cut], then PAD, with room for reassembled payloads (an eighth of the lines) after."""
        n = len(tail) + cut
        need = n + len(PAD) + max(n // 8, 4096) + len(PAD)
        if len(self._store) < need:
            spare = _spare(_SPARE, need)
            self._store = spare if spare is not None else _lasting(need + need // 8)
        store = self._store
        store[:len(tail)] = np.frombuffer(tail, dtype=np.uint8)
        store[len(tail):n] = np.frombuffer(data, dtype=np.uint8, count=cut)
        store[n:n + len(PAD)] = _PAD
        return ChunkBuffer(store[:n + len(PAD)], store)

    def release(self) -> None:
        if len(self._store):
            keep(_SPARE, self._store)
            self._store = np.empty(0, dtype=np.uint8)


_SPARE: list[npt.NDArray[Any]] = []  # buffers of decoders that finished a feed, for the next one


def _spare(pool: list[npt.NDArray[Any]], need: int) -> npt.NDArray[Any] | None:
    """A spare buffer of at least `need` elements from `pool` (taken out of it), or None."""
    for i, buf in enumerate(pool):
        if len(buf) >= need:
            return pool.pop(i)
    return None


def keep(pool: list[npt.NDArray[Any]], buf: npt.NDArray[Any], most: int = 2) -> None:
    """Put `buf` in `pool` (the largest `most` are kept). list.append/pop are atomic: decoders in other
    threads never get the same buffer."""
    pool.append(buf)
    if len(pool) > most:
        pool.sort(key=len)
        del pool[0]


def _lasting(size: int) -> npt.NDArray[np.uint8]:
    """A buffer a decoder keeps. Made twice, the first one freed at once (never touched: no page faults):
    glibc's malloc raises its mmap and trim thresholds to the size of a freed mmap'd block, so the
    chunk-sized arrays of every chunk then come from the heap and stay in it, instead of being mapped and
    returned to the system (page faults again) chunk after chunk, as they are when no block that large is
    ever freed. Elsewhere harmless: an allocation and a free."""
    np.empty(max(size, 8 << 20), dtype=np.uint8)
    return np.empty(size, dtype=np.uint8)
