"""TCP client source: connect to a feed and keep it connected, whatever happens, for as long as we run.

An *outage* starts when the feed stops delivering: the connection is refused or times out, the feed
closes or resets it, or no data arrives for `read_timeout_s`. It ends when data flows again. Each outage
is logged once when it starts (with its reason) and once when it ends (with its duration and the number
of attempts it took), however many reconnection attempts happen in between. Attempts are spaced by an
exponential backoff with jitter (`backoff_initial_s` doubling to `backoff_max_s`), reset when data flows
again; a connection that is accepted and then dropped before any data counts as a failed attempt, so a
flapping feed backs off too instead of being hammered.

Reading stops while the consumer is busy (the chunks are yielded, not queued), so a slow consumer slows
the feed down through TCP flow control rather than growing memory.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator

from seawatch.ingest.sources.base import Chunk, Source, SourceStats, os_reason, read_some

logger = logging.getLogger(__name__)

READ_BYTES = 1 << 16


class Backoff:
    """Exponential backoff with jitter: attempt n waits `initial * 2**(n-1)` capped, times [1-jitter, 1]."""

    def __init__(self, initial_s: float = 0.5, max_s: float = 30.0, jitter: float = 0.5,
                 rng: random.Random | None = None) -> None:
        if initial_s <= 0 or max_s < initial_s or not 0 <= jitter < 1:
            raise ValueError("backoff needs 0 < initial_s <= max_s and 0 <= jitter < 1")
        self.initial_s, self.max_s, self.jitter = initial_s, max_s, jitter
        self.rng = rng or random.Random()

    def delay(self, attempt: int) -> float:
        base = min(self.max_s, self.initial_s * 2.0 ** min(max(attempt - 1, 0), 60))
        return base * (1.0 - self.jitter * self.rng.random())


class TcpClientSource(Source):
    """Connects to `host:port`; yields chunks; reconnects forever with backoff; logs each outage once."""

    def __init__(self, host: str, port: int, *, url: str | None = None, read_timeout_s: float = 60.0,
                 connect_timeout_s: float = 10.0, backoff_initial_s: float = 0.5,
                 backoff_max_s: float = 30.0, read_bytes: int = READ_BYTES,
                 rng: random.Random | None = None) -> None:
        self.host, self.port = host, port
        self.url = url or f"tcp://{host}:{port}"
        self.source = f"{host}:{port}"
        self.read_timeout_s = read_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.read_bytes = read_bytes
        self.backoff = Backoff(backoff_initial_s, backoff_max_s, rng=rng)
        self.stats = SourceStats(self.url)
        self._closed = False
        self._writer: asyncio.StreamWriter | None = None
        self._outage_started: float | None = None  # monotonic time
        self._outage_attempts = 0

    async def chunks(self) -> AsyncIterator[Chunk]:
        while not self._closed:
            self.stats.set_state("connecting")
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), self.connect_timeout_s)
            except OSError as err:  # refused, unreachable, DNS failure, timeout (TimeoutError is OSError)
                await self._failed(f"cannot connect: {os_reason(err)}")
                continue
            self._writer = writer
            self.stats.connects += 1
            if self.stats.connects > 1:
                self.stats.reconnects += 1
            self.stats.set_state("up")
            logger.debug("%s: connected", self.url)
            reason = ""
            try:
                while True:
                    data, reason = await read_some(reader, self.read_bytes, self.read_timeout_s)
                    if not data:
                        reason = reason or "connection closed by the feed"
                        break
                    if self._outage_started is not None:
                        self._outage_ended()
                    self.stats.add(len(data))
                    yield Chunk(data, time.time(), self.source)
            finally:
                self._writer = None
                writer.close()
            # the stream ended: decoders flush their partial line instead of gluing it to the next one
            yield Chunk(b"", time.time(), self.source, end=True)
            if self._closed:
                break
            await self._failed(reason)
        self.stats.set_state("closed")

    async def close(self) -> None:
        self._closed = True
        if self._writer is not None:
            self._writer.close()
        await super().close()

    async def _failed(self, reason: str) -> None:
        """One failed attempt (or the drop that starts an outage); waits the backoff delay."""
        self.stats.last_error = reason
        self.stats.failed_attempts += 1
        if self._outage_started is None:
            self._outage_started = time.monotonic()
            self._outage_attempts = 0
            self.stats.outages += 1
            self.stats.outage_since = time.time()
            logger.warning("%s: feed down (%s); reconnecting with backoff up to %g s, until it is back",
                           self.url, reason, self.backoff.max_s)
        self._outage_attempts += 1
        self.stats.set_state("down")
        if not self._closed:
            await asyncio.sleep(self.backoff.delay(self._outage_attempts))

    def _outage_ended(self) -> None:
        assert self._outage_started is not None
        duration = time.monotonic() - self._outage_started
        logger.warning("%s: feed back after %.1f s down and %d reconnection attempt(s)",
                       self.url, duration, self._outage_attempts)
        self._outage_started = None
        self._outage_attempts = 0
        self.stats.outage_since = None
