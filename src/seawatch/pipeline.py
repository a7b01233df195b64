"""The in-process pipeline: observations -> radar tracker + AIS vessel state -> fusion -> contact updates.

`Pipeline.process(batch)` takes time-ordered observation batches (from `seawatch replay`, `run` or the
demo) and returns contact updates (`ContactBatch`) for detection, storage and the console:

- radar plots and radar-reported tracks are grouped into scans per radar (a scan = the plots of one
  sensor within its scan period, tracked once the stream has passed it: `track/scans.py`) and fed to one
  `RadarTracker` in time order with that radar's noise: overlapping radars update one picture (centralised
  measurement fusion);
- AIS position and static reports update `AisVesselState` up to each scan's time;
- after each scan, `RadarAisFusion` associates confirmed radar tracks with AIS vessels;
- every `update_period_s` of event time, the fused picture is emitted as contact updates. Without any
  radar (an AIS-only feed) the picture is AIS-only contacts, and a batch's steps are made in one compiled pass
  (`seawatch.track.ais_only_pass`, the same rows as step by step).

A step is made once everything before it has come, so the updates are the same however the observations are
cut into batches; `flush()` makes the held steps at the end of the stream.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.arrays import member
from seawatch.config.site import SensorConfig, SiteConfig, rule_params
from seawatch.geo import LocalFrame, site_frame
from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.track import ais_apply
from seawatch.track.ais_only import contact_columns, identity_columns, reports_too_old, run_steps, static_of
from seawatch.track.ais_only_pass import run_pass
from seawatch.track.ais_state import AisVesselState, Derived, RowSpan, real_mmsi
from seawatch.track.fusion import ContactTable, FusionEvent, FusionParams, RadarAisFusion
from seawatch.track.scans import ScanCutter
from seawatch.track.splice import SpliceParams
from seawatch.track.tracker import MeasurementNoise, RadarTracker, TrackerParams, TrackTable

logger = logging.getLogger(__name__)

AIS_KINDS = (int(Kind.AIS_POSITION), int(Kind.AIS_STATIC))
RADAR_KINDS = (int(Kind.RADAR_PLOT), int(Kind.RADAR_TRACK))
SNAPSHOT_MAX_AGE_S = 600.0  # an AIS vessel silent longer is out of the picture (`AisVesselState.snapshot`)
COAST_S = 30.0  # a confirmed radar track coasts this long without a plot before it is dropped
# fusion settings a site may give in [rules.fusion] (docs/tracking.md, "Duplicate tracks of one vessel")
FUSION_SITE_KEYS = ("duplicate_s", "duplicate_mean_d2", "duplicate_min_speed_mps", "duplicate_max_m",
                    "duplicate_sigma_m")


def fusion_params(site: SiteConfig, radar_cover: tuple[tuple[float, float, float], ...]) -> FusionParams:
    """The site's fusion settings: defaults, overridden by numbers in [rules.fusion]; other keys are refused."""
    base = FusionParams(radar_cover=radar_cover)
    return replace(base, **rule_params(site, "fusion", {k: getattr(base, k) for k in FUSION_SITE_KEYS}))


_NO_XY: npt.NDArray[np.float64] = np.empty(0)
# the `sensors` of a contact update by its ContactKind (index): shared tuples
_SENSORS = np.empty(max(ContactKind) + 1, dtype=object)
for _k, _label in ((ContactKind.FUSED, ("radar", "ais")), (ContactKind.RADAR_ONLY, ("radar",)),
                   (ContactKind.AIS_ONLY, ("ais",))):
    _SENSORS[_k] = _label


# contact-update columns of some rows (each of its CONTACT_SCHEMA dtype), with their local x and y
_Part = tuple[dict[str, npt.NDArray[Any]], npt.NDArray[np.float64], npt.NDArray[np.float64]]


