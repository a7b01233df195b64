"""loitering: one vessel slow (< 2 kn) for >= 1 h away from ports and anchorages.

Not raised for vessels whose lingering is their trade or another alert's business: fishing vessels,
sailing and pleasure craft (AIS ship types 30, 36, 37), vessels within `coast_margin_m` of the shore
(moored at a berth or beach the zones file does not list), vessels at a learned anchorage, vessels authorised at a platform, and contacts already in a zone_loiter
alert (the more specific one). A stay that starts again within `resume_gap_s` of its alert's close (a ship at
anchor far out whose reports stopped for over the engine's stale time, or that swung above the speed for a
few minutes) is the same alert again, re-opened at once and counted from the first stay's start.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from seawatch.arrays import member
from seawatch.detect.core import B, ContactRule, Cycle


class Loitering(ContactRule):
    type = "loitering"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "speed_kn": 2.0,
        "hysteresis_kn": 1.0,
        "min_duration_s": 3600.0,
        "clear_s": 300.0,
        # before it opens, a move off shorter than this does not restart its hour (Persistence). 0: a site may set
        # 300 against a mother ship that repositions now and then; at 300 the scenarios raised vessels waiting
        # for a rendezvous (86 min dark and stopped) as loitering, 3 false alarms in 54 runs
        "lapse_s": 0.0,
        "harbour_distance_m": 5000.0,
        "exempt_ship_types": [30, 36, 37],  # fishing, sailing, pleasure craft: stopping at sea is their trade
        "coast_margin_m": 1500.0,  # moored at a berth or a beach not in the zones file
        "resume_gap_s": 3600.0,  # a stay starting again this soon after its alert closed re-opens that alert
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        z = engine.zones
        self._field: set[int] = set()
        if z is not None:
            for zone in z.zones:
                if zone.kind == "platform":
                    self._field |= set(zone.authorized_mmsi)
        self._exempt_types = np.array([int(v) for v in self.p["exempt_ship_types"]], np.int64)
        self.book.merge_gap_by_type[self.type] = float(self.p["resume_gap_s"])

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        stay = cyc.slow_kn < self.p["speed_kn"] + self.p["hysteresis_kn"]
        if not stay.any():
            return stay, stay
        st = np.asarray(cyc.ship_type, np.int64)
        stay &= ~member(st, self._exempt_types)
        if self._field:
            stay &= ~member(cyc.mmsi, np.fromiter(self._field, np.int64))
        stay &= ~cyc.near_harbour(self.p["harbour_distance_m"], where=stay)
        stay &= ~cyc.near_coast(self.p["coast_margin_m"], where=stay)
        stay &= ~cyc.at_learned_anchorage()
        for r in np.flatnonzero(stay):
            if self.book.get("zone_loiter", int(cyc.contact_id[r])) is not None:
                stay[r] = False
        enter = stay & (cyc.slow_kn < self.p["speed_kn"])
        return enter, stay

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        since = float(self.timer.since[cyc.slot[r]])
        cid = int(cyc.contact_id[r])
        before = self.book.resumable(self.type, cid, float(cyc.t[r])) if opening else self.book.get(self.type, cid)
        if before is not None:   # the stay of this alert, maybe resumed: counted from its first start
            since = min(since, float(before.evidence.get("loiter_since_t", since)))
        dur = float(cyc.t[r]) - since if not math.isnan(since) else 0.0
        dark = bool(cyc.dark[r])
        return {"severity": "medium" if dark else "low",
                "summary": f"Loitering: {cyc.who(r)} below {self.p['speed_kn']:.0f} kn for "
                           f"{dur / 60:.0f} min away from ports and anchorages.",
                "evidence": {"speed_kn": float(cyc.slow_kn[r]), "loiter_since_t": since, "loiter_duration_s": dur,
                             "dark": dark}}
