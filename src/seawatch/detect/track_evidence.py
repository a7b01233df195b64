"""Whether a dark radar track has shown that it is a vessel and not sea clutter: by its track score, or by the
rate of its plots.

In a storm, sea clutter near a coastal radar is dense enough that now and then a few of its plots line up, over
two minutes, into a steady straight track at 30-45 kn (storm seeds 17, 19 and 22: 7-10 plots in 130-200 s, a
plot every ~6 scans). Its motion is that of a go-fast, and every steadiness test of the rules passes. What
tells them apart is the evidence the plots are: the tracker's track score (`lifecycle.TrackScore`, contact
column `track_score`) weighs each plot by the clutter density around it, and counts each scan without one. A
go-fast far from the radars, seen on one scan in ten in a calm sea, has a score of 39-127 when its alert
opens (cigarette-run, seeds 0-4); the storm's clutter tracks had 4.9 and -5.7 (never above 12.8). Within
10 km of a radar the score does not count that radar's scans (the low-Pd hypothesis does not hold there, see
`ScoreParams.min_range_m`): a track only those radars see has no score. There a boat is seen on most scans
(a 5 m² boat at 10 km in sea state 5: Pd ~0.7), and its plots per scan since it was first shown tell it from
clutter (storm seed 19: 0.12; a go-fast off Astara: 0.85).

`TrackEvidence` keeps per contact slot the plots of its radar track when it was first shown with it, and gives
each row its plots per scan since (`column track_plots`, over the site's shortest radar scan period).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from seawatch.detect.slots import SlotState

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

MIN_SPAN_S = 30.0   # a plot rate over less time than this is not given (NaN)


class TrackEvidence(SlotState):
    """Per contact slot: the radar track whose plots are counted, and its plots and time when first seen."""

    def __init__(self, scan_s: float) -> None:
        self.scan_s = scan_s
        self.track = np.zeros(0, np.int64)
        self.plots0, self.t0 = np.zeros(0), np.zeros(0)

    slot_fields: ClassVar[dict[str, Any]] = {"track": -1, "plots0": np.nan, "t0": np.nan}

    def plots_per_scan(self, slots: I64, t: F64, track: I64, plots: npt.NDArray[np.integer[Any]]) -> F64:
        """Each row's plots per scan since its slot was first seen with this radar track (NaN: no radar track
        or plot count, or seen with it for less than MIN_SPAN_S). A slot whose track changed starts again."""
        counted = (track >= 0) & (plots >= 0)
        new = counted & (self.track[slots] != track)
        s = slots[new]
        self.track[s], self.plots0[s], self.t0[s] = track[new], plots[new], t[new]
        self.track[slots[~counted]] = -1
        span = t - self.t0[slots]
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = (plots - self.plots0[slots]) / span * self.scan_s
        return np.where(counted & (span >= MIN_SPAN_S), rate, np.nan)


def shown_vessel(dark: B, plots: npt.NDArray[np.integer[Any]], score: F64, plots_per_scan: F64, min_score: float,
                 min_plots_per_scan: float) -> B:
    """Rows that are not dark, whose track comes without this evidence (`plots` < 0: not this tracker's), or whose
    radar track has shown it is a vessel: track score >= min_score, or plots per scan >= min_plots_per_scan (an
    absent value shows nothing)."""
    with np.errstate(invalid="ignore"):
        return ~dark | (plots < 0) | (score >= min_score) | (plots_per_scan >= min_plots_per_scan)
