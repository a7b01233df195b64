"""Housekeeping on a schedule: the daily roll-over of the embedded store and retention, for the one writer.

The store runs no timers of its own (one writing process per directory, thread-confined connections); the
writer starts a `Housekeeper` next to its store and calls `tick(now)` after its writes. On the first tick and
whenever `now` enters a new period (a UTC day by default), it rolls the embedded store's old days into the
Parquet archive (`roll_over`, embedded only) and applies the retention (`apply_retention`). `now` is event
time (the data's own clock), so replaying an old recording rolls and expires it as its days go by and never
wipes it against today's date; a live writer passes the time of what it has just written too.

It runs in the caller's thread: a roll-over decodes, sorts and writes the day's positions (about 7 s per
million on the shared development machine), during which that writer waits. A failure (a full disk, say) is
logged with its traceback and counted, never raised into the writer: ingest and detection go on, and the
next period tries again.

`retention_of(section)` turns the site file's `[storage.retention]` section into a `Retention`.
"""

from __future__ import annotations

import logging
import math
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

    def __init__(self, store: Store, every_s: float = DAY_S) -> None:
        self.store = store
        self.every_s = every_s
        self._period: float | None = None
        self.runs = 0
        self.failures = 0
        self.last: dict[str, int] = {}

    def tick(self, now: float) -> dict[str, int] | None:
        """Run the housekeeping if `now` is in a period not yet done; returns what it removed or moved."""
        if not math.isfinite(now):
            return None
        period = math.floor(now / self.every_s)
        if period == self._period:
            return None
        self._period = period
        started = time.perf_counter()
        out: dict[str, int] = {}
        try:
            roll_over = getattr(self.store, "roll_over", None)
            if roll_over is not None:
                out["rolled_over"] = int(roll_over(now))
            out.update(self.store.apply_retention(now))
        except Exception:  # housekeeping must not stop the writer; retried next period
            self.failures += 1
            log.exception("store housekeeping at %s failed (%s so far); trying again next period", now,
                          self.failures)
            return None
        self.runs += 1
        self.last = out
        log.info("store housekeeping at %s: %s (%.1f s)", now, out, time.perf_counter() - started)
        return out
