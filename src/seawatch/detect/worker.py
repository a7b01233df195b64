"""Detection in a process of its own: a replay's tracking and its detection on two cores at once.

A replay that keeps only the final alerts (`--alerts-out`, `seawatch eval`'s runs, the benchmarks) needs nothing
back from detection until the end. `DetectionWorker` runs the `DetectionEngine` in a child process and hands it
each batch of contact updates (with the pipeline's local positions) over a pipe, as the in-process engine would
get them, in the same order: the alerts are the same, byte for byte (`tests/detect/test_worker.py`). While the
child judges batch k, the parent reads, decodes and tracks the batches after it. The parent pickles each batch and
a thread of its own writes them to the pipe, up to `_OUTBOX_BYTES` ahead of the child (`_Outbox`): neither side
waits for the other over a cycle that costs one of them more than usual (a pipe alone holds ~200 kB, less than
one batch of a busy site, and held the two in step).

The child is `python -m seawatch.detect.worker` on the parent's interpreter and the parent's seawatch tree, talking
over a socket pair: not multiprocessing's "fork" (the parent has numba's and Arrow's threads by then, and a fork of
a threaded process may hang) nor its "spawn" (which imports the parent's main module again in the child: any
script without a `__main__` guard would start its replay over). Its start (imports, the site's zones, numba's
cache) runs while the parent starts its own stages.

The child runs at a lower priority (`CHILD_NICE`): the parent's tracking is the replay's critical path and the
child has slack (on the 24 h Caspian day it judges for ~58 of the parent's ~80 s, with the outbox to take up any
lag), but at equal priority the scheduler shared the two cores among the parent's two threads and the child, and
the tracking thread waited ~9 s for a core. Niced, it waits ~3-5 s, and the day replays ~3 s sooner.

A replay that must see each batch's alert changes as they happen (a store, the console of `replay --serve`) keeps
the engine in its own process (`seawatch.replay`).

Failures: a rule that raises is counted and logged by the child's engine as in-process (`DetectionEngine.failures`,
returned at the end). Anything else that stops the child (an exception outside the rules, the child killed) raises
`DetectionProcessError` in the parent at its next send or at `finish`, naming what the child said or how it ended.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from seawatch.errors import SeawatchError

if TYPE_CHECKING:
    from seawatch.config.site import SiteConfig
    from seawatch.model.contact import ContactBatch

logger = logging.getLogger(__name__)

_PIPE_ERRORS = (BrokenPipeError, ConnectionResetError, EOFError, OSError)
_JOIN_S = 10.0   # how long `finish` waits for the child to end after its last word
_ABANDON_S = 0.5   # ... and `close` for a child still judging, before it is killed
_ERROR_CHARS = 32_000   # the child's error message and traceback are cut to this (a socket buffer holds ~200 kB)
_OUTBOX_BYTES = 64 << 20   # pickled batches waiting for the child: the parent waits beyond this
CHILD_NICE = 10   # the child's niceness, added to the parent's (module docstring)


class DetectionProcessError(SeawatchError):
    """The detection process stopped before it gave its alerts (an error outside the rules, or it was killed)."""


@dataclass(frozen=True)
class WorkerResult:
    alerts: list[dict[str, Any]]
    failures: dict[str, int]   # rule type -> cycles it raised in (`DetectionEngine.failures`)
    setup_cpu_s: float         # the child's start: imports, the engine and the site's zones
    detection_cpu_s: float     # the child's CPU time after it, judging the batches


def _serve(conn: Connection) -> None:
    """The child: the site and settings first, then an engine fed by the pipe until "finish", then its final
    alerts back (or what stopped it)."""
    try:
        _, site, strict, log_level, log_format = conn.recv()
        try:
            logging.basicConfig(level=log_level, format=log_format or logging.BASIC_FORMAT)
        except ValueError:   # a format of another style than %: the default one
            logging.basicConfig(level=log_level)
        from seawatch.detect import engine as engine_module

        engine_module.STRICT = strict   # the parent's (tests: a rule that raises fails the test)
        engine = engine_module.DetectionEngine(site)
        setup_s = time.process_time()   # since the child started: the interpreter and the imports too
        while True:
            msg = conn.recv()
            if msg[0] == "batch":
                engine.process(msg[1], xy=msg[2], report=False)
            elif msg[0] == "finish":
                alerts = engine.finish()
                conn.send(("done", alerts, dict(engine.failures), setup_s, time.process_time() - setup_s))
                return
            else:
                raise ValueError(f"unknown message {msg[0]!r}")
    except BaseException as err:   # noqa: BLE001 - whatever stopped the child goes to the parent, which raises it
        try:
            # stop reading first: a parent blocked sending a batch then fails at once (EPIPE) and reads this,
            # instead of both waiting on full buffers
            with socket.socket(fileno=os.dup(conn.fileno())) as sock:
                sock.shutdown(socket.SHUT_RD)
            conn.send(("error", f"{type(err).__name__}: {err}"[:_ERROR_CHARS], traceback.format_exc()[-_ERROR_CHARS:]))
        except _PIPE_ERRORS:   # the parent is gone: nobody to tell
            pass
    finally:
        conn.close()


class _Outbox:
    """The pickled messages on their way to the child, written to the pipe by a thread of their own (the write
    waits for the child to read; the GIL is free meanwhile). `put` waits while `cap_bytes` are queued (one message
    larger than that still goes, alone). A write that fails (the child ended) is kept in `error`; the messages
    after it are dropped."""

    def __init__(self, conn: Connection, cap_bytes: int) -> None:
        self._conn, self._cap = conn, cap_bytes
        self._queue: deque[memoryview | None] = deque()
        self._queued = 0
        self._cond = threading.Condition()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._pump, name="seawatch-detection-outbox", daemon=True)
        self._thread.start()

    def put(self, buf: memoryview | None) -> None:
        """Queue one message (None: no more; the thread ends after the messages before it)."""
        size = 0 if buf is None else buf.nbytes
        with self._cond:
            while self._queue and self._queued + size > self._cap and self.error is None:
                self._cond.wait()
            self._queue.append(buf)
            self._queued += size
            self._cond.notify_all()

    def drop(self) -> None:
        """Forget what is queued and end the thread after the write under way (the child is being ended)."""
        with self._cond:
            self._queue.clear()
            self._queued = 0
            self._queue.append(None)
            self._cond.notify_all()

    def join(self, timeout_s: float) -> bool:
        """Wait for the thread to end (after a None); True if it did."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _pump(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                buf = self._queue.popleft()
            if buf is None:
                return
            if self.error is None:
                try:
                    self._conn.send_bytes(buf)
                except _PIPE_ERRORS as err:
                    self.error = err
            with self._cond:
                self._queued -= buf.nbytes
                self._cond.notify_all()


