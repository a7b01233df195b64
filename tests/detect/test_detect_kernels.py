"""The detection engine's compiled kernels compute bit for bit what their numpy references compute.

Each test drives two copies of the same state, one through the numpy reference (``jit=False``, what
``SEAWATCH_NO_JIT=1`` selects) and one through the kernel, over many cycles of random rows with the edge
cases of a real picture — a slot's first row, NaN and infinite speeds and courses, rows back in time, a zero
time step, a contact not updated for longer than the made-good window — and compares the raw bytes of
every output and of the state, not values within a tolerance.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from seawatch.detect import kernels
from seawatch.detect.core import ContactMemory, Persistence
from seawatch.detect.engine import note_made_good
from seawatch.detect.spell import Spell, Steadiness

pytestmark = pytest.mark.skipif(not kernels.ENABLED, reason="SEAWATCH_NO_JIT=1: the kernels are off")

N_SLOTS = 64


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def same_state(a: object, b: object, names: tuple[str, ...]) -> bool:
    return all(same_bits(getattr(a, n), getattr(b, n)) for n in names)


def cycles(seed: int, n_cycles: int = 60, steps: tuple[float, ...] = (0.0, 1.0, 5.0, 30.0, 60.0, 150.0, 400.0)):
    """Per cycle (one of `steps` after the last; the kernels' thresholds are among the time differences this
    gives): distinct slots, times (some back in time or repeated), x, y, speeds and courses with NaN and inf,
    flags."""
    rng = np.random.default_rng(seed)
    t = 1.7e9
    for _ in range(n_cycles):
        t += float(rng.choice(steps))
        n = int(rng.integers(1, N_SLOTS))
        slots = np.sort(rng.choice(N_SLOTS, n, replace=False)).astype(np.int64)
        tt = t + rng.choice([0.0, -3.0, -1000.0, 2.5], n, p=[0.6, 0.2, 0.05, 0.15])
        x = rng.normal(0, 2e4, n)
        y = rng.normal(0, 2e4, n)
        x[rng.random(n) < 0.05] = np.nan
        sog = rng.uniform(0, 25, n)
        sog[rng.random(n) < 0.1] = np.nan
        sog[rng.random(n) < 0.02] = np.inf
        cog = rng.uniform(0, 360, n)
        cog[rng.random(n) < 0.1] = np.nan
        flags = rng.random((3, n)) < 0.5
        yield slots, tt, x, y, sog, cog, flags


@pytest.mark.parametrize(("seed", "lapse_s"), [(1, 0.0), (2, 0.0), (3, 0.0), (1, 45.0), (2, 45.0)])
def test_the_compiled_timer_step_equals_the_numpy_one_bit_for_bit(seed: int, lapse_s: float) -> None:
    ref = Persistence(60.0, 30.0, lapse_s)
    ref.grow(N_SLOTS)
    out = copy.deepcopy(ref)
    rng = np.random.default_rng(seed)
    for slots, t, _, _, _, _, (enter, stay, _) in cycles(seed):
        stay = stay | enter
        min_s = rng.choice([None, 0.0, np.inf, "rows"])
        m = rng.choice([0.0, 60.0, np.inf], len(slots)) if min_s == "rows" else min_s
        a = ref.step(slots, t, enter, stay, m, jit=False)
        b = out.step(slots, t, enter, stay, m, jit=True)
        assert all(same_bits(np.asarray(u, v.dtype), v) for u, v in zip(a, b))
        assert same_state(ref, out, ("active", "since", "off"))
    assert ref.active.any() and np.isfinite(ref.since).any()   # the timers did run


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_compiled_spell_equals_the_numpy_one_bit_for_bit(seed: int) -> None:
    ref = Spell()
    ref.grow(N_SLOTS)
    out = copy.deepcopy(ref)
    for slots, t, x, y, sog, _, (running, _, _) in cycles(seed):
        sigma = 20.0 + t % 7.0   # a position sigma per row, kept where a spell starts
        a = ref.observe(slots, x, y, t, sog, running, sigma, jit=False)
        b = out.observe(slots, x, y, t, sog, running, sigma, jit=True)
        assert same_bits(a[0], b[0]) and same_bits(a[1], b[1])
        assert same_state(ref, out, ("x0", "y0", "t0", "sailed_m", "last_t", "sigma0_m"))
    assert np.isfinite(a[1]).any()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_compiled_speed_steadiness_equals_the_numpy_one_bit_for_bit(seed: int) -> None:
    ref = Steadiness()
    ref.grow(N_SLOTS)
    out = copy.deepcopy(ref)
    for slots, t, _, _, sog, cog, _ in cycles(seed):
        a = ref.step(slots, t, sog, cog, jit=False)
        b = out.step(slots, t, sog, cog, jit=True)
        assert all(same_bits(u, v) for u, v in zip(a, b))
        assert same_state(ref, out, ("sog_mean", "sog_var", "sog_t", "sog_last", "d_mean", "cog_last", "turn"))
    assert np.isfinite(a[1]).any() and (a[2] > 0).any()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_compiled_speed_made_good_equals_the_numpy_one_bit_for_bit(seed: int) -> None:
    ref = ContactMemory()
    ref.slots_for(np.arange(N_SLOTS, dtype=np.int64))
    out = copy.deepcopy(ref)
    prev = {k: np.full(N_SLOTS, np.nan) for k in ("x", "y", "t")}
    made_good = 0
    for slots, t, x, y, _, _, _ in cycles(seed, 200, (1.0, 5.0, 30.0, 30.0, 60.0, 150.0, 300.0, 400.0)):
        px, py, pt = prev["x"][slots], prev["y"][slots], prev["t"][slots]
        sigma = 20.0 + t % 7.0   # kept at each anchor
        note_made_good(ref, slots, x, y, t, px, py, pt, sigma, jit=False)
        note_made_good(out, slots, x, y, t, px, py, pt, sigma, jit=True)
        prev["x"][slots], prev["y"][slots], prev["t"][slots] = x, y, t
        assert all(same_bits(ref.f[k], out.f[k]) for k in ref.f)
        made_good += int(np.isfinite(ref.f["mg_kn"][slots]).sum() + np.isfinite(ref.f["mg_straight"][slots]).sum())
    assert made_good > 100   # anchors 150 s apart were made and measured


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_backlog_stretch_groups_the_parts_as_the_numpy_one(seed: int) -> None:
    from seawatch.detect.engine import _stretch_groups

    rng = np.random.default_rng(seed)
    for _ in range(40):
        n = int(rng.integers(2, 400))
        ids = rng.integers(0, int(rng.integers(1, 60)), n) * 1000 + 7   # few contacts: many repeats
        t = np.sort(rng.choice([0.0, 2.5, 5.0], n).cumsum() + rng.uniform(0, 1e9))   # ties, equal steps
        order = rng.permutation(n)
        order = order[np.argsort(t[order], kind="stable")]
        bins = np.floor((t[order] - t[order][0]) / 5.0).astype(np.int64)
        cuts = np.flatnonzero(np.diff(bins)) + 1
        if not len(cuts):
            continue
        starts, stops = np.r_[0, cuts], np.r_[cuts, n]
        for limit in (5.0, 30.0, 60.0, float(rng.uniform(5, 120)), None):
            # one limit for every part, or each part's own (radar-backed contacts about some parts: 30 s, else 60)
            limits = (np.full(len(starts), limit) if limit is not None
                      else rng.choice([30.0, 60.0], len(starts), p=[0.3, 0.7]))
            want = _stretch_groups(order, starts, stops, ids, t, limits)
            _, dense = np.unique(ids[order], return_inverse=True)
            got = kernels.stretch_groups(dense.astype(np.int64), t[order], starts, limits, int(dense.max()) + 1)
            assert same_bits(got, want)
