"""How a contact moved during a rule's spell: the distance made good against the distance its speed sailed.

A clutter track in a rough sea is confirmed by the tracker and then wanders: its filtered speed reads
15-70 kn while it gets nowhere, its course swings by a hundred degrees. A boat, fast or slow, makes good
about what it sails. Rules that judge speed or course (high_speed, shore_approach, dark_target) keep one
`Spell` per contact slot, anchored where their behaviour's timer started, and hold the alert back while
the track's straightness — made good / sailed — says it is not going anywhere. Clutter tracks that do
drift somewhere still give themselves away by their speed, which jumps between 15 and 80 kn where a boat
at 40 kn holds it within a few knots: `Spell` also keeps each contact's speed mean and the jitter of its
speed changes over the last `steady_tau_s` (exponentially weighted, not reset by spells): that part does
not depend on the rule, so the engine keeps one `Steadiness` and each cycle computes it once.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from seawatch.arrays import fill_nan
from seawatch.detect import kernels
from seawatch.detect.slots import SlotState

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


class Spell(SlotState):
    """Per contact slot, one rule's spell: where it started and how far the track sailed since."""

    def __init__(self) -> None:
        self.x0, self.y0, self.t0 = np.zeros(0), np.zeros(0), np.zeros(0)
        self.sailed_m, self.last_t = np.zeros(0), np.zeros(0)
        self.held_t = np.zeros(0)  # when the rule last held the contact back (ContactRule.held_min_duration)
        self.sigma0_m = np.zeros(0)  # the position's standard deviation where the spell started (NaN: not known)

    slot_fields: ClassVar[dict[str, Any]] = dict.fromkeys(("x0", "y0", "t0", "sailed_m", "last_t", "held_t", "sigma0_m"),
                                                          np.nan)

    def observe(self, slots: I64, x: F64, y: F64, t: F64, sog_mps: F64, running: B, sigma_m: F64 | None = None,
                jit: bool = kernels.ENABLED) -> tuple[F64, F64]:
        """Advance every row's spell (rows not `running` start one here); returns (made good m/s, straightness).
        A spell that starts at a row keeps the row's position standard deviation (`sigma_m`, if given) as
        `sigma0_m`: how far its start may lie from where the vessel was.

        straightness = distance made good / distance sailed at the filtered speed (1 = a straight line);
        NaN while the spell is shorter than a second or nothing was sailed. Slots distinct; with `jit`, the
        compiled `kernels.spell_observe`, else this numpy reference (the same, bit for bit)."""
        new = ~running | np.isnan(self.t0[slots])   # a spell starts at these rows
        if sigma_m is not None:
            self.sigma0_m[slots[new]] = sigma_m[new]
        if jit:
            return kernels.spell_observe(self.x0, self.y0, self.t0, self.sailed_m, self.last_t, slots, x, y, t,
                                         sog_mps, running)
        s_new = slots[new]
        self.x0[s_new], self.y0[s_new], self.t0[s_new] = x[new], y[new], t[new]
        self.sailed_m[s_new] = 0.0
        self.last_t[s_new] = t[new]
        old = ~new
        s_old = slots[old]
        dt = np.maximum(t[old] - self.last_t[s_old], 0.0)
        self.sailed_m[s_old] += fill_nan(sog_mps[old]) * dt
        self.last_t[s_old] = np.maximum(self.last_t[s_old], t[old])
        span = t - self.t0[slots]
        made = np.hypot(x - self.x0[slots], y - self.y0[slots])
        with np.errstate(invalid="ignore", divide="ignore"):
            good = np.where(span >= 1.0, made / span, np.nan)
            straight = np.where((span >= 1.0) & (self.sailed_m[slots] > 0), made / self.sailed_m[slots], np.nan)
        return good, np.minimum(straight, 1.0)


