"""Per-contact risk score in [0, 1]: its open alerts combined with context.

    alerts  = 1 − Π (1 − w_type · s_severity)           over the contact's open alerts
    context = 1 − Π (1 − c_k)                          over the context flags that hold
    risk    = 1 − (1 − alerts) · (1 − context)

w_type is how much a behaviour alone says about smuggling or a threat to infrastructure; s_severity is
0.5 / 0.7 / 0.85 / 1.0 for low / medium / high / critical. The context flags: dark (radar, no AIS) 0.25,
fast (≥ 25 kn) 0.25, heading for the shore away from a port within 20 min 0.25, night (sun below −6°)
0.15 — but night only counts together with another flag (a fishing boat at night is not a risk by
itself). A dark go-fast heading for a beach at night therefore scores 1 − 0.75³ · 0.85 = 0.64 before any
alert is open, 0.89 with its high_speed (high) and shore_approach (critical) alerts, above 0.9 with its
dark_target too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seawatch.arrays import fill_nan
from seawatch.detect.core import DESCRIBE_EVERY_S
from seawatch.geo.sun import sun_elevation_deg
from seawatch.model.contact import ContactKind
from seawatch.model.units import KN_TO_MPS

TYPE_WEIGHT = {
    "dark_target": 0.35, "ais_gap": 0.35, "ais_spoofing": 0.5, "zone_entry": 0.6, "zone_loiter": 0.45,
    "border_crossing": 0.5, "rendezvous": 0.6, "loitering": 0.2, "high_speed": 0.4, "shore_approach": 0.55,
    "watchlist": 0.6,
}
SEVERITY_WEIGHT = {"low": 0.5, "medium": 0.7, "high": 0.85, "critical": 1.0}
C_DARK, C_FAST, C_SHORE, C_NIGHT = 0.25, 0.25, 0.25, 0.15
FAST_MPS = 25.0 * KN_TO_MPS
SHORE_HORIZON_S = 1200.0


class RiskModel:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._revision, self._refreshed_t = -1, -np.inf

    def _context(self, slots: np.ndarray, now: float) -> np.ndarray:
        mem = self.engine.memory
        dark = mem.i["kind"][slots] == int(ContactKind.RADAR_ONLY)
        sog = fill_nan(mem.f["sog_mps"][slots])
        fast = sog >= FAST_MPS
        shore = np.zeros(len(slots), bool)
        z = self.engine.zones
        moving = (sog > 2.0) & np.isfinite(mem.f["cog_deg"][slots])   # an unknown course heads nowhere (not north)
        if z is not None and z.has_coast and moving.any():
            m = np.flatnonzero(moving)
            x, y = mem.f["x"][slots[m]], mem.f["y"][slots[m]]
            dist, hx, hy = z.coast_ray(x, y, mem.f["cog_deg"][slots[m]],
                                       np.minimum(sog[m] * SHORE_HORIZON_S, 30_000.0))
            hit = np.isfinite(dist)
            if hit.any():
                away = ~z.any_within(fill_nan(hx), fill_nan(hy), ("port", "anchorage"), 3000.0)
                shore[m[hit & away]] = True
        night = sun_elevation_deg(np.full(len(slots), now), mem.f["lat"][slots], mem.f["lon"][slots]) < -6.0
        keep = 1.0 - C_DARK * dark
        keep = keep * (1.0 - C_FAST * fast) * (1.0 - C_SHORE * shore)
        other = dark | fast | shore
        keep = keep * (1.0 - C_NIGHT * (night & other))
        return 1.0 - keep

    def _alert_part(self) -> dict[int, float]:
        keep: dict[int, float] = {}
        for a in self.engine.book.open_by_key.values():
            w = TYPE_WEIGHT.get(a.type, 0.3) * SEVERITY_WEIGHT.get(a.severity, 0.7)
            for tid in a.track_ids:
                keep[tid] = keep.get(tid, 1.0) * (1.0 - w)
        return {k: 1.0 - v for k, v in keep.items()}

    def refresh(self, cyc: Any) -> None:
        """Score the contacts of open alerts and set each open alert's score to its highest contact's: when
        the set of open alerts changed, else at most every DESCRIBE_EVERY_S (as their summaries). An alert
        that opened and closed since the last refresh (an instant one: a border crossing, an identity change)
        is scored once, as if open, with its own weight."""
        book = self.engine.book
        done = [a for a in book.unscored if a.end is not None]   # (open ones are scored with every open alert)
        book.unscored = []
        if not book.open_by_key and not done:
            return
        if not done and book.revision == self._revision and cyc.now - self._refreshed_t < DESCRIBE_EVERY_S:
            return
        self._revision, self._refreshed_t = book.revision, float(cyc.now)
        part = self._alert_part()
        ids = np.array(sorted(set(part) | {t for a in done for t in a.track_ids}), np.int64)
        slots = self.engine.memory.find(ids)
        ctx = np.zeros(len(ids))
        known = slots >= 0
        ctx[known] = self._context(slots[known], cyc.now)
        keep = {int(i): (1.0 - part.get(int(i), 0.0)) * (1.0 - c) for i, c in zip(ids, ctx)}
        for a in book.open_by_key.values():
            a.score = max(1.0 - keep[t] for t in a.track_ids) if a.track_ids else 0.0
        for a in done:
            own = 1.0 - TYPE_WEIGHT.get(a.type, 0.3) * SEVERITY_WEIGHT.get(a.severity, 0.7)
            a.score = max(1.0 - keep[t] * own for t in a.track_ids) if a.track_ids else 0.0

    def scores(self, now: float) -> dict[int, float]:
        mem = self.engine.memory
        slots = np.flatnonzero(mem.f["last_t"][: mem.n] >= now - self.engine.stale_s)
        ctx = self._context(slots, now)
        part = self._alert_part()
        ids = mem.i["contact_id"][slots]
        return {int(i): float(1.0 - (1.0 - part.get(int(i), 0.0)) * (1.0 - c)) for i, c in zip(ids, ctx)}