class DetectionWorker:
    """A `DetectionEngine` in a child process: `process(batch, xy)` for each batch, then `finish()`."""

    def __init__(self, site: SiteConfig, nice: int = CHILD_NICE) -> None:
        """nice: added to the child's niceness (0: the parent's priority)."""
        import seawatch
        from seawatch.detect import engine as engine_module

        root = logging.getLogger()
        fmt = root.handlers[0].formatter._fmt if root.handlers and root.handlers[0].formatter else None
        mine, theirs = socket.socketpair()
        tree = str(Path(seawatch.__file__).resolve().parent.parent)   # the child imports this very tree
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (tree, os.environ.get("PYTHONPATH"))))}
        with theirs:   # -P: not the working directory first on the child's path (a local logging.py...)
            self._proc = subprocess.Popen([sys.executable, "-P", "-m", "seawatch.detect.worker", str(theirs.fileno()),
                                           str(nice)], pass_fds=(theirs.fileno(),), env=env)
        self._conn = Connection(mine.detach())
        self._outbox = _Outbox(self._conn, _OUTBOX_BYTES)
        try:
            self._send(("start", site, bool(engine_module.STRICT), root.getEffectiveLevel(), fmt))
        except BaseException:
            self.close()
            raise

    def _send(self, msg: tuple[Any, ...]) -> None:
        """Pickle msg here, the outbox's thread writes it (as `Connection.send` would, in two steps)."""
        if self._outbox.error is not None:
            self._fail(self._outbox.error)
        self._outbox.put(ForkingPickler.dumps(msg))

    def process(self, batch: ContactBatch, xy: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Hand one batch over (waits only while `_OUTBOX_BYTES` are on their way)."""
        self._send(("batch", batch, xy))

    def finish(self) -> WorkerResult:
        """The last cycles run, the final alerts; the child ends."""
        try:
            self._send(("finish",))
            self._outbox.put(None)
            while not self._outbox.join(_JOIN_S):   # every batch written (the child reads as it judges)
                if self._proc.poll() is not None:
                    break
            if self._outbox.error is not None:
                self._fail(self._outbox.error)
            msg = self._conn.recv()
        except _PIPE_ERRORS as err:
            self._fail(err)
        except BaseException:   # interrupted while it finished: not left behind
            self.close()
            raise
        if msg[0] != "done":
            self._fail(None, msg)
        self.close(_JOIN_S)
        _, alerts, failures, setup_s, detection_s = msg
        return WorkerResult(alerts, failures, setup_s, detection_s)

    def close(self, wait_s: float = _ABANDON_S) -> None:
        """End the child: it has wait_s to end on its own (it ends once it has no more to read), then it is killed
        (a replay that stopped early does not wait for the batch it is judging). Batches not yet written are
        dropped; a write under way ends with the child."""
        self._outbox.drop()
        if not self._outbox.join(wait_s):   # writing to a child that is not reading: it is ended, the write fails
            self._proc.kill()
            self._outbox.join(_JOIN_S)
        self._conn.close()
        try:
            self._proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(_JOIN_S)

    def _fail(self, err: BaseException | None, msg: tuple[Any, ...] | None = None) -> NoReturn:
        """Raise what stopped the child: its own word if it sent one, else how it ended."""
        if msg is None:
            try:
                msg = self._conn.recv() if self._conn.poll(_JOIN_S) else None
            except _PIPE_ERRORS:
                msg = None
        # a child that said what stopped it is ending on its own: it is given the time to (niced, on a busy machine,
        # its exit may take longer than `_ABANDON_S`)
        self.close(_JOIN_S if msg is not None and msg[0] == "error" else _ABANDON_S)
        if msg is not None and msg[0] == "error":
            logger.error("the detection process failed:\n%s", msg[2])
            raise DetectionProcessError(f"detection failed: {msg[1]} (traceback logged above)") from err
        raise DetectionProcessError(f"the detection process ended without its alerts (exit code "
                                    f"{self._proc.returncode}: a negative code is the signal that stopped it)") from err


if __name__ == "__main__":   # the child (DetectionWorker): its end of the socket pair, its niceness
    import signal

    if int(sys.argv[2]) and hasattr(os, "nice"):
        os.nice(int(sys.argv[2]))

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle: it ends the child (`close`)
    _serve(Connection(int(sys.argv[1])))
