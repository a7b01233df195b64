"""dark_target: a radar track with no correlated AIS for >= 5 min inside AIS coverage.

A contact outside AIS reception is not dark (nothing could have heard it). Contacts inside a port are
left alone (small harbour craft without AIS are normal there), and a radar track explained by an
ais_spoofing alert (its AIS is being broadcast elsewhere) is that alert's business.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from seawatch.detect.core import B, ContactRule, Cycle
from seawatch.model.contact import TrackStatus
from seawatch.model.units import MPS_TO_KN


class DarkTarget(ContactRule):
    type = "dark_target"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "min_duration_s": 300.0,  # DESIGN.md: >= 5 min
        "clear_s": 120.0,  # AIS back (or out of cover) this long closes it
        "coverage_fraction": 0.95,  # inside this fraction of an AIS station's range
        "port_margin_m": 500.0,  # within this of a port polygon: not alerted
        "fast_kn": 15.0,  # a dark contact this fast is "high"
    }

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        p = self.p
        confirmed = (cyc.status == int(TrackStatus.CONFIRMED)) | (cyc.status == int(TrackStatus.COASTING))
        ex = self.engine.explained
        explained = np.array([ex.get(int(c), -np.inf) >= cyc.now - 300.0 for c in cyc.contact_id], bool) \
            if ex else np.zeros(len(cyc), bool)
        dark = cyc.dark & ~explained
        if not dark.any():
            return dark, dark
        cover = cyc.in_ais_cover(p["coverage_fraction"])
        harbour = cyc.near_harbour(p["port_margin_m"])
        enter = dark & confirmed & cover & ~harbour
        stay = dark & cyc.in_ais_cover(1.0)
        return enter, stay

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        sog_kn = float(np.nan_to_num(cyc.sog_mps[r]) * MPS_TO_KN)
        max_kn = self.prior(cyc, r, "max_speed_kn", sog_kn)
        since = float(self.timer.since[cyc.slot[r]]) if opening else float(
            self.book.get(self.type, int(cyc.contact_id[r])).evidence.get("dark_since_t", cyc.t[r]))  # type: ignore[union-attr]
        dur = float(cyc.t[r]) - since
        night = bool(cyc.night()[r])
        sev = "high" if max_kn >= self.p["fast_kn"] or night else "medium"
        last = int(cyc.prev_mmsi[r])
        who = f"contact {int(cyc.contact_id[r])}" + (f" (last AIS MMSI {last})" if last > 0 else "")
        return {"severity": sev, "mmsi": [last] if last > 0 else [],
                "summary": f"Dark target: {who} tracked by radar without AIS for {dur / 60:.0f} min inside AIS "
                           f"coverage, {sog_kn:.1f} kn{' at night' if night else ''}.",
                "evidence": {"dark_since_t": since, "dark_duration_s": dur, "speed_kn": sog_kn,
                             "max_speed_kn": max_kn, "night": night, "last_mmsi": last if last > 0 else None}}
