"""The in-process pipeline: observations -> radar tracker + AIS vessel state -> fusion -> contact updates.

`Pipeline.process(batch)` takes time-ordered observation batches (from `seawatch replay`, `run` or the
demo) and returns contact updates (`ContactBatch`) for detection, storage and the console:

- radar plots and radar-reported tracks are grouped into scans per radar (a scan = the plots of one
  sensor within its scan period) and fed to one `RadarTracker` in time order with that radar's noise:
  overlapping radars update one picture (centralised measurement fusion);
- AIS position and static reports update `AisVesselState` up to each scan's time;
- after each scan, `RadarAisFusion` associates confirmed radar tracks with AIS vessels;
- every `update_period_s` of event time, the fused picture is emitted as contact updates. Without any
  radar (an AIS-only feed) the picture is AIS-only contacts, and a batch's steps are made in one compiled pass
  (`seawatch.track.ais_only_pass`, the same rows as step by step).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.arrays import member
from seawatch.config.site import SensorConfig, SiteConfig, rule_params
from seawatch.geo import site_frame
from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.track import ais_apply
from seawatch.track.ais_only import contact_columns, reports_too_old, run_steps
from seawatch.track.ais_only_pass import run_pass
from seawatch.track.ais_state import AisVesselState, Derived, RowSpan, real_mmsi
from seawatch.track.fusion import ContactTable, FusionEvent, FusionParams, RadarAisFusion
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
        self.events: list[FusionEvent] = []
        self._last_table: ContactTable | None = None
        self._last_tracks: TrackTable | None = None
        self._next_emit: float | None = None
        self._last_emitted: tuple[ContactTable, float, npt.NDArray[np.float64]] | None = None
        self._scan_ref: dict[str, float] = {}
        self._pending_radar: dict[str, tuple[float, list[npt.NDArray[np.float64]]]] = {}
        self.n_unknown_sensor = 0
        # an AIS vessel is in the picture while its last report is at most this old (snapshot and fusion)
        self._max_age_s = min(SNAPSHOT_MAX_AGE_S, self.fusion.params.max_ais_age_s)
        self._old_pending = False   # a report too old to show was applied after the last step (`_ais_only_picture`)

    # ------------------------------------------------------------------------------------------------
    def process(self, batch: ObservationBatch) -> ContactBatch:
        """Observations in time order -> contact updates emitted while covering their time span."""
        return self.process_xy(batch)[0]

    def process_xy(self, batch: ObservationBatch) -> tuple[ContactBatch, npt.NDArray[np.float64],
                                                            npt.NDArray[np.float64]]:
        """`process`, plus each contact update's position in the site's local frame (x east, y north, m): the
        state the lat/lon were projected from, so that detection in the same frame need not project them
        back (`DetectionEngine.process(batch, xy=...)`)."""
        if not len(batch):
            return ContactBatch.empty(), _NO_XY, _NO_XY
        kind = batch["kind"]
        t = batch["observed_at"]
        radar_rows = np.flatnonzero(np.isin(kind, RADAR_KINDS) & np.isfinite(batch["lat"]))
        ais_rows = np.flatnonzero(np.isin(kind, AIS_KINDS))
        ais_t = t[ais_rows]
        t0, t1 = float(np.nanmin(t)), float(np.nanmax(t))
        if self._next_emit is None:
            self._next_emit = math.floor(t0 / self.update_period_s) * self.update_period_s + self.update_period_s
        # the steps in time order: radar scans (the picture advances) and emission times
        steps: list[tuple[float, int, str, npt.NDArray[np.float64] | None]] = [
            (scan_t, 1, sid, xy) for scan_t, sid, xy in self._scans(batch, radar_rows)]
        emit = self._next_emit
        while emit <= t1:
            steps.append((emit, 0, "", None))
            emit += self.update_period_s
        steps.sort(key=lambda s: (s[0], s[1]))
        out: list[_Part] = []
        done_ais = 0
        # once; each step hands the AIS state a span of it (views); an all-AIS batch is taken as it is. What
        # the state computes per report (event time, local x/y) and who heard whom, once for the whole batch
        ais_batch = batch if len(ais_rows) == len(batch) else batch.take(ais_rows)
        derived = self.ais.derive(ais_batch) if len(ais_rows) else None
        self.ais.record_receivers(ais_batch)
        uptos = np.searchsorted(ais_t, [s[0] for s in steps], side="right").tolist()
        times = [s[0] for s in steps]
        if (self.batch_ais_only and times and not len(radar_rows) and self._ais_only_picture(times[0])
                and not (derived is not None and reports_too_old(ais_batch, derived, times, uptos, self._max_age_s))):
            out, done_ais = self._steps_ais_only(ais_batch, derived, times, uptos)
            steps = []
        for (step_t, is_scan, sensor_id, xy), upto in zip(steps, uptos):
            if upto > done_ais:
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
        if done_ais < len(ais_rows):
            self.ais.update(RowSpan(ais_batch, done_ais, len(ais_rows), derived), receivers=False)
            if derived is not None:   # applied before the next batch's first step: too old for it? (`reports_too_old`)
                self._old_pending |= reports_too_old(ais_batch, derived, [self._next_emit], [len(ais_rows)],
                                                     self._max_age_s, start=done_ais)
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

    def _steps_ais_only(self, ais_batch: ObservationBatch, derived: Derived | None, times: list[float],
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

    def _scans(self, batch: ObservationBatch, rows: npt.NDArray[np.int64]) -> list[tuple[float, str, npt.NDArray[
            np.float64]]]:
        """Radar rows grouped into scans: (scan time, sensor id, plots xy), in time order."""
        if not len(rows):
            return []
        sensors = batch["sensor"][rows]
        t = batch["observed_at"][rows]
        x, y = self.frame.to_xy(batch["lat"][rows], batch["lon"][rows])
        xy = np.stack([x, y], axis=1)
        scans: list[tuple[float, str, npt.NDArray[np.float64]]] = []
        for sid in dict.fromkeys(sensors.tolist()):
            m = sensors == sid
            ts, pts = t[m], xy[m]
            sid_s = str(sid) if sid is not None else ""
            radar = self.radars.get(sid_s)
            if radar is None:
                self.n_unknown_sensor += int(m.sum())
            period = radar.scan_period_s if radar else 2.5
            # one step per scan period of this radar, on a fixed grid (plots of a rotating antenna have
            # times spread over the scan; a grid cuts them the same way whatever the batch boundaries)
            ref = self._scan_ref.setdefault(sid_s, float(ts.min()))
            order = np.argsort(ts, kind="stable")
            ts, pts = ts[order], pts[order]
            window = np.floor((ts - ref) / period)
            cut = np.flatnonzero(np.diff(window) != 0) + 1
            for a, b in zip(np.r_[0, cut], np.r_[cut, len(ts)]):
                scans.append((float(ts[b - 1]), sid_s, pts[a:b]))
        scans.sort(key=lambda s: s[0])
        return scans

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
            current = [self._contacts(table, t, self._shown(table, age, t), age)]
        if prev is None or not len(prev[0]):
            return current
        p_table, p_t, p_age = prev
        gone = np.flatnonzero(~member(p_table.contact_id, ids))
        if not len(gone):
            return current
        ended = self._contacts(p_table, p_t, gone, p_age)
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

    def _contacts(self, table: ContactTable, t: float, rows: npt.NDArray[np.intp],
                  ais_age_s: npt.NDArray[np.float64]) -> _Part:
        """Contact updates of the given rows of a fusion table at t (ais_age_s: of every row of the table), and
        their local x, y. lat/lon are left absent: `process_xy` projects the x, y of all its updates at once."""
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
        cols["ais_age_s"] = ais_age_s[rows]
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
        n = len(key)
        pos, hit = self._lookup(real_mmsi(key))
        st = self.ais.static
        if hit.all():   # every contact has an MMSI the state knows (an AIS-only picture): plain gathers
            bow = st["to_bow_m"][pos].astype(np.float64)
            stern = st["to_stern_m"][pos].astype(np.float64)
            return {"name": st["name"][pos], "callsign": st["callsign"][pos],
                    "imo": st["imo"][pos].astype(np.int64), "ship_type": st["ship_type"][pos].astype(np.int16),
                    "length_m": np.where((bow >= 0) & (stern >= 0), bow + stern, np.nan)}
        out: dict[str, npt.NDArray[Any]] = {}
        for col in ("name", "callsign"):
            v = np.full(n, None, dtype=object)
            v[hit] = st[col][pos[hit]]
            out[col] = v
        for col, dtype in (("imo", np.int64), ("ship_type", np.int16)):
            v = np.full(n, -1, dtype=dtype)
            v[hit] = st[col][pos[hit]]
            out[col] = v
        length = np.full(n, np.nan)
        if hit.any():
            bow = np.asarray(st["to_bow_m"][pos[hit]], dtype=np.float64)
            stern = np.asarray(st["to_stern_m"][pos[hit]], dtype=np.float64)
            ok = (bow >= 0) & (stern >= 0)
            length[np.flatnonzero(hit)[ok]] = (bow + stern)[ok]
        out["length_m"] = length
        return out
