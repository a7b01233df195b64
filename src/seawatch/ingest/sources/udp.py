"""UDP listener source: one datagram = one chunk, tagged with its sender's `host:port`.

Binds 127.0.0.1 unless the address says otherwise (`udp://0.0.0.0:PORT` for datagrams from the network).
UDP has no flow control: datagrams wait in a bounded queue for the consumer, and when it is full they
are dropped and counted (`stats.dropped`, logged once), never buffered without bound. The socket's
receive buffer is enlarged so that a burst survives a short pause of the consumer.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator

from seawatch.errors import SourceError
from seawatch.ingest.sources.base import Chunk, Source, SourceStats, os_reason
from seawatch.ingest.sources.tcp_server import peer_name

logger = logging.getLogger(__name__)

RCVBUF_BYTES = 1 << 22


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, owner: UdpSource) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.owner._received(data, peer_name(addr))

    def error_received(self, exc: Exception) -> None:
        self.owner.stats.last_error = str(exc)
        logger.debug("%s: socket error %s", self.owner.url, exc)


class UdpSource(Source):
    """Listens for datagrams on `host:port`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, url: str | None = None,
                 queue_size: int = 4096) -> None:
        self.host, self.port = host, port
        self.url = url or f"udp://{host}:{port}"
        self.stats = SourceStats(self.url)
        self.address: tuple[str, int] | None = None
        self._queue: asyncio.Queue[Chunk | None] = asyncio.Queue(maxsize=max(queue_size, 1))
        self._transport: asyncio.DatagramTransport | None = None
        self._warned_drop = False

    async def start(self) -> None:
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=(self.host, self.port))
        except OSError as err:
            raise SourceError(f"source {self.url!r}: cannot listen on {self.host}:{self.port}: "
                              f"{os_reason(err)}") from err
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
            except OSError:
                pass
        sockname = transport.get_extra_info("sockname")
        self.address = (str(sockname[0]), int(sockname[1]))
        self.stats.set_state("listening")
        logger.info("%s: listening for datagrams on %s:%d", self.url, *self.address)

    def _received(self, data: bytes, source: str) -> None:
        try:
            self._queue.put_nowait(Chunk(data, time.time(), source, datagram=True))
        except asyncio.QueueFull:
            self.stats.dropped += 1
            if not self._warned_drop:
                self._warned_drop = True
                logger.warning("%s: consumer too slow, datagrams dropped (first from %s); "
                               "further drops are counted", self.url, source)
            return
        self.stats.add(len(data))

    async def chunks(self) -> AsyncIterator[Chunk]:
        await self.start()
        while True:
            chunk = await self._queue.get()
            if chunk is None:
                break
            yield chunk
            if self._transport is None and self._queue.empty():
                break

    async def close(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
            try:
                self._queue.put_nowait(None)
            except asyncio.QueueFull:
                pass
        await super().close()
