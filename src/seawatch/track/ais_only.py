"""The AIS-only picture over a batch's update steps at once: what `Pipeline` emits step by step without radar.

Without a radar track (an AIS-only site, or a radar site with nothing confirmed), the pipeline's picture at an
update step t is every AIS vessel heard within `max_age_s`, dead-reckoned to t (`AisVesselState.snapshot`), and
what it emits is (`Pipeline._emit`, `_shown`):

- the vessels whose last report is less than one update period old (all of them on a heartbeat step), each its
  contact row at t;
- a `LOST` row at t for each vessel of the previous step's picture that is gone from this one (silent for more
  than `max_age_s`), with its state as it was shown at the previous step.

Step by step this is a snapshot, a fusion table and a dozen small-array calls per step, for the ~17 reports of
a 5 s step on a sparse feed (the Florida day: 17,279 steps). `AisOnlySteps` makes the same rows with the AIS
state updated step by step as before (the same spans, so the same state), but at each step it only *records*
the rows to emit (their state rows' filter state and static data as at that step, a few gathers); the contact
rows of all the batch's steps are then computed at once (`contact_columns`). `ais_only_pass` does the updates
and the recording of every step in one compiled pass; `AisOnlySteps` is its numpy reference. The same numbers,
row for row and in the same order (`tests/pipeline/test_ais_only.py` compares the three on recordings with
twins, vessels timing out, a late report and static data arriving late).

A vessel gone between two steps needs no comparison of the two pictures: it was in the previous one and not in
this one exactly when its last report is older than `max_age_s` now and was not at the previous step (a vessel
heard in between is in this picture), its twin status (shown once it reported twice) being unchanged since. That
holds while no report applied is already too old to show at its step (`reports_too_old`: it would move the
vessel's last report time without putting it in the picture); the pipeline goes step by step for a batch that
has one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.model.contact import ContactKind, TrackStatus
from seawatch.model.observation import Kind
from seawatch.track.ais_filter import predict_rows
from seawatch.track.ais_state import TWIN_KEY, AisVesselState, Derived, RowSpan, ais_class_of, real_mmsi
from seawatch.track.fusion import AIS_ONLY_ID_OFFSET

FloatArray = npt.NDArray[np.float64]
_AIS_ONLY = int(ContactKind.AIS_ONLY)
_SENSORS_AIS = np.empty(1, dtype=object)   # one shared tuple, as Pipeline's rows have
_SENSORS_AIS[0] = ("ais",)
# static columns an emitted row carries (Pipeline._identity)
STATIC = ("name", "callsign", "imo", "ship_type", "to_bow_m", "to_stern_m")
IDENTITY = (*STATIC, "ais_class")  # what a recorded row keeps of its vessel (`static_of`)


@dataclass(frozen=True, slots=True)
class Recorded:
    """The rows a batch's steps emit, before they are made contact rows (`contact_columns`): per row its state
    key, emission time, the time its state is shown at (the emission time, or one period before for a LOST
    row), its last report's time, filter state, whether it is a LOST row, and its static data (`STATIC`)."""

    key: npt.NDArray[np.int64]
    t: FloatArray
    base: FloatArray
    t_s: FloatArray
    x: FloatArray
    p: FloatArray
    lost: npt.NDArray[np.bool_]
    static: dict[str, npt.NDArray[Any]]


@dataclass
class _Records:
    """Rows recorded at the steps of a batch, to be made into contact rows at once."""

    t: list[FloatArray] = field(default_factory=list)        # emission time of each row
    base: list[FloatArray] = field(default_factory=list)     # the time its state is shown at (t, or t - period)
    key: list[npt.NDArray[np.int64]] = field(default_factory=list)
    t_s: list[FloatArray] = field(default_factory=list)      # its last report's time
    x: list[FloatArray] = field(default_factory=list)
    p: list[FloatArray] = field(default_factory=list)
    lost: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    static: dict[str, list[npt.NDArray[Any]]] = field(default_factory=lambda: {c: [] for c in IDENTITY})


