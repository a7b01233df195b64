"""TCP server source: listen for feeds that connect in (any number at once), each tagged by its peer.

Binds 127.0.0.1 unless the address says otherwise (`tcp-listen://0.0.0.0:PORT` to accept from the
network). Every chunk carries the peer's `host:port` as its source, so each connection gets its own
decoder and partial lines of two feeds are never mixed; when a peer goes away an `end` chunk follows.
All connections feed one bounded queue: when the consumer is slow, the handlers wait on the queue and
stop reading their sockets, and TCP flow control slows the feeds down (no unbounded memory).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator

from seawatch.errors import SourceError
from seawatch.ingest.sources.base import Chunk, Source, SourceStats, os_reason, read_some

logger = logging.getLogger(__name__)

READ_BYTES = 1 << 16


def peer_name(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = str(peer[0])
        return f"[{host}]:{peer[1]}" if ":" in host else f"{host}:{peer[1]}"
    return str(peer)


class TcpServerSource(Source):
    """Listens on `host:port`; yields the chunks of every connected feed as they arrive."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, url: str | None = None,
                 queue_size: int = 256, read_timeout_s: float | None = None,
                 read_bytes: int = READ_BYTES) -> None:
        self.host, self.port = host, port
        self.url = url or f"tcp-listen://{host}:{port}"
        self.read_timeout_s = read_timeout_s
        self.read_bytes = read_bytes
        self.stats = SourceStats(self.url)
        self.address: tuple[str, int] | None = None  # where it actually listens (port 0 = ephemeral)
        self._queue: asyncio.Queue[Chunk | None] = asyncio.Queue(maxsize=max(queue_size, 1))
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        if self._server is not None:
            return
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as err:
            raise SourceError(f"source {self.url!r}: cannot listen on {self.host}:{self.port}: "
                              f"{os_reason(err)}") from err
        sockname = self._server.sockets[0].getsockname()
        self.address = (str(sockname[0]), int(sockname[1]))
        self.stats.set_state("listening")
        logger.info("%s: listening on %s:%d", self.url, *self.address)

    async def chunks(self) -> AsyncIterator[Chunk]:
        await self.start()
        while True:
            chunk = await self._queue.get()
            if chunk is None:  # closed
                break
            yield chunk
            if self._server is None and self._queue.empty():
                break

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            for w in list(self._writers):
                w.close()
            try:
                await asyncio.wait_for(server.wait_closed(), 2.0)
            except TimeoutError:
                logger.debug("%s: connections still closing", self.url)
            try:
                self._queue.put_nowait(None)  # wake the consumer
            except asyncio.QueueFull:
                pass  # it is busy draining; it stops when the queue is empty
        await super().close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        source = peer_name(writer.get_extra_info("peername"))
        sock = writer.get_extra_info("socket")
        if sock is not None:  # notice feeds that vanished without closing (power cut, cable)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            except OSError:
                pass
        self._writers.add(writer)
        self.stats.clients += 1
        self.stats.connects += 1
        started = time.monotonic()
        logger.info("%s: feed connected from %s (%d connected)", self.url, source, self.stats.clients)
        reason = "closed by the feed"
        try:
            while True:
                data, why = await read_some(reader, self.read_bytes, self.read_timeout_s)
                if not data:
                    reason = why or reason
                    break
                self.stats.add(len(data))
                await self._queue.put(Chunk(data, time.time(), source))  # waits while the consumer is slow
            await self._queue.put(Chunk(b"", time.time(), source, end=True))
        finally:
            self._writers.discard(writer)
            self.stats.clients -= 1
            writer.close()
        if self._server is not None:
            self.stats.last_error = f"{source}: {reason}"
            logger.warning("%s: feed from %s disconnected after %.1f s (%s); %d still connected",
                           self.url, source, time.monotonic() - started, reason, self.stats.clients)
