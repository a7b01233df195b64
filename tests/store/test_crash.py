"""Crash safety for real: a writer process is SIGKILLed mid-run; the store reopens clean, keeps every
acknowledgement it reported, and a resumed run continues from the checkpoint without duplicates."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from seawatch.store import open_store

HERE = Path(__file__).resolve().parent
WRITER = HERE / "crash_writer.py"
PER_STEP = 500


def run_writer(url: str, last: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    return subprocess.Popen([sys.executable, str(WRITER), url, str(last)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_a_writer_killed_mid_run_loses_no_acknowledged_action_and_resumes_without_duplicates(
        store_url: str) -> None:
    proc = run_writer(store_url, 100_000)
    committed: list[int] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 40
    for line in proc.stdout:
        if line.startswith("committed"):
            committed.append(int(line.split()[1]))
            if len(committed) >= 12:
                break
        assert time.monotonic() < deadline, "writer too slow"
    time.sleep(random.uniform(0.0, 0.02))  # land somewhere inside the next step's transactions
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    assert committed == list(range(len(committed)))

    store = open_store(store_url)
    try:
        assert store.integrity_check() == "ok"
        acked = {a["action_id"] for a in store.audit()}
        for step in committed:
            assert f"ack-{step}" in acked
            got = store.alert(f"a{step}")
            assert got is not None and got["acknowledged_by"] == "op"
        cp = store.load_checkpoint("crash-test")
        assert cp is not None and cp.offset >= committed[-1] + 1
        resume_at = cp.offset
    finally:
        store.close()

    final = resume_at + 3
    proc = run_writer(store_url, final)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = out.split("\n")
    assert lines[0] == f"resume {resume_at}" and "done" in lines

    store = open_store(store_url)
    try:
        assert store.count_positions() == final * PER_STEP
        audit = store.audit()
        assert sorted(a["action_id"] for a in audit) == sorted(f"ack-{s}" for s in range(final))
        assert len(store.alerts(limit=10_000)) == final
        assert store.track(contact_id=7).num_rows == final * 20
        assert store.integrity_check() == "ok"
    finally:
        store.close()
