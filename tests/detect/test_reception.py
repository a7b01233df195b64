"""The learned AIS reception map: per square and kind of set, how often vessels under way go unheard."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from seawatch.detect.reception import ReceptionMap


def _brute_poor(reports: list[tuple[float, float, bool, float]], x: float, y: float, small: bool,
                rmap: ReceptionMap) -> bool:
    """The rule written out per report: the finest square seen min_samples times decides."""
    for cell_m in rmap.scales:
        counts: dict[tuple[int, int, bool], list[int]] = defaultdict(lambda: [0, 0])
        for rx, ry, rs, spacing in reports:
            c = counts[(int(np.floor(rx / cell_m)), int(np.floor(ry / cell_m)), rs)]
            c[0] += 1
            c[1] += spacing > rmap.long_s
        n, n_long = counts.get((int(np.floor(x / cell_m)), int(np.floor(y / cell_m)), small), [0, 0])
        if n >= rmap.min_samples:
            return n_long > rmap.poor_share * n and n_long >= rmap.min_long
    return False


def test_the_map_counted_over_many_cycles_judges_each_place_as_the_rule_written_per_report_does() -> None:
    rng = np.random.default_rng(3)
    rmap = ReceptionMap(cell_m=10_000.0, long_s=300.0, min_samples=20, poor_share=0.03)
    reports: list[tuple[float, float, bool, float]] = []
    for _ in range(40):   # cycles
        n = int(rng.integers(0, 60))
        x, y = rng.uniform(-45_000, 45_000, n), rng.uniform(-45_000, 45_000, n)
        small = rng.random(n) < 0.5
        # far out (x > 15 km) small craft are often unheard
        spacing = np.where(small & (x > 15_000) & (rng.random(n) < 0.3), 900.0, rng.uniform(2.0, 60.0, n))
        spacing[rng.random(n) < 0.02] = np.nan   # no previous report: not counted
        rmap.observe(x, y, small, spacing)
        reports += [(a, b, bool(c), d) for a, b, c, d in zip(x, y, small, spacing) if np.isfinite(d)]
    qx, qy = rng.uniform(-60_000, 60_000, 400), rng.uniform(-60_000, 60_000, 400)
    qs = rng.random(400) < 0.5
    qx[:3] = np.nan
    got = rmap.poor(qx, qy, qs)
    want = [False if not np.isfinite(a) else _brute_poor(reports, a, b, bool(c), rmap) for a, b, c in zip(qx, qy, qs)]
    assert got.tolist() == want
    assert 20 < sum(want) < 380   # both answers occur: the comparison is not vacuous


def test_one_long_silence_among_twenty_reports_is_no_pattern_two_make_a_square_poor() -> None:
    """A single spacing over 5 min among 20 (5 % > poor_share) may be a vessel's own switch-off: it marked the
    square poor, and the next vessel falling silent there was taken to have left coverage."""
    rmap = ReceptionMap(cell_m=10_000.0, long_s=300.0, min_samples=20, poor_share=0.03)
    x, y, small = np.full(20, 5_000.0), np.full(20, 5_000.0), np.zeros(20, bool)
    spacing = np.full(20, 10.0)
    spacing[7] = 1_800.0
    rmap.observe(x, y, small, spacing)
    here = (np.array([5_000.0]), np.array([5_000.0]), np.zeros(1, bool))
    assert not rmap.poor(*here)[0]
    rmap.observe(x[:1], y[:1], small[:1], np.array([900.0]))
    assert rmap.poor(*here)[0]
