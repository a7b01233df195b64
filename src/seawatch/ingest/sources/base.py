"""What every live source shares: the `Chunk` it yields, its `SourceStats`, and `open_source(url)`.

A source yields `Chunk`s: raw bytes as they arrived, with the wall-clock time they arrived and the stream
they came from (a feed address, a connected peer, a UDP sender, a file name). A chunk boundary is wherever
the network or the file cut the bytes: decoders buffer partial lines and records themselves, and a chunk
with `end=True` tells them that the stream from that `source` ended (a dropped connection, end of file),
so whatever they still hold can be flushed rather than glued to the next connection's bytes.

Source addresses, as written in the site file's `[[sensors]] source` key:

- `tcp://host:port`         connect to a feed (reconnects with backoff, never gives up)
- `tcp-listen://host:port`  listen for feeds that connect in (host defaults to 127.0.0.1)
- `udp://host:port`         listen for datagrams (host defaults to 127.0.0.1)
- `file:PATH`               replay a recording (plain or .gz)
"""

from __future__ import annotations

import asyncio
import inspect
import os
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from seawatch.errors import SourceError

SCHEMES = ("tcp", "tcp-listen", "udp", "file")
DEFAULT_LISTEN_HOST = "127.0.0.1"
_FORMS = "tcp://host:port, tcp-listen://host:port, udp://host:port or file:PATH"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bytes as one read (or one datagram) delivered them."""

    data: bytes
    received_at: float  # epoch seconds UTC, wall clock, when seawatch got the bytes
    source: str  # the stream: "host:port" of the feed / peer / sender, or the file name
    end: bool = False  # the stream from `source` ended here (data is empty): flush what is buffered
    datagram: bool = False  # `data` is one whole datagram: it ends on a message boundary


@dataclass
class SourceStats:
    """Counters and connection state of one source, cheap to read for a stats line."""

    url: str
    state: str = "idle"  # idle | connecting | up | down | listening | ended | closed
    since: float = field(default_factory=time.time)  # when `state` last changed (epoch s)
    chunks: int = 0
    bytes: int = 0
    connects: int = 0  # connections made (client) or accepted (server)
    reconnects: int = 0  # connections made after the first
    outages: int = 0  # periods without data flowing (client), each logged once
    failed_attempts: int = 0  # connection attempts that failed or dropped before data flowed
    clients: int = 0  # peers connected right now (server)
    dropped: int = 0  # datagrams dropped because the consumer was too slow (UDP has no backpressure)
    last_error: str | None = None
    outage_since: float | None = None  # epoch s when the outage in progress began (client)

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.since = time.time()

    def add(self, n_bytes: int) -> None:
        self.chunks += 1
        self.bytes += n_bytes

    def describe(self) -> str:
        """One short human line: `tcp://h:p up, 12.3 kB in 40 chunks, 1 outage(s), 1 reconnect(s)`."""
        state = self.state
        if state == "listening" and self.clients:
            state = f"listening, {self.clients} client(s)"
        if self.outage_since is not None and state in ("down", "connecting", "up"):
            state = f"down for {time.time() - self.outage_since:.0f} s ({state})" if state != "down" \
                else f"down for {time.time() - self.outage_since:.0f} s"
        parts = [f"{self.url} {state}, {_human_bytes(self.bytes)} in {self.chunks:,} chunks"]
        if self.outages:
            parts.append(f"{self.outages} outage(s), {self.reconnects} reconnect(s)")
        if self.dropped:
            parts.append(f"{self.dropped:,} datagrams dropped")
        if self.outage_since is not None and self.last_error:
            parts.append(f"last error: {self.last_error}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def os_reason(err: BaseException) -> str:
    """A short lower-case reason for a socket error: "connection refused", "address already in use"."""
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, socket.gaierror):
        return f"cannot resolve the host: {str(err.strerror).lower()}"
    if isinstance(err, OSError) and err.errno and err.errno > 0:
        return os.strerror(err.errno).lower()
    if isinstance(err, OSError) and err.strerror:
        return err.strerror.lower()
    return str(err) or type(err).__name__


async def read_some(reader: asyncio.StreamReader, size: int, timeout_s: float | None) -> tuple[bytes, str]:
    """One read from a TCP stream: (data, "") or (b"", why it ended); a clean close gives (b"", "")."""
    try:
        return await asyncio.wait_for(reader.read(size), timeout_s), ""
    except TimeoutError:
        return b"", f"no data for {timeout_s or 0:g} s"
    except OSError as err:
        return b"", f"connection lost: {os_reason(err)}"


def _human_bytes(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1e3:.1f} kB"
    return f"{n / 1e6:.1f} MB"


class Source(ABC):
    """A live source of chunks. `start()` binds/opens (fails fast), iterate `chunks()`, then `close()`."""

    url: str
    stats: SourceStats

    async def start(self) -> None:
        """Bind or open what has to exist before data can flow; raises SourceError if it cannot."""

    @abstractmethod
    def chunks(self) -> AsyncIterator[Chunk]:
        """The chunks, as they arrive, until the source ends or is closed."""

    async def close(self) -> None:
        if self.stats.state != "ended":  # a file that was read to its end stays "ended"
            self.stats.set_state("closed")

    def __aiter__(self) -> AsyncIterator[Chunk]:
        return self.chunks()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()


@dataclass(frozen=True)
class SourceAddress:
    scheme: str
    host: str = ""
    port: int = 0
    path: Path | None = None


def parse_source_url(url: str) -> SourceAddress:
    """Parse a site file `source` string; a SourceError names the string and the accepted forms."""
    if not isinstance(url, str) or not url.strip():
        raise SourceError(f"source {url!r}: empty; expected {_FORMS}")
    if url.startswith("file:"):
        path = url[len("file:"):]
        path = path.removeprefix("//")
        if not path:
            raise SourceError(f"source {url!r}: no file path after 'file:'; expected file:PATH")
        return SourceAddress("file", path=Path(path))
    scheme, sep, _rest = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise SourceError(f"source {url!r}: unknown kind {scheme if sep else url!r}; expected {_FORMS}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise SourceError(f"source {url!r}: bad port ({err}); expected a port 0-65535") from err
    if port is None:
        raise SourceError(f"source {url!r}: no port; expected {scheme}://host:port")
    if parts.path or parts.query or parts.fragment:
        raise SourceError(f"source {url!r}: unexpected text after the port; expected {scheme}://host:port")
    host = parts.hostname or ""
    if scheme == "tcp":
        if not host:
            raise SourceError(f"source {url!r}: no host to connect to; expected tcp://host:port")
        if port == 0:
            raise SourceError(f"source {url!r}: cannot connect to port 0")
    else:
        host = host or DEFAULT_LISTEN_HOST
    return SourceAddress(scheme, host=host, port=port)


def open_source(url: str, **options: Any) -> Source:
    """Build the source a site file `source` string names. Options go to the source's constructor:

    tcp: `read_timeout_s`, `connect_timeout_s`, `backoff_initial_s`, `backoff_max_s`;
    tcp-listen: `queue_size`, `read_timeout_s`; udp: `queue_size`; file: `chunk_bytes`, `speed`.
    Options a kind does not take are ignored, so one set of options can be passed to every source.
    """
    addr = parse_source_url(url)
    if addr.scheme == "tcp":
        from seawatch.ingest.sources.tcp_client import TcpClientSource

        return TcpClientSource(addr.host, addr.port, url=url, **_accepted(TcpClientSource, options))
    if addr.scheme == "tcp-listen":
        from seawatch.ingest.sources.tcp_server import TcpServerSource

        return TcpServerSource(addr.host, addr.port, url=url, **_accepted(TcpServerSource, options))
    if addr.scheme == "udp":
        from seawatch.ingest.sources.udp import UdpSource

        return UdpSource(addr.host, addr.port, url=url, **_accepted(UdpSource, options))
    from seawatch.ingest.sources.file_feed import FileSource

    return FileSource(addr.path or Path(), url=url, **_accepted(FileSource, options))


def _accepted(cls: type, options: dict[str, Any]) -> dict[str, Any]:
    params = inspect.signature(cls).parameters
    return {k: v for k, v in options.items() if k in params and v is not None}
