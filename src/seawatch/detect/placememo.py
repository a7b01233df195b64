"""Answers of static place tests kept per contact, reused while the contact has not moved.

A zone test (near a port, near the shore, on land) is a shapely call with a fixed cost of ~15-50 µs however
few the points, made by several rules every 5 s update cycle. Most contacts it is asked about have not moved
since the last cycle: a moored boat reports every 3 min, an AIS-only contact's position changes only with a
report, a silent vessel's last AIS position never changes. A `PlaceMemo` keeps, per contact slot of the
detection memory, the position it last answered for and the answer; asked again within `TOLERANCE_M` of that
position, it answers from the memo, and only the rows that moved further reach the test (which then anchors the
memo at their new position: a slow drift is asked again every `TOLERANCE_M`). A vessel at rest is not at rest
in the picture: between its reports it is dead-reckoned from a speed of a few tenths of a knot, a few metres a
minute, and with an exact match 87 % of the Florida day's asked positions were such drifts. The answer is then
that of a point at most `TOLERANCE_M` away — for as long as the contact stays within it: a vessel asked about
9 m outside a margin that settles 0.5 m inside it keeps "outside". The tests memoised here have margins of
500 m to 10 km (a port's, the coast's, already simplified by 5 %), which are not judged to ten metres; the
500 m safety zone of a platform (`zone_entry`) is not among them. Only tests that depend on the position alone
belong here (the zones file's areas and coast), not learned ones (anchorages, reception), which change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from seawatch.detect.slots import SlotState

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

TOLERANCE_M = 10.0   # a position this close to the one last asked is answered from the memo


class PlaceMemo(SlotState):
    """fn(x, y) -> uint8 array (a bool, or up to 8 flags), memoised per slot of a ContactMemory."""

    def __init__(self, memory: Any, fn: Callable[[F64, F64], npt.ArrayLike]) -> None:
        self.fn = fn
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.v = np.zeros(0, np.uint8)
        memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"x": np.nan, "y": np.nan, "v": 0}

    def __call__(self, slots: I64, x: F64, y: F64) -> U8:
        """The answer for each (slot, position); slots need not be unique (a slot's rows share a position)."""
        # a NaN position is always asked afresh
        moved = ~(np.hypot(self.x[slots] - x, self.y[slots] - y) <= TOLERANCE_M)
        if moved.any():
            s = slots[moved]
            self.v[s] = np.asarray(self.fn(x[moved], y[moved]), np.uint8)
            self.x[s], self.y[s] = x[moved], y[moved]
        return self.v[slots]