class AisOnlySteps:
    """Records what each AIS-only update step emits (`step`), then hands all of it over (`recorded`, for
    `contact_columns`): the numpy form of `ais_only_pass`, for where numba is off (``SEAWATCH_NO_JIT=1``) or the
    batch has no AIS row. ``prev_t``: the step before the first, if its picture was shown non-empty (only then
    can a vessel be gone at the first step), else NaN."""

    def __init__(self, ais: AisVesselState, period_s: float, heartbeat_s: float, max_age_s: float,
                 prev_t: float) -> None:
        self.ais = ais
        self.period_s = period_s
        self.heartbeat_s = heartbeat_s
        self.max_age_s = max_age_s
        self._prev_t = prev_t
        self._rec = _Records()

    def step(self, t: float) -> None:
        """Record the rows emitted at t (the AIS state being as at t)."""
        ais, p, prev_t = self.ais, self.period_s, self._prev_t
        age = t - ais.t_s                     # NaN for a row without a position: every comparison False
        shows = (ais.mmsi < TWIN_KEY) | (ais.n_reports >= 2)
        live = shows & (age <= self.max_age_s)
        beat = math.floor(t / self.heartbeat_s) != math.floor((t - p) / self.heartbeat_s)
        cur = np.flatnonzero(live) if beat else np.flatnonzero(shows & (age < p))
        # gone: shown at the step before (prev_t NaN: nothing was), silent too long now
        gone = np.flatnonzero(shows & (age > self.max_age_s) & (prev_t - ais.t_s <= self.max_age_s))
        self._prev_t = t if live.any() else math.nan
        n_cur, n = len(cur), len(cur) + len(gone)
        if not n:
            return
        rows = np.concatenate([cur, gone]) if len(gone) else cur
        r = self._rec
        key = ais.mmsi[rows]
        r.key.append(key)
        r.t_s.append(ais.t_s[rows])
        r.x.append(ais.x[rows])
        r.p.append(ais.P[rows])
        r.t.append(np.full(n, t))
        base = np.full(n, t)
        base[n_cur:] = prev_t
        r.base.append(base)
        lost = np.zeros(n, bool)
        lost[n_cur:] = True
        r.lost.append(lost)
        st = static_of(ais, key, rows)
        for c in IDENTITY:
            r.static[c].append(st[c])

    def recorded(self) -> Recorded | None:
        """Every row recorded, in step order (None: none)."""
        r = self._rec
        if not r.key:
            return None
        return Recorded(np.concatenate(r.key), np.concatenate(r.t), np.concatenate(r.base), np.concatenate(r.t_s),
                        np.concatenate(r.x), np.concatenate(r.p), np.concatenate(r.lost),
                        {c: np.concatenate(v) for c, v in r.static.items()})


def run_steps(ais: AisVesselState, batch: Any, derived: Derived | None, times: list[float], uptos: list[int],
              period_s: float, heartbeat_s: float, max_age_s: float, prev_t: float) -> Recorded | None:
    """`ais_only_pass.run_pass` in numpy (`AisOnlySteps`): the AIS state updated span by span as the pipeline's
    step loop does, each step's rows recorded; None if no step emits a row."""
    steps = AisOnlySteps(ais, period_s, heartbeat_s, max_age_s, prev_t)
    done = 0
    for step_t, upto in zip(times, uptos):
        if upto > done:
            ais.update(RowSpan(batch, done, upto, derived), receivers=False)
            done = upto
        steps.step(step_t)
    return steps.recorded()


def static_of(ais: AisVesselState, key: npt.NDArray[np.int64],
              rows: npt.NDArray[np.int64] | None = None) -> dict[str, npt.NDArray[Any]]:
    """The static data (`STATIC`) of each state key as the state holds it now, and its transponder class
    (`IDENTITY`): its MMSI's (a twin's is its MMSI's), absent (None / -1) where the state has no row of that MMSI,
    as `Pipeline._identity` gives it. rows: the keys' own rows, when the caller has them (used as they are when no
    key is a twin's)."""
    if rows is None or (key >= TWIN_KEY).any():
        rows = ais.rows_of(real_mmsi(key))
    hit = rows >= 0
    if hit.all():
        return {**{c: ais.static[c][rows] for c in STATIC}, "ais_class": ais_class_of(ais.msg_type[rows])}
    out: dict[str, npt.NDArray[Any]] = {}
    for c in STATIC:
        col = ais.static[c]
        v = np.full(len(key), None if col.dtype == object else -1, dtype=col.dtype)
        v[hit] = col[rows[hit]]
        out[c] = v
    cls = np.full(len(key), -1, np.int8)
    cls[hit] = ais_class_of(ais.msg_type[rows[hit]])
    out["ais_class"] = cls
    return out


