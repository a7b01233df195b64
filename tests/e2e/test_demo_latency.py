"""The demo's end-to-end latency probe: the feed tap stamps when sensor times go out of the simulator, and
every alert opened in the demo carries the sensor time of the picture that opened it and when it reached
the console's picture. Bounded: stops after ~90 s at most (bench/alert_latency.py gives the figures)."""

from __future__ import annotations

import time
from pathlib import Path

from seawatch.demo import DemoOptions, DemoRunner


def test_each_alert_opened_in_the_demo_is_traced_back_to_when_its_sensor_messages_left_the_simulator(
        tmp_path: Path) -> None:
    runner = DemoRunner(DemoOptions(speed=20.0, duration_s=3600.0, seed=3, data_dir=tmp_path, tap_feeds=True))
    runner.start(timeout_s=60)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and runner.error is None and len(runner.alert_triggers) < 3:
            time.sleep(0.5)
        assert runner.error is None and runner.n_failed_batches == 0
        assert runner.tap is not None and len(runner.alert_triggers) >= 3
        for trig in runner.alert_triggers.values():
            alert = runner.picture.alert(trig.alert_id)
            assert alert is not None  # handed to the console's picture
            first = runner.tap.emitted_at(trig.sensor_t - trig.period_s + 1e-3)
            last = runner.tap.emitted_at(trig.sensor_t)
            assert first is not None and last is not None
            # the messages went out before the alert reached the picture, and not long before
            assert first <= last <= trig.applied_wall < first + 30.0
        # one orderer stream per feed: nothing dropped as out of order
        assert runner.ingest_stats.rejects.get("out_of_order", 0) == 0
    finally:
        runner.stop()