def _concat(parts: list[_Part]) -> tuple[dict[str, npt.NDArray[Any]], npt.NDArray[np.float64],
                                         npt.NDArray[np.float64]]:
    """Parts end to end (empty parts add no rows); one ContactBatch is built of the whole, not one per part."""
    full = [p for p in parts if len(p[1])]
    if not full:
        return {}, _NO_XY, _NO_XY
    if len(full) == 1:
        return full[0]
    return ({k: np.concatenate([p[0][k] for p in full]) for k in full[0][0]},
            np.concatenate([p[1] for p in full]), np.concatenate([p[2] for p in full]))


def plot_rows(batch: ObservationBatch) -> npt.NDArray[np.int64]:
    """The rows of a batch that are radar plots with a position and a time: the ones the scans take."""
    radar = np.isin(batch["kind"], RADAR_KINDS)
    return np.flatnonzero(radar & np.isfinite(batch["lat"]) & np.isfinite(batch["observed_at"]))


@dataclass(frozen=True)
class PlacedPlots:
    """A batch's radar plots ready for the scans (`plot_rows`): their sensor ids and local x/y (m, (n, 2))."""

    rows: npt.NDArray[np.int64]
    sensors: list[str]
    xy: npt.NDArray[np.float64]


class PlotPlacer:
    """Radar plots -> `PlacedPlots` in a frame of its own. `Pipeline.placer()` gives one for another thread: a
    replay places each batch's plots in its reading thread (`ingest/prefetch.py`), where pyproj projects them
    without the GIL while the pipeline tracks the batch before."""

    def __init__(self, frame: LocalFrame) -> None:
        self.frame = frame

    def __call__(self, batch: ObservationBatch) -> PlacedPlots:
        rows = plot_rows(batch)
        if not len(rows):
            return PlacedPlots(rows, [], np.empty((0, 2)))
        sensors = [str(s) if s is not None else "" for s in batch["sensor"][rows].tolist()]
        x, y = self.frame.to_xy(batch["lat"][rows], batch["lon"][rows])
        return PlacedPlots(rows, sensors, np.stack([x, y], axis=1))


@dataclass
class _Radar:
    sensor: SensorConfig
    noise: MeasurementNoise
    scan_period_s: float


