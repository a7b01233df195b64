"""Radar plots become scans per radar on a fixed grid, handed on only once the stream has passed their window."""

from __future__ import annotations

import math

import numpy as np

from seawatch.track.scans import ScanCutter


def plots(times: list[float]) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times, np.float64)
    return t, np.column_stack([t * 10.0, -t])


def test_a_revolution_cut_by_a_batch_boundary_is_handed_on_whole_once_the_stream_passes_its_end() -> None:
    cut = ScanCutter({"R1": 2.5})
    t, xy = plots([100.0, 100.5, 101.0])
    cut.add(["R1"] * 3, t, xy)
    cut.complete(101.0)
    assert cut.take(math.inf) == [] and cut.open_from_s() == 101.0   # the revolution may go on
    t, xy = plots([101.8, 102.4])
    cut.add(["R1"] * 2, t, xy)
    cut.complete(102.4)
    assert cut.take(math.inf) == []
    cut.complete(102.5)   # the stream reached the window's end: no later plot can belong to it
    (scan,) = cut.take(math.inf)
    assert scan.time_s == 102.4 and scan.sensor_id == "R1"
    assert np.array_equal(scan.xy[:, 0], [1000.0, 1005.0, 1010.0, 1018.0, 1024.0])
    assert not cut.held


def test_a_plot_of_the_next_window_completes_the_open_one() -> None:
    cut = ScanCutter({"R1": 2.5})
    t, xy = plots([10.0, 11.0, 12.6, 13.0])
    cut.add(["R1"] * 4, t, xy)
    (scan,) = cut.take(math.inf)
    assert scan.time_s == 11.0 and len(scan.xy) == 2
    assert cut.open_from_s() == 13.0
    cut.complete(math.inf)   # the end of the stream
    assert [s.time_s for s in cut.take(math.inf)] == [13.0]


def test_scans_are_taken_in_time_order_across_radars_and_only_before_the_given_time() -> None:
    cut = ScanCutter({"A": 2.0, "B": 3.0})
    ta, xa = plots([0.0, 1.5, 2.2, 3.9, 4.1])
    tb, xb = plots([0.2, 1.0, 3.5])
    cut.add(["A"] * 5 + ["B"] * 3, np.r_[ta, tb], np.vstack([xa, xb]))
    cut.complete(4.1)
    assert [(s.sensor_id, s.time_s) for s in cut.take(3.0)] == [("B", 1.0), ("A", 1.5)]
    assert [(s.sensor_id, s.time_s) for s in cut.take(math.inf)] == [("A", 3.9)]
    assert cut.open_from_s() == 3.5   # still open: B's window from 3.2 s (its plot at 3.5), A's from 4 s
