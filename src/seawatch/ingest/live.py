"""Live ingest: every sensor's `source` (site file), decoded as its bytes arrive, into observation batches.

One task per sensor reads its source's chunks and hands them to one decoder per *stream* (a feed
connection, a peer of a listening socket, a UDP sender, a file), so partial lines of two streams never
mix. The format is the sensor's `format`, or, when `auto`, detected from the stream's first bytes. Decoded
batches go through one bounded queue to the consumer (`LiveIngest.batches()`): a slow consumer makes the
sensor tasks wait, which stops them reading their sockets (backpressure, not memory growth).

`run_live()` is `seawatch run`: it runs the ingest and reports a stats line every `stats_every_s` until
stopped (Ctrl-C, SIGTERM or `duration_s`). The tracking stage will consume `batches()` later.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from seawatch.errors import ConfigError, InputFormatError
from seawatch.ingest.base import Decoder, DecoderContext, make_decoder
from seawatch.ingest.detect import detect_format
from seawatch.ingest.sources.base import Chunk, Source, open_source
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.model.units import iso_utc

if TYPE_CHECKING:
    from seawatch.config.site import SensorConfig, SiteConfig

logger = logging.getLogger(__name__)

DETECT_MAX_BYTES = 16384  # give up detecting (count and skip) after this many unrecognised bytes
MAX_STREAMS_PER_SOURCE = 256  # UDP senders never "end": the least recently heard are flushed beyond this


@dataclass(frozen=True)
class LiveOptions:
    read_timeout_s: float = 60.0  # tcp client: no data for this long = outage, reconnect
    connect_timeout_s: float = 10.0
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    queue_size: int = 64  # decoded batches waiting for the consumer
    linger_s: float = 0.1  # chunks arriving within this are decoded together (latency bound)
    coalesce_bytes: int = 1 << 20  # ... up to this many bytes
    file_speed: float | None = 1.0  # file: sources, times real time by event time; None = as fast as read


@dataclass(frozen=True)
class SensorBatch:
    sensor: str
    batch: ObservationBatch


class _Stream:
    """One stream's decoder; until the format is known, buffers the first bytes to detect it."""

    def __init__(self, name: str, fmt: str, ctx: DecoderContext, url: str) -> None:
        self.name, self.ctx, self.url = name, ctx, url
        self.fmt: str | None = None if fmt == "auto" else fmt
        self.decoder: Decoder | None = None
        self.pending: list[Chunk] = []
        self.pending_bytes = 0
        self.dead = False  # no decoder for its format: bytes are counted and skipped
        self.warned = False

    def feed(self, chunks: list[Chunk]) -> ObservationBatch:
        """Decode the stream's chunks that arrived together (in order), as one piece of bytes."""
        chunks = [c for c in chunks if c.data]
        if not chunks or self.dead:
            return ObservationBatch.empty()
        if self.decoder is None:
            self.pending += chunks
            self.pending_bytes += sum(len(c.data) for c in chunks)
            if not self._ready():
                return ObservationBatch.empty()
            chunks, self.pending, self.pending_bytes = self.pending, [], 0
        assert self.decoder is not None
        data = b"".join(self._terminated(c) for c in chunks)
        try:
            return self.decoder.feed(data, chunks[0].received_at, chunks[0].source)
        except Exception:  # noqa: BLE001 -- a decoder must not raise on input; if one does, go on
            self._decoder_failed(data)
            return ObservationBatch.empty()

    def flush(self) -> ObservationBatch:
        """The stream ended: decode what the decoder holds; bytes never recognised are counted."""
        if self.decoder is None:
            if self.pending and not self.dead:
                self._skip(b"".join(c.data for c in self.pending), "the stream ended before its "
                           "format could be recognised")
            self.pending, self.pending_bytes = [], 0
            return ObservationBatch.empty()
        try:
            return self.decoder.flush()
        except Exception:  # noqa: BLE001
            self._decoder_failed(b"")
            return ObservationBatch.empty()

    def _ready(self) -> bool:
        """Detect the format once there is a line or a datagram to look at; build the decoder."""
        while self.fmt is None:
            if not (any(c.datagram or b"\n" in c.data for c in self.pending) or self.pending_bytes >= 4096):
                return False
            head = b"".join(c.data for c in self.pending)[:DETECT_MAX_BYTES]
            try:
                self.fmt = detect_format(head)
            except InputFormatError as err:
                if self.pending_bytes < DETECT_MAX_BYTES:
                    return False
                # skip the unrecognised head up to its last line end, and look at what follows
                cut = head.rfind(b"\n") + 1 or len(head)
                self._skip(head[:cut], f"format not recognised: {err}")
                rest = b"".join(c.data for c in self.pending)[cut:]
                last = self.pending[-1]
                self.pending = [Chunk(rest, last.received_at, last.source)] if rest else []
                self.pending_bytes = len(rest)
                continue
            logger.info("%s: stream %s detected as %s", self.url, self.name, self.fmt)
        try:
            self.decoder = make_decoder(self.fmt, self.ctx)
        except InputFormatError as err:
            self.dead = True
            self._skip(b"".join(c.data for c in self.pending), str(err))
            self.pending, self.pending_bytes = [], 0
            return False
        return True

    def _terminated(self, chunk: Chunk) -> bytes:
        """A text datagram is whole lines: end it with a newline if the sender did not."""
        data = chunk.data
        if chunk.datagram and self.fmt != "asterix" and data and not data.endswith(b"\n"):
            return data + b"\n"
        return data

    def _skip(self, head: bytes, why: str) -> None:
        if self.ctx.stats is not None:
            self.ctx.stats.reject("bad_record", head[:512])
        if not self.warned:
            self.warned = True
            logger.error("%s: stream %s cannot be decoded (%s); its bytes are counted and skipped",
                         self.url, self.name, why)

    def _decoder_failed(self, data: bytes) -> None:
        if self.ctx.stats is not None:
            self.ctx.stats.reject("bad_record", data[:512])
        if not self.warned:
            self.warned = True
            logger.exception("%s: the %s decoder raised on stream %s (a bug: decoders count bad input); "
                             "the feed goes on", self.url, self.fmt, self.name)


