"""Where each contact was over the last minutes: one position every `every_s`, the last `n` of them, none older
than `(n + 1) * every_s` when read (a contact silent for an hour has no trail from before its silence).

The contact memory keeps a contact's latest position and two made-good anchors 150 s apart, which date a
behaviour to within 150 s. A rule that must date one more finely — since when two boats have been stopped
together — reads the trail instead: `slow_since` is the earliest sample from which the contact made good less
than a speed over every stretch of at least a span (so a track that jitters in place counts as slow, a boat
still running in does not).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from seawatch.detect.slots import SlotState

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class Trail(SlotState):
    """Per contact slot, a ring of its last `n` positions, at least `every_s` apart."""

    def __init__(self, every_s: float = 30.0, n: int = 12) -> None:
        self.every_s, self.n = float(every_s), int(n)
        self.t, self.x, self.y = (np.full((0, self.n), np.nan) for _ in range(3))
        self.head = np.zeros(0, np.int64)   # the ring index of each slot's latest sample (-1: none yet)

    # a new slot's head is -1: its first sample goes to index 0, and before it its "latest" is a NaN column
    slot_fields: ClassVar[dict[str, Any]] = {"t": np.nan, "x": np.nan, "y": np.nan, "head": -1}

    def note(self, slots: I64, t: F64, x: F64, y: F64) -> None:
        """One cycle's rows (slots distinct): a new sample for each contact whose latest is `every_s` old."""
        last = self.t[slots, self.head[slots]]
        due = ~(t - last < self.every_s)   # NaN (no sample yet) is due; a row older than the latest is not
        if not due.any():
            return
        s = slots[due]
        h = (self.head[s] + 1) % self.n
        self.head[s] = h
        self.t[s, h], self.x[s, h], self.y[s, h] = t[due], x[due], y[due]

    @property
    def window_s(self) -> float:
        """How far back a trail reaches: n samples `every_s` apart, the latest up to `every_s` old, and one
        `every_s` to spare for rows that come a cycle late."""
        return (self.n + 1) * self.every_s

    def samples(self, slot: int, now: float | None = None) -> tuple[F64, F64, F64]:
        """(t, x, y) of a slot's samples, oldest first; with `now`, only those of the last `window_s` (the ring
        keeps its last n samples however old: across a long silence they are not where the contact was lately)."""
        order = np.roll(np.arange(self.n), -(int(self.head[slot]) + 1))
        t = self.t[slot, order]
        ok = np.isfinite(t) if now is None else t >= now - self.window_s   # NaN (no sample) is never >=
        return t[ok], self.x[slot, order][ok], self.y[slot, order][ok]


def slow_since(t: F64, x: F64, y: F64, now: float, x_now: float, y_now: float, speed_mps: float, span_s: float,
               slack_m: float) -> float:
    """Of a contact's samples (t, x, y; oldest first): the earliest time from which it made good less than
    `speed_mps` (plus `slack_m` for the jitter of its position) over every stretch of at least `span_s` up to
    (now, x_now, y_now); `now` when the samples do not show it slow for `span_s`."""
    keep = t < now
    t, x, y = np.append(t[keep], now), np.append(x[keep], x_now), np.append(y[keep], y_now)
    dt = t[None, :] - t[:, None]   # [j, i]: from sample j to sample i
    run_m = np.hypot(x[None, :] - x[:, None], y[None, :] - y[:, None])
    bad = (dt >= span_s) & ~(run_m < speed_mps * dt + slack_m)   # a position unknown (NaN) is no evidence of a stop
    moving = np.flatnonzero(bad.any(axis=1))   # samples from which the contact went somewhere later
    k = int(moving[-1]) + 1 if len(moving) else 0
    return float(t[k]) if now - t[k] >= span_s else now


def near(t: F64, x: F64, y: F64, when: float, within_s: float) -> tuple[float, float] | None:
    """Of a contact's samples: the position of the one nearest `when` if it is within `within_s`, else None."""
    if not len(t):
        return None
    j = int(np.argmin(np.abs(t - when)))
    return (float(x[j]), float(y[j])) if abs(float(t[j]) - when) <= within_s else None
