"""`seawatch demo` end to end without the browser: simulator feeds over TCP -> live ingest -> pipeline ->
detection -> the console's picture, and a login that works. Bounded: ~15 s on an idle 2-core machine; it waits up to
150 s for the picture (the simulator runs behind wall time when the machine is loaded; 60 s fell short once)."""

from __future__ import annotations

import time
from pathlib import Path

from seawatch.demo import DemoOptions, DemoRunner


def test_the_demo_fills_the_live_picture_with_fused_dark_and_ais_contacts(tmp_path: Path) -> None:
    runner = DemoRunner(DemoOptions(speed=20.0, duration_s=1800.0, seed=3, data_dir=tmp_path))
    runner.start(timeout_s=60)
    try:
        kinds: set[str] = set()
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and runner.error is None:
            kinds = {c["kind"] for c in runner.picture.contacts()}
            if {"fused", "radar_only", "ais_only"} <= kinds and runner.n_contacts > 2000:
                break
            time.sleep(1.0)
        assert runner.error is None and runner.n_failed_batches == 0
        assert {"fused", "radar_only", "ais_only"} <= kinds
        assert runner.picture.now is not None
        risks: list[float] = []   # the engine's risk of each contact, set every 2 s of wall time
        deadline = time.monotonic() + 10
        while len(risks) <= 100 and time.monotonic() < deadline:
            time.sleep(0.5)
            risks = [c["risk"] for c in runner.picture.contacts() if c["risk"] is not None]
        assert len(risks) > 100 and all(0.0 <= r <= 1.0 for r in risks)
        user, password = runner.add_operator()
        stored = runner.console_store.get_user(user)
        assert stored is not None and stored["role"] == "supervisor" and password not in str(stored)
        # the pipeline persists what the console shows (the store's writer batches a couple of seconds)
        deadline = time.monotonic() + 20
        while runner.store.count_positions() <= 1000 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert runner.store.count_positions() > 1000 and runner.n_failed_writes == 0
    finally:
        runner.stop()
