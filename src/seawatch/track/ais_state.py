"""AIS vessel state: per MMSI, the latest static/voyage data, a filtered kinematic state, dead reckoning,
the expected time of its next report, and the receivers that hear it.

Columnar: one row per MMSI in numpy arrays, updated from ``ObservationBatch`` es. Reports of one batch are
applied in rounds (the k-th report of every MMSI in round k), each round vectorised, so a batch costs a
few numpy calls per round, not a Python call per message.

Kinematics are filtered in the site's local metric frame with the nearly-constant-velocity model of
``seawatch.track.kalman``: an AIS report measures position (sigma 10 m with the RAIM/DGNSS accuracy flag
set, 30 m without) and, when SOG and COG are available, velocity (sigma 0.3 m/s per axis).

The nominal reporting interval is ITU-R M.1371-5 Table 1 / §4.3 (Class A by speed and navigational
status, Class B "CS" by speed); the expected next report uses the vessel's own observed interval once it
has a few reports (a smoothed median of its gaps), else the nominal one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from seawatch.geo.frames import LocalFrame
from seawatch.key_index import KeyIndex
from seawatch.model.contact import AIS_CLASS_A, AIS_CLASS_B
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.track import ais_apply
from seawatch.track.ais_filter import predict_rows, predict_update_rows
from seawatch.track.kalman import FloatArray

log = logging.getLogger(__name__)

Int64Array = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]

POS_SIGMA_ACCURATE_M = 10.0
POS_SIGMA_DEFAULT_M = 30.0
VEL_SIGMA_MPS = 0.3
INIT_SPEED_SIGMA_MPS = 8.0
KN = 1852.0 / 3600.0
CLASS_B_TYPES = (18, 19)
CLASS_A_TYPES = (1, 2, 3, 27)


def ais_class_of(msg_type: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """The transponder class (`AIS_CLASS_A` / `AIS_CLASS_B`) each position report's message type shows; -1
    where it shows none (no report yet, or a source without message types: a decoded CSV)."""
    mt = np.asarray(msg_type)
    out = np.full(mt.shape, -1, np.int8)
    for v in CLASS_A_TYPES:
        out[mt == v] = AIS_CLASS_A
    for v in CLASS_B_TYPES:
        out[mt == v] = AIS_CLASS_B
    return out
STATIC_COLUMNS = ("name", "callsign", "imo", "ship_type", "to_bow_m", "to_stern_m", "to_port_m",
                  "to_starboard_m", "draught_m", "destination", "eta")
_OBJ_STATIC = ("name", "callsign", "destination", "eta")


def nominal_interval_s(msg_type: npt.ArrayLike, sog_mps: npt.ArrayLike, nav_status: npt.ArrayLike,
                       turning: npt.ArrayLike | None = None) -> FloatArray:
    """ITU-R M.1371 nominal reporting interval (s) for position reports. Vectorised.

    Class A: anchored/moored (status 1, 5) at <= 3 kn: 180 s; 0-14 kn: 10 s (3 1/3 s when turning);
    14-23 kn: 6 s (2 s turning); > 23 kn: 2 s. Class B CS (types 18, 19): <= 2 kn: 180 s, else 30 s.
    Unknown speed: treated as 0-14 kn (Class A) / moving (Class B).
    """
    mt = np.asarray(msg_type)
    sog_kn = np.asarray(sog_mps, dtype=np.float64) / KN
    st = np.asarray(nav_status)
    turn = np.zeros(mt.shape, bool) if turning is None else np.asarray(turning, bool)
    known = np.isfinite(sog_kn)
    a = np.where(turn, 10.0 / 3.0, 10.0)
    a = np.where(known & (sog_kn > 14), np.where(turn, 2.0, 6.0), a)
    a = np.where(known & (sog_kn > 23), 2.0, a)
    a = np.where(((st == 1) | (st == 5)) & known & (sog_kn <= 3), 180.0, a)
    b = np.where(known & (sog_kn <= 2), 180.0, 30.0)
    return np.where((mt == CLASS_B_TYPES[0]) | (mt == CLASS_B_TYPES[1]), b, a)


_LABEL_BITS = 24            # AisVesselState._heard keys: MMSI << _LABEL_BITS | receivers label code
_LABEL_MASK = (1 << _LABEL_BITS) - 1
_POSITION, _STATIC = int(Kind.AIS_POSITION), int(Kind.AIS_STATIC)
TWIN_KEY = 2_000_000_000   # state key of an MMSI's twin: TWIN_KEY + MMSI, above every 30-bit MMSI (10 digits
#                            too, up to 1,073,741,823), and the MMSI still legible in it (2 367 377 760)
JUMP_MIN_M = 1_000.0        # a report this far from where its MMSI's vessel should be ...
JUMP_MPS = 30.9             # ... implying more than 60 kn: another transmitter


class Columns(Protocol):
    """What the state reads of a batch: its columns by name (an ``ObservationBatch`` or a `RowSpan` of one)."""

    def __getitem__(self, name: str, /) -> npt.NDArray[Any]: ...


class RowSpan:
    """Rows start:stop of a batch's columns, as views (no copy): the pipeline hands the AIS state one span
    per update step without building an ``ObservationBatch`` for it. ``derived``: columns the state computes
    from the batch (`AisVesselState.derive`), computed once for the whole batch instead of once per span."""

    __slots__ = ("_columns", "_derived", "_span")

    def __init__(self, batch: ObservationBatch, start: int, stop: int,
                 derived: Derived | None = None) -> None:
        self._columns = batch.columns
        self._derived = derived
        self._span = slice(start, stop)

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self._columns[name][self._span]

    def derived(self) -> Derived | None:
        """The derived columns of these rows (views), if the batch's were given."""
        d = self._derived
        if d is None:
            return None
        sp = self._span
        return Derived(d.event_t_s[sp], d.x_m[sp], d.y_m[sp])


