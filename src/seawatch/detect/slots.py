"""Arrays with one entry per slot of the contact memory (`core.ContactMemory`), grown and compacted with it.

Detection keeps what it knows of each contact in numpy arrays indexed by the contact's memory slot: the memory's
own (position, last AIS time), and those of the timers, trails, place memos and rules. A `SlotState` names its
per-slot arrays in `slot_fields`, each with the value of a new slot; once attached to the memory
(`ContactMemory.attach`), `grow` gives every array the memory's capacity as it doubles, and `take` keeps the
slots the memory keeps when it forgets contacts long gone (`ContactMemory.compact`): slot `keep[i]` becomes `i`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


def grown(a: np.ndarray, cap: int, fill: Any) -> np.ndarray:
    """`a` with `cap` rows (the new ones filled), or `a` itself if it has that many already."""
    if len(a) >= cap:
        return a
    b = np.full((cap, *a.shape[1:]), fill, a.dtype)
    b[: len(a)] = a
    return b


def taken(a: np.ndarray, keep: I64, fill: Any) -> np.ndarray:
    """Rows `keep` of `a` as rows 0..len(keep)-1, the rest filled; the size stays."""
    b = np.full_like(a, fill)
    b[: len(keep)] = a[keep]
    return b


class SlotState:
    """A structure whose arrays in `slot_fields` (attribute -> fill of a new slot) have a slot per first axis."""

    slot_fields: ClassVar[dict[str, Any]] = {}

    def grow(self, cap: int) -> None:
        """Every per-slot array to `cap` slots (new ones filled); never shrinks."""
        for name, fill in self.slot_fields.items():
            setattr(self, name, grown(getattr(self, name), cap, fill))

    def take(self, keep: I64) -> None:
        """Keep these slots, in this order, as slots 0..len(keep)-1; the rest are new (filled), the size stays."""
        for name, fill in self.slot_fields.items():
            setattr(self, name, taken(getattr(self, name), keep, fill))
