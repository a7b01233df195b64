"""`seawatch replay --serve`: a recording replayed under the console — the console behind a one-off login,
the replay's contacts in its live picture, its alerts in the queue, and it stays up once the replay is done."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from seawatch.cli import main

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_served_replay_shows_its_contacts_and_alerts_behind_a_one_off_login(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    assert main(["sim", "--scenario", "spoofing", "--out", str(rec), "--duration", "5m", "--seed", "5"]) == 0
    port = _free_port()
    site = rec / "site.toml"
    site.write_text(site.read_text() + f"\n[server]\nport = {port}\n")
    inputs = [str(rec / "ais.nmea"), *sorted(str(p) for p in rec.glob("plots-*.csv"))]
    proc = subprocess.Popen([sys.executable, "-m", "seawatch.cli", "replay", "--serve", "--site", str(site), *inputs,
                             "--store", str(tmp_path / "store")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any(x.startswith("replay finished") for x in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
        out = "\n".join(lines)
        assert "replay finished" in out, out + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        login = re.search(rf"console: http://127\.0\.0\.1:{port}/   login: (\S+)   password: (\S+)", out)
        assert login is not None, out
        base = f"http://127.0.0.1:{port}/api"
        try:
            urllib.request.urlopen(f"{base}/contacts", timeout=5)
            raise AssertionError("the console served contacts without a login")
        except urllib.error.HTTPError as err:
            assert err.code == 401
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        req = urllib.request.Request(f"{base}/login", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"username": login[1], "password": login[2]}).encode())
        assert opener.open(req, timeout=5).status == 200
        contacts = json.loads(opener.open(f"{base}/contacts", timeout=5).read())
        alerts = json.loads(opener.open(f"{base}/alerts", timeout=5).read())
        rows = contacts["contacts"] if isinstance(contacts, dict) else contacts
        queue = alerts["alerts"] if isinstance(alerts, dict) else alerts
        assert len(rows) > 20
        assert [a["type"] for a in queue] == ["ais_spoofing"]
        assert proc.poll() is None   # the console stays up after the replay
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _tagged(sentence: str, t: float) -> bytes:
    body = f"s:rx,c:{int(t)}"
    cs = 0
    for ch in body.encode():
        cs ^= ch
    return f"\\{body}*{cs:02X}\\{sentence}\r\n".encode()


def test_an_alert_of_the_replays_last_cycle_reaches_the_served_picture(tmp_path: Path) -> None:
    """The last cycle's changes (engine.finish's flush) went to the store and --alerts-out, not to the console."""
    import pyais

    from seawatch.config import load_site
    from seawatch.replay import ReplayOptions, run_replay
    from seawatch.serve.picture import Picture

    t0 = 1_781_280_000.0
    lines = []
    for i in range(0, 600, 10):
        (s,) = pyais.encode_dict({"type": 1, "mmsi": 423000001, "lat": 38.75, "lon": 49.0 + 0.00005 * i,
                                  "speed": 8.0, "course": 90.0}, talker_id="AI", sentence_type="VDM")
        lines.append(_tagged(s, t0 + i))
    (s,) = pyais.encode_dict({"type": 1, "mmsi": 123, "lat": 38.70, "lon": 49.1, "speed": 8.0, "course": 90.0},
                             talker_id="AI", sentence_type="VDM")
    lines.insert(60, _tagged(s, t0 + 595))   # an invalid MMSI heard in the last seconds
    rec = tmp_path / "final.nmea"
    rec.write_bytes(b"".join(lines))
    picture = Picture()
    res = run_replay(load_site(REPO / "src/seawatch/sites/caspian/site.toml"),
                     ReplayOptions(inputs=[rec], on_picture=picture.apply))
    assert [a["type"] for a in res.alerts] == ["ais_spoofing"]
    assert [a["id"] for a in picture.alerts()] == [res.alerts[0]["id"]]
