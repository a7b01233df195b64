"""A replay's tracks Parquet (`--tracks-out`), written in a thread of its own.

Each batch of contact updates becomes an Arrow table and a row group of the file (zstd; the columns of few
distinct values dictionary-encoded). pyarrow encodes and compresses without the GIL, so the replay's thread
hands the batch over and goes on tracking the next; on the 24 h Caspian day that is ~2.5 s less on the replay's
critical path. At most `depth` batches wait (the replay waits beyond that, as it would have written them).

The file is the same as one written in the replay's thread, row group for row group. An error while writing (a
full disk) is raised in the replay at its next `write` or at `close`; `close` waits for what is queued, then
closes the file.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Any

from seawatch.errors import OutputError
from seawatch.model.contact import ContactBatch

# contact-update columns of few distinct values, dictionary-encoded in the tracks Parquet; the others (times,
# positions, ids) change every row: a dictionary there costs CPU (half the write) and a larger file
TRACKS_DICTIONARY_COLUMNS = ("kind", "status", "name", "callsign", "sensors", "ship_type", "imo", "length_m",
                             "radar_track_id")
_END = None
_POLL_S = 0.1   # how often a replay waiting on a full queue looks whether the thread has failed
_JOIN_S = 10.0


class TracksWriter:
    """`write(batch)` for each batch of contact updates, then `close()`."""

    def __init__(self, path: Path, depth: int = 4) -> None:
        self.path = path
        self.error: BaseException | None = None
        self.cpu_s = 0.0   # the thread's CPU time, once it has ended
        self._queue: queue.Queue[ContactBatch | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="seawatch-tracks-out", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import pyarrow.parquet as pq

        writer: Any = None
        c0 = time.thread_time()
        try:
            while (batch := self._queue.get()) is not _END:
                table = batch.to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(str(self.path), table.schema, compression="zstd",
                                              use_dictionary=list(TRACKS_DICTIONARY_COLUMNS))
                writer.write_table(table)
        except BaseException as err:   # noqa: BLE001 - raised again in the replay's thread
            self.error = err
        finally:
            if writer is not None:
                try:
                    writer.close()
                except BaseException as err:   # noqa: BLE001
                    self.error = self.error or err
            self.cpu_s = time.thread_time() - c0

    def _put(self, item: ContactBatch | None) -> None:
        """Queue item, waiting while the queue is full; raise the thread's error, if it has ended on one."""
        while True:
            if self.error is not None:
                raise self.error
            if not self._thread.is_alive():
                raise OutputError(f"{self.path}: the tracks writer has already been closed")
            try:
                self._queue.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def write(self, batch: ContactBatch) -> None:
        self._put(batch)

    def close(self) -> None:
        """Write what is queued, close the file; raise a write's error."""
        if self._thread.is_alive():
            self._put(_END)
            self._thread.join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        """A replay that stopped on an error: what is queued is dropped, the file closed as it is, nothing
        raised (the replay's own error is the one to see)."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        try:
            self._queue.put_nowait(_END)
        except queue.Full:   # (the replay's thread is the only other writer: cannot happen)
            pass
        self._thread.join(_JOIN_S)
