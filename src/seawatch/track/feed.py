"""From decoded observations to tracker steps: radar plots of a site, in time order, per radar and scan.

``RadarFeed.push(batch)`` takes any ``ObservationBatch`` (other kinds are ignored), converts the radar
plots' lat/lon into the site's local frame, cuts them into steps — consecutive plots of one radar in the same
window of ``step_fraction`` of its scan period (a sector of a rotating radar, or a whole scan when the
plots of a scan share one time) — and runs ``RadarTracker.step`` on each, with that radar's noise and cover from the
site file. Radar-reported tracks (TTM/TLL, ASTERIX tracks: ``RADAR_TRACK``) are used as plots when
``use_radar_tracks`` is set (their positions are measurements of the same vessels; their own track
numbers are not used).
"""

from __future__ import annotations

import logging

import numpy as np

from seawatch.config.site import SiteConfig
from seawatch.geo.frames import LocalFrame
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.track.tracker import MeasurementNoise, RadarTracker, TrackerParams, TrackTable

log = logging.getLogger(__name__)


class RadarFeed:
    """Feeds one ``RadarTracker`` with the radar plots of every radar of a site."""

    def __init__(self, site: SiteConfig, frame: LocalFrame, tracker: RadarTracker | None = None,
                 step_fraction: float = 0.25, use_radar_tracks: bool = True) -> None:
        radars = site.radars
        self.frame = frame
        self.tracker = tracker or RadarTracker(TrackerParams.from_sensor(radars[0]) if radars else None)
        self.kinds = (Kind.RADAR_PLOT, Kind.RADAR_TRACK) if use_radar_tracks else (Kind.RADAR_PLOT,)
        self.noise: dict[str, MeasurementNoise] = {}
        self.step_s: dict[str, float] = {}
        for r in radars:
            assert r.lat is not None and r.lon is not None   # validated by the site model for radars
            sx, sy = frame.to_xy(r.lat, r.lon)
            self.noise[r.id] = MeasurementNoise.from_sensor(r, (float(sx), float(sy)))
            self.step_s[r.id] = step_fraction * (r.scan_period_s or 2.0)
        self.n_unknown_sensor = 0
        self.n_no_position = 0

    def push(self, batch: ObservationBatch) -> list[TrackTable]:
        """Track every radar plot of the batch; returns the track table after each step."""
        kind = batch["kind"]
        sel = np.isin(kind, self.kinds)
        if not sel.any():
            return []
        idx = np.flatnonzero(sel)
        lat, lon, t = batch["lat"][idx], batch["lon"][idx], batch["observed_at"][idx]
        good = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(t)
        self.n_no_position += int((~good).sum())
        idx, lat, lon, t = idx[good], lat[good], lon[good], t[good]
        sensors = batch["sensor"][idx]
        known = np.array([s in self.noise for s in sensors], dtype=bool)
        if not known.all():
            self.n_unknown_sensor += int((~known).sum())
            log.warning("%s radar plots from sensors not in the site file", int((~known).sum()))
            idx, lat, lon, t, sensors = idx[known], lat[known], lon[known], t[known], sensors[known]
        if len(idx) == 0:
            return []
        order = np.argsort(t, kind="stable")
        t, sensors = t[order], sensors[order]
        x, y = self.frame.to_xy(lat[order], lon[order])
        xy = np.column_stack([x, y])
        # a new step where the radar changes or the time enters the next step window of that radar
        step = np.array([self.step_s[str(v)] for v in sensors], dtype=np.float64)
        window = np.floor(t / step).astype(np.int64)
        cut = np.flatnonzero((sensors[1:] != sensors[:-1]) | (window[1:] != window[:-1])) + 1
        out: list[TrackTable] = []
        for a, b in zip(np.r_[0, cut], np.r_[cut, len(t)]):
            out.append(self.tracker.step(float(t[b - 1]), xy[a:b], self.noise[str(sensors[a])]))
        return out
