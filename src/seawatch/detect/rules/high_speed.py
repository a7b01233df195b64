"""high_speed: speed above the go-fast threshold (default 25 kn) for >= 2 min, above all small dark boats.

Hysteresis in value: opens at >= speed_kn, stays open down to speed_kn - hysteresis_kn.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from seawatch.detect.core import B, ContactRule, Cycle


class HighSpeed(ContactRule):
    type = "high_speed"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "speed_kn": 25.0,  # go-fast threshold
        "hysteresis_kn": 2.0,
        "min_duration_s": 120.0,
        "clear_s": 60.0,
        "identified_speed_kn": 25.0,  # threshold for contacts with an AIS identity (raise for fast ferries)
        "max_speed_kn": 80.0,  # above this it is a tracking error, not a boat
    }

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        p = self.p
        thr = np.where(cyc.identified, p["identified_speed_kn"], p["speed_kn"])
        kn = cyc.sog_kn
        sane = kn <= p["max_speed_kn"]
        return (kn >= thr) & sane, (kn >= thr - p["hysteresis_kn"]) & sane

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        kn = float(cyc.sog_kn[r])
        mx = self.prior(cyc, r, "max_speed_kn", kn)
        dark = bool(cyc.dark[r])
        small = not (cyc.length_m[r] >= 30.0)
        sev = "high" if dark else ("medium" if small else "low")
        who = "dark contact" if dark else f"MMSI {int(cyc.mmsi[r])}" if cyc.mmsi[r] > 0 else "contact"
        return {"severity": sev,
                "summary": f"High speed: {who} {int(cyc.contact_id[r])} at {kn:.0f} kn (max {mx:.0f} kn), "
                           f"course {float(np.nan_to_num(cyc.cog_deg[r])):.0f}°.",
                "evidence": {"speed_kn": kn, "max_speed_kn": mx, "threshold_kn": self.p["speed_kn"],
                             "cog_deg": float(cyc.cog_deg[r]), "dark": dark}}
