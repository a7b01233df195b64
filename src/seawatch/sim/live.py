"""`seawatch sim --live`: the simulated sensors as live network feeds, paced by sensor time.

As a real installation would: the AIS network is a TCP server sending `!AIVDM` lines with tag blocks (as an
AIS receiver or aggregator does, e.g. on port 10110), and each radar a TCP server sending its plots as JSON
Lines (one object per plot). Clients connect and disconnect at will; each gets the lines sent while it is
connected. A message goes out when the wall clock reaches its sensor time, scaled by `speed` (1 = real
time, 60 = a minute per second). The simulation runs ahead of the clock one chunk at a time.

`live_site_toml()` writes the site file that `seawatch run` needs to consume these feeds.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.plots import write_plots_jsonl
from seawatch.sim.ais import Knots
from seawatch.sim.engine import ChunkSink, World
from seawatch.sim.radar import RadarModel
from seawatch.sim.writers import AisWriter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveConfig:
    host: str = "127.0.0.1"
    port_base: int = 10110  # AIS on port_base, radar i on port_base + 1 + i; 0 = any free ports
    speed: float = 1.0
    wait_for_clients: bool = False  # start the clock once every feed has a client (exercises, tests)


class LineServer:
    """A TCP server that sends the same bytes to every connected client."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.sock = socket.create_server((host, port), reuse_port=False)
        self.port = self.sock.getsockname()[1]
        self.clients: list[socket.socket] = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.bytes_sent = 0
        self._thread = threading.Thread(target=self._accept, name=f"sim-live-{name}", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            logger.info("%s: client %s connected", self.name, addr)
            with self.lock:
                self.clients.append(conn)
            self.connected.set()

    def send(self, data: bytes) -> None:
        with self.lock:
            for c in list(self.clients):
                try:
                    c.sendall(data)
                except OSError as err:
                    logger.info("%s: client dropped (%s)", self.name, err)
                    self.clients.remove(c)
                    c.close()
            self.bytes_sent += len(data)

    def close(self) -> None:
        self.sock.close()
        with self.lock:
            for c in self.clients:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.clients.clear()


def _plot_lines(radar: RadarModel, world: World, kn: Knots) -> tuple[npt.NDArray[np.float64], list[bytes]]:
    p = radar.scan(kn, world.rcs_m2, world.height_m)
    radar.last_plots = p  # for the truth writer (radar visibility), which runs after the live sink
    if len(p.time) == 0:
        return p.time, []
    buf = io.BytesIO()
    write_plots_jsonl(buf, {"time": np.round(p.time, 3), "sensor": radar.id, "range_m": np.round(p.range_m, 1),
                            "bearing_deg": np.round(p.bearing_deg, 3), "rcs_m2": np.round(p.rcs_m2, 2),
                            "snr_db": np.round(p.snr_db, 1)}, time_format="iso")
    return p.time, buf.getvalue().splitlines()


class LiveSink(ChunkSink):
    """Turns each chunk into messages and sends them when their time comes."""

    def __init__(self, world: World, ais: AisWriter, radars: list[RadarModel], cfg: LiveConfig,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.w, self.ais, self.radars, self.cfg = world, ais, radars, cfg
        self.clock, self.sleep = clock, sleep
        def port(i: int) -> int:
            return 0 if cfg.port_base == 0 else cfg.port_base + i

        self.servers = [LineServer("ais", cfg.host, port(0))] + \
            [LineServer(r.id, cfg.host, port(1 + i)) for i, r in enumerate(radars)]
        self.wall0: float | None = None
        self.sent = [0] * len(self.servers)

    @property
    def ports(self) -> dict[str, int]:
        return {s.name: s.port for s in self.servers}

    def _start_clock(self) -> None:
        if self.cfg.wait_for_clients:
            for s in self.servers:
                s.connected.wait()
        self.wall0 = self.clock()

    def chunk(self, kn: Knots) -> None:
        times: list[npt.NDArray[np.float64]] = []
        feeds: list[npt.NDArray[np.int64]] = []
        payloads: list[Any] = []
        t_ais, e_ais = self.ais.render(kn)
        times.append(t_ais)
        feeds.append(np.zeros(len(t_ais), np.int64))
        payloads.extend(e_ais.tolist())
        for i, r in enumerate(self.radars):
            t, lines = _plot_lines(r, self.w, kn)
            times.append(t)
            feeds.append(np.full(len(t), i + 1, np.int64))
            payloads.extend(lines)
        t_all = np.concatenate(times)
        f_all = np.concatenate(feeds)
        order = np.lexsort((f_all, t_all))
        if self.wall0 is None:  # the clock starts once the first chunk is ready to go
            self._start_clock()
        self._send_paced(t_all[order], f_all[order], [payloads[i] for i in order.tolist()])

    def _send_paced(self, t: npt.NDArray[np.float64], feed: npt.NDArray[np.int64], data: list[bytes]) -> None:
        assert self.wall0 is not None
        i, n = 0, len(t)
        while i < n:
            due = self.wall0 + (float(t[i]) - self.w.t0) / self.cfg.speed
            wait = due - self.clock()
            if wait > 0:
                self.sleep(wait)
            # everything due within the next 20 ms of wall time goes out together, per feed
            horizon = self.w.t0 + (self.clock() + 0.02 - self.wall0) * self.cfg.speed
            j = int(np.searchsorted(t, horizon, side="right"))
            j = max(j, i + 1)
            for k in range(len(self.servers)):
                sel = [data[m] for m in range(i, j) if feed[m] == k]
                if sel:
                    self.servers[k].send(b"\n".join(sel) + b"\n")
                    self.sent[k] += len(sel)
            i = j

    def close(self) -> None:
        for s in self.servers:
            s.close()


def live_site_toml(site_text: str, cfg: LiveConfig, radar_ids: list[str], ports: dict[str, int]) -> str:
    """The built-in site with the live feeds as sources: an `ais-network` sensor and one per radar."""
    out: list[str] = []
    current: str | None = None
    for line in site_text.splitlines():
        if line.startswith("id = "):
            current = line.split("=", 1)[1].strip().strip('"')
        if line.strip() == "[zones]":
            out += ["# the simulator's live AIS feed (all base stations; tag block s: names the station)",
                    "[[sensors]]", 'id = "ais-network"', 'kind = "ais"',
                    f'source = "tcp://{cfg.host}:{ports["ais"]}"', 'format = "nmea"', ""]
        out.append(line)
        if current in radar_ids and line.startswith("clutter_per_scan"):
            out += [f'source = "tcp://{cfg.host}:{ports[current]}"', 'format = "plots-jsonl"']
            current = None
    # the feeds keep the scenario's clock (its dates, --speed): no check of sensor time against the wall clock
    ahead = ["# the simulator's feeds keep the scenario's own clock", "max_ahead_s = 0"]
    if "[ingest]" in out:
        k = out.index("[ingest]") + 1
        out[k:k] = ahead
    else:
        out += ["", "[ingest]", *ahead]
    return "\n".join(out) + "\n"


def write_live_site(src_site: Path, out_dir: Path, cfg: LiveConfig, radar_ids: list[str],
                    ports: dict[str, int]) -> Path:
    p = out_dir / "site.toml"
    p.write_text(live_site_toml(src_site.read_text(encoding="utf-8"), cfg, radar_ids, ports), encoding="utf-8")
    return p
