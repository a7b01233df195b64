"""`seawatch demo`: simulator -> live ingest -> tracking + fusion -> detection -> console, in one command.

The simulator serves the built-in Caspian site's AIS and radar feeds over TCP on loopback exactly as
real sensors would (`seawatch sim --live`); the live ingest connects to them like `seawatch run`; each
decoded batch goes through the pipeline and the detection engine into the console's live picture.
A one-off supervisor account with a random password is created and printed: there is no default login.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawatch.errors import SeawatchError

logger = logging.getLogger(__name__)


@dataclass
class DemoOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    scenario: str = "cigarette-run"
    speed: float = 5.0
    seed: int | None = None
    duration_s: float = 6 * 3600.0
    data_dir: Path | None = None


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
        self.store = open_store(self.dir / "store")  # positions, alerts, audit, users: on disk
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

        site = load_site(self.dir / "sim" / "site.toml")
        pipeline = Pipeline(site, update_period_s=2.0)
        engine = DetectionEngine(site)
        ingest = LiveIngest(site)
        # feeds interleave: hold rows back a few seconds of sensor time and release them in time order
        orderer = TimeOrderer(1, reorder_window_s=4.0, stats=ingest.stats)
        await ingest.start()
        try:
            async for item in ingest.batches():
                batch = orderer.push(0, item.batch)
                if not len(batch):
                    continue
                self.n_obs += len(batch)
                try:
                    contacts = pipeline.process(batch)
                    alerts = [c["alert"] for c in engine.process(contacts)] if len(contacts) else []
                except Exception:
                    self.n_failed_batches += 1
                    if self.n_failed_batches == 1:
                        logger.exception("demo: a batch of %d observations failed in tracking/detection; "
                                         "further failures are counted", len(batch))
                    continue
                if not len(contacts):
                    continue
                self.n_contacts += len(contacts)
                self.n_alert_changes += len(alerts)
                self.picture.apply(contacts, alerts)
                self.store.write_positions(contacts)
                self.keeper.tick(float(contacts["t"].max()))
                if alerts:
                    self.store.upsert_alerts(alerts)
                if self._stop.is_set():
                    break
        finally:
            await ingest.close()

    def _run_pipeline(self) -> None:
        try:
            asyncio.run(self._pipeline())
        except BaseException as err:
            self.error = err
            logger.exception("demo pipeline stopped")

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self, timeout_s: float = 120.0) -> None:
        threading.Thread(target=self._simulate, name="demo-sim", daemon=True).start()
        if not self._ready.wait(timeout_s) or self.error is not None:
            raise SeawatchError(f"the simulator did not start: {self.error or 'timeout'}")
        threading.Thread(target=self._run_pipeline, name="demo-pipeline", daemon=True).start()

    def add_operator(self) -> tuple[str, str]:
        from seawatch.serve.auth import add_user

        password = secrets.token_urlsafe(12)
        name = "operator"
        if self.console_store.get_user(name) is not None:
            name = f"operator-{secrets.token_hex(3)}"
        add_user(self.console_store, name, "supervisor", password)
        return name, password

    def stop(self) -> None:
        self._stop.set()


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
    return {"observations": runner.n_obs, "contact_updates": runner.n_contacts,
            "alert_changes": runner.n_alert_changes, "failed_batches": runner.n_failed_batches}
