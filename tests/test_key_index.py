"""The key index finds each key's position among distinct int64 keys, as a binary search in them does."""

from __future__ import annotations

import numpy as np
import pytest

from seawatch import key_index
from seawatch.key_index import KeyIndex


def _searched(keys: np.ndarray, needles: np.ndarray) -> np.ndarray:
    order = np.argsort(keys)
    at = np.minimum(np.searchsorted(keys[order], needles), len(keys) - 1)
    return np.where(keys[order][at] == needles, order[at], -1)


@pytest.fixture(params=[True, False], ids=["hash table", "numpy reference"])
def compiled(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Each test once with the compiled hash table and once with the numpy reference."""
    if request.param and not key_index.ENABLED:
        pytest.skip("SEAWATCH_NO_JIT=1: the hash table is off")
    monkeypatch.setattr(key_index, "ENABLED", request.param)
    return bool(request.param)


def test_every_mmsi_is_found_at_its_position_and_unknown_ones_are_minus_one(compiled: bool) -> None:
    rng = np.random.default_rng(7)
    mmsi = rng.choice(np.arange(200_000_000, 775_999_999), 5000, replace=False)   # not sorted
    twins = 1_000_000_000 + mmsi[:50]                                              # the AIS state's twin keys
    keys = np.concatenate([mmsi, twins])
    needles = np.concatenate([rng.choice(keys, 20_000), [-1, 0, 123, 999_999_999, 2**62]])
    found = KeyIndex(keys).find(needles)
    assert np.array_equal(found, _searched(keys, needles))
    assert (found[-5:] == -1).all() and (keys[found[:-5]] == needles[:-5]).all()


def test_an_empty_index_finds_nothing() -> None:
    assert KeyIndex(np.empty(0, np.int64)).find(np.array([1, 2, 3])).tolist() == [-1, -1, -1]


def test_keys_that_collide_in_the_table_are_all_found() -> None:
    keys = np.arange(0, 64 * 1024, 1024, dtype=np.int64)   # multiples of a power of two: one bucket when hashed badly
    assert KeyIndex(keys).find(keys[::-1]).tolist() == list(range(63, -1, -1))


def test_keys_added_later_take_the_next_positions_and_the_earlier_keep_theirs(compiled: bool) -> None:
    rng = np.random.default_rng(11)
    keys = rng.choice(np.arange(10_000_000_000, 10_999_999_999), 3000, replace=False)   # contact ids
    index = KeyIndex(np.empty(0, np.int64))
    for part in np.split(keys, [1, 5, 9, 40, 700, 701, 2000]):   # within the table's room, and past it
        index.extend(part)
    assert index.n == len(keys)
    needles = np.concatenate([rng.choice(keys, 5000), [-1, 7, 2**62]])
    assert np.array_equal(index.find(needles), _searched(keys, needles))
