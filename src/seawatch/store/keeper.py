"""Housekeeping on a schedule: the daily roll-over of the embedded store and retention, for the one writer.

The store runs no timers of its own (one writing process per directory, thread-confined connections); the
writer starts a `Housekeeper` next to its store and calls `tick(now)` after its writes. On the first tick and
whenever `now` enters a new period (a UTC day by default), it rolls the embedded store's old days into the
Parquet archive (`roll_over`, embedded only) and applies the retention (`apply_retention`). `now` is event
time (the data's own clock), so replaying an old recording rolls and expires it as its days go by and never
wipes it against today's date; a live writer passes the time of what it has just written too.

By default the work runs in a thread of its own (`background=True`): a roll-over decodes, sorts and writes
the day's positions (seconds per million positions), and the writer must not wait for it. The store holds
its lock only for short steps of it (reading an hour of blocks, the delete after the file is written), so
writes and queries go on meanwhile; the store's `housekeeping_lock` is held for the whole run, and
`close()` waits for it. A tick while a run is still going does nothing (the period is tried again on the
next tick). `background=False` runs it in the caller's thread and returns what it did. A failure (a full
disk, say) is logged with its traceback and counted, never raised into the writer: ingest and detection go
on, and the next period tries again.

`retention_of(section)` turns the site file's `[storage.retention]` section into a `Retention`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from seawatch.store.base import Retention, Store

log = logging.getLogger(__name__)

DAY_S = 86400.0


def retention_of(section: Any | None) -> Retention:
    """A `Retention` from `[storage.retention]` (None or absent: the defaults); "forever" keeps a kind."""
    if section is None:
        return Retention()
    days = {k: (None if v == "forever" else float(v)) for k, v in (
        ("raw_days", section.raw_days), ("positions_days", section.positions_days),
        ("alerts_days", section.alerts_days), ("audit_days", section.audit_days))}
    return Retention(**days, live_days=float(section.live_days))


class Housekeeper:
    """Calls the store's roll-over and retention once per `every_s` of the time given to `tick`."""

    def __init__(self, store: Store, every_s: float = DAY_S, *, background: bool = True) -> None:
        self.store = store
        self.every_s = every_s
        self.background = background
        self._period: float | None = None
        self._thread: threading.Thread | None = None
        self.runs = 0
        self.failures = 0
        self.last: dict[str, int] = {}
        self.last_s = 0.0  # how long the last run took

    def tick(self, now: float) -> dict[str, int] | None:
        """Run the housekeeping if `now` is in a period not yet done. In the background: start it and return
        None; otherwise: run it and return what it removed or moved (None if it failed)."""
        if not math.isfinite(now):
            return None
        period = math.floor(now / self.every_s)
        if period == self._period:
            return None
        if self._thread is not None and self._thread.is_alive():
            return None  # the previous run is still going: this period is tried again on the next tick
        self._period = period
        if not self.background:
            return self._run(now)
        # not a daemon: a process that ends during a roll-over lets it finish (its store's close() waits too)
        self._thread = threading.Thread(target=self._run, args=(now,), name="store-housekeeper")
        self._thread.start()
        return None

    def join(self, timeout: float | None = None) -> None:
        """Wait for a run in the background to finish."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, now: float) -> dict[str, int] | None:
        started = time.perf_counter()
        out: dict[str, int] = {}
        lock = getattr(self.store, "housekeeping_lock", None)
        try:
            if lock is not None:
                lock.acquire()
            try:
                roll_over = getattr(self.store, "roll_over", None)
                if roll_over is not None:
                    out["rolled_over"] = int(roll_over(now))
                out.update(self.store.apply_retention(now))
            finally:
                if lock is not None:
                    lock.release()
        except Exception:  # housekeeping must not stop the writer; retried next period
            self.failures += 1
            log.exception("store housekeeping at %s failed (%s so far); trying again next period", now,
                          self.failures)
            return None
        self.runs += 1
        self.last = out
        self.last_s = time.perf_counter() - started
        log.info("store housekeeping at %s: %s (%.1f s)", now, out, self.last_s)
        return out
