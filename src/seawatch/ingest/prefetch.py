"""Reading ahead: a replay's inputs read, decoded and merged in a thread of their own while the stages after
ingest work on the batch before.

Ingest spends most of its time where the GIL is free: numba's decoders (`nogil`), pyproj's projections and
geodesics, pyarrow's CSV parser, the file reads. `Prefetch` runs the merged-batch iterator in a thread, up to
`depth` batches ahead; the replay takes them in the same order, so what comes out is the same batch for batch.
An error while reading is raised in the replay, where it would have been raised without the thread; a replay
that stops early ends the thread (`close`).

The replay counts the thread's CPU time under ingest (all but its own thread's: `seawatch.replay.run_replay`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_POLL_S = 0.1   # how often a reader blocked on a full queue looks whether it should stop
_JOIN_S = 10.0


class Prefetch(Generic[T]):
    """Iterate `items` in a thread, `depth` ahead of the consumer."""

    def __init__(self, items: Iterator[T], depth: int = 2, name: str = "seawatch-read-ahead") -> None:
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(items,), name=name, daemon=True)
        self._thread.start()

    def _run(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put(("item", item)):
                    return
            self._put(("end", None))
        except BaseException as err:   # noqa: BLE001 - raised again in the consumer's thread
            self._put(("error", err))
        finally:
            close = getattr(items, "close", None)
            if close is not None:   # a generator stopped early: its files closed here, in its own thread
                close()

    def _put(self, msg: tuple[str, object]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(msg, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            kind, item = self._queue.get()
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(item, BaseException)
                raise item
            yield item   # type: ignore[misc]

    def close(self) -> None:
        """Stop reading (the batch being decoded is finished, then dropped) and wait for the thread."""
        self._stop.set()
        while True:   # a reader blocked on a full queue sees the stop within _POLL_S; empty it all the same
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(_JOIN_S)
