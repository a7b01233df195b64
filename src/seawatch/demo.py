"""`seawatch demo`: simulator -> live ingest -> tracking + fusion -> detection -> console, in one command.

The simulator serves the built-in Caspian site's AIS and radar feeds over TCP on loopback exactly as
real sensors would (`seawatch sim --live`); the live ingest connects to them like `seawatch run`; each
decoded batch goes through the pipeline and the detection engine into the console's live picture.
A one-off supervisor account with a random password is created and printed: there is no default login.

Latency: the demo is tuned for alerts to reach the console quickly (see docs/console.md). `FeedTap` is
its end-to-end probe: one more client of every simulator feed that stamps (wall clock) when each sensor
time went out on the loopback, and `DemoRunner.alert_triggers` keeps, for every alert opened, the sensor
time of the contact update that opened it and when it was handed to the picture.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import queue
import re
import secrets
import socket
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from seawatch.errors import SeawatchError

logger = logging.getLogger(__name__)

# Latency knobs (sensor seconds). Each feed is ordered on its own stream of the TimeOrderer, so its hold
# only covers the disorder inside one feed; the pipeline emits the picture every PIPELINE_PERIOD_S; the
# detection rules run on every emitted picture (flushed at once, not buffered for 5 s of sensor time).
REORDER_WINDOW_S = 0.2
PIPELINE_PERIOD_S = 1.0
STALE_FEED_S = 30.0  # sensor seconds a feed may lag the newest before it stops holding the others back
WRITE_EVERY_S = 2.0  # wall seconds: the store is written in batches of the pictures of that long
_AIS_TIME = re.compile(rb"c:(\d{9,10})")
_PLOT_TIME = re.compile(rb'"time":"([0-9T:.\-]+)Z?"')


class FeedTap:
    """One more TCP client of each simulator feed: when did each sensor time go out? (wall clock, epoch s)

    For every chunk read it records the newest sensor time seen so far and the wall time of the read;
    `emitted_at(t)` is the wall time at which a message of sensor time >= t had gone out. Reads happen in
    their own threads, so the stamps are at most a GIL switch late (~5 ms)."""

    def __init__(self, ports: dict[str, int], host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self._sensor_t: list[float] = []
        self._wall: list[float] = []
        self._newest = float("-inf")
        self._socks = [socket.create_connection((host, port)) for port in ports.values()]
        for sock in self._socks:
            threading.Thread(target=self._read, args=(sock,), name="demo-feedtap", daemon=True).start()

    def _read(self, sock: socket.socket) -> None:
        tail = b""
        while True:
            try:
                data = sock.recv(1 << 16)
            except OSError:
                return
            wall = time.time()
            if not data:
                return
            buf = tail + data
            cut = buf.rfind(b"\n")
            if cut < 0:
                tail = buf
                continue
            tail = buf[cut + 1:]
            last = buf[buf.rfind(b"\n", 0, cut) + 1:cut]  # the newest complete line of this read
            m = _AIS_TIME.search(last)
            t: float | None = float(m.group(1)) if m else None
            if t is None and (m := _PLOT_TIME.search(last)) is not None:
                try:
                    t = datetime.fromisoformat(m.group(1).decode()).replace(tzinfo=UTC).timestamp()
                except ValueError:
                    t = None
            if t is None:
                continue
            with self._lock:
                if t > self._newest:
                    self._newest = t
                    self._sensor_t.append(t)
                    self._wall.append(wall)

    def emitted_at(self, sensor_t: float) -> float | None:
        with self._lock:
            i = bisect.bisect_left(self._sensor_t, sensor_t)
            return self._wall[i] if i < len(self._wall) else None

    def close(self) -> None:
        for sock in self._socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@dataclass(frozen=True)
class AlertTrigger:
    """An alert as it opened in the demo: the sensor time of the picture (contact update) that opened it,
    the pipeline period before it, and the wall clock when it was handed to the console's picture."""

    alert_id: str
    sensor_t: float  # the picture's time: it holds the observations up to it ...
    period_s: float  # ... and after the previous picture: the triggering message is in (t - period, t]
    applied_wall: float


RISK_EVERY_S = 2.0   # wall seconds between two updates of the console's per-contact risk


