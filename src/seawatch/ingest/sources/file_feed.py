"""`file:PATH` as a live source: a recording (plain or .gz) replayed through `sources.file.read_chunks`.

The chunks come as fast as the consumer takes them; `speed` (e.g. 1.0 = real time) asks the live ingest
to pace the decoded observations by their event time (see `seawatch.ingest.live`). Reading happens in a
worker thread so that a slow disk never stalls the other sources. An `end` chunk closes the file.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from seawatch.errors import SourceError
from seawatch.ingest.sources.base import Chunk, Source, SourceStats
from seawatch.ingest.sources.file import read_chunks

logger = logging.getLogger(__name__)


class FileSource(Source):
    def __init__(self, path: str | Path, *, url: str | None = None, chunk_bytes: int = 1 << 16,
                 speed: float | None = None) -> None:
        self.path = Path(path)
        self.url = url or f"file:{self.path}"
        self.chunk_bytes = chunk_bytes
        self.speed = speed if speed and speed > 0 else None  # None: as fast as the consumer takes it
        self.stats = SourceStats(self.url)
        self._closed = False

    async def start(self) -> None:
        if not self.path.is_file():
            raise SourceError(f"source {self.url!r}: {self.path} is not a readable file")
        self.stats.set_state("up")

    async def chunks(self) -> AsyncIterator[Chunk]:
        await self.start()
        source = self.path.name
        it = read_chunks(self.path, self.chunk_bytes)
        try:
            while not self._closed:
                try:
                    data = await asyncio.to_thread(next, it, None)
                except SourceError as err:  # e.g. a truncated .gz: what was read stands
                    self.stats.last_error = str(err)
                    logger.warning("%s: %s; the rest of the file is skipped", self.url, err)
                    break
                if data is None:
                    break
                self.stats.add(len(data))
                yield Chunk(data, time.time(), source)
        finally:
            try:
                close = getattr(it, "close", None)
                if close is not None:
                    close()
            except ValueError:  # cancelled while the worker thread is still reading
                pass
        yield Chunk(b"", time.time(), source, end=True)
        self.stats.set_state("ended")

    async def close(self) -> None:
        self._closed = True
        await super().close()
