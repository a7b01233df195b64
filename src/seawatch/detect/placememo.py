"""Answers of static place tests kept per contact, reused while the contact has not moved.

A zone test (near a port, near the shore, on land) is a shapely call with a fixed cost of ~15-50 µs however
few the points, made by several rules every 5 s update cycle. Most contacts it is asked about have not moved
since the last cycle: a moored boat reports every 3 min, an AIS-only contact's position changes only with a
report, a silent vessel's last AIS position never changes. A `PlaceMemo` keeps, per contact slot of the
detection memory, the position it last answered for and the answer; asked again at exactly that position, it
answers from the memo, and only the moved rows reach the test. Only tests that depend on the position alone
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
        moved = ~((self.x[slots] == x) & (self.y[slots] == y))   # a NaN position is always asked afresh
        if moved.any():
            s = slots[moved]
            self.v[s] = np.asarray(self.fn(x[moved], y[moved]), np.uint8)
            self.x[s], self.y[s] = x[moved], y[moved]
        return self.v[slots]
