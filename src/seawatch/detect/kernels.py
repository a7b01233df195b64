"""Compiled (numba) kernels of the detection engine's per-contact state updates, one loop over a cycle's rows.

An update cycle has a few hundred rows (one per contact). The timers (`core.Persistence`), the spells and
speed steadiness (`spell.py`) and the speed made good (`engine.note_made_good`) each update per-slot state
with ~20-40 small-array numpy calls, whose fixed cost, not their arithmetic, is the engine's: on the Florida
day they are a tenth of detection. Each kernel here does what its numpy reference does in one pass over the
rows, and computes the same numbers bit for bit: the same IEEE operations in the same order; `math.hypot`
and `sqrt` are the C library's / IEEE in both, and `exp` (numpy's own SIMD loop on some CPUs) stays in numpy,
outside the kernels. The references stay next to their callers and run with `SEAWATCH_NO_JIT=1`;
`tests/detect/test_detect_kernels.py` holds each kernel to its reference on random and edge-case inputs. They are
compiled with numpy's error model: a division by zero gives inf or NaN there too.

Slots within one call are distinct (one row per contact and cycle), so a loop over rows that reads and
writes each row's slot does what numpy's gather-compute-scatter does.
"""

from __future__ import annotations

import math

import numpy as np

from seawatch.ingest.nmea._jit import ENABLED, inline, jit_ieee

__all__ = ["ENABLED"]

_BIG = float(np.finfo(np.float64).max)


@inline
def _fill(v: float, nan: float) -> float:
    """`arrays.fill_nan` of one value: NaN -> nan, +-inf -> +-max float."""
    if math.isnan(v):
        return nan
    if v == math.inf:
        return _BIG
    if v == -math.inf:
        return -_BIG
    return v