def reports_too_old(batch: Any, derived: Derived, times: list[float], uptos: list[int], max_age_s: float,
                    start: int = 0) -> bool:
    """Is a position report among the batch's rows start..uptos[-1] already too old to show at the step that
    applies it (step k applies the rows up to uptos[k])? Such a report (a late relay, a time from a wrong clock)
    moves its vessel's last report time without putting it in the picture, so whether the vessel was in the
    previous step's picture no longer follows from the state (this module's docstring): the pipeline then goes
    step by step."""
    stop = uptos[-1]
    if stop <= start:
        return False
    rows = np.arange(start, stop)
    t = derived.event_t_s[start:stop]
    pos = (batch["kind"][start:stop] == int(Kind.AIS_POSITION)) & (batch["mmsi"][start:stop] > 0) & np.isfinite(t)
    if not pos.any():
        return False
    step_t = np.asarray(times, np.float64)[np.searchsorted(np.asarray(uptos), rows[pos], side="right")]
    return bool((step_t - t[pos] > max_age_s).any())


def contact_columns(rec: Recorded, q_m2ps3: float) -> tuple[dict[str, npt.NDArray[Any]], FloatArray, FloatArray]:
    """The contact columns (without lat/lon) of recorded rows, and their local x, y: each row's state
    dead-reckoned to the time it is shown at, as `AisVesselState.snapshot` and `Pipeline._contacts` make it."""
    key = rec.key
    n = len(key)
    age = rec.base - rec.t_s
    x, cov = predict_rows(rec.x, rec.p, np.arange(n), np.maximum(age, 0.0), q_m2ps3)
    vx, vy = x[:, 2], x[:, 3]
    status = np.where(rec.lost, int(TrackStatus.LOST), int(TrackStatus.CONFIRMED)).astype(np.uint8)
    cols: dict[str, npt.NDArray[Any]] = {
        "contact_id": AIS_ONLY_ID_OFFSET + key, "t": rec.t, "kind": np.full(n, _AIS_ONLY, np.uint8),
        "status": status, "sog_mps": np.hypot(vx, vy), "cog_deg": np.mod(np.degrees(np.arctan2(vx, vy)), 360.0),
        "var_e_m2": cov[:, 0, 0], "var_n_m2": cov[:, 1, 1], "cov_en_m2": cov[:, 0, 1],
        "radar_track_id": np.full(n, -1, np.int64), "mmsi": real_mmsi(key),
        **identity_columns(rec.static), "ais_age_s": age, "sensors": _SENSORS_AIS[np.zeros(n, np.intp)],
        "track_score": np.full(n, np.nan), "track_plots": np.full(n, -1, np.int32), "track_born_t": np.full(n, np.nan),
    }
    return cols, x[:, 0], x[:, 1]


def identity_columns(st: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """The contact columns of a vessel's identity (name, call sign, IMO, ship type, length, AIS class) from what
    `static_of` gives."""
    bow, stern = st["to_bow_m"].astype(np.float64), st["to_stern_m"].astype(np.float64)
    return {"name": st["name"], "callsign": st["callsign"], "imo": st["imo"].astype(np.int64),
            "ship_type": st["ship_type"].astype(np.int16),
            "length_m": np.where((bow >= 0) & (stern >= 0), bow + stern, np.nan), "ais_class": st["ais_class"]}


__all__ = ["IDENTITY", "STATIC", "AisOnlySteps", "Recorded", "contact_columns", "identity_columns", "reports_too_old",
           "run_steps", "static_of"]
