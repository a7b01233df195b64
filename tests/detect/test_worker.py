"""Detection in a process of its own (seawatch.detect.worker): the same alerts as in the replay's process, and a
clear error when the child stops."""

from __future__ import annotations

import operator
import os
import signal
import socket
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import numpy as np
import pytest

from seawatch.cli import main
from seawatch.config import load_site
from seawatch.detect.worker import DetectionProcessError, DetectionWorker, _Outbox
from seawatch.replay import DETECT_PROCESS_MIN_BYTES, ReplayOptions, _detect_apart, run_replay


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "run"
    assert main(["sim", "--scenario", "astara-gofast", "--out", str(out), "--duration", "40m", "--seed", "5"]) == 0
    return out


def _inputs(recording: Path) -> list[Path]:
    return [recording / "ais.nmea", *sorted(recording.glob("plots-*.csv"))]


def test_a_replay_judged_in_a_process_of_its_own_writes_the_same_alerts_byte_for_byte(recording: Path,
                                                                                       tmp_path: Path) -> None:
    site = load_site(recording / "site.toml")
    apart, here = tmp_path / "apart.jsonl", tmp_path / "here.jsonl"
    r_apart = run_replay(site, ReplayOptions(inputs=_inputs(recording), alerts_out=apart, detect_process=True))
    r_here = run_replay(site, ReplayOptions(inputs=_inputs(recording), alerts_out=here, detect_process=False))
    assert r_apart.detect_process and not r_here.detect_process
    assert {a["type"] for a in r_here.alerts} >= {"dark_target", "high_speed"}
    assert apart.read_bytes() == here.read_bytes()
    assert r_apart.detected and r_apart.detection_failures == {}
    # the child's CPU is the replay's: its start under setup, its judging under detection
    assert r_apart.cpu_s["detection"] > 0.5 * r_here.cpu_s["detection"]


def test_a_detection_process_killed_mid_replay_stops_it_with_an_error_saying_how_it_ended(recording: Path) -> None:
    from seawatch.model.contact import ContactBatch

    worker = DetectionWorker(load_site(recording / "site.toml"))
    os.kill(worker._proc.pid, signal.SIGKILL)
    worker._proc.wait(10)
    with pytest.raises(DetectionProcessError, match=r"ended without its alerts \(exit code -9"):
        for _ in range(50):   # the first sends may still fit in the socket's buffer
            worker.process(ContactBatch.empty())
        worker.finish()


def test_the_detection_process_runs_at_a_lower_priority_than_the_replay_that_waits_on_tracking(
        recording: Path) -> None:
    from seawatch.detect.worker import CHILD_NICE

    mine = os.getpriority(os.PRIO_PROCESS, 0)
    lower = min(mine + CHILD_NICE, 19)   # (a niceness goes no further than 19)
    worker = DetectionWorker(load_site(recording / "site.toml"))
    try:
        deadline = time.monotonic() + 30.0
        while os.getpriority(os.PRIO_PROCESS, worker._proc.pid) != lower and time.monotonic() < deadline:
            time.sleep(0.05)   # the child lowers its own priority as it starts
        assert os.getpriority(os.PRIO_PROCESS, worker._proc.pid) == lower
        assert worker.finish().alerts == []
        assert os.getpriority(os.PRIO_PROCESS, 0) == mine   # the parent's own is left as it was
    finally:
        worker.close()


def test_an_error_in_the_detection_process_comes_back_with_what_the_child_said(recording: Path) -> None:
    worker = DetectionWorker(load_site(recording / "site.toml"))
    worker.process("not a batch of contacts")   # type: ignore[arg-type]
    with pytest.raises(DetectionProcessError, match="detection failed: .*Error"):
        worker.finish()
    assert worker._proc.returncode == 0   # the child said what stopped it and ended


