"""Live sources on real sockets (127.0.0.1, ephemeral ports): TCP client, TCP server, UDP, file, `seawatch run`.

Every test runs its own event loop under a hard timeout, so a hang fails the test instead of the run.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import pyais
import pytest

from seawatch.config.loader import validate_site_dict
from seawatch.errors import SourceError
from seawatch.ingest.base import registered_formats
from seawatch.ingest.live import LiveIngest, LiveOptions
from seawatch.ingest.sources import Chunk, open_source
from seawatch.ingest.sources.file_feed import FileSource
from seawatch.ingest.sources.tcp_client import Backoff, TcpClientSource
from seawatch.ingest.sources.tcp_server import TcpServerSource
from seawatch.ingest.sources.udp import UdpSource

REPO = Path(__file__).resolve().parents[2]
T0 = 1_764_396_000  # 2025-11-29T06:00:00Z


def run(coro: Coroutine[Any, Any, Any], timeout: float = 8.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def tagged(sentence: str, t: float, station: str = "rx-astara") -> bytes:
    """An NMEA 4.0 tag block line, as a shore receiver writes it."""
    body = f"s:{station},c:{int(t)}"
    cs = 0
    for ch in body.encode():
        cs ^= ch
    return f"\\{body}*{cs:02X}\\{sentence}\r\n".encode()


def ais_lines(n: int, t0: float = T0) -> list[bytes]:
    """n single-sentence AIS position reports (pyais's encoder), one per second, tag-blocked."""
    out = []
    for i in range(n):
        msg = {"type": 1, "mmsi": 423_000_000 + i % 50, "lat": 38.40 + 0.001 * i, "lon": 48.95,
               "speed": 8.5, "course": 180.0}
        (sentence,) = pyais.encode_dict(msg, talker_id="AI", sentence_type="VDM")
        out.append(tagged(sentence, t0 + i))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def take_until(chunks: AsyncIterator[Chunk], done: Callable[[list[Chunk]], bool]) -> list[Chunk]:
    got: list[Chunk] = []
    async for c in chunks:
        got.append(c)
        if done(got):
            break
    return got


def data_of(chunks: list[Chunk]) -> bytes:
    return b"".join(c.data for c in chunks)


async def serve_once(port: int, payload: bytes, pieces: int = 1,
                     then: Callable[[asyncio.StreamWriter], Awaitable[None]] | None = None) -> asyncio.Server:
    """A feed on 127.0.0.1:port that sends `payload` to whoever connects, in `pieces` writes."""

    async def handle(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        step = max(1, -(-len(payload) // pieces))
        for i in range(0, len(payload), step):
            w.write(payload[i:i + step])
            await w.drain()
            await asyncio.sleep(0.005)
        if then is not None:
            await then(w)

    return await asyncio.start_server(handle, "127.0.0.1", port)


def fast_client(port: int, **kw: Any) -> TcpClientSource:
    opts: dict[str, Any] = {"backoff_initial_s": 0.02, "backoff_max_s": 0.1, "read_timeout_s": 5.0,
                            "connect_timeout_s": 1.0}
    opts.update(kw)
    return TcpClientSource("127.0.0.1", port, **opts)


# --- TCP client ---------------------------------------------------------------------------------------


def test_the_tcp_client_receives_a_feed_cut_anywhere_without_losing_a_byte() -> None:
    payload = b"".join(ais_lines(200))

    async def main() -> list[Chunk]:
        port = free_port()
        server = await serve_once(port, payload, pieces=37)  # 37 writes: cuts fall mid-sentence
        client = fast_client(port)
        try:
            return await take_until(client.chunks(), lambda got: len(data_of(got)) >= len(payload))
        finally:
            await client.close()
            server.close()

    chunks = run(main())
    assert data_of(chunks) == payload
    assert {c.source for c in chunks} == {chunks[0].source}
    assert chunks[0].source.startswith("127.0.0.1:")
    assert all(c.received_at > T0 for c in chunks)


def test_the_tcp_client_reconnects_after_the_feed_drops_and_logs_the_outage_once(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="seawatch.ingest.sources.tcp_client")
    lines = ais_lines(60)
    before, after = b"".join(lines[:30]), b"".join(lines[30:])

    async def main() -> tuple[list[Chunk], TcpClientSource]:
        port = free_port()
        dropped = asyncio.Event()

        async def hang_up(w: asyncio.StreamWriter) -> None:
            w.close()
            dropped.set()

        first = await serve_once(port, before, pieces=3, then=hang_up)
        client = fast_client(port)
        got: list[Chunk] = []

        async def consume() -> None:
            async for c in client.chunks():
                got.append(c)
                if len(data_of(got)) >= len(before) + len(after):
                    return

        task = asyncio.create_task(consume())
        await asyncio.wait_for(dropped.wait(), 3)
        first.close()
        await first.wait_closed()
        await asyncio.sleep(0.5)  # the port refuses: the client keeps retrying with backoff
        assert client.stats.state in ("down", "connecting")
        second = await serve_once(port, after, pieces=4)
        try:
            await asyncio.wait_for(task, 5)
        finally:
            await client.close()
            second.close()
        return got, client

    got, client = run(main())
    ends = [i for i, c in enumerate(got) if c.end]
    assert len(ends) == 1, "one end-of-stream marker, at the drop"
    assert data_of(got[:ends[0]]) == before
    assert data_of(got[ends[0] + 1:]) == after, "nothing after the reconnect is lost"
    assert client.stats.outages == 1
    assert client.stats.reconnects == 1
    assert client.stats.failed_attempts >= 3  # the drop, then refused attempts during the 0.5 s
    downs = [r for r in caplog.records if "feed down" in r.getMessage()]
    backs = [r for r in caplog.records if "feed back" in r.getMessage()]
    assert len(downs) == 1 and "closed by the feed" in downs[0].getMessage()
    assert len(backs) == 1 and "reconnection attempt" in backs[0].getMessage()


def test_the_tcp_client_keeps_retrying_a_refused_port_until_a_server_appears(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="seawatch.ingest.sources.tcp_client")
    payload = b"".join(ais_lines(5))

    async def main() -> tuple[bytes, TcpClientSource, int]:
        port = free_port()
        client = fast_client(port)
        task = asyncio.create_task(take_until(client.chunks(), lambda g: len(data_of(g)) >= len(payload)))
        await asyncio.sleep(0.6)
        attempts_while_refused = client.stats.failed_attempts
        assert client.stats.state in ("down", "connecting") and not task.done()
        server = await serve_once(port, payload)
        try:
            got = await asyncio.wait_for(task, 5)
        finally:
            await client.close()
            server.close()
        return data_of(got), client, attempts_while_refused

    data, client, attempts = run(main())
    assert data == payload
    assert attempts >= 4  # backoff 0.02 s doubling to 0.1 s: several attempts in 0.6 s, none given up
    assert client.stats.outages == 1
    downs = [r.getMessage() for r in caplog.records if "feed down" in r.getMessage()]
    assert len(downs) == 1 and "cannot connect" in downs[0]


def test_a_silent_feed_counts_as_an_outage_after_the_read_timeout(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="seawatch.ingest.sources.tcp_client")
    payload = b"".join(ais_lines(3))

    async def main() -> tuple[bytes, TcpClientSource]:
        port = free_port()
        connections = 0

        async def handle(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            if connections == 1:
                await asyncio.sleep(2)  # connected but mute: the client must give up on it
            else:
                w.write(payload)
                await w.drain()

        server = await asyncio.start_server(handle, "127.0.0.1", port)
        client = fast_client(port, read_timeout_s=0.2)
        try:
            got = await take_until(client.chunks(), lambda g: len(data_of(g)) >= len(payload))
        finally:
            await client.close()
            server.close()
        return data_of(got), client

    data, client = run(main())
    assert data == payload
    assert client.stats.outages == 1 and client.stats.connects == 2
    assert any("no data for 0.2 s" in r.getMessage() for r in caplog.records)


def test_the_backoff_doubles_from_its_start_to_its_cap_with_jitter_below_the_nominal_delay() -> None:
    import random

    b = Backoff(0.5, 30.0, jitter=0.5, rng=random.Random(7))
    nominal = [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    delays = [b.delay(n) for n in range(1, 10)]
    for d, nom in zip(delays, nominal):
        assert nom * 0.5 <= d <= nom
    assert len({round(d, 6) for d in delays[-3:]}) == 3, "jitter spreads the retries of many clients"
    with pytest.raises(ValueError):
        Backoff(0.0, 1.0)


# --- TCP server ---------------------------------------------------------------------------------------


def test_the_tcp_server_takes_two_feeds_at_once_and_keeps_their_streams_apart() -> None:
    a_lines, b_lines = ais_lines(40), ais_lines(40, t0=T0 + 1000)
    a, b = b"".join(a_lines), b"".join(b_lines)

    async def main() -> tuple[list[Chunk], TcpServerSource]:
        server = TcpServerSource("127.0.0.1", 0, queue_size=8)
        await server.start()
        assert server.address is not None and server.address[0] == "127.0.0.1"
        port = server.address[1]

        async def feed(payload: bytes, step: int) -> str:
            _r, w = await asyncio.open_connection("127.0.0.1", port)
            for i in range(0, len(payload), step):  # odd steps: cuts inside sentences, interleaved
                w.write(payload[i:i + step])
                await w.drain()
                await asyncio.sleep(0.002)
            local = w.get_extra_info("sockname")
            w.close()
            return f"{local[0]}:{local[1]}"

        collect = asyncio.create_task(take_until(server.chunks(), lambda g: sum(c.end for c in g) == 2))
        await asyncio.sleep(0.05)
        await asyncio.gather(feed(a, 97), feed(b, 61))
        got = await asyncio.wait_for(collect, 5)
        await server.close()
        return got, server

    got, server = run(main())
    sources = sorted({c.source for c in got})
    assert len(sources) == 2
    streams = {s: data_of([c for c in got if c.source == s]) for s in sources}
    assert sorted(streams.values()) == sorted([a, b])
    assert server.stats.connects == 2 and server.stats.clients == 0
    assert server.stats.bytes == len(a) + len(b)


def test_a_slow_consumer_holds_the_tcp_feed_back_instead_of_buffering_without_bound() -> None:
    async def main() -> tuple[int, bool]:
        server = TcpServerSource("127.0.0.1", 0, queue_size=2, read_bytes=4096)
        await server.start()
        assert server.address is not None
        _r, w = await asyncio.open_connection("127.0.0.1", server.address[1])
        w.write(b"x" * 20_000_000)  # 20 MB, nobody reading the source
        try:
            await asyncio.wait_for(w.drain(), 0.5)
            finished = True
        except TimeoutError:
            finished = False
        taken = server.stats.bytes
        w.transport.abort()
        await server.close()
        return taken, finished

    taken, finished = run(main())
    assert not finished, "the sender must be held back by TCP flow control"
    assert taken <= 3 * 4096, "at most queue_size + 1 reads are taken off the socket"


# --- UDP ----------------------------------------------------------------------------------------------


def test_udp_gives_one_chunk_per_datagram_tagged_with_the_sender() -> None:
    lines = ais_lines(3)

    async def main() -> tuple[list[Chunk], str]:
        src = UdpSource("127.0.0.1", 0)
        await src.start()
        assert src.address is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            tx.bind(("127.0.0.1", 0))
            host, port = tx.getsockname()
            sender = f"{host}:{port}"
            for line in lines:
                tx.sendto(line, src.address)
            got = await take_until(src.chunks(), lambda g: len(g) == 3)
        await src.close()
        return got, sender

    got, sender = run(main())
    assert [c.data for c in got] == lines
    assert all(c.datagram and c.source == sender for c in got)


def test_udp_drops_and_counts_datagrams_when_the_consumer_falls_behind() -> None:
    async def main() -> UdpSource:
        src = UdpSource("127.0.0.1", 0, queue_size=2)
        await src.start()
        assert src.address is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(10):
                tx.sendto(b"datagram %d\n" % i, src.address)
        await asyncio.sleep(0.2)
        await src.close()
        return src

    src = run(main())
    assert src.stats.chunks == 2 and src.stats.dropped == 8


# --- file and open_source -----------------------------------------------------------------------------


def test_a_gzipped_file_source_yields_the_whole_file_then_an_end(tmp_path: Path) -> None:
    payload = b"".join(ais_lines(100))
    path = tmp_path / "feed.nmea.gz"
    path.write_bytes(gzip.compress(payload))

    async def main() -> list[Chunk]:
        src = open_source(f"file:{path}", chunk_bytes=1000)
        assert isinstance(src, FileSource)
        return [c async for c in src.chunks()]

    got = run(main())
    assert data_of(got) == payload and got[-1].end and sum(c.end for c in got) == 1
    assert all(c.source == "feed.nmea.gz" for c in got)


def test_a_gzip_of_several_members_reads_whole_whatever_the_chunk_size(tmp_path: Path) -> None:
    from seawatch.ingest.sources.file import read_chunks

    payload = b"".join(ais_lines(300))
    path = tmp_path / "two.nmea.gz"
    path.write_bytes(gzip.compress(payload[:5000]) + gzip.compress(payload[5000:]))
    for chunk_bytes in (7, 1000, 1 << 20):
        chunks = list(read_chunks(path, chunk_bytes))
        assert b"".join(chunks) == payload and max(map(len, chunks)) <= chunk_bytes


def test_a_gzip_cut_short_yields_every_byte_before_the_cut_then_says_so(tmp_path: Path) -> None:
    """GzipFile loses what its last read had decompressed when the stream ends early (up to a whole chunk)."""
    from seawatch.ingest.sources.file import read_chunks

    payload = b"".join(ais_lines(3000))
    packed = gzip.compress(payload)
    path = tmp_path / "cut.nmea.gz"
    path.write_bytes(packed[: len(packed) * 3 // 4])
    got: list[bytes] = []
    with pytest.raises(SourceError, match="cut short"):
        for c in read_chunks(path, 1 << 20):
            got.append(c)   # noqa: PERF402 - collected until the error
    data = b"".join(got)
    assert len(data) > len(payload) * 0.7 and payload.startswith(data)


def test_bytes_after_the_last_gzip_member_are_ignored_wherever_a_read_ends(tmp_path: Path) -> None:
    """Padding or junk after the last member failed as corrupt data when the member ended exactly at a read's
    end (the next read went to a new decompressor), and was ignored otherwise."""
    from seawatch.ingest.sources.file import read_chunks

    payload = b"".join(ais_lines(100))
    member = gzip.compress(payload)
    for tail in (bytes(512), b"junk\n"):
        path = tmp_path / "tail.nmea.gz"
        path.write_bytes(member + tail)
        for chunk_bytes in (len(member), 100, 1 << 20):
            assert b"".join(read_chunks(path, chunk_bytes)) == payload


def test_a_small_gzip_cut_short_is_still_sniffed_from_what_it_holds(tmp_path: Path) -> None:
    from seawatch.ingest.sources.file import sniff

    payload = b"".join(ais_lines(100))
    packed = gzip.compress(payload)
    path = tmp_path / "cut.nmea.gz"
    path.write_bytes(packed[: len(packed) // 2])   # cut within the 16 KiB sniff reads
    head = sniff(path)
    assert head and payload.startswith(head) and len(head) < len(payload)
    path.write_bytes(packed[:12])   # nothing decompresses
    with pytest.raises(SourceError):
        sniff(path)


@pytest.mark.parametrize("url", [
    "ftp://127.0.0.1:21", "tcp://:4001", "tcp://127.0.0.1", "udp://127.0.0.1:99999",
    "tcp-listen://127.0.0.1:4001/path", "127.0.0.1:4001", "file:", "",
])
def test_open_source_rejects_a_bad_address_naming_it(url: str) -> None:
    with pytest.raises(SourceError) as err:
        open_source(url)
    assert repr(url) in str(err.value)
    assert "tcp://host:port" in str(err.value) or "port" in str(err.value) or "file:PATH" in str(err.value)


def test_open_source_builds_each_kind_and_listens_on_loopback_unless_told() -> None:
    assert isinstance(open_source("tcp://feeds.example:4001"), TcpClientSource)
    srv = open_source("tcp-listen://:4002")
    assert isinstance(srv, TcpServerSource) and srv.host == "127.0.0.1" and srv.port == 4002
    assert isinstance(open_source("udp://0.0.0.0:4003"), UdpSource)
    client = open_source("tcp://[::1]:4001", read_timeout_s=7.0, queue_size=3)  # queue_size: not a client's
    assert isinstance(client, TcpClientSource) and client.host == "::1" and client.read_timeout_s == 7.0


def test_a_listening_port_already_taken_fails_at_start_with_a_clear_error() -> None:
    async def main() -> None:
        first = TcpServerSource("127.0.0.1", 0)
        await first.start()
        assert first.address is not None
        second = open_source(f"tcp-listen://127.0.0.1:{first.address[1]}")
        try:
            with pytest.raises(SourceError, match="cannot listen"):
                await second.start()
        finally:
            await first.close()

    run(main())


# --- live ingest and `seawatch run` -------------------------------------------------------------------

needs_nmea = pytest.mark.skipif("nmea" not in registered_formats(),
                                reason="the NMEA decoder (format 'nmea') is not registered yet")


def site_with(sources: dict[str, str]) -> dict[str, Any]:
    return {"site": {"name": "Astara approaches"},
            "sensors": [{"id": sid, "kind": "ais", "source": url} for sid, url in sources.items()]}


@needs_nmea
def test_live_ingest_decodes_a_feed_that_connects_in_and_a_udp_feed_into_observations() -> None:
    tcp_lines, udp_lines = ais_lines(50), ais_lines(20, t0=T0 + 100)

    async def main() -> tuple[LiveIngest, list[Any]]:
        tcp_port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            udp_port = probe.getsockname()[1]
        site = validate_site_dict(site_with({"ais-tcp": f"tcp-listen://127.0.0.1:{tcp_port}",
                                             "ais-udp": f"udp://127.0.0.1:{udp_port}"}))
        live = LiveIngest(site, LiveOptions())
        await live.start()
        got: list[Any] = []

        async def consume() -> None:
            async for sb in live.batches():
                got.append(sb)
                if sum(len(b.batch) for b in got) >= len(tcp_lines) + len(udp_lines):
                    return

        task = asyncio.create_task(consume())
        _r, w = await asyncio.open_connection("127.0.0.1", tcp_port)
        payload = b"".join(tcp_lines)
        for i in range(0, len(payload), 33):
            w.write(payload[i:i + 33])
            await w.drain()
        w.close()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for line in udp_lines:
                tx.sendto(line.rstrip(b"\r\n"), ("127.0.0.1", udp_port))  # no newline: still whole
        await asyncio.wait_for(task, 5)
        await live.close()
        return live, got

    live, got = run(main())
    by_sensor: dict[str, int] = {}
    for sb in got:
        by_sensor[sb.sensor] = by_sensor.get(sb.sensor, 0) + len(sb.batch)
        assert set(sb.batch["sensor"]) == {sb.sensor}
    assert by_sensor == {"ais-tcp": 50, "ais-udp": 20}
    assert live.kinds["ais_position"] == 70
    assert live.stats.total_rejects == 0


class _Feed(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def test_seawatch_run_reads_a_tcp_feed_and_prints_stats_until_its_duration(tmp_path: Path) -> None:
    payload = b"".join(ais_lines(100))
    stop = threading.Event()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.sendall(payload)
            stop.wait(10)

    with _Feed(("127.0.0.1", 0), Handler) as feed:
        threading.Thread(target=feed.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        port = feed.server_address[1]
        site = tmp_path / "site.toml"
        site.write_text(f'[site]\nname = "Astara approaches"\n\n[[sensors]]\nid = "ais-feed"\nkind = "ais"\n'
                        f'source = "tcp://127.0.0.1:{port}"\n', encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        t = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "seawatch.cli", "run", "--site", str(site), "--ingest-only",
                               "--duration", "3", "--stats-every", "1"],
                              capture_output=True, text=True, timeout=25, env=env, cwd=REPO, check=False)
        took = time.monotonic() - t
        stop.set()
        feed.shutdown()
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "seawatch run: site 'Astara approaches', 1 source(s)" in out
    periodic = [ln for ln in out.splitlines() if "| observations" in ln]
    assert len(periodic) >= 3, out  # about one a second for 3 s, plus the final one
    assert f"ais-feed: tcp://127.0.0.1:{port} up, {len(payload) / 1e3:.1f} kB" in out
    assert "final:" in out
    assert took < 15
    if "nmea" in registered_formats():
        assert "observations 100 (ais_position 100)" in out


@needs_nmea
def test_unrecognisable_bytes_ahead_of_a_feed_are_counted_once_and_the_feed_still_decodes(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="seawatch.ingest.live")
    garbage = bytes(range(256)).replace(b"\n", b"") * 90  # ~23 kB of binary noise, no line end
    lines = ais_lines(30)

    async def main() -> LiveIngest:
        server = TcpServerSource("127.0.0.1", 0)
        site = validate_site_dict(site_with({"ais-in": "tcp-listen://127.0.0.1:0"}))
        live = LiveIngest(site, LiveOptions(), sources={"ais-in": server})
        await live.start()
        assert server.address is not None
        _r, w = await asyncio.open_connection(*server.address)
        w.write(garbage + b"\r\n" + b"".join(lines))
        await w.drain()
        w.close()
        await take_until(live.batches(), lambda g: sum(len(b.batch) for b in g) >= len(lines))
        await live.close()
        return live

    live = run(main())
    assert live.kinds["ais_position"] == 30
    assert live.stats.rejects["bad_record"] >= 1
    assert len([r for r in caplog.records if "cannot be decoded" in r.getMessage()]) == 1


@needs_nmea
def test_a_file_source_is_paced_by_event_time(tmp_path: Path) -> None:
    path = tmp_path / "recording.nmea"
    path.write_bytes(b"".join(ais_lines(21)))  # 20 s of event time

    async def main() -> tuple[LiveIngest, float]:
        site = validate_site_dict(site_with({"ais-file": f"file:{path}"}))
        live = LiveIngest(site, LiveOptions(file_speed=40.0))  # 20 s at 40x: 0.5 s
        await live.start()
        t = time.monotonic()
        async for _ in live.batches():
            pass
        took = time.monotonic() - t
        await live.close()
        return live, took

    live, took = run(main())
    assert live.n_obs == 21
    assert 0.45 <= took < 3.0
    assert live.sources["ais-file"].stats.state == "ended"


@needs_nmea
def test_a_half_sentence_before_a_drop_is_counted_truncated_not_glued_to_the_next_connection() -> None:
    first, second = ais_lines(10), ais_lines(10, t0=T0 + 60)
    half = ais_lines(1, t0=T0 + 30)[0][:-20]  # cut inside the payload, after the tag block

    async def main() -> LiveIngest:
        port = free_port()

        dropped = asyncio.Event()

        async def hang_up(w: asyncio.StreamWriter) -> None:
            w.close()
            dropped.set()

        server = await serve_once(port, b"".join(first) + half, pieces=3, then=hang_up)
        client = fast_client(port)
        site = validate_site_dict(site_with({"ais-feed": f"tcp://127.0.0.1:{port}"}))
        live = LiveIngest(site, LiveOptions(), sources={"ais-feed": client})
        await live.start()
        got: list[Any] = []

        async def consume() -> None:
            async for sb in live.batches():
                got.append(sb)
                if sum(len(b.batch) for b in got) >= 20:
                    return

        task = asyncio.create_task(consume())
        await asyncio.wait_for(dropped.wait(), 3)
        server.close()
        await server.wait_closed()
        server = await serve_once(port, b"".join(second))
        await asyncio.wait_for(task, 5)
        await live.close()
        server.close()
        return live

    live = run(main())
    assert live.kinds["ais_position"] == 20
    assert dict(live.stats.rejects) == {"truncated": 1}
    assert live.sources["ais-feed"].stats.reconnects == 1


def test_a_site_without_any_source_cannot_run_live() -> None:
    from seawatch.errors import ConfigError

    site = validate_site_dict({"site": {"name": "Astara approaches"}, "sensors": [{"id": "ais", "kind": "ais"}]})
    with pytest.raises(ConfigError, match="no sensor has a `source`"):
        LiveIngest(site)


@pytest.mark.skipif("asterix" not in registered_formats(), reason="the ASTERIX decoder is not registered yet")
def test_asterix_datagrams_over_udp_are_detected_and_decoded_as_binary() -> None:
    import numpy as np

    from seawatch.ingest.asterix.encoder import encode_target_reports
    from seawatch.model.observation import Kind, ObservationBatch

    n = 12
    now = time.time()
    plots = ObservationBatch({"kind": np.full(n, int(Kind.RADAR_PLOT)), "observed_at": now - 5 + np.arange(n) * 0.25,
                              "range_m": np.linspace(2000, 30000, n), "bearing_deg": np.linspace(0, 330, n)})
    blocks = [encode_target_reports(plots.take([i]), category=48, sac=7, sic=3) for i in range(n)]

    async def main() -> LiveIngest:
        udp = UdpSource("127.0.0.1", 0)
        site = validate_site_dict({"site": {"name": "Astara approaches"}, "sensors": [
            {"id": "radar-astara", "kind": "radar", "lat": 38.45, "lon": 48.90, "range_m": 40000,
             "source": "udp://127.0.0.1:0"}]})
        live = LiveIngest(site, LiveOptions(), sources={"radar-astara": udp})
        await live.start()
        assert udp.address is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for block in blocks:  # one data block per datagram, as radars send them
                tx.sendto(block, udp.address)
        await take_until(live.batches(), lambda g: sum(len(b.batch) for b in g) >= n)
        await live.close()
        return live

    live = run(main())
    assert live.kinds["radar_plot"] == n
    assert live.stats.total_rejects == 0, dict(live.stats.rejects)


def test_any_source_string_either_parses_or_fails_with_a_source_error_naming_it() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from seawatch.ingest.sources.base import parse_source_url

    prefixes = st.sampled_from(["tcp://", "tcp-listen://", "udp://", "file:", "", "tcp:/", "http://"])

    @settings(max_examples=300, deadline=None)
    @given(prefixes, st.text(max_size=30))
    def check(prefix: str, rest: str) -> None:
        url = prefix + rest
        try:
            addr = parse_source_url(url)
        except SourceError as err:
            assert repr(url) in str(err)
        else:
            assert addr.scheme in ("tcp", "tcp-listen", "udp", "file")
            assert addr.path is not None if addr.scheme == "file" else 0 <= addr.port <= 65535 and addr.host

    check()
