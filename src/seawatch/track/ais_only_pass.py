"""The compiled form of `AisOnlySteps`: an AIS-only batch's steps in one pass over its reports.

Per update step, `Pipeline` hands the AIS state the reports of that step (`AisVesselState.update`, some forty
small-array calls) and `AisOnlySteps.step` records the rows it emits. Here one kernel does both for every step
of the batch: each position report is applied in time order as `AisVesselState._apply` applies it (a report
older than its vessel's state is dropped and counted; one no ship could reach from its MMSI's track goes to
the MMSI's twin, which starts afresh from a report it could not reach either; `ais_apply.apply_one` is the
arithmetic of both), and at each step the rows it emits are written to preallocated output arrays, in the
order `AisOnlySteps.step` records them. The state is the same bit for bit (the same row functions, in the same
order per vessel: each vessel's reports are applied one after the other whether in rounds or in one pass).

The kernel hands back to Python what it cannot do (`_NEED_TWIN`: a report for a twin that has no row yet, made
by `AisVesselState._rows_for`; `_FULL`: the output arrays are full; `_STATIC`: a step whose reports include
static data, applied by `AisVesselState._update_static` before the step's rows are recorded), and is called
again from where it stopped. The emitted rows' static data (name, dimensions) is gathered by their keys: for the
rows recorded so far, just before static data is applied, and for the rest at the end.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea._jit import inline, jit
from seawatch.model.observation import Kind
from seawatch.track import ais_apply
from seawatch.track.ais_filter import ABSENT_VEL_VAR, row_scratch
from seawatch.track.ais_only import IDENTITY, Recorded, static_of
from seawatch.track.ais_state import (
    INIT_SPEED_SIGMA_MPS,
    JUMP_MIN_M,
    JUMP_MPS,
    KN,
    POS_SIGMA_ACCURATE_M,
    POS_SIGMA_DEFAULT_M,
    TWIN_KEY,
    VEL_SIGMA_MPS,
    AisVesselState,
    Derived,
)

FloatArray = npt.NDArray[np.float64]
_DONE, _NEED_TWIN, _FULL, _STATIC = 0, 1, 2, 3


@inline
def _jumps(x: np.ndarray, r: int, z: np.ndarray, i: int, t: float, tp: float, jump_min: float,
           jump_mps: float) -> bool:
    """Is report i out of reach of state row r, last reported at tp (NaN: no state, never)? (`_apply`'s test:
    over jump_min from where the row says the vessel is, at more than jump_mps.)"""
    if not math.isfinite(tp):
        return False
    jm = math.hypot(z[i, 0] - (x[r, 0] + x[r, 2] * (t - tp)), z[i, 1] - (x[r, 1] + x[r, 3] * (t - tp)))
    return jm > jump_min and jm / max(t - tp, 1.0) > jump_mps


@jit
def _pass_kernel(x: np.ndarray, p: np.ndarray, t_s: np.ndarray, n_reports: np.ndarray, msg_type_s: np.ndarray,
                 nav_status_s: np.ndarray, heading_s: np.ndarray, obs_int: np.ndarray, nom_int: np.ndarray,
                 keys: np.ndarray, twin_row: np.ndarray,
                 r_row: np.ndarray, r_t: np.ndarray, z: np.ndarray, sig_p: np.ndarray, has_v: np.ndarray,
                 r_msg: np.ndarray, r_nav: np.ndarray, r_head: np.ndarray, r_rot: np.ndarray, r_sog: np.ndarray,
                 step_t: np.ndarray, step_end: np.ndarray, step_static: np.ndarray, k0: int, i0: int,
                 static_done: bool, prev_t: float, params: np.ndarray, twin_key: int,
                 o_key: np.ndarray, o_t: np.ndarray, o_base: np.ndarray, o_ts: np.ndarray, o_x: np.ndarray,
                 o_p: np.ndarray, o_lost: np.ndarray, n_out: int,
                 counts: np.ndarray) -> tuple[int, int, int, int, float]:
    """From step k0, report i0: (status, step, report, rows written, prev_t after it). prev_t: the step before,
    if its picture was non-empty (a vessel can be gone from it), else NaN. counts: [reports dropped as late,
    reports applied to twins]."""
    q, vel_sigma, init_speed_sigma, absent_var, smoothing, kn = (params[0], params[1], params[2], params[3],
                                                                 params[4], params[5])
    jump_min, jump_mps, period, heartbeat, max_age = params[6], params[7], params[8], params[9], params[10]
    s, low, kt, nu, xp, pp = row_scratch()
    vel_var = vel_sigma * vel_sigma
    n_rows = keys.shape[0]
    i = i0
    for k in range(k0, step_t.shape[0]):
        if step_static[k] and not (k == k0 and static_done):
            return _STATIC, k, i, n_out, prev_t
        while i < step_end[k]:
            r = r_row[i]
            t = r_t[i]
            tp = t_s[r]
            if t < tp:            # older than the vessel's state (False where it has none: tp NaN)
                counts[0] += 1
                i += 1
                continue
            target = r
            if _jumps(x, r, z, i, t, tp, jump_min, jump_mps):   # another transmitter: the MMSI's twin
                target = twin_row[r]
                if target < 0:
                    return _NEED_TWIN, k, i, n_out, prev_t
                tp = t_s[target]
                if t < tp:
                    counts[0] += 1
                    i += 1
                    continue
                if _jumps(x, target, z, i, t, tp, jump_min, jump_mps):   # the twin is off too: it starts afresh
                    tp = np.nan
                counts[1] += 1
            ais_apply.apply_one(x, p, t_s, n_reports, msg_type_s, nav_status_s, heading_s, obs_int, nom_int,
                                target, i, t, tp, z, sig_p[i], has_v[i], r_msg[i], r_nav[i], r_head[i], r_rot[i],
                                r_sog[i], q, vel_var, vel_sigma, init_speed_sigma, absent_var, smoothing, kn, s,
                                low, kt, nu, xp, pp)
            i += 1
        if n_out + n_rows > o_key.shape[0]:   # a step writes each row at most once
            return _FULL, k, i, n_out, prev_t
        # the step's rows (AisOnlySteps.step): shown ones in key order, then the vessels gone since the last step
        t = step_t[k]
        beat = math.floor(t / heartbeat) != math.floor((t - period) / heartbeat)
        live_any = False
        for lost in range(2):   # the rows shown, then (after a non-empty picture) those gone since it
            if lost and not math.isfinite(prev_t):
                break
            for r in range(n_rows):
                ts = t_s[r]
                if not math.isfinite(ts) or not (keys[r] < twin_key or n_reports[r] >= 2):
                    continue
                age = t - ts
                if lost:
                    take = age > max_age and prev_t - ts <= max_age
                else:
                    live = age <= max_age
                    live_any = live_any or live
                    take = live if beat else age < period
                if take:
                    o_key[n_out] = keys[r]
                    o_t[n_out] = t
                    o_base[n_out] = prev_t if lost else t
                    o_ts[n_out] = ts
                    o_x[n_out] = x[r]
                    o_p[n_out] = p[r]
                    o_lost[n_out] = lost == 1
                    n_out += 1
        prev_t = t if live_any else np.nan
    return _DONE, step_t.shape[0], i, n_out, prev_t


def _twin_rows(ais: AisVesselState) -> npt.NDArray[np.int64]:
    """Per state row, the row of its MMSI's twin (-1: none)."""
    out = np.full(len(ais.mmsi), -1, np.int64)
    twins = np.flatnonzero(ais.mmsi >= TWIN_KEY)
    if len(twins):
        # a twin key whose MMSI has no row (not expected: a twin's first report was its MMSI's) is nobody's twin
        of = ais.rows_of(ais.mmsi[twins] - TWIN_KEY)
        out[of[of >= 0]] = twins[of >= 0]
    return out