class Pipeline:
    def __init__(self, site: SiteConfig, update_period_s: float = 5.0, heartbeat_s: float = 60.0,
                 batch_ais_only: bool = True) -> None:
        self.site = site
        # AIS-only batches: their steps' rows made at once (`_steps_ais_only`); False: step by step (the reference)
        self.batch_ais_only = batch_ais_only
        self.heartbeat_s = heartbeat_s
        self.frame = site_frame(site)
        self._place = PlotPlacer(self.frame)
        self.update_period_s = update_period_s
        self.radars: dict[str, _Radar] = {}
        for s in site.radars:
            x, y = self.frame.to_xy(s.lat, s.lon)
            self.radars[s.id] = _Radar(s, MeasurementNoise.from_sensor(s, (float(x), float(y))),
                                       s.scan_period_s or 2.5)
        first = site.radars[0] if site.radars else None
        # deletion by time since the last plot: with overlapping radars, one that misses a small boat
        # must not delete the track another one holds; a confirmed track coasts at least COAST_S
        period = max((r.scan_period_s for r in self.radars.values()), default=2.5)
        # no scan from any radar for this long: the radar picture is gone (`_fuse_ais_only`)
        self._radar_silent_s = max(COAST_S, 2 * period)
        self.tracker = RadarTracker(TrackerParams.from_sensor(first, scan_period_s=period, min_coast_s=COAST_S,
                                                              splice=SpliceParams())
                                    if first else TrackerParams())
        self.ais = AisVesselState(self.frame)
        cover = tuple((r.noise.sensor_xy[0], r.noise.sensor_xy[1], float(r.sensor.range_m or 0.0))
                      for r in self.radars.values() if r.noise.sensor_xy is not None)
        self.fusion = RadarAisFusion(fusion_params(site, cover))
        self.events: deque[FusionEvent] = deque(maxlen=10_000)   # the latest fusion events, for inspection
        self._last_table: ContactTable | None = None
        self._last_tracks: TrackTable | None = None
        self._next_emit: float | None = None
        self._last_emitted: tuple[ContactTable, float, npt.NDArray[np.float64]] | None = None
        # radar plots -> complete scans, per radar; AIS reports not yet applied (`process_xy`); the latest time
        self.scans = ScanCutter({sid: r.scan_period_s for sid, r in self.radars.items()})
        self._held_ais: ObservationBatch | None = None
        self._t_max = -math.inf
        self._last_step_t = -math.inf   # the time of the last emission step made (`_advance`)
        self.n_unknown_sensor = 0
        self.n_untimed_plots = 0   # radar plots without observed_at (`process_xy`)
        # an AIS vessel is in the picture while its last report is at most this old (snapshot and fusion)
        self._max_age_s = min(SNAPSHOT_MAX_AGE_S, self.fusion.params.max_ais_age_s)
        self._old_pending = False   # a report too old to show was applied after the last step (`_ais_only_picture`)

    # ------------------------------------------------------------------------------------------------
    def process(self, batch: ObservationBatch) -> ContactBatch:
        """Observations in time order -> contact updates emitted while covering their time span."""
        return self.process_xy(batch)[0]

    def placer(self) -> PlotPlacer:
        """A `PlotPlacer` in this pipeline's frame, of its own (pyproj's transformers are not shared between
        threads): `process_xy(batch, placed=placer(batch))` is `process_xy(batch)`."""
        return PlotPlacer(LocalFrame(self.frame.lat0, self.frame.lon0))

    def process_xy(self, batch: ObservationBatch, placed: PlacedPlots | None = None,
                   ) -> tuple[ContactBatch, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """`process`, plus each contact update's position in the site's local frame (x east, y north, m): the
        state the lat/lon were projected from, so that detection in the same frame need not project them
        back (`DetectionEngine.process(batch, xy=...)`).

        A step is made once everything before it has come: the emission steps before the stream's latest time
        (a report at that very time may still come), the scans of complete windows (`ScanCutter`), and no step
        after a scan that may still come; what is left is held for the next batch (AIS reports after the last
        step, a radar's open window). So the updates are the same whatever the batches (a file read in chunks
        of any size, a live feed), and `flush` makes the held steps at the end of the stream. placed: the batch's
        radar plots already placed (`placer`), else they are placed here."""
        if not len(batch):
            return ContactBatch.empty(), _NO_XY, _NO_XY
        kind = batch["kind"]
        t = batch["observed_at"]
        timed = np.isfinite(t)
        radar = np.isin(kind, RADAR_KINDS)
        if not timed[radar].all():   # a plot without a time has no scan: counted, not placed
            if not self.n_untimed_plots:
                logger.warning("radar plots without observed_at are dropped (counted in n_untimed_plots)")
            self.n_untimed_plots += int((radar & ~timed).sum())
        ais_rows = np.flatnonzero(np.isin(kind, AIS_KINDS))
        if timed.any():
            t0, t1 = float(t[timed].min()), float(t[timed].max())
            if self._next_emit is None:
                self._next_emit = math.floor(t0 / self.update_period_s) * self.update_period_s + self.update_period_s
            self._t_max = max(self._t_max, t1)
        self._add_plots(batch, self._place(batch) if placed is None else placed)
        if len(ais_rows):
            new = batch if len(ais_rows) == len(batch) else batch.take(ais_rows)
            self.ais.record_receivers(new)   # once per report, however long it is held
            held = new if self._held_ais is None else ObservationBatch.concat([self._held_ais, new])
            # the held reports are searched by time: one without observed_at (applied at its receive time, at the
            # end) goes after the timed ones, not between them
            untimed = ~np.isfinite(held["observed_at"])
            if untimed.any() and not untimed[-int(untimed.sum()):].all():
                held = held.take(np.argsort(held["observed_at"], kind="stable"))   # NaN last, the rest as they were
            self._held_ais = held
        if self._next_emit is None:   # no time seen yet: nothing to step to
            return ContactBatch.empty(), _NO_XY, _NO_XY
        return self._advance(final=False)

    def flush(self) -> tuple[ContactBatch, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The end of the stream: the held steps (open scan windows, emission steps up to the last observation's
        time) and reports, as `process_xy`."""
        if self._next_emit is None:
            return ContactBatch.empty(), _NO_XY, _NO_XY
        return self._advance(final=True)

    def _add_plots(self, batch: ObservationBatch, placed: PlacedPlots) -> None:
        if not len(placed.rows):
            return
        sensors = placed.sensors
        unknown = [s for s in dict.fromkeys(sensors) if s not in self.radars]
        if unknown:
            self.n_unknown_sensor += sum(sensors.count(s) for s in unknown)
        self.scans.add(sensors, batch["observed_at"][placed.rows], placed.xy)

    def _advance(self, final: bool) -> tuple[ContactBatch, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Make the steps that are due (all of them if `final`) and return their contact updates."""
        assert self._next_emit is not None
        t_max = self._t_max
        self.scans.complete(math.inf if final else t_max)
        # emission steps: before the latest time (at the end, up to it), and none after a scan still open
        open_from = self.scans.open_from_s()
        emits: list[float] = []
        emit = self._next_emit
        while (emit <= t_max if final else emit < t_max) and emit <= open_from:
            emits.append(emit)
            emit += self.update_period_s
        # the first emission step not made yet: no scan at or after it either (it goes first at a tie), nor at or
        # after an open window's latest plot (its scan, still to come, may be earlier)
        cut = math.inf if final else min(emit, open_from)
        steps: list[tuple[float, int, str, npt.NDArray[np.float64] | None]] = [
            (sc.time_s, 1, sc.sensor_id, sc.xy) for sc in self.scans.take(cut)]
        steps.extend((e, 0, "", None) for e in emits)
        steps.sort(key=lambda s: (s[0], s[1]))
        # the end of the stream after the last step made (between two grid steps, or before any): a last picture at
        # its latest time, after every scan, so that what came after that step (a report 2 s before the end) is not
        # left out of the picture. (Up to a period after a heartbeat step it is a heartbeat again: its AIS-only
        # contacts are shown twice, seconds apart.)
        if final and math.isfinite(t_max) and t_max > (emits[-1] if emits else self._last_step_t):
            emits.append(t_max)
            steps.append((t_max, 0, "", None))
        if emits:
            self._last_step_t = emits[-1]
        ais_batch = self._held_ais
        n_ais = len(ais_batch) if ais_batch is not None else 0
        ais_t = ais_batch["observed_at"] if ais_batch is not None else np.empty(0)
        # the reports applied now: up to the next step not made (the rest wait: that step must not see them)
        n_apply = n_ais if final else int(np.searchsorted(ais_t, cut, side="right"))
        out: list[_Part] = []
        done_ais = 0
        derived = self.ais.derive(ais_batch) if ais_batch is not None and n_apply else None
        uptos = np.searchsorted(ais_t, [s[0] for s in steps], side="right").tolist()
        times = [s[0] for s in steps]
        if (self.batch_ais_only and times and emits and len(emits) == len(steps)
                and self._ais_only_picture(times[0])
                and not (derived is not None and reports_too_old(ais_batch, derived, times, uptos, self._max_age_s))):
            out, done_ais = self._steps_ais_only(ais_batch, derived, times, uptos)
            steps = []
        for (step_t, is_scan, sensor_id, xy), upto in zip(steps, uptos):
            # the reports up to a step are applied before it only where the step reads the AIS state: at an
            # emission step (fusion, contacts), not at a radar scan (the tracker never reads it). Each vessel's
            # reports still go through the filter one by one in time order, so the state each emission step
            # sees is the same; a span per emission step instead of one per scan costs a tenth of the calls
            if not is_scan and upto > done_ais:
                assert ais_batch is not None
                self.ais.update(RowSpan(ais_batch, done_ais, upto, derived), receivers=False)
                done_ais = upto
            if is_scan:
                radar = self.radars.get(sensor_id)
                self._last_tracks = self.tracker.step(step_t, xy, radar.noise if radar else None)  # type: ignore[arg-type]
            else:
                # fusion runs once per update period, not per radar scan: its hysteresis (updates before an
                # identity is taken or changed) then means the same time whatever the number of radars
                tracks = self._last_tracks
                if tracks is not None and tracks.time_s >= step_t - 2 * self.update_period_s:
                    self._fuse(tracks.time_s)
                else:
                    self._fuse_ais_only(step_t)
                out.extend(self._emit(self._last_table, step_t))
                self._next_emit = step_t + self.update_period_s
        if times:
            self._old_pending = False
        if final:
            self._next_emit = emit   # on the grid, not after the end picture (`flush` ends the stream)
        if done_ais < n_apply:
            assert ais_batch is not None and derived is not None
            self.ais.update(RowSpan(ais_batch, done_ais, n_apply, derived), receivers=False)
            # applied before the next step: too old for it? (`reports_too_old`)
            self._old_pending |= reports_too_old(ais_batch, derived, [self._next_emit], [n_apply], self._max_age_s,
                                                 start=done_ais)
        if n_apply == n_ais:
            self._held_ais = None
        elif n_apply:
            assert ais_batch is not None
            self._held_ais = ais_batch.take(np.arange(n_apply, n_ais))
        cols, x, y = _concat(out)
        if not len(x):
            return ContactBatch.empty(), _NO_XY, _NO_XY
        # lat/lon of every update at once (the projection is point by point: the same numbers as per step)
        cols["lat"], cols["lon"] = self.frame.to_latlon(x, y)
        return ContactBatch(cols, n=len(x)), x, y

    def _ais_only_picture(self, first_step_t: float) -> bool:
        """Is every step from first_step_t on, step by step, the AIS-only picture `seawatch.track.ais_only`
        makes at once? No radar track, none recent enough for the step to be fused at its time, no fusion
        bookkeeping, a last picture of AIS-only contacts, and no report applied since it that was already too
        old to show."""
        tracks, fusion, last = self._last_tracks, self.fusion, self._last_emitted
        return ((tracks is None or (not len(tracks) and tracks.time_s < first_step_t - 2 * self.update_period_s))
                and not len(fusion.tid) and (fusion.evidence is None or not len(fusion.evidence))
                and (last is None or bool((last[0].kind == int(ContactKind.AIS_ONLY)).all()))
                and not self._old_pending)

    def _steps_ais_only(self, ais_batch: ObservationBatch | None, derived: Derived | None, times: list[float],
                        uptos: list[int]) -> tuple[list[_Part], int]:
        """The emission steps of an AIS-only batch (`seawatch.track.ais_only`): the AIS state is updated span by
        span as in `process_xy`'s loop, each step's rows recorded, their contact rows made at once. Leaves the
        pipeline as that loop would (the last step's table for the next batch's LOST rows); (parts, AIS rows
        applied)."""
        prev = self._last_emitted
        # the step before the first: its picture, if shown non-empty, is what a vessel may be gone from
        prev_t = prev[1] if prev is not None and len(prev[0]) else math.nan
        args = (times, uptos, self.update_period_s, self.heartbeat_s, self._max_age_s, prev_t)
        if derived is not None and ais_apply.compiled(self.ais.x, self.ais.P):
            rec = run_pass(self.ais, ais_batch, derived, *args)
        else:   # without numba, or without AIS rows: its numpy form
            rec = run_steps(self.ais, ais_batch, derived, *args)
        # the picture at the last step, as `_fuse_ais_only` and `_emit` leave it
        last = times[-1]
        self._fuse_ais_only(last)
        self._remember_shown(self._last_table, last)
        self._next_emit = last + self.update_period_s
        return ([] if rec is None else [contact_columns(rec, self.ais.q_m2ps3)]), uptos[-1]

    def _fuse(self, t: float) -> None:
        tracks = self._last_tracks
        if tracks is None or tracks.time_s != t:
            tracks = TrackTable(t, np.empty(0, np.int64), np.empty(0, np.int8), np.empty((0, 4)),
                                np.empty((0, 4, 4)))
        self._fuse_with(tracks, t)

    def _fuse_with(self, tracks: TrackTable, t: float) -> None:
        snap = self.ais.snapshot(t, SNAPSHOT_MAX_AGE_S)
        # the hulls only matter to duplicate tracks: none without a radar track (an AIS-only site)
        table = self.fusion.update(tracks, snap, self._hull(snap.mmsi) if len(tracks) else None)
        self.events.extend(table.events)
        self._last_table = table

    def _hull(self, key: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """(N, 4) to_bow, to_stern, to_port, to_starboard of each AIS key in metres (NaN: unknown)."""
        pos, hit = self._lookup(key)
        out = np.full((len(key), 4), np.nan)
        if hit.any():
            st = self.ais.static
            for j, col in enumerate(("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m")):
                v = np.asarray(st[col][pos[hit]], dtype=np.float64)
                out[hit, j] = np.where(v >= 0, v, np.nan)
        return out

    def _emit(self, table: ContactTable | None, t: float) -> list[_Part]:
        """The contact updates at t (and their local x, y): the picture, thinned (`_shown`), plus one final row
        with status LOST for each contact shown last time but gone now (track lost, or an AIS-only contact that
        became fused), so that consumers drop them instead of letting them linger. Rows are built only for
        what is emitted."""
        prev = self._last_emitted
        shown = self._remember_shown(table, t)
        if shown is None:
            current = []
            ids = np.empty(0, np.int64)
        else:
            table, age = shown
            ids = table.contact_id
            rows = self._shown(table, age, t)
            # each row's AIS age at the row's own time (the table's: a radar-backed picture is fused at its last
            # scan, up to two periods before t), so that its t - ais_age_s is the report's time
            current = [self._contacts(table, rows, self._ais_age(table.mmsi[rows], table.time_s))]
        if prev is None or not len(prev[0]):
            return current
        p_table, p_t, p_age = prev
        gone = np.flatnonzero(~member(p_table.contact_id, ids))
        if not len(gone):
            return current
        # the last row shown of each, AIS age and all, at the time it is found gone
        ended = self._contacts(p_table, gone, p_age[gone] - (p_t - p_table.time_s))
        ended[0]["status"] = np.full(len(gone), int(TrackStatus.LOST), dtype=np.uint8)
        ended[0]["t"] = np.full(len(gone), t)
        return [*current, ended]

    def _remember_shown(self, table: ContactTable | None,
                        t: float) -> tuple[ContactTable, npt.NDArray[np.float64]] | None:
        """Keep the picture shown at t (what the next emission's LOST rows are found against); (the table, each
        row's AIS age), None for an empty picture."""
        if table is None or not len(table):
            self._last_emitted = None
            return None
        age = self._ais_age(table.mmsi, t)
        self._last_emitted = (table, t, age)
        return table, age

    def _shown(self, table: ContactTable, ais_age_s: npt.NDArray[np.float64], t: float) -> npt.NDArray[np.intp]:
        """Rows shown: AIS-only contacts when a report arrived in the last period, else once per heartbeat
        (a moored vessel reporting every 3 min is not repeated every few seconds); radar-backed contacts
        change every scan and are always shown."""
        ais_only = table.kind == int(ContactKind.AIS_ONLY)
        beat = math.floor(t / self.heartbeat_s) != math.floor((t - self.update_period_s) / self.heartbeat_s)
        if beat or not ais_only.any():
            return np.arange(len(table))
        return np.flatnonzero(~ais_only | (ais_age_s < self.update_period_s))

    def _fuse_ais_only(self, t: float) -> None:
        """No radar scan recently: carry radar tracks as they were, AIS dead-reckoned to t. After `_radar_silent_s`
        without a scan from any radar (its feed stopped) the radar picture is gone: its tracks end (their LOST
        rows), instead of standing where they were last seen."""
        tracks = self._last_tracks
        if tracks is not None and len(tracks) and t - tracks.time_s > self._radar_silent_s:
            logger.warning("no radar scan for %.0f s: the %s radar tracks of the picture end", t - tracks.time_s,
                           len(tracks))
            self._last_tracks = tracks = None
        if tracks is not None and len(tracks):
            tracks = TrackTable(t, tracks.track_id, tracks.status, tracks.x, tracks.P)
        else:
            tracks = TrackTable(t, np.empty(0, np.int64), np.empty(0, np.int8), np.empty((0, 4)),
                                np.empty((0, 4, 4)))
        self._fuse_with(tracks, t)

    def _contacts(self, table: ContactTable, rows: npt.NDArray[np.intp],
                  ais_age_s: npt.NDArray[np.float64]) -> _Part:
        """Contact updates of the given rows of a fusion table, at its time (ais_age_s: of each of those rows at
        that time), and their local x, y. lat/lon are left absent: `process_xy` projects the x, y of all its
        updates at once."""
        n = len(rows)
        if n == 0:
            return {}, _NO_XY, _NO_XY
        x, P = table.x[rows], table.P[rows]
        track_id, kind, mmsi = table.track_id[rows], table.kind[rows], table.mmsi[rows]
        vx, vy = x[:, 2], x[:, 3]
        status = np.full(n, int(TrackStatus.CONFIRMED), dtype=np.uint8)
        tracks = self._last_tracks
        radar_backed = track_id >= 0
        if tracks is not None and radar_backed.any():
            order = np.argsort(tracks.track_id)
            pos = np.searchsorted(tracks.track_id[order], track_id[radar_backed])
            pos = np.minimum(pos, max(len(order) - 1, 0))
            if len(order):
                status[radar_backed] = tracks.status[order][pos]
        cols: dict[str, npt.NDArray[Any]] = {
            "contact_id": table.contact_id[rows], "t": np.full(n, table.time_s), "kind": kind.astype(np.uint8),
            "status": status, "sog_mps": np.hypot(vx, vy),
            "cog_deg": np.mod(np.degrees(np.arctan2(vx, vy)), 360.0),
            "var_e_m2": P[:, 0, 0], "var_n_m2": P[:, 1, 1], "cov_en_m2": P[:, 0, 1],
            "radar_track_id": track_id, "mmsi": real_mmsi(mmsi),
        }
        cols.update(self._identity(mmsi))
        cols["ais_age_s"] = ais_age_s
        cols["track_score"], cols["track_plots"], cols["track_born_t"] = self.tracker.evidence(track_id)
        cols["sensors"] = _SENSORS[kind]
        return cols, x[:, 0], x[:, 1]

    def _lookup(self, k: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        """Position of each key in the AIS state's sorted keys, and whether it is there (pos is 0 where not)."""
        row = self.ais.rows_of(k)
        hit = (k >= 0) & (row >= 0)
        return np.where(hit, row, 0).astype(np.intp), hit

    def _ais_age(self, key: npt.NDArray[np.int64], t: float) -> npt.NDArray[np.float64]:
        """Age at t of each contact's last AIS report (of the transmitter: an MMSI's twin has its own)."""
        pos, hit = self._lookup(key)
        if hit.all():
            return t - self.ais.t_s[pos]
        age = np.full(len(key), np.nan)
        age[hit] = t - self.ais.t_s[pos[hit]]
        return age

    def _identity(self, key: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[Any]]:
        """Static data of each contact's MMSI, looked up in the AIS state (vectorised)."""
        return identity_columns(static_of(self.ais, real_mmsi(key)))
