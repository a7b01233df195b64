"""The decoder's chunk buffer: lines copied once, multi-part payloads appended in place, bytes for Python."""

from __future__ import annotations

import numpy as np

from seawatch.ingest.nmea import chunk
from seawatch.ingest.nmea.chunk import ChunkBuffer, ChunkStore
from seawatch.ingest.nmea.framing import PAD

LINES = b"!AIVDM,1,1,,A,15N:6k0000lh0H@Q`?vrwPjL0400,0*38\n$SAVSI,r17MWAI2,5,000000.804493,30,-91,27*59\n"


def test_the_unfinished_line_of_the_last_chunk_comes_first_then_the_complete_lines_then_the_padding() -> None:
    buf = ChunkStore().put(b"!AIVDM,1,1", b",,A,rest*00\nunfinished", len(b",,A,rest*00\n"))
    assert buf.arr.tobytes() == b"!AIVDM,1,1,,A,rest*00\n" + PAD
    assert len(buf) == len(b"!AIVDM,1,1,,A,rest*00\n" + PAD)


def test_slices_are_bytes_as_slicing_the_lines_would_give_few_or_many() -> None:
    buf = ChunkStore().put(b"", LINES, len(LINES))
    starts, ends = [0, 14, 50], [13, 42, 56]
    assert buf.slices(starts, ends) == [LINES[a:b] for a, b in zip(starts, ends)]
    many_a, many_b = list(range(80)), list(range(5, 85))
    assert buf.slices(many_a, many_b) == [LINES[a:b] for a, b in zip(many_a, many_b)]
    assert buf[0:6] == b"!AIVDM" and isinstance(buf[0:6], bytes)


def test_multi_part_payloads_go_after_the_lines_in_place_when_there_is_room_else_into_a_copy() -> None:
    store = ChunkStore()
    buf = store.put(b"", LINES, len(LINES))
    ext = np.frombuffer(b"55MvV`00@bdQL=cS3S8lThhDpUDn0H4h<tp0000l1PG654000045AiE84kmCQ0000000000", dtype=np.uint8)
    full = buf.extended(ext)
    expected = LINES + PAD + ext.tobytes() + PAD
    assert full.tobytes() == expected
    assert np.shares_memory(full, buf.arr)  # no copy of the chunk
    small = ChunkBuffer.of_bytes(LINES + PAD)  # rewritten lines: no room after them
    copied = small.extended(ext)
    assert copied.tobytes() == expected
    assert not np.shares_memory(copied, small.arr)


def test_a_decoder_that_finished_its_feed_hands_its_buffer_to_the_next_one() -> None:
    first = ChunkStore()
    kept = first.put(b"", LINES, len(LINES)).arr
    first.release()
    chunk._SPARE[:] = [b for b in chunk._SPARE if np.shares_memory(b, kept)]  # only this test's buffer
    second = ChunkStore().put(b"", LINES, len(LINES)).arr
    assert np.shares_memory(second, kept)
    assert second.tobytes() == LINES + PAD
