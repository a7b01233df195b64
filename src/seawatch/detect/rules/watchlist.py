"""watchlist: a contact whose MMSI, IMO, name or call sign is on the site's watchlist appears.

Open while the contact is seen; closed when it has not been updated for the engine's stale time. A listed vessel
whose AIS goes quiet stays in its alert, which keeps the entry it matched (its reason) and the vessel's name.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from seawatch.detect.core import F64, I64, B, ContactRule, Cycle


def _norm(s: Any) -> str:
    return " ".join(str(s).upper().split()) if s is not None else ""


class Watchlist(ContactRule):
    type = "watchlist"
    DEFAULTS: ClassVar[dict[str, Any]] = {"enabled": True, "min_duration_s": 0.0, "clear_s": 0.0}

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        wl = engine.site.watchlist
        self.mmsi = np.array([e.mmsi for e in wl if e.mmsi is not None], np.int64)
        self.imo = np.array([e.imo for e in wl if e.imo is not None], np.int64)
        # a blank name or callsign matches nothing (an unnamed contact's is "" too)
        self.names = {_norm(e.name): e for e in wl if _norm(e.name)}
        self.calls = {_norm(e.callsign): e for e in wl if _norm(e.callsign)}
        self.entries = wl
        self.listed = np.zeros(0, bool)   # per slot: matched the list since it was last seen (dark now, still it)
        self.entry = np.zeros(0, np.int64)   # per slot: the index of the entry it last matched (-1: none)
        engine.memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"listed": False, "entry": -1}

    @property
    def enabled(self) -> bool:
        return bool(self.p["enabled"]) and bool(self.entries)

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        hit = np.isin(cyc.mmsi, self.mmsi) & (cyc.mmsi > 0)
        hit |= np.isin(cyc.imo, self.imo) & (cyc.imo > 0)
        if self.names:
            hit |= np.array([_norm(v) in self.names for v in cyc.name], bool)
        if self.calls:
            hit |= np.array([_norm(v) in self.calls for v in cyc.callsign], bool)
        mem_hit = np.isin(cyc.prev_mmsi, self.mmsi) & (cyc.prev_mmsi > 0)  # it went dark: still the listed vessel
        was = self.listed[cyc.slot]   # matched by name, IMO or callsign before: still it, its AIS quiet or not
        self.listed[cyc.slot] = was | hit
        for r in np.flatnonzero(hit).tolist():   # a match is rare: which entry, kept for when its AIS goes quiet
            self.entry[cyc.slot[r]] = self._entry_index(cyc, r)
        return hit, hit | mem_hit | was

    def expire(self, slots: I64, last_t: F64) -> None:
        super().expire(slots, last_t)
        self.listed[slots] = False
        self.entry[slots] = -1

    def _entry_index(self, cyc: Cycle, r: int) -> int:
        for k, e in enumerate(self.entries):
            if ((e.mmsi is not None and e.mmsi in (int(cyc.mmsi[r]), int(cyc.prev_mmsi[r])))
                    or (e.imo is not None and e.imo == int(cyc.imo[r]))
                    or (_norm(e.name) and _norm(e.name) == _norm(cyc.name[r]))
                    or (_norm(e.callsign) and _norm(e.callsign) == _norm(cyc.callsign[r]))):
                return k
        return -1

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        k = self._entry_index(cyc, r)
        k = k if k >= 0 else int(self.entry[cyc.slot[r]])   # its AIS quiet now: the entry it matched when heard
        e = self.entries[k] if k >= 0 else None
        m = int(cyc.mmsi[r]) if cyc.mmsi[r] > 0 else int(cyc.prev_mmsi[r])
        name = cyc.name[r] or (self.engine.statics.of(m).name if m > 0 else None) or (e.name if e is not None else None)
        reason = e.reason if e is not None and e.reason else "listed"
        return {"severity": "high", "mmsi": [m] if m > 0 else [],
                "summary": f"Watchlist: {name or 'vessel'} (MMSI {m}) is in the picture — {reason}.",
                "evidence": {"reason": reason, "matched": {k: getattr(e, k) for k in ("mmsi", "imo", "name", "callsign")
                                                           if e is not None and getattr(e, k)},
                             "speed_kn": float(cyc.sog_kn[r])}}