def test_a_replay_that_fails_as_it_closes_leaves_no_detection_process_behind(
        recording: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from seawatch.detect import worker as worker_module
    from seawatch.pipeline import Pipeline

    started: list[DetectionWorker] = []
    real_init = worker_module.DetectionWorker.__init__

    def init(self: DetectionWorker, site: object) -> None:
        real_init(self, site)   # type: ignore[arg-type]
        started.append(self)

    def flush(self: Pipeline) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(worker_module.DetectionWorker, "__init__", init)
    monkeypatch.setattr(Pipeline, "flush", flush)
    with pytest.raises(OSError, match="no space"):
        run_replay(load_site(recording / "site.toml"), ReplayOptions(
            inputs=_inputs(recording), alerts_out=tmp_path / "a.jsonl", detect_process=True))
    assert len(started) == 1 and started[0]._proc.poll() is not None   # ended, and reaped


class _LongError:
    """Unpickled, raises a KeyError whose message is 1 MB (larger than a socket's buffer)."""

    def __reduce__(self) -> tuple[object, ...]:
        return (operator.getitem, ({}, "k" * 1_000_000))


def test_a_child_that_fails_with_a_long_message_while_a_large_batch_is_on_its_way_is_no_deadlock(
        recording: Path) -> None:
    worker = DetectionWorker(load_site(recording / "site.toml"))
    raised: list[BaseException] = []

    def feed() -> None:
        try:
            worker.process(_LongError())   # type: ignore[arg-type]
            worker.process(np.zeros(10_000_000))   # type: ignore[arg-type]   # 80 MB the child no longer reads
            worker.finish()
        except BaseException as err:   # noqa: BLE001 - looked at below
            raised.append(err)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "the parent and the child waited on each other"
    assert isinstance(raised[0], DetectionProcessError) and "KeyError" in str(raised[0])
    assert len(str(raised[0])) < 40_000   # the message is cut


def test_batches_queue_up_for_a_busy_child_up_to_the_outboxs_cap_and_arrive_whole_and_in_order() -> None:
    mine, theirs = socket.socketpair()
    sender, child = Connection(mine.detach()), Connection(theirs.detach())
    outbox = _Outbox(sender, cap_bytes=3_500_000)   # three batches and their pickles
    batches = [np.full(125_000, float(k)) for k in range(4)]   # 1 MB each: five socket buffers
    t0 = time.perf_counter()
    for b in batches[:3]:   # the child reads nothing yet: these wait in the outbox, not in the parent
        outbox.put(ForkingPickler.dumps(b))
    assert time.perf_counter() - t0 < 5.0
    fourth = threading.Thread(target=outbox.put, args=(ForkingPickler.dumps(batches[3]),), daemon=True)
    fourth.start()
    fourth.join(0.5)
    assert fourth.is_alive()   # beyond the cap the parent waits for the child
    got = [child.recv() for _ in range(4)]   # the child reads: the fourth goes
    fourth.join(10)
    assert not fourth.is_alive()
    assert all(np.array_equal(a, b) for a, b in zip(got, batches, strict=True))
    outbox.put(None)
    assert outbox.join(10) and outbox.error is None
    sender.close()
    child.close()


def test_an_outbox_whose_child_has_gone_keeps_the_error_and_the_parent_never_waits() -> None:
    mine, theirs = socket.socketpair()
    sender = Connection(mine.detach())
    theirs.close()
    outbox = _Outbox(sender, cap_bytes=1_000_000)
    for _ in range(20):   # 20 MB to nobody: the first write fails, the rest are dropped without waiting
        outbox.put(ForkingPickler.dumps(np.zeros(125_000)))
    outbox.put(None)
    assert outbox.join(10)
    assert isinstance(outbox.error, (BrokenPipeError, ConnectionResetError))
    sender.close()


def test_detection_runs_apart_only_where_nothing_needs_its_changes_at_once_and_the_inputs_repay_the_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big, small = tmp_path / "big.nmea", tmp_path / "small.nmea"
    big.write_bytes(b"x" * DETECT_PROCESS_MIN_BYTES)
    small.write_bytes(b"x" * 1000)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert _detect_apart(ReplayOptions(inputs=[big], alerts_out=tmp_path / "a.jsonl"))
    assert not _detect_apart(ReplayOptions(inputs=[small], alerts_out=tmp_path / "a.jsonl"))
    assert not _detect_apart(ReplayOptions(inputs=[big], store=str(tmp_path / "store")))   # changes go to the store
    assert not _detect_apart(ReplayOptions(inputs=[big], on_picture=lambda c, a: None))   # ... to the console
    assert not _detect_apart(ReplayOptions(inputs=[big], store=str(tmp_path / "store"), detect_process=True))
    assert _detect_apart(ReplayOptions(inputs=[small], alerts_out=tmp_path / "a.jsonl", detect_process=True))
    monkeypatch.setenv("SEAWATCH_DETECT_PROCESS", "0")
    assert not _detect_apart(ReplayOptions(inputs=[big], alerts_out=tmp_path / "a.jsonl"))
    monkeypatch.delenv("SEAWATCH_DETECT_PROCESS")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert not _detect_apart(ReplayOptions(inputs=[big], alerts_out=tmp_path / "a.jsonl"))   # one core
