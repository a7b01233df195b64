"""Reading ahead in a thread (seawatch.ingest.prefetch): the same items in the same order, the reader's errors
raised where the replay takes the items, and a replay that stops early leaves no thread reading."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from seawatch.errors import SourceError
from seawatch.ingest.prefetch import Prefetch


def test_items_read_ahead_come_out_all_and_in_order() -> None:
    assert list(Prefetch(iter(range(1000)), depth=3)) == list(range(1000))


def test_the_reader_runs_ahead_of_a_slow_consumer_by_its_depth_and_no_more() -> None:
    taken: list[int] = []

    def items() -> Iterator[int]:
        for k in range(10):
            taken.append(k)
            yield k

    reader = Prefetch(items(), depth=2)
    it = iter(reader)
    assert next(it) == 0
    deadline = time.monotonic() + 10.0   # the consumer is busy: the reader fills the queue (2), one more in hand
    while len(taken) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert taken == [0, 1, 2, 3]   # and reads no further
    assert list(it) == list(range(1, 10))


def test_an_error_while_reading_is_raised_where_the_items_are_taken_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise SourceError("input.nmea: read failed")

    it = iter(Prefetch(items()))
    assert [next(it), next(it)] == [1, 2]
    with pytest.raises(SourceError, match="read failed"):
        next(it)


def test_closing_a_reader_blocked_on_a_full_queue_ends_its_thread_and_closes_its_inputs() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            k = 0
            while True:
                yield k
                k += 1
        finally:
            closed.set()

    reader = Prefetch(items(), depth=1, name="test-read-ahead")
    it = iter(reader)
    assert next(it) == 0
    time.sleep(0.2)   # the reader now waits for room in the queue
    reader.close()
    assert closed.is_set()
    assert not any(t.name == "test-read-ahead" for t in threading.enumerate())