@dataclass
class DemoOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    scenario: str = "cigarette-run"
    speed: float = 5.0
    seed: int | None = None
    duration_s: float = 6 * 3600.0
    data_dir: Path | None = None
    tap_feeds: bool = False  # FeedTap on (the latency benchmark and its test)
    reorder_window_s: float = REORDER_WINDOW_S
    pipeline_period_s: float = PIPELINE_PERIOD_S
    detect_every_picture: bool = True  # False: the engine's own buffering (rules once per 5 s of sensor time)
    site_path: Path | None = None  # set: live operation on this site's sources (`seawatch run`), no simulator
    store: str | None = None  # the store (directory or postgresql:// URL); default: data_dir / "store"


class DemoRunner:
    """The running demo: simulator thread, pipeline thread, and the state the console reads."""

    def __init__(self, opts: DemoOptions) -> None:
        from seawatch.serve.picture import Picture
        from seawatch.serve.store_adapter import as_console_store
        from seawatch.store import open_store
        from seawatch.store.keeper import Housekeeper

        self.opts = opts
        self.dir = opts.data_dir or Path(tempfile.mkdtemp(prefix="seawatch-demo-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.picture = Picture()
        self.store = open_store(opts.store or self.dir / "store")  # positions, alerts, audit, users: on disk
        self.console_store = as_console_store(self.store, lambda: self.picture.now)
        self.keeper = Housekeeper(self.store)  # daily roll-over and retention of the store
        self.ports: dict[str, int] = {}
        self._ready = threading.Event()
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self.n_obs = 0
        self.n_contacts = 0
        self.n_alert_changes = 0
        self.n_failed_batches = 0
        self.tap: FeedTap | None = None
        self.ingest_stats: Any = None  # the live ingest's IngestStats once it runs
        self.engine: Any = None  # the detection engine once the pipeline runs
        self._writer: threading.Thread | None = None  # the store writer once started
        self.busy_s = {"tracking": 0.0, "detection": 0.0, "picture": 0.0, "store": 0.0}  # wall s per stage
        self._writes: queue.Queue[tuple[Any, list[dict[str, Any]]] | None] = queue.Queue(maxsize=256)
        self.n_failed_writes = 0
        self.alert_triggers: dict[str, AlertTrigger] = {}
        self.picture_log: deque[tuple[float, float, float]] = deque(maxlen=100_000)  # (sensor t, period, wall)

    # -- simulator ----------------------------------------------------------------------------------
    def _simulate(self) -> None:
        from seawatch.sim.live import LiveConfig
        from seawatch.sim.run import simulate
        from seawatch.sim.scenario import load_scenario

        try:
            scn = load_scenario(self.opts.scenario)
            cfg = LiveConfig(host="127.0.0.1", port_base=0, speed=self.opts.speed, wait_for_clients=True)

            def ready(ports: dict[str, int]) -> None:
                self.ports = dict(ports)
                self._ready.set()

            simulate(scn, self.dir / "sim", seed=self.opts.seed, duration_s=self.opts.duration_s,
                     start_epoch=time.time() - 60.0, live=cfg, on_live=ready)
        except BaseException as err:  # noqa: BLE001 — reported to the main thread
            self.error = err
            self._ready.set()

    # -- pipeline -----------------------------------------------------------------------------------
    async def _pipeline(self) -> None:
        from seawatch.config import load_site
        from seawatch.detect.engine import DetectionEngine
        from seawatch.ingest.live import LiveIngest
        from seawatch.ingest.merge import TimeOrderer
        from seawatch.pipeline import Pipeline

        site = load_site(self.opts.site_path or self.dir / "sim" / "site.toml")
        pipeline = Pipeline(site, update_period_s=self.opts.pipeline_period_s)
        engine = self.engine = DetectionEngine(site)
        from seawatch.live_alerts import take_over
        take_over(self.store, engine)   # alert ids after the store's; alerts an earlier run left open closed
        ingest = LiveIngest(site)
        self.ingest_stats = ingest.stats
        # one orderer stream per feed: rows are released once every feed has moved past them (each feed is
        # in time order; the hold covers the small disorder within one), whatever the reads' timing
        streams = {sid: i for i, sid in enumerate(ingest.sources)}
        # a feed that is down does not stop the picture; on real feeds (not the simulator's, which runs faster
        # than real time) a row stamped well after it was received is a wrong clock, refused
        ahead = site.ingest.max_ahead_s if self.opts.site_path else 0.0
        orderer = TimeOrderer(len(streams), reorder_window_s=self.opts.reorder_window_s, stats=ingest.stats,
                              stale_s=STALE_FEED_S, max_ahead_s=ahead or None)
        # the tracker's compiled scan is loaded (or compiled, first run after an install) now, not on the first
        # radar scan of the live feeds
        from seawatch.track.tracker import warm_up_kernels
        logger.info("tracker kernels ready in %.1f s of CPU", warm_up_kernels())
        risk_wall = -np.inf
        await ingest.start()
        try:
            async for item in ingest.batches():
                t_in = time.perf_counter()
                batch = orderer.push(streams[item.sensor], item.batch)
                if not len(batch):
                    continue
                self.n_obs += len(batch)
                try:
                    contacts = pipeline.process(batch)
                except Exception:  # noqa: BLE001 - counted and logged (`_batch_failed`)
                    self._batch_failed("tracking", len(batch))
                    continue
                t_tracked = time.perf_counter()
                try:   # (a rule that raises is counted by the engine itself: `DetectionEngine.failures`)
                    changes = engine.process(contacts) if len(contacts) else []
                    if len(contacts) and self.opts.detect_every_picture:
                        changes += engine.flush()  # the rules see every picture as it is emitted
                except Exception:  # noqa: BLE001 - counted and logged; the picture and store still get the tracks
                    self._batch_failed("detection", len(batch))
                    changes = []
                t_detected = time.perf_counter()
                self.busy_s["tracking"] += t_tracked - t_in
                self.busy_s["detection"] += t_detected - t_tracked
                if not len(contacts):
                    continue
                alerts = [c["alert"] for c in changes]
                self.n_contacts += len(contacts)
                self.n_alert_changes += len(alerts)
                self.picture.apply(contacts, alerts)
                if time.monotonic() - risk_wall >= RISK_EVERY_S:   # every contact's risk, for the console
                    risk_wall = time.monotonic()
                    try:
                        self.picture.set_risk(engine.risk_scores())
                    except Exception:  # noqa: BLE001 - counted and logged; the picture goes on without it
                        self._batch_failed("risk", len(batch))
                self._note_triggers(contacts, changes, pipeline.update_period_s)
                if self.tap is not None:  # every picture's sensor time and when it reached the console's picture
                    self.picture_log.append((float(contacts["t"].max()), pipeline.update_period_s, time.time()))
                self.busy_s["picture"] += time.perf_counter() - t_detected
                self._writes.put((contacts, alerts))  # blocks while the writer is 256 pictures behind
                if self._stop.is_set():
                    break
        finally:
            await ingest.close()
            self._writes.put(None)

    def _batch_failed(self, stage: str, n: int) -> None:
        self.n_failed_batches += 1
        if self.n_failed_batches == 1:
            logger.exception("demo: a batch of %d observations failed in %s; further failures are counted", n, stage)

    def _write(self) -> None:
        """The store's writer, off the pipeline's thread: every WRITE_EVERY_S it writes the pictures queued
        meanwhile as one batch of positions and one of alerts (in the pipeline's order), then ticks the
        store's housekeeper. One transaction per ~10 pictures instead of one each: less CPU per row."""
        from seawatch.model.contact import ContactBatch

        done = False
        while not done:
            items = [self._writes.get()]
            time.sleep(WRITE_EVERY_S)
            while True:
                try:
                    items.append(self._writes.get_nowait())
                except queue.Empty:
                    break
            done = any(it is None for it in items)   # the end (the pipeline's, or `stop`'s)
            todo = [it for it in items if it is not None]
            if not todo:
                continue
            t0 = time.perf_counter()
            contacts = ContactBatch.concat([c for c, _ in todo])
            alerts = [a for _, batch_alerts in todo for a in batch_alerts]
            try:
                self.store.write_positions(contacts)
                self.keeper.tick(float(contacts["t"].max()))
                if alerts:
                    self.store.upsert_alerts(alerts)
            except Exception:
                self.n_failed_writes += 1
                if self.n_failed_writes == 1:
                    logger.exception("demo: writing %d pictures to the store failed; further failures are "
                                     "counted", len(todo))
            self.busy_s["store"] += time.perf_counter() - t0

    def _note_triggers(self, contacts: Any, changes: list[dict[str, Any]], period_s: float) -> None:
        """For each alert opened: the sensor time of the picture that opened it (its contacts' newest update
        in this batch; the batch's newest if they are not in it) and the wall clock now."""
        opened = [c["alert"] for c in changes if c["change"] == "open" and c["alert"]["id"] not in self.alert_triggers]
        if not opened:
            return
        now = time.time()
        ids, t = contacts["contact_id"], contacts["t"]
        for a in opened:
            mine = t[np.isin(ids, a.get("track_ids") or [])]
            sensor_t = float(mine.max()) if len(mine) else float(t.max())
            self.alert_triggers[a["id"]] = AlertTrigger(a["id"], sensor_t, period_s, now)

    def _run_pipeline(self) -> None:
        try:
            asyncio.run(self._pipeline())
        except BaseException as err:
            self.error = err
            logger.exception("demo pipeline stopped")

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self, timeout_s: float = 120.0) -> None:
        # what the pipeline thread imports, imported here first: a package imported by two threads at once (shapely,
        # whose modules import each other, by the pipeline's zones and the console's land mask) can be found
        # half-initialised by one of them, and `seawatch run` died at start-up now and then
        import seawatch.detect.engine
        import seawatch.ingest.live
        import seawatch.ingest.merge
        import seawatch.pipeline  # noqa: F401

        if self.opts.site_path is None:  # the demo: the simulator serves the feeds
            threading.Thread(target=self._simulate, name="demo-sim", daemon=True).start()
            if not self._ready.wait(timeout_s) or self.error is not None:
                raise SeawatchError(f"the simulator did not start: {self.error or 'timeout'}")
        self._writer = threading.Thread(target=self._write, name="demo-store-writer", daemon=True)
        self._writer.start()
        threading.Thread(target=self._tick, name="demo-clock", daemon=True).start()
        threading.Thread(target=self._run_pipeline, name="demo-pipeline", daemon=True).start()
        if self.opts.tap_feeds:
            self.tap = FeedTap(self.ports)

    def _tick(self) -> None:
        """The picture's clock goes on while the feeds are silent (`Picture.tick`)."""
        while not self._stop.wait(1.0):
            self.picture.tick()

    def add_operator(self) -> tuple[str, str]:
        return add_operator(self.console_store)

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop; the pictures and alert changes already queued for the store are written first (the console
        has shown them): a Ctrl-C right after an alert reached the console lost it from the store."""
        self._stop.set()
        if self.tap is not None:
            self.tap.close()
        writer = self._writer
        if writer is not None and writer.is_alive():
            try:
                self._writes.put(None, timeout=timeout_s)
            except queue.Full:
                logger.warning("demo: the store writer is %d pictures behind; stopping without them", 256)
            writer.join(timeout_s)


def add_operator(console_store: Any) -> tuple[str, str]:
    """A one-off supervisor account with a random password (there is no default login): (name, password)."""
    from seawatch.serve.auth import add_user

    password = secrets.token_urlsafe(12)
    name = "operator"
    if console_store.get_user(name) is not None:
        name = f"operator-{secrets.token_hex(3)}"
    add_user(console_store, name, "supervisor", password)
    return name, password


def run_demo(opts: DemoOptions) -> int:
    from seawatch.serve.app import serve

    runner = DemoRunner(opts)
    print(f"seawatch demo: starting the Caspian simulator ({opts.scenario}, {opts.speed:g}x real time) ...",
          flush=True)
    runner.start()
    user, password = runner.add_operator()
    print(f"feeds: {', '.join(f'{k}:{v}' for k, v in runner.ports.items())} (TCP on 127.0.0.1)")
    print(f"console: http://{opts.host}:{opts.port}/   login: {user}   password: {password}", flush=True)
    print("Ctrl-C stops the demo.", flush=True)
    try:
        serve(runner.picture, runner.console_store, host=opts.host, port=opts.port)
    finally:
        runner.stop()
    return 0


def stats_of(runner: Any) -> dict[str, int]:
    engine = getattr(runner, "engine", None)
    return {"observations": runner.n_obs, "contact_updates": runner.n_contacts,
            "alert_changes": runner.n_alert_changes, "failed_batches": runner.n_failed_batches,
            "failed_writes": runner.n_failed_writes,
            "failed_rules": sum(engine.failures.values()) if engine is not None else 0}