def first_capacity(n_reports: int, n_vessels: int) -> int:
    """Rows the output arrays first hold (they grow when a step could overflow them): a batch's reports plus a
    few heartbeats of every vessel."""
    return max(n_reports + 4 * n_vessels, 1024)


class _Out:
    """The kernel's output arrays, grown when full, and the static data of the rows written so far."""

    def __init__(self, cap: int) -> None:
        self.n, self.resolved = 0, 0
        self.a = self._alloc(cap)
        self.static: dict[str, list[npt.NDArray[Any]]] = {c: [] for c in IDENTITY}

    @staticmethod
    def _alloc(cap: int) -> dict[str, npt.NDArray[Any]]:
        return {"key": np.empty(cap, np.int64), "t": np.empty(cap), "base": np.empty(cap), "t_s": np.empty(cap),
                "x": np.empty((cap, 4)), "p": np.empty((cap, 4, 4)), "lost": np.empty(cap, np.bool_)}

    def grow(self, need: int) -> None:
        cap = max(2 * len(self.a["key"]), self.n + need)
        new = self._alloc(cap)
        for name, arr in self.a.items():
            new[name][: self.n] = arr[: self.n]
        self.a = new

    def resolve(self, ais: AisVesselState) -> None:
        """Static data of the rows written since the last call, as the state holds it now."""
        if self.resolved == self.n:
            return
        st = static_of(ais, self.a["key"][self.resolved:self.n])
        for c in IDENTITY:
            self.static[c].append(st[c])
        self.resolved = self.n

    def recorded(self) -> Recorded | None:
        """The rows written (None: none)."""
        n, a = self.n, self.a
        if not n:
            return None
        return Recorded(a["key"][:n], a["t"][:n], a["base"][:n], a["t_s"][:n], a["x"][:n], a["p"][:n],
                        a["lost"][:n], {c: np.concatenate(v) for c, v in self.static.items()})


