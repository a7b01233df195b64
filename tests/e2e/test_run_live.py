"""`seawatch run --site`: live operation on a site's feeds — a real TCP AIS feed in, contacts tracked and
stored, the console up on the site's port behind its login, counts printed at the end."""

from __future__ import annotations

import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyais

from seawatch.store import open_store

REPO = Path(__file__).resolve().parents[2]
T0 = 1_764_396_000  # 2025-11-29T06:00:00Z


def _feed_lines(n_vessels: int = 20, seconds: int = 180) -> bytes:
    """Position reports of vessels steaming south off Astara, one each per 10 s, tag-blocked as a shore
    receiver writes them (pyais's encoder)."""
    out = []
    for k in range(seconds):
        v = k % n_vessels
        t = T0 + k
        msg = {"type": 1, "mmsi": 423_000_000 + v, "lat": 38.60 - 0.00005 * k + 0.01 * v, "lon": 49.0 + 0.01 * v,
               "speed": 10.0, "course": 180.0, "second": t % 60}
        (sentence,) = pyais.encode_dict(msg, talker_id="AI", sentence_type="VDM")
        body = f"s:rx-astara,c:{t}"
        cs = 0
        for ch in body.encode():
            cs ^= ch
        out.append(f"\\{body}*{cs:02X}\\{sentence}\r\n".encode())
    return b"".join(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Feed(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def test_run_tracks_a_live_feed_into_the_store_and_serves_the_console_behind_its_login(tmp_path: Path) -> None:
    payload = _feed_lines()   # 180 s of sensor time: all but the last few seconds pass the time-ordering
    stop = threading.Event()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            for k in range(0, len(payload), 16_384):   # a feed arrives in pieces
                self.request.sendall(payload[k:k + 16_384])
                time.sleep(0.05)
            stop.wait(30)

    console_port = _free_port()
    data = tmp_path / "data"
    with _Feed(("127.0.0.1", 0), Handler) as feed:
        threading.Thread(target=feed.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        site = tmp_path / "site.toml"
        site.write_text(
            f'[site]\nname = "USCG sample"\nlat = 37.8\nlon = -122.4\n\n'
            f'[[sensors]]\nid = "ais-feed"\nkind = "ais"\nsource = "tcp://127.0.0.1:{feed.server_address[1]}"\n\n'
            f'[storage]\ndir = "{data}"\n\n[server]\nport = {console_port}\n', encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-m", "seawatch.cli", "run", "--site", str(site), "--duration", "12"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            status = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and status is None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{console_port}/api/contacts", timeout=2)
                    status = 200
                except urllib.error.HTTPError as err:
                    status = err.code
                except OSError:
                    time.sleep(0.3)
            out, err = proc.communicate(timeout=60)
        finally:
            stop.set()
            feed.shutdown()
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert status == 401   # the console is up, and nothing is served without a login
    assert f"console: http://127.0.0.1:{console_port}/" in out
    assert "no users yet: seawatch user add NAME --role operator" in out
    final = next(line for line in out.splitlines() if line.startswith("final:"))
    counts = dict(part.rsplit(" ", 1) for part in final[len("final: "):].split(", "))
    # all but the last few seconds of sensor time, which the time-ordering still holds when the feed goes quiet
    assert int(counts["observations"].replace(",", "")) >= 150, final
    assert int(counts["contact_updates"].replace(",", "")) >= 100, final
    assert counts["failed_batches"] == "0" and counts["failed_writes"] == "0"
    store = open_store(data)
    try:
        assert store.count_positions() > 50
    finally:
        store.close()