@jit_ieee
def persistence_step(active: np.ndarray, since: np.ndarray, off: np.ndarray, slots: np.ndarray, t: np.ndarray,
                     enter: np.ndarray, stay: np.ndarray, min_d: np.ndarray,
                     clear_s: float, lapse_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`core.Persistence.step`: (opened, ongoing, closed row indices, close times)."""
    n = slots.shape[0]
    opened = np.empty(n, np.int64)
    ongoing = np.empty(n, np.int64)
    closed = np.empty(n, np.int64)
    close_t = np.empty(n)
    k_o = k_g = k_c = 0
    for r in range(n):
        s = slots[r]
        act = active[s]
        en, st = enter[r], stay[r]
        sv = since[s]
        ov = off[s]
        if not act:   # before it opens, a lapse shorter than lapse_s does not restart the timer
            if st or en:
                ov = math.nan
            elif not math.isnan(sv):
                if math.isnan(ov):
                    ov = t[r]
                if t[r] - ov >= lapse_s:
                    sv = math.nan
                    ov = math.nan
        if not act and en and math.isnan(sv):
            sv = t[r]
        op = (not act) and en and (t[r] - sv >= min_d[r])
        if act and st:
            ov = math.nan
        if act and not st and math.isnan(ov):
            ov = t[r]
        closing = act and (not st) and (t[r] - ov >= clear_s)
        if closing:
            closed[k_c] = r
            close_t[k_c] = ov
            k_c += 1
        active[s] = (act or op) and not closing
        since[s] = math.nan if closing else sv
        off[s] = math.nan if (closing or op) else ov
        if op:
            opened[k_o] = r
            k_o += 1
        if act and not closing:
            ongoing[k_g] = r
            k_g += 1
    return opened[:k_o], ongoing[:k_g], closed[:k_c], close_t[:k_c]


@jit_ieee
def spell_observe(x0: np.ndarray, y0: np.ndarray, t0: np.ndarray, sailed_m: np.ndarray, last_t: np.ndarray,
                  slots: np.ndarray, x: np.ndarray, y: np.ndarray, t: np.ndarray, sog_mps: np.ndarray,
                  running: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`spell.Spell.observe`: (made good m/s, straightness)."""
    n = slots.shape[0]
    good = np.empty(n)
    straight = np.empty(n)
    for r in range(n):
        s = slots[r]
        if not running[r] or math.isnan(t0[s]):
            x0[s], y0[s], t0[s] = x[r], y[r], t[r]
            sailed_m[s] = 0.0
            last_t[s] = t[r]
        else:
            dt = t[r] - last_t[s]
            if not dt >= 0.0 and not math.isnan(dt):   # np.maximum(dt, 0.0): NaN propagates
                dt = 0.0
            sailed_m[s] = sailed_m[s] + _fill(sog_mps[r], 0.0) * dt
            lt = last_t[s]
            last_t[s] = lt if (lt >= t[r] or math.isnan(lt)) else t[r]   # np.maximum
        span = t[r] - t0[s]
        made = math.hypot(x[r] - x0[s], y[r] - y0[s])
        good[r] = made / span if span >= 1.0 else math.nan
        if span >= 1.0 and sailed_m[s] > 0:
            v = made / sailed_m[s]
            straight[r] = v if (v <= 1.0 or math.isnan(v)) else 1.0   # np.minimum(v, 1.0)
        else:
            straight[r] = math.nan
    return good, straight


@jit_ieee
def steadiness_dt(sog_t: np.ndarray, slots: np.ndarray, t: np.ndarray) -> np.ndarray:
    """`spell.Steadiness.step`'s time since each row's last update (0 for a slot's first)."""
    n = slots.shape[0]
    dt = np.empty(n)
    for r in range(n):
        st = sog_t[slots[r]]
        if math.isnan(st):
            dt[r] = 0.0
        else:
            d = t[r] - _fill(st, 0.0)
            dt[r] = d if (d >= 0.0 or math.isnan(d)) else 0.0
    return dt


@jit_ieee
def steadiness_step(sog_mean: np.ndarray, sog_var: np.ndarray, sog_t: np.ndarray, sog_last: np.ndarray,
                    d_mean: np.ndarray, cog_last: np.ndarray, turn: np.ndarray, slots: np.ndarray, t: np.ndarray,
                    sog_mps: np.ndarray, cog_deg: np.ndarray, dt: np.ndarray, ea: np.ndarray,
                    eb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`spell.Steadiness.step` after `steadiness_dt`: ea = exp(-dt / tau_s), eb = exp(-dt / turn_tau_s) (numpy's)."""
    n = slots.shape[0]
    m_out = np.empty(n)
    jitter = np.empty(n)
    turn_out = np.empty(n)
    for r in range(n):
        s = slots[r]
        v = _fill(sog_mps[r], 0.0)
        first = math.isnan(sog_t[s])
        a = 1.0 if first else 1.0 - ea[r]
        m_old = v if first else sog_mean[s]
        m = m_old + a * (v - m_old)
        d = 0.0 if first else v - _fill(sog_last[s], 0.0)
        d_old = _fill(d_mean[s], 0.0)
        dm = 0.0 if first else d_old + a * (d - d_old)
        var = 0.0 if first else (1.0 - a) * (_fill(sog_var[s], 0.0) + a * (d - d_old) ** 2)
        sog_mean[s], sog_var[s], d_mean[s], sog_last[s] = m, var, dm, v
        st = _fill(sog_t[s], -math.inf)
        sog_t[s] = st if (st >= t[r] or math.isnan(t[r])) else t[r]   # np.fmax: NaN loses
        cog = cog_deg[r]
        turned = abs((cog - cog_last[s] + 180.0) % 360.0 - 180.0)
        ok = (not first) and dt[r] > 0 and math.isfinite(turned)
        b = 1.0 - eb[r] if ok else 0.0
        rate = turned / (dt[r] if dt[r] > 0 else 1.0) if ok else 0.0
        tr = 0.0 if first else _fill(turn[s], 0.0) + b * (rate - _fill(turn[s], 0.0))
        turn[s] = tr
        if math.isfinite(cog):
            cog_last[s] = cog
        m_out[r] = m
        jitter[r] = math.sqrt(var) / m if m > 0.5 else math.nan
        turn_out[r] = tr
    return m_out, jitter, turn_out


@jit_ieee
def made_good(path_m: np.ndarray, mg_x0: np.ndarray, mg_y0: np.ndarray, mg_t0: np.ndarray, mg_x1: np.ndarray,
              mg_y1: np.ndarray, mg_t1: np.ndarray, mg_p0: np.ndarray, mg_p1: np.ndarray, mg_kn: np.ndarray,
              mg_straight: np.ndarray, slots: np.ndarray, x: np.ndarray, y: np.ndarray, t: np.ndarray,
              prev_x: np.ndarray, prev_y: np.ndarray, prev_t: np.ndarray, half_s: float, to_kn: float) -> None:
    """`engine.note_made_good`."""
    for r in range(slots.shape[0]):
        s = slots[r]
        hop = math.hypot(x[r] - prev_x[r], y[r] - prev_y[r])
        if not (math.isfinite(hop) and t[r] - prev_t[r] <= 2 * half_s):
            hop = 0.0
        path_m[s] = _fill(path_m[s], 0.0) + hop
        t1 = mg_t1[s]
        shift = math.isnan(t1) or (t[r] - t1 >= half_s) or (t[r] < t1)
        if shift:
            mg_x0[s], mg_y0[s], mg_t0[s] = mg_x1[s], mg_y1[s], t1
            if t[r] - _fill(t1, -math.inf) > 2 * half_s:
                mg_t0[s] = math.nan   # not updated for a while (or back after being lost): no history
            mg_p0[s] = mg_p1[s]
            mg_x1[s], mg_y1[s], mg_t1[s] = x[r], y[r], t[r]
            mg_p1[s] = path_m[s]
        span = t[r] - mg_t0[s]
        made = math.hypot(x[r] - mg_x0[s], y[r] - mg_y0[s])
        good = made / span * to_kn
        v = made / (path_m[s] - mg_p0[s])
        straight = v if (v <= 1.0 or math.isnan(v)) else 1.0
        mg_kn[s] = good if span >= 60.0 else math.nan
        mg_straight[s] = straight if span >= 60.0 else math.nan


@jit_ieee
def stretch_groups(dense: np.ndarray, t: np.ndarray, starts: np.ndarray, limits: np.ndarray, n_ids: int) -> np.ndarray:
    """`engine._stretch`'s grouping of a backlog's parts: the index of each group's first part. Rows in time order;
    part k is rows starts[k]:starts[k+1] (the last ends at len(t)); dense: each row's contact as 0..n_ids-1. A part
    joins the open group while it ends within the group's limit of the group's first row and none of its contacts
    is in the group yet (a part may hold a contact twice); a group's limit is the least of its parts' `limits`."""
    n_parts = len(starts)
    mark = np.full(n_ids, -1, np.int64)   # the group that holds each contact
    first = np.empty(n_parts, np.int64)
    g = 0
    first[0] = 0
    t0 = t[starts[0]]
    lim = limits[0]
    for k in range(n_parts):
        a = starts[k]
        b = starts[k + 1] if k + 1 < n_parts else len(t)
        if k > 0:
            joined = min(lim, limits[k])
            ok = t[b - 1] - t0 <= joined
            if ok:
                for i in range(a, b):
                    if mark[dense[i]] == g:
                        ok = False
                        break
            if ok:
                lim = joined
            else:
                g += 1
                first[g] = k
                t0 = t[a]
                lim = limits[k]
        for i in range(a, b):
            mark[dense[i]] = g
    return first[: g + 1]