@dataclass(frozen=True, slots=True)
class Derived:
    """Per row of a batch: event time (`_event_time`) and position in the state's frame (NaN without one).
    Element by element what the state computes for the rows it applies, so computing them for a whole batch
    at once gives the same numbers."""

    event_t_s: FloatArray
    x_m: FloatArray
    y_m: FloatArray


def real_mmsi(key: Int64Array) -> Int64Array:
    """The MMSI of a state key (twins included); -1 stays -1."""
    return np.where(key >= TWIN_KEY, key - TWIN_KEY, key)


@dataclass(frozen=True, slots=True)
class AisSnapshot:
    """Every known vessel dead-reckoned to ``time_s`` (rows align with ``AisVesselState.mmsi``)."""

    time_s: float
    mmsi: Int64Array
    x: FloatArray          # (N, 4) x_m, y_m, vx_mps, vy_mps at time_s
    P: FloatArray          # (N, 4, 4)
    age_s: FloatArray      # time since the last position report
    expected_next_s: FloatArray


class AisVesselState:
    """Per-MMSI AIS picture in a local frame. ``update(batch)`` with decoded observations in time order."""

    def __init__(self, frame: LocalFrame, q_m2ps3: float = 0.05, gap_smoothing: float = 0.2) -> None:
        self.frame = frame
        self.q_m2ps3 = q_m2ps3
        self.gap_smoothing = gap_smoothing
        self.mmsi: Int64Array = np.empty(0, np.int64)        # sorted
        self.t_s: FloatArray = np.empty(0)                   # time of the filtered state (nan: no position)
        self.x: FloatArray = np.empty((0, 4))
        self.P: FloatArray = np.empty((0, 4, 4))
        self.n_reports = np.empty(0, np.int64)
        self.msg_type = np.empty(0, np.int16)
        self.nav_status = np.empty(0, np.int16)
        self.heading_deg: FloatArray = np.empty(0)
        self.observed_interval_s: FloatArray = np.empty(0)  # smoothed own reporting interval
        self.nominal_interval_s: FloatArray = np.empty(0)
        self.static: dict[str, npt.NDArray[np.generic]] = {c: self._absent(c, 0) for c in STATIC_COLUMNS}
        # who heard whom: sorted keys MMSI << 20 | label code, a label being a receivers tuple or a source id
        self._heard: Int64Array = np.empty(0, np.int64)
        self._label_code: dict[object, int] = {}
        self._label_ids: list[frozenset[str]] = []
        self.n_out_of_order = 0
        self.n_twin_reports = 0   # position reports routed to an MMSI's twin (a second transmitter)
        self._index = KeyIndex(self.mmsi)   # row of each key, for `mmsi` as it was when built ...
        self._index_of = self.mmsi          # ... this array

    def __len__(self) -> int:
        return len(self.mmsi)

    # ---------------------------------------------------------------- rows
    @staticmethod
    def _absent(col: str, n: int) -> npt.NDArray[np.generic]:
        if col in _OBJ_STATIC:
            return np.full(n, None, dtype=object)
        if col == "draught_m":
            return np.full(n, np.nan)
        return np.full(n, -1, dtype=np.int64)

    def rows_of(self, keys: Int64Array) -> Int64Array:
        """Row of each key (MMSI or twin key), -1 where it has none."""
        if self._index_of is not self.mmsi:   # rows were added (or replaced): index them again
            self._index, self._index_of = KeyIndex(self.mmsi), self.mmsi
        return self._index.find(keys)

    def add_rows(self, keys: Int64Array) -> npt.NDArray[np.intp]:
        """Row of each key (MMSI or twin key), adding rows (without a position yet) for new ones: for a caller
        that applies reports itself (`seawatch.track.ais_only_pass`)."""
        return self._rows_for(keys)

    def apply_static(self, batch: Columns, idx: npt.NDArray[np.intp]) -> None:
        """Static data of the batch's rows idx (AIS static reports of known MMSIs, in time order), as `update`
        applies it."""
        self._update_static(batch, idx, self.rows_of(batch["mmsi"][idx]).astype(np.intp))

    def _rows_for(self, mmsi: Int64Array) -> npt.NDArray[np.intp]:
        """Row of each MMSI, adding rows for new ones."""
        if len(self.mmsi):
            pos = self.rows_of(mmsi)
            if (pos >= 0).all():
                return pos.astype(np.intp)   # all known (the usual case): no new rows
        new = np.setdiff1d(np.unique(mmsi), self.mmsi, assume_unique=True)
        if len(new):
            n = len(new)
            allm = np.concatenate([self.mmsi, new])
            order = np.argsort(allm, kind="stable")
            self.mmsi = allm[order]

            def grow(a: Any, fill: Any) -> Any:
                return np.concatenate([a, fill])[order]

            self.t_s = grow(self.t_s, np.full(n, np.nan))
            self.x = grow(self.x, np.zeros((n, 4)))
            self.P = grow(self.P, np.zeros((n, 4, 4)))
            self.n_reports = grow(self.n_reports, np.zeros(n, np.int64))
            self.msg_type = grow(self.msg_type, np.full(n, -1, np.int16))
            self.nav_status = grow(self.nav_status, np.full(n, -1, np.int16))
            self.heading_deg = grow(self.heading_deg, np.full(n, np.nan))
            self.observed_interval_s = grow(self.observed_interval_s, np.full(n, np.nan))
            self.nominal_interval_s = grow(self.nominal_interval_s, np.full(n, np.nan))
            for c in STATIC_COLUMNS:
                self.static[c] = grow(self.static[c], self._absent(c, n))
        return np.searchsorted(self.mmsi, mmsi).astype(np.intp)

    # ---------------------------------------------------------------- update
    def derive(self, batch: Columns) -> Derived:
        """The derived columns of a whole batch, for `RowSpan` s of it (`update` computes them otherwise)."""
        lat, lon = batch["lat"], batch["lon"]
        x, y = self.frame.to_xy(lat, lon)
        return Derived(_event_time(batch), x, y)

    def _selected(self, batch: Columns, t_all: FloatArray) -> npt.NDArray[np.intp]:
        """The batch's AIS rows to apply, in time order."""
        kind, mmsi = batch["kind"], batch["mmsi"]
        idx = np.flatnonzero((mmsi > 0) & ((kind == _POSITION) | (kind == _STATIC)))
        if not len(idx):
            return idx
        idx = idx[np.isfinite(t_all[idx])]
        return idx[np.argsort(t_all[idx], kind="stable")]

    def record_receivers(self, batch: Columns) -> None:
        """Record who heard each MMSI in a batch (what `update` does first): for a batch handed over in spans
        with ``receivers=False``, once for all of it."""
        idx = self._selected(batch, _event_time(batch))
        if len(idx):
            self._update_receivers(batch, idx)

    def update(self, batch: Columns, receivers: bool = True) -> None:
        """Apply a batch of observations (any kinds; non-AIS rows are ignored). ``receivers=False``: the batch's
        receivers were recorded already (`record_receivers` of the batch it is a span of)."""
        derived = batch.derived() if isinstance(batch, RowSpan) else None
        t_all = derived.event_t_s if derived is not None else _event_time(batch)
        idx = self._selected(batch, t_all)
        if not len(idx):
            return
        mmsi = batch["mmsi"]
        rows = self._rows_for(mmsi[idx])
        if receivers:
            self._update_receivers(batch, idx)
        k = batch["kind"][idx]
        is_static = k == _STATIC
        if is_static.any():
            self._update_static(batch, idx[is_static], rows[is_static])
        pos_mask = (k == _POSITION) & np.isfinite(batch["lat"][idx]) & np.isfinite(batch["lon"][idx])
        if pos_mask.any():
            p_idx, p_rows = idx[pos_mask], rows[pos_mask]
            if derived is not None:
                x_m, y_m = derived.x_m[p_idx], derived.y_m[p_idx]
            else:
                x_m, y_m = self.frame.to_xy(batch["lat"][p_idx], batch["lon"][p_idx])
            self._update_positions(batch, p_idx, p_rows, t_all[p_idx], x_m, y_m)

    @property
    def receivers(self) -> dict[int, set[str]]:
        """The receivers (or sources) that have heard each MMSI."""
        out: dict[int, set[str]] = {}
        for k in self._heard.tolist():
            out.setdefault(k >> _LABEL_BITS, set()).update(self._label_ids[k & _LABEL_MASK])
        return out

    def _update_receivers(self, batch: Columns, idx: npt.NDArray[np.intp]) -> None:
        """Record (MMSI, receivers) pairs not heard before. Vectorised: the receivers tuples are shared objects
        (one per distinct list), so they are told apart by identity, and only new pairs reach Python."""
        src, recv, mmsi = batch["source"][idx], batch["receivers"][idx], batch["mmsi"][idx]
        if not len(idx):
            return
        has = recv.astype(bool)   # a receivers tuple (several receivers heard it), else the source
        if not has.any() and bool((src == src[0]).all()):
            # one source for every row (a single receiver's feed, the common case): one label, one code (the
            # codes go by value, so equal labels that are distinct objects get the same code either way)
            code = np.full(len(idx), self._code(src[0]), np.int64)
        else:
            label = np.where(has, recv, src)
            ids = np.fromiter(map(id, label), np.int64, len(label))
            _, first, inv = np.unique(ids, return_index=True, return_inverse=True)
            code_u = np.fromiter((self._code(label[i]) for i in first.tolist()), np.int64, len(first))
            code = code_u[inv.ravel()]
        ok = code >= 0
        key = np.sort((mmsi[ok].astype(np.int64) << _LABEL_BITS) | code[ok])
        heard = self._heard   # sorted, distinct
        if len(heard):
            key = key[heard[np.minimum(np.searchsorted(heard, key), len(heard) - 1)] != key]
        if len(key):
            new = key[np.r_[True, key[1:] != key[:-1]]]   # distinct (key is sorted)
            merged = np.concatenate([heard, new])
            merged.sort(kind="stable")   # two sorted runs: a merge
            self._heard = merged

    def _code(self, label: object) -> int:
        """A receivers tuple's or source id's code (-1: none)."""
        if not label:
            return -1
        code = self._label_code.get(label)
        if code is None:
            code = self._label_code[label] = len(self._label_ids)
            if code > _LABEL_MASK:   # 16 M distinct receiver lists: stop recording new ones, keep running
                del self._label_code[label]
                log.warning("more than %s distinct receiver lists; %r not recorded", _LABEL_MASK + 1, label)
                return -1
            self._label_ids.append(frozenset(label) if isinstance(label, tuple) else frozenset((str(label),)))
        return code

    def _update_static(self, batch: Columns, idx: npt.NDArray[np.intp],
                       rows: npt.NDArray[np.intp]) -> None:
        for c in STATIC_COLUMNS:
            v = batch[c][idx]
            if c in _OBJ_STATIC:
                ok = np.array([e is not None and e != "" for e in v], dtype=bool)
            elif c == "draught_m":
                ok = np.isfinite(v)
            else:
                ok = v >= 0
            # later rows overwrite earlier ones: rows are in time order and fancy assignment keeps the last
            self.static[c][rows[ok]] = v[ok]

    def _update_positions(self, batch: Columns, idx: npt.NDArray[np.intp], rows: npt.NDArray[np.intp],
                          t: FloatArray, x_m: FloatArray, y_m: FloatArray) -> None:
        # round r holds the r-th report of every vessel in this batch
        order = np.argsort(rows, kind="stable")
        srt = rows[order]
        if len(srt) == 1 or bool((srt[1:] != srt[:-1]).all()):
            self._apply(batch, idx, rows, t, x_m, y_m)   # one report per vessel (the usual span): one round
            return
        first = np.empty(len(srt), bool)
        first[:1] = True
        first[1:] = srt[1:] != srt[:-1]
        start = np.maximum.accumulate(np.where(first, np.arange(len(srt)), 0))
        rank = np.empty(len(rows), np.int64)
        rank[order] = np.arange(len(srt)) - start
        for r in range(int(rank.max()) + 1):
            sel = rank == r
            self._apply(batch, idx[sel], rows[sel], t[sel], x_m[sel], y_m[sel])

    def _apply(self, batch: Columns, idx: npt.NDArray[np.intp], rows: npt.NDArray[np.intp], t: FloatArray,
               x_m: FloatArray, y_m: FloatArray, route: bool = True) -> None:
        t_prev = self.t_s[rows]
        late = t < t_prev   # False where t_prev is NaN (no position yet)
        if late.any():
            self.n_out_of_order += int(late.sum())
            keep = ~late
            idx, rows, x_m, y_m, t, t_prev = idx[keep], rows[keep], x_m[keep], y_m[keep], t[keep], t_prev[keep]
        # a report no ship could reach from its MMSI's track is another transmitter using that MMSI
        # (a clone): it goes to the MMSI's twin (key TWIN_KEY + MMSI), or starts it afresh
        old = np.isfinite(t_prev)
        if old.any():
            gap = np.maximum(t - t_prev, 1.0)
            dx = x_m - (self.x[rows, 0] + self.x[rows, 2] * (t - t_prev))
            dy = y_m - (self.x[rows, 1] + self.x[rows, 3] * (t - t_prev))
            jump_m = np.where(old, np.hypot(dx, dy), 0.0)
            jump = old & (jump_m > JUMP_MIN_M) & (jump_m / gap > JUMP_MPS)
            if jump.any():
                if route:
                    sel = np.flatnonzero(jump)
                    keep = ~jump
                    twin_rows_keys = self.mmsi[rows[sel]] + TWIN_KEY
                    idx_j, t_j, x_j, y_j = idx[sel], t[sel], x_m[sel], y_m[sel]
                    idx, rows, x_m, y_m, t, t_prev = (idx[keep], rows[keep], x_m[keep], y_m[keep], t[keep],
                                                      t_prev[keep])
                    # twin keys sort after every MMSI (30 bits: < TWIN_KEY): adding them leaves `rows` valid
                    self._apply(batch, idx_j, self._rows_for(twin_rows_keys), t_j, x_j, y_j, route=False)
                    if not len(idx):
                        return
                else:  # the twin is off too: start it again from this report
                    t_prev = np.where(jump, np.nan, t_prev)
        sog, cog = batch["sog_mps"][idx], batch["cog_deg"][idx]
        has_v = np.isfinite(sog) & np.isfinite(cog)
        acc = batch["position_accuracy"][idx]
        sig_p = np.where(acc == 1, POS_SIGMA_ACCURATE_M, POS_SIGMA_DEFAULT_M)
        z = np.column_stack([x_m, y_m, sog * np.sin(np.deg2rad(cog)), sog * np.cos(np.deg2rad(cog))])
        if not route:
            self.n_twin_reports += len(idx)
        if ais_apply.compiled(self.x, self.P):   # the rest below in one compiled pass (the same numbers)
            ais_apply.apply_rows(self, rows, t, t_prev, z, sig_p, has_v, batch["msg_type"][idx],
                                 batch["nav_status"][idx], batch["heading_deg"][idx], batch["rot_deg_min"][idx], sog,
                                 self.q_m2ps3, VEL_SIGMA_MPS, INIT_SPEED_SIGMA_MPS, self.gap_smoothing, KN)
            return
        old = np.isfinite(t_prev)
        # new vessels: initialise from the report
        new = ~old
        if new.any():
            r_new = rows[new]
            z0 = np.where(has_v[new, None], z[new], 0.0)
            z0[:, :2] = z[new, :2]
            self.x[r_new] = z0
            p0 = np.zeros((int(new.sum()), 4, 4))
            p0[:, 0, 0] = p0[:, 1, 1] = sig_p[new] ** 2
            p0[:, 2, 2] = p0[:, 3, 3] = np.where(has_v[new], VEL_SIGMA_MPS, INIT_SPEED_SIGMA_MPS) ** 2
            self.P[r_new] = p0
        if old.any():
            r_old = rows[old]
            gap = t[old] - t_prev[old]
            predict_update_rows(self.x, self.P, r_old, gap, self.q_m2ps3, z[old], sig_p[old], has_v[old], VEL_SIGMA_MPS)
            # own reporting interval: exponentially smoothed, outlier gaps (> 3x the estimate) clipped
            prev = self.observed_interval_s[r_old]
            g = np.where(np.isfinite(prev), np.minimum(gap, 3.0 * prev), gap)
            self.observed_interval_s[r_old] = np.where(np.isfinite(prev),
                                                       (1 - self.gap_smoothing) * prev + self.gap_smoothing * g, g)
        self.t_s[rows] = t
        self.n_reports[rows] += 1
        self.msg_type[rows] = batch["msg_type"][idx]
        self.nav_status[rows] = batch["nav_status"][idx]
        self.heading_deg[rows] = batch["heading_deg"][idx]
        rot = batch["rot_deg_min"][idx]
        self.nominal_interval_s[rows] = nominal_interval_s(batch["msg_type"][idx], sog, batch["nav_status"][idx],
                                                           np.isfinite(rot) & (np.abs(rot) > 5.0))

    # ---------------------------------------------------------------- queries
    def expected_next_s(self, rows: npt.NDArray[np.intp] | None = None) -> FloatArray:
        """When each vessel's next position report is due (nan: no position yet); of the given rows only."""
        sel = slice(None) if rows is None else rows
        own = np.where(self.n_reports[sel] >= 3, self.observed_interval_s[sel], np.nan)
        interval = np.where(np.isfinite(own), own, self.nominal_interval_s[sel])
        return self.t_s[sel] + interval

    def snapshot(self, time_s: float, max_age_s: float = 600.0) -> AisSnapshot:
        """Vessels with a position report within max_age_s, dead-reckoned to time_s. An MMSI's twin (key
        TWIN_KEY + MMSI: a second transmitter using the MMSI) shows once it has reported twice (one
        wild position is a glitch, not a ship)."""
        # (no position yet: t_s NaN, and a comparison with NaN is False)
        live = np.flatnonzero((time_s - self.t_s <= max_age_s) & ((self.mmsi < TWIN_KEY) | (self.n_reports >= 2)))
        t_live = self.t_s[live]
        age = time_s - t_live
        x, p = predict_rows(self.x, self.P, live, np.maximum(age, 0.0), self.q_m2ps3)
        return AisSnapshot(time_s, self.mmsi[live], x, p, age, self.expected_next_s(live))

    def static_of(self, mmsi: int) -> dict[str, object]:
        """Static and voyage data of one vessel, absent values as None (API / tests, not the hot path)."""
        i = int(np.searchsorted(self.mmsi, mmsi))
        if i >= len(self.mmsi) or self.mmsi[i] != mmsi:
            raise KeyError(mmsi)
        out: dict[str, object] = {}
        for c in STATIC_COLUMNS:
            v = self.static[c][i]
            if c in _OBJ_STATIC:
                out[c] = v
            elif c == "draught_m":
                out[c] = None if not np.isfinite(v) else float(v)
            else:
                out[c] = None if v < 0 else int(v)
        return out


def _event_time(batch: Columns) -> FloatArray:
    """Sensor time, or the receive time where the sensor gave none."""
    obs = batch["observed_at"]
    return np.where(np.isfinite(obs), obs, batch["received_at"])


__all__ = ["AisSnapshot", "AisVesselState", "Columns", "Derived", "RowSpan", "nominal_interval_s"]