class Steadiness(SlotState):
    """Per contact slot, the speed's mean and jitter over ~steady_tau_s (shared by the rules)."""

    def __init__(self, steady_tau_s: float = 40.0, turn_tau_s: float = 120.0) -> None:
        self.tau_s, self.turn_tau_s = float(steady_tau_s), float(turn_tau_s)
        self.sog_mean, self.sog_var, self.sog_t = np.zeros(0), np.zeros(0), np.zeros(0)
        self.sog_last, self.d_mean = np.zeros(0), np.zeros(0)
        self.cog_last, self.turn = np.zeros(0), np.zeros(0)

    slot_fields: ClassVar[dict[str, Any]] = dict.fromkeys(
        ("sog_mean", "sog_var", "sog_t", "sog_last", "d_mean", "cog_last", "turn"), np.nan)

    def step(self, slots: I64, t: F64, sog_mps: F64, cog_deg: F64,
             jit: bool = kernels.ENABLED) -> tuple[F64, F64, F64]:
        """Update and return each row's (speed mean m/s, speed jitter) over ~steady_tau_s, and its mean rate of
        course change (deg/s, exponentially weighted over ~turn_tau_s).

        A boat at speed turns now and then and holds its course between turns: its course changes by well
        under a degree a second on average over two minutes. A sea-clutter track that hops between plots
        swings its course by tens of degrees every update.

        The jitter is the spread of the speed's update-to-update changes around their own trend, over the
        mean speed: a boat that accelerates steadily changes its speed by the same amount each update (no
        jitter), one at a steady 40 kn by a knot or two; a clutter track jumps by 10-30 kn either way.

        Slots distinct; with `jit`, the compiled `kernels.steadiness_step` (numpy's exp outside it), else this
        numpy reference (the same, bit for bit)."""
        if jit:
            dt = kernels.steadiness_dt(self.sog_t, slots, t)
            return kernels.steadiness_step(self.sog_mean, self.sog_var, self.sog_t, self.sog_last, self.d_mean,
                                           self.cog_last, self.turn, slots, t, sog_mps,
                                           np.asarray(cog_deg, np.float64), dt, np.exp(-dt / self.tau_s),
                                           np.exp(-dt / self.turn_tau_s))
        v = fill_nan(sog_mps)
        first = np.isnan(self.sog_t[slots])
        dt = np.where(first, 0.0, np.maximum(t - fill_nan(self.sog_t[slots]), 0.0))
        a = np.where(first, 1.0, 1.0 - np.exp(-dt / self.tau_s))
        m_old = np.where(first, v, self.sog_mean[slots])
        m = m_old + a * (v - m_old)
        d = np.where(first, 0.0, v - fill_nan(self.sog_last[slots]))    # change since the last update
        d_old = fill_nan(self.d_mean[slots])
        d_mean = np.where(first, 0.0, d_old + a * (d - d_old))
        var = np.where(first, 0.0, (1.0 - a) * (fill_nan(self.sog_var[slots]) + a * (d - d_old) ** 2))
        self.sog_mean[slots], self.sog_var[slots], self.d_mean[slots], self.sog_last[slots] = m, var, d_mean, v
        self.sog_t[slots] = np.fmax(fill_nan(self.sog_t[slots], nan=-np.inf), t)
        cog = np.asarray(cog_deg, np.float64)
        turned = np.abs((cog - self.cog_last[slots] + 180.0) % 360.0 - 180.0)
        ok = ~first & (dt > 0) & np.isfinite(turned)
        b = np.where(ok, 1.0 - np.exp(-dt / self.turn_tau_s), 0.0)
        rate = np.where(ok, turned / np.where(dt > 0, dt, 1.0), 0.0)
        turn = np.where(first, 0.0, fill_nan(self.turn[slots]) + b * (rate - fill_nan(self.turn[slots])))
        self.turn[slots] = turn
        self.cog_last[slots] = np.where(np.isfinite(cog), cog, self.cog_last[slots])
        with np.errstate(invalid="ignore", divide="ignore"):
            jitter = np.where(m > 0.5, np.sqrt(var) / m, np.nan)
        return m, jitter, turn