class _Pacer:
    """Holds a replayed file's observations back until their event time comes (times `speed`)."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.t0: float | None = None
        self.wall0 = 0.0

    async def pace(self, batch: ObservationBatch) -> AsyncIterator[ObservationBatch]:
        t = batch["observed_at"]
        ok = np.isfinite(t)
        if not ok.any():
            yield batch
            return
        if self.t0 is None:
            self.t0, self.wall0 = float(t[ok].min()), time.monotonic()
        due = np.where(ok, (t - self.t0) / self.speed, 0.0)
        second = np.floor(np.maximum.accumulate(due)).astype(np.int64)  # pieces of ~1 s of wall time
        cuts = np.flatnonzero(np.diff(second)) + 1
        for idx in np.split(np.arange(len(batch)), cuts):
            delay = self.wall0 + float(due[idx].max()) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            yield batch.take(idx)


class LiveIngest:
    """The ingest of every sensor with a `source`. `start()`, iterate `batches()`, `close()`."""

    def __init__(self, site: SiteConfig, options: LiveOptions | None = None,
                 sources: Mapping[str, Source] | None = None) -> None:
        self.site = site
        self.options = options or LiveOptions()
        self.sensors: dict[str, SensorConfig] = {s.id: s for s in site.sensors if s.source}
        if sources is None:
            if not self.sensors:
                where = f" in {site.path}" if site.path else ""
                raise ConfigError(f"no sensor{where} has a `source`: add e.g. source = \"tcp://host:port\" "
                                  "to a [[sensors]] entry (tcp://, tcp-listen://, udp:// or file:PATH)")
            o = self.options
            sources = {sid: open_source(str(s.source), read_timeout_s=o.read_timeout_s,
                                        connect_timeout_s=o.connect_timeout_s,
                                        backoff_initial_s=o.backoff_initial_s,
                                        backoff_max_s=o.backoff_max_s, speed=o.file_speed)
                       for sid, s in self.sensors.items()}
        self.sources: dict[str, Source] = dict(sources)
        self.stats = IngestStats(sample_size=site.ingest.reject_sample_size)
        self.kinds: Counter[str] = Counter()
        self.n_obs = 0
        self.started_at = time.time()
        self._queue: asyncio.Queue[SensorBatch | None] = asyncio.Queue(maxsize=max(self.options.queue_size, 1))
        self._tasks: list[asyncio.Task[None]] = []
        self._running = 0

    async def start(self) -> None:
        """Open every source (binding listeners); a source that cannot open fails the start."""
        # the NMEA decoder's compiled kernels are loaded (or compiled, first run) now, not on a feed's first
        # chunk: seconds spent there would leave that feed behind the others and its rows out of order
        from seawatch.ingest.nmea.decoder import warm_up_kernels
        logger.info("NMEA decoder kernels ready in %.1f s of CPU", warm_up_kernels())
        started: list[Source] = []
        try:
            for src in self.sources.values():
                await src.start()
                started.append(src)
        except BaseException:
            for src in started:
                await src.close()
            raise
        self.started_at = time.time()
        self._running = len(self.sources)
        self._tasks = [asyncio.create_task(self._pump(sid, src), name=f"ingest-{sid}")
                       for sid, src in self.sources.items()]

    async def batches(self) -> AsyncIterator[SensorBatch]:
        """Decoded batches as they come, until every source has ended (files) or `close()`."""
        if self._running == 0 and not self._tasks:
            return
        while True:
            item = await self._queue.get()
            if item is None:
                return
            yield item
            if self._running == 0 and self._queue.empty():
                return

    async def close(self) -> None:
        for src in self.sources.values():
            await src.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _read(self, sensor_id: str, src: Source, queue: asyncio.Queue[Chunk | None]) -> None:
        """Source -> bounded queue (the pump waits on it with a timeout, which a generator cannot take)."""
        try:
            async for chunk in src.chunks():
                await queue.put(chunk)
        except Exception:
            src.stats.set_state("failed")
            logger.exception("%s: source of sensor %s failed; the other sources go on", src.url, sensor_id)
        await queue.put(None)

    async def _pump(self, sensor_id: str, src: Source) -> None:
        """Chunks -> decoders -> batches. Chunks arriving within `linger_s` are decoded together."""
        sensor = self.sensors.get(sensor_id)
        fmt = sensor.format if sensor is not None else "auto"
        ctx = DecoderContext(site=self.site, sensor_id=sensor_id, stats=self.stats)
        speed = getattr(src, "speed", None)
        pacer = _Pacer(speed) if speed else None
        streams: OrderedDict[str, _Stream] = OrderedDict()
        held: dict[str, list[Chunk]] = {}
        held_bytes, held_since = 0, 0.0
        linger, limit = self.options.linger_s, self.options.coalesce_bytes
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Chunk | None] = asyncio.Queue(maxsize=16)
        reader = asyncio.create_task(self._read(sensor_id, src, queue), name=f"read-{sensor_id}")

        async def decode_held() -> None:
            nonlocal held, held_bytes
            batches, held, held_bytes = held, {}, 0
            for name, chunks in batches.items():
                stream = streams.get(name)
                if stream is None:
                    stream = streams[name] = _Stream(name, fmt, ctx, src.url)
                    if len(streams) > MAX_STREAMS_PER_SOURCE:
                        _, oldest = streams.popitem(last=False)
                        await self._emit(sensor_id, oldest.flush(), pacer)
                else:
                    streams.move_to_end(name)
                await self._emit(sensor_id, stream.feed(chunks), pacer)
                if chunks[-1].end:  # an end chunk is always decoded at once, so it is the last
                    del streams[name]
                    await self._emit(sensor_id, stream.flush(), pacer)

        try:
            while True:
                if held:
                    try:
                        chunk = await asyncio.wait_for(queue.get(), max(held_since + linger - loop.time(), 0))
                    except TimeoutError:
                        await decode_held()
                        continue
                else:
                    chunk = await queue.get()
                if chunk is None:
                    break
                if not held:
                    held_since = loop.time()
                held.setdefault(chunk.source, []).append(chunk)
                held_bytes += len(chunk.data)
                if chunk.end or held_bytes >= limit or linger <= 0:
                    await decode_held()
            await decode_held()
            for stream in streams.values():
                await self._emit(sensor_id, stream.flush(), pacer)
        except Exception:  # a bug in the glue: this sensor stops, loudly; the others go on
            src.stats.set_state("failed")
            logger.exception("%s: ingest of sensor %s failed; the other sensors go on", src.url, sensor_id)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            self._running -= 1
            if self._running == 0 and not self._queue.full():
                self._queue.put_nowait(None)  # wake the consumer: every source has ended

    async def _emit(self, sensor_id: str, batch: ObservationBatch, pacer: _Pacer | None) -> None:
        if not len(batch):
            return
        sensors = batch["sensor"]
        missing = sensors == None
        if missing.any():
            sensors[missing] = sensor_id
        pieces = pacer.pace(batch) if pacer is not None else _once(batch)
        async for piece in pieces:
            self.n_obs += len(piece)
            for k, c in piece.count_by("kind").items():
                self.kinds[_kind_name(int(k))] += int(c)
            await self._queue.put(SensorBatch(sensor_id, piece))  # waits while the consumer is slow

    # -- reporting ---------------------------------------------------------------------------------

    def stats_lines(self) -> list[str]:
        """A stats line (observations by kind, rejects by reason), then one line per source."""
        elapsed = time.time() - self.started_at
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(self.kinds.items()))
        rejects = ", ".join(f"{k} {v:,}" for k, v in sorted(self.stats.rejects.items()))
        head = (f"{iso_utc(time.time())} +{elapsed:.0f} s | observations {self.n_obs:,}"
                + (f" ({kinds})" if kinds else "")
                + f" | rejects {self.stats.total_rejects:,}" + (f" ({rejects})" if rejects else ""))
        return [head] + [f"  {sid}: {src.stats.describe()}" for sid, src in self.sources.items()]

    def stats_dict(self) -> dict[str, Any]:
        d = self.stats.to_dict()
        d.update({"observations_total": self.n_obs, "observations": dict(sorted(self.kinds.items())),
                  "sources": {sid: src.stats.to_dict() for sid, src in self.sources.items()}})
        return d


async def _once(batch: ObservationBatch) -> AsyncIterator[ObservationBatch]:
    yield batch


def _kind_name(k: int) -> str:
    try:
        return Kind(k).name.lower()
    except ValueError:
        return f"kind_{k}"


async def run_live(site: SiteConfig, *, duration_s: float | None = None, stats_every_s: float = 10.0,
                   emit: Callable[[str], None] = logger.warning, options: LiveOptions | None = None,
                   live: LiveIngest | None = None) -> LiveIngest:
    """`seawatch run`: ingest every source, `emit` stats lines every `stats_every_s`, until stopped."""
    live = live or LiveIngest(site, options)
    await live.start()
    emit(f"seawatch run: site '{site.site.name}', {len(live.sources)} source(s); "
         f"stats every {stats_every_s:g} s" + (f", for {duration_s:g} s" if duration_s else ", Ctrl-C stops"))
    for sid, src in live.sources.items():
        sensor = live.sensors.get(sid)
        address = getattr(src, "address", None)
        emit(f"  {sid}: {src.url}" + (f" (listening on {address[0]}:{address[1]})" if address else "")
             + (f", format {sensor.format}" if sensor is not None else ""))
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    try:
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / not supported
        pass

    async def consume() -> None:
        async for _ in live.batches():  # the tracking stage plugs in here
            pass

    consumer = asyncio.create_task(consume(), name="ingest-consumer")
    stopper = asyncio.create_task(stop.wait())
    deadline = loop.time() + duration_s if duration_s else None
    next_stats = loop.time() + stats_every_s
    try:
        while not consumer.done() and not stop.is_set():
            until = next_stats if deadline is None else min(next_stats, deadline)
            await asyncio.wait({consumer, stopper}, timeout=max(until - loop.time(), 0.0),
                               return_when=asyncio.FIRST_COMPLETED)
            if deadline is not None and loop.time() >= deadline:
                break
            if loop.time() >= next_stats:
                next_stats += stats_every_s
                for line in live.stats_lines():
                    emit(line)
    finally:
        try:
            loop.remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        emit("final:")
        for line in live.stats_lines():
            emit(line)
        stopper.cancel()
        consumer.cancel()
        await live.close()
        await asyncio.gather(consumer, stopper, return_exceptions=True)
    return live
