"""A place memo asks its test only for contacts that moved, and answers the others as before."""

from __future__ import annotations

import numpy as np

from seawatch.detect.core import ContactMemory
from seawatch.detect.placememo import TOLERANCE_M, PlaceMemo


def east_of_zero_memo() -> tuple[ContactMemory, PlaceMemo, list[int]]:
    """A memo of "x > 0" over a new contact memory, and the number of points each question to it asked about."""
    mem = ContactMemory()
    asked: list[int] = []

    def east_of_zero(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        asked.append(len(x))
        return x > 0

    return mem, PlaceMemo(mem, east_of_zero), asked


def test_a_contact_that_has_not_moved_is_answered_from_the_memo_and_one_that_moved_is_asked_again() -> None:
    mem, memo, asked = east_of_zero_memo()
    slots = mem.slots_for(np.array([10, 11, 12]))
    x, y = np.array([5.0, -5.0, 1.0]), np.zeros(3)
    assert list(memo(slots, x, y)) == [1, 0, 1] and asked == [3]
    assert list(memo(slots, x, y)) == [1, 0, 1] and asked == [3]          # nobody moved: no new question
    x2 = np.array([5.0, 7.0, 1.0])
    assert list(memo(slots, x2, y)) == [1, 1, 1] and asked == [3, 1]      # only the one that moved
    assert list(memo(slots[:1], np.array([np.nan]), np.zeros(1))) == [0] and asked == [3, 1, 1]


def test_a_memo_grows_with_the_contact_memory() -> None:
    mem = ContactMemory()
    memo = PlaceMemo(mem, lambda x, y: y > 0)
    slots = mem.slots_for(np.arange(5000))          # past the first capacity (1024)
    y = np.where(np.arange(5000) % 2 == 0, 1.0, -1.0)
    assert np.array_equal(memo(slots, np.zeros(5000), y).astype(bool), y > 0)


def test_a_contact_dead_reckoned_a_few_metres_is_answered_from_the_memo_until_it_drifts_past_the_tolerance() -> None:
    """A vessel at rest drifts in the picture (dead reckoning from a few tenths of a knot): within TOLERANCE_M of
    the position last asked it is not asked again; past it, it is, and the memo moves with it."""
    mem, memo, asked = east_of_zero_memo()
    slot = mem.slots_for(np.array([7]))
    assert list(memo(slot, np.array([-4.0]), np.zeros(1))) == [0] and asked == [1]
    for drift in (1.0, 3.0, 5.0):   # 5, 7, 9 m from where it was asked, across x = 0: still the memo's answer
        assert list(memo(slot, np.array([-4.0 + drift + 4.0]), np.zeros(1))) == [0] and asked == [1]
    far = -4.0 + TOLERANCE_M + 0.5
    assert list(memo(slot, np.array([far]), np.zeros(1))) == [1] and asked == [1, 1]
    assert list(memo(slot, np.array([far]), np.array([TOLERANCE_M / 2]))) == [1] and asked == [1, 1]
    assert list(memo(slot, np.array([far + 0.8 * TOLERANCE_M]), np.array([0.8 * TOLERANCE_M]))) == [1] \
        and asked == [1, 1, 1]   # 8 m east and 8 m north: 11.3 m away, asked again