def run_pass(ais: AisVesselState, batch: Any, derived: Derived, times: list[float], uptos: list[int],
             period_s: float, heartbeat_s: float, max_age_s: float, prev_t: float) -> Recorded | None:
    """The steps `times` of an AIS-only batch (step k applies its rows up to `uptos[k]`, as
    `Pipeline.process_xy`), in one compiled pass: the rows they emit (None: none). prev_t: the step before the first, if its
    picture was shown non-empty, else NaN. The AIS state is left as after the last step."""
    upto = uptos[-1]
    kind, mmsi = batch["kind"][:upto], batch["mmsi"][:upto]
    t_all = derived.event_t_s[:upto]
    use = (mmsi > 0) & np.isfinite(t_all)
    is_report = use & (kind == int(Kind.AIS_POSITION))
    is_pos = is_report & np.isfinite(batch["lat"][:upto]) & np.isfinite(batch["lon"][:upto])
    is_static = use & (kind == int(Kind.AIS_STATIC))
    # each row's step: the span of rows the step applies (as `update` applies a span: sorted by event time)
    span = np.searchsorted(np.asarray(uptos), np.arange(upto), side="right")
    pos = np.flatnonzero(is_pos)
    pos = pos[np.lexsort((t_all[pos], span[pos]))]
    # every MMSI's row now, as `update` makes one for each report it selects (twins' rows come later)
    ais.add_rows(mmsi[np.flatnonzero(is_report | is_static)])
    cog, sog = batch["cog_deg"][pos], batch["sog_mps"][pos]
    has_v = np.isfinite(sog) & np.isfinite(cog)
    z = np.column_stack([derived.x_m[pos], derived.y_m[pos], sog * np.sin(np.deg2rad(cog)),
                         sog * np.cos(np.deg2rad(cog))])
    sig_p = np.where(batch["position_accuracy"][pos] == 1, POS_SIGMA_ACCURATE_M, POS_SIGMA_DEFAULT_M)
    reports = (np.ascontiguousarray(ais.rows_of(mmsi[pos])), np.ascontiguousarray(t_all[pos], np.float64), z,
               sig_p.astype(np.float64), has_v, np.ascontiguousarray(batch["msg_type"][pos], np.int16),
               np.ascontiguousarray(batch["nav_status"][pos], np.int16),
               np.ascontiguousarray(batch["heading_deg"][pos], np.float64),
               np.ascontiguousarray(batch["rot_deg_min"][pos], np.float64), np.ascontiguousarray(sog, np.float64))
    step_end = np.searchsorted(span[pos], np.arange(len(times)), side="right").astype(np.int64)
    static_rows = np.flatnonzero(is_static)
    static_rows = static_rows[np.lexsort((t_all[static_rows], span[static_rows]))]
    static_step = span[static_rows]
    step_static = np.zeros(len(times), np.bool_)
    step_static[static_step] = True
    params = np.array([ais.q_m2ps3, VEL_SIGMA_MPS, INIT_SPEED_SIGMA_MPS, ABSENT_VEL_VAR, ais.gap_smoothing, KN,
                       JUMP_MIN_M, JUMP_MPS, period_s, heartbeat_s, max_age_s])
    out = _Out(first_capacity(len(pos), len(ais.mmsi)))
    counts = np.zeros(2, np.int64)
    k, i, static_at = 0, 0, -1   # static_at: the step whose static data is applied
    twin_row = _twin_rows(ais)
    step_t = np.asarray(times, np.float64)
    while True:
        status, k, i, out.n, prev_t = _pass_kernel(
            ais.x, ais.P, ais.t_s, ais.n_reports, ais.msg_type, ais.nav_status, ais.heading_deg,
            ais.observed_interval_s, ais.nominal_interval_s, ais.mmsi, twin_row, *reports, step_t, step_end,
            step_static, k, i, static_at == k, prev_t, params, TWIN_KEY, out.a["key"], out.a["t"], out.a["base"],
            out.a["t_s"], out.a["x"], out.a["p"], out.a["lost"], out.n, counts)
        if status == _DONE:
            break
        if status == _NEED_TWIN:   # the twin's row (twin keys sort after every MMSI: MMSI rows stay put)
            ais.add_rows(np.array([int(ais.mmsi[reports[0][i]]) + TWIN_KEY], np.int64))
            twin_row = _twin_rows(ais)
        elif status == _FULL:
            out.grow(len(ais.mmsi))
        else:   # _STATIC: the rows recorded so far keep the static data they had; then this step's
            out.resolve(ais)
            sel = static_rows[static_step == k]
            ais.apply_static(batch, sel)
            static_at = k
    out.resolve(ais)
    ais.n_out_of_order += int(counts[0])
    ais.n_twin_reports += int(counts[1])
    return out.recorded()


__all__ = ["run_pass"]
