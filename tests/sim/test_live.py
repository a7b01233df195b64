"""`seawatch sim --live`: the same messages as the recordings, served over TCP and paced by sensor time."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from seawatch.config import load_site
from seawatch.sim.live import LiveConfig
from seawatch.sim.run import simulate
from seawatch.sim.scenario import TrafficSection, load_scenario


def _scenario():  # type: ignore[no-untyped-def]
    scn = load_scenario("caspian-day")
    return scn.model_copy(update={"traffic": TrafficSection(scale=0.15, field=8)})


def test_live_feeds_carry_the_recorded_messages_paced_in_time(tmp_path: Path) -> None:
    duration, speed = 240.0, 400.0
    simulate(_scenario(), tmp_path / "file", seed=3, duration_s=duration)
    ports: dict[str, int] = {}
    ready = threading.Event()

    def on_live(p: dict[str, int]) -> None:
        ports.update(p)
        ready.set()

    result: dict[str, object] = {}
    th = threading.Thread(target=lambda: result.update(out=simulate(
        _scenario(), tmp_path / "live", seed=3, duration_s=duration,
        live=LiveConfig(port_base=0, speed=speed, wait_for_clients=True), on_live=on_live)))
    th.start()
    assert ready.wait(60)
    received: dict[str, bytes] = {}
    arrival: dict[str, list[float]] = {}

    def read(name: str, port: int) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as c:
            buf = b""
            while chunk := c.recv(1 << 16):
                buf += chunk
                arrival.setdefault(name, []).append(time.monotonic())
            received[name] = buf

    readers = [threading.Thread(target=read, args=(n, p)) for n, p in ports.items()]
    for r in readers:
        r.start()
    th.join(120)
    for r in readers:
        r.join(30)
    assert not th.is_alive()
    # the AIS feed is byte for byte the recording of the same seed
    assert received["ais"] == (tmp_path / "file" / "ais.nmea").read_bytes() and received["ais"]
    live_site = load_site(tmp_path / "live" / "site.toml")
    # its feeds keep the scenario's clock (a storm dated next week, --speed 400): `run` must not refuse them
    assert live_site.ingest.max_ahead_s == 0
    for radar in live_site.radars:
        rows = (tmp_path / "file" / f"plots-{radar.id}.csv").read_bytes().count(b"\n") - 1
        assert received[radar.id].count(b"\n") == rows, radar.id
        assert radar.source == f"tcp://127.0.0.1:{ports[radar.id]}" and radar.format == "plots-jsonl"
    # paced: 240 s of sensor time at 400x take at least ~0.6 s of wall time
    t = arrival["ais"]
    assert t[-1] - t[0] > 0.4 * duration / speed
    assert (tmp_path / "live" / "truth" / "positions.parquet").exists()
