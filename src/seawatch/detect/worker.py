"""Detection in a process of its own: a replay's tracking and its detection on two cores at once.

A replay that keeps only the final alerts (`--alerts-out`, `seawatch eval`'s runs, the benchmarks) needs nothing
back from detection until the end. `DetectionWorker` runs the `DetectionEngine` in a child process and hands it
each batch of contact updates (with the pipeline's local positions) over a pipe, as the in-process engine would
get them, in the same order: the alerts are the same, byte for byte (`tests/detect/test_worker.py`). While the
child judges batch k, the parent reads, decodes and tracks batch k+1; a send waits while the child is still busy
with the batch before (a pipe holds ~one batch), so at most two batches are in memory.

The child is `python -m seawatch.detect.worker` on the parent's interpreter and the parent's seawatch tree, talking
over a socket pair: not multiprocessing's "fork" (the parent has numba's and Arrow's threads by then, and a fork of
a threaded process may hang) nor its "spawn" (which imports the parent's main module again in the child: any
script without a `__main__` guard would start its replay over). Its start (imports, the site's zones, numba's
cache) runs while the parent starts its own stages.

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
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
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


class DetectionWorker:
    """A `DetectionEngine` in a child process: `process(batch, xy)` for each batch, then `finish()`."""

    def __init__(self, site: SiteConfig) -> None:
        import seawatch
        from seawatch.detect import engine as engine_module

        root = logging.getLogger()
        fmt = root.handlers[0].formatter._fmt if root.handlers and root.handlers[0].formatter else None
        mine, theirs = socket.socketpair()
        tree = str(Path(seawatch.__file__).resolve().parent.parent)   # the child imports this very tree
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (tree, os.environ.get("PYTHONPATH"))))}
        with theirs:   # -P: not the working directory first on the child's path (a local logging.py...)
            self._proc = subprocess.Popen([sys.executable, "-P", "-m", "seawatch.detect.worker", str(theirs.fileno())],
                                          pass_fds=(theirs.fileno(),), env=env)
        self._conn = Connection(mine.detach())
        try:
            self._send(("start", site, bool(engine_module.STRICT), root.getEffectiveLevel(), fmt))
        except BaseException:
            self.close()
            raise

    def _send(self, msg: tuple[Any, ...]) -> None:
        try:
            self._conn.send(msg)
        except _PIPE_ERRORS as err:
            self._fail(err)

    def process(self, batch: ContactBatch, xy: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Hand one batch over (waits while the child is busy with the one before)."""
        self._send(("batch", batch, xy))

    def finish(self) -> WorkerResult:
        """The last cycles run, the final alerts; the child ends."""
        try:
            self._conn.send(("finish",))
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
        (a replay that stopped early does not wait for the batch it is judging)."""
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
        self.close()
        if msg is not None and msg[0] == "error":
            logger.error("the detection process failed:\n%s", msg[2])
            raise DetectionProcessError(f"detection failed: {msg[1]} (traceback logged above)") from err
        raise DetectionProcessError(f"the detection process ended without its alerts (exit code "
                                    f"{self._proc.returncode}: a negative code is the signal that stopped it)") from err


if __name__ == "__main__":   # the child (DetectionWorker): its end of the socket pair is the argument
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle: it ends the child (`close`)
    _serve(Connection(int(sys.argv[1])))
