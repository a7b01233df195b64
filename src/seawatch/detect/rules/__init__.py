"""One module per alert type (DESIGN.md's alert vocabulary); RULES maps the type to its rule class."""

from __future__ import annotations

from seawatch.detect.core import Rule
from seawatch.detect.rules.ais_gap import AisGap
from seawatch.detect.rules.ais_spoofing import AisSpoofing
from seawatch.detect.rules.border_crossing import BorderCrossing
from seawatch.detect.rules.dark_target import DarkTarget
from seawatch.detect.rules.high_speed import HighSpeed
from seawatch.detect.rules.loitering import Loitering
from seawatch.detect.rules.rendezvous import Rendezvous
from seawatch.detect.rules.shore_approach import ShoreApproach
from seawatch.detect.rules.watchlist import Watchlist
from seawatch.detect.rules.zone_entry import ZoneEntry
from seawatch.detect.rules.zone_loiter import ZoneLoiter

RULES: dict[str, type[Rule]] = {r.type: r for r in (
    DarkTarget, AisGap, AisSpoofing, ZoneEntry, ZoneLoiter, BorderCrossing, Rendezvous, Loitering, HighSpeed,
    ShoreApproach, Watchlist)}

__all__ = ["RULES"]
