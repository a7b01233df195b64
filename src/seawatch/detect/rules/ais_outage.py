"""ais_gap's receiver checks (rules/ais_gap.py), on their own: is a vessel's silence its own, or the receiver's?

A silence that several other vessels nearby began in the same minutes is a receiver outage (a station or its feed
down), not the vessel's: at least `outage_min_vessels` other MMSIs within `outage_radius_m`, last heard within
`outage_window_s` of it, still silent or heard again less than its own due silence ago (the receiver is back: its
silence counts from then). A silence of the whole feed (nobody heard for `min_gap_s`) that began with the vessel's
and another's counts from the feed's return. Crowded outages are found by bucketing (`_crowded`), so the check stays
linear in the vessels it silenced.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.detect.core import F64, I64, B


class OutageCheck:
    """The receiver-outage and feed-silence checks of `AisGap`, which holds their state (set up in its
    __init__: `quiet_from`, `quiet_to` per slot; `feed_t`, `feed_gap`)."""

    p: dict[str, Any]
    engine: Any
    quiet_from: np.ndarray
    quiet_to: np.ndarray
    feed_t: float
    feed_gap: tuple[float, float, int] | None

    def _silenced(self, f0: float, st: dict[str, np.ndarray]) -> int:
        """How many MMSIs the feed's silence from f0 silenced: last heard within `outage_window_s` before it."""
        h = st["last_ais_t"]
        m = st["last_mmsi"]
        return len(np.unique(m[(m > 0) & (h <= f0) & (h >= f0 - self.p["outage_window_s"])]))

    def _since_feed(self, heard: F64, now: float) -> F64:
        """When each silence, last heard at `heard`, counts from: the AIS feed's return, if the feed as a whole
        delivered nothing for `_witness_s` or more from within `outage_window_s` of it (a feed or receiver down),
        and that silenced at least one other vessel with it (one vessel's silence is no feed's: a lone vessel
        going dark is the whole feed's traffic); else its last report. A silence of the feed still going on
        holds it."""
        win = self.p["outage_window_s"]
        if np.isfinite(self.feed_t) and now - self.feed_t >= self._witness_s():
            st = {"last_ais_t": self.engine.memory.f["last_ais_t"][: self.engine.memory.n],
                  "last_mmsi": self.engine.memory.i["last_mmsi"][: self.engine.memory.n]}
            gap: tuple[float, float, int] | None = (self.feed_t, now, self._silenced(self.feed_t, st))
        else:
            gap = self.feed_gap
        if gap is None or gap[2] < 2:
            return heard
        f0, f1, _ = gap
        return np.where((heard <= f0) & (heard >= f0 - win), np.maximum(heard, f1), heard)

    def _witness_s(self) -> float:
        """How long another vessel must have been silent to witness an outage: a candidate's silence is first
        judged `min_gap_s` after its last report, and the others' last reports may have come up to
        `outage_window_s` after it (the same outage)."""
        return max(float(self.p["min_gap_s"]) - float(self.p["outage_window_s"]), 0.0)

    def _not_outage(self, cand: I64, per: F64, now: float, st: dict[str, np.ndarray],
                    wait: F64 | None = None) -> tuple[I64, F64]:
        """The candidates whose silence is their own, with their numbers `per` (one per candidate): fewer than
        `outage_min_vessels` other MMSIs within `outage_radius_m` went silent within `outage_window_s` of their
        last report and are still silent, or were heard again less than the candidate's `wait` (its own due
        silence; default `min_gap_s`) ago: the receiver is back, and its silence counts from then.
        st: the memory's `_OUTAGE_COLUMNS` as at `now` (`Cycle.memory_at`)."""
        p = self.p
        if p["outage_min_vessels"] <= 0:
            return cand, per
        wait = np.full(len(cand), float(p["min_gap_s"])) if wait is None else wait
        mmsi = st["last_mmsi"]
        heard = st["last_ais_t"]
        # an MMSI's latest report over all its contacts; the silent ones are the outage's witnesses
        known = np.flatnonzero((mmsi > 0) & np.isfinite(heard))
        order = known[np.lexsort((heard[known], mmsi[known]))]
        latest = order[np.r_[np.flatnonzero(np.diff(mmsi[order])), len(order) - 1]] if len(order) else order
        silent = now - heard[latest] >= self._witness_s()
        last = latest[silent]
        # ... and those heard again since a silence that began with the candidate's: witnesses until the candidate
        # has been silent for its own wait since
        back = latest[~silent]
        back = back[(self.quiet_to[back] <= now) & (now - self.quiet_to[back] < float(np.max(wait, initial=0.0)))]
        wx = np.concatenate([st["ais_x"][last], st["ais_x"][back]])
        wy = np.concatenate([st["ais_y"][last], st["ais_y"][back]])
        wt = np.concatenate([heard[last], self.quiet_from[back]])
        wm = np.concatenate([mmsi[last], mmsi[back]])
        w_back = np.concatenate([np.full(len(last), np.inf), self.quiet_to[back]])   # inf: still silent
        cx, cy, ct, cm = st["ais_x"][cand], st["ais_y"][cand], heard[cand], mmsi[cand]
        need_n = int(p["outage_min_vessels"])
        held = self._crowded(cx, cy, ct, wx[: len(last)], wy[: len(last)], wt[: len(last)], need_n + 1)
        todo = np.flatnonzero(~held)   # the rest against every witness: few (a crowded outage is held above)
        n_near = np.zeros(len(todo), np.int64)
        step = max(1, 1_000_000 // max(len(wt), 1))   # candidates x witnesses, a million pairs at a time
        for a in range(0, len(todo), step):
            b = todo[a:a + step]
            near = ((np.abs(wt[None, :] - ct[b, None]) <= p["outage_window_s"]) & (wm[None, :] != cm[b, None])
                    & (now - w_back[None, :] < wait[b, None])
                    & (np.hypot(wx[None, :] - cx[b, None], wy[None, :] - cy[b, None]) <= p["outage_radius_m"]))
            n_near[a:a + step] = np.count_nonzero(near, axis=1)
        held[todo] = n_near >= need_n
        return cand[~held], per[~held]

    def _crowded(self, cx: F64, cy: F64, ct: F64, wx: F64, wy: F64, wt: F64, n: int) -> B:
        """Per candidate: at least n still-silent witnesses (distinct MMSIs) share its bucket — a square whose
        diagonal is `outage_radius_m` and a time bin `outage_window_s` long, so every two in it are within both:
        an outage for sure, found in time linear in the vessels (pairs of every candidate and witness are not)."""
        p = self.p
        side, win = p["outage_radius_m"] / np.sqrt(2.0), p["outage_window_s"]
        out = np.zeros(len(cx), bool)
        if not len(wx) or side <= 0 or win <= 0:
            return out

        def keys(x: F64, y: F64, t: F64) -> tuple[npt.NDArray[np.int64], B]:
            ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(t)
            k = np.stack([np.floor(np.where(ok, v, 0.0) / d) for v, d in ((x, side), (y, side), (t, win))], 1)
            return k.astype(np.int64), ok

        wk, wok = keys(wx, wy, wt)
        uniq, count = np.unique(wk[wok], axis=0, return_counts=True)
        busy = uniq[count >= n]
        if not len(busy):
            return out
        ck, cok = keys(cx, cy, ct)
        view = np.dtype((np.void, 3 * 8))
        out[cok] = np.isin(np.ascontiguousarray(ck[cok]).view(view).ravel(),
                           np.ascontiguousarray(busy).view(view).ravel())
        return out
