"""watchlist: a vessel whose MMSI, IMO, name or call sign is on the site's watchlist is in the picture.

One alert per watchlist entry in the picture, whichever contacts carry the vessel: the pipeline names a fused
contact by its MMSI and a dark one by its radar track id, so a listed vessel that switches its AIS off goes on
as another contact on the same radar track, and one that takes another MMSI (the way to slip a watchlist) as
another fused contact on it. A contact is the listed vessel when it matches the entry itself, when its AIS
went quiet after it did, or when its radar track carried a listed MMSI lately (`TrackIdentity.carried`). The
alert keeps the entry it matched (its reason) and the vessel's name, gathers every contact that carried it,
and closes when the last of them has gone (not updated for the engine's stale time, or lost).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from seawatch.detect.core import (
    DESCRIBE_EVERY_S,
    ELSEWHERE_M,
    F64,
    I64,
    IDENTITY_MEMORY_S,
    B,
    ContactRule,
    Cycle,
)


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
        self.carried_mmsi = np.zeros(0, np.int64)   # per slot: the listed MMSI its radar track carried (0: none)
        engine.memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"listed": False, "entry": -1, "carried_mmsi": 0}

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
        # its radar track carried a listed MMSI: gone dark (a new contact, the track's), or another MMSI now
        track = cyc.cache.get("radar_track_id")
        carried = np.zeros(len(cyc), np.int64)
        if track is not None and len(self.mmsi):
            on = np.flatnonzero(~hit & (track >= 0))
            carried[on] = self.engine.track_identity.carried(track[on], cyc.x[on], cyc.y[on], cyc.now,
                                                             self.engine.memory, IDENTITY_MEMORY_S, ELSEWHERE_M,
                                                             self.mmsi)
        via_track = carried > 0
        self.carried_mmsi[cyc.slot[via_track]] = carried[via_track]
        was = self.listed[cyc.slot]   # matched by name, IMO or callsign before: still it, its AIS quiet or not
        self.listed[cyc.slot] = was | hit | via_track
        for r in np.flatnonzero(hit | via_track).tolist():   # a match is rare: which entry, kept for later
            self.entry[cyc.slot[r]] = self._entry_index(cyc, r)
        return hit | via_track, hit | via_track | mem_hit | was

    def process(self, cyc: Cycle) -> None:
        """The contacts' timers as every contact rule's; the alert is the entry's (one per listed vessel)."""
        enter, stay = self.conditions(cyc)
        opened, ongoing, closed, close_t = self.timer.step(cyc.slot, cyc.t, enter, stay)
        for r in opened.tolist():
            self._show(cyc, r)
        for r in ongoing.tolist():
            if stay[r]:
                self._show(cyc, r)
        if len(closed):
            self._gone(cyc.slot[closed], close_t)

    def _show(self, cyc: Cycle, r: int) -> None:
        """Open the alert of row r's entry, or add the row's contact to it and refresh it every DESCRIBE_EVERY_S."""
        k = int(self.entry[cyc.slot[r]])
        if k < 0:
            return
        cid, t = int(cyc.contact_id[r]), float(cyc.t[r])
        key = ("entry", k)   # not a contact id: no contact rule's machinery (resumable by id, continuity) takes it
        a = self.book.get(self.type, key)
        if a is not None and cid in a.track_ids and t - a.last_t < DESCRIBE_EVERY_S:
            return
        d = self.describe(cyc, r, a is None)
        if a is None:
            a = self.book.open(self.type, key, t, severity=d["severity"], lat=float(cyc.lat[r]), lon=float(cyc.lon[r]),
                               track_ids=[cid], mmsi=d["mmsi"], zone=None, summary=d["summary"],
                               evidence=d["evidence"])
            if cid not in a.track_ids:   # re-opened within the merge gap under another contact
                a.track_ids.append(cid)
            return
        new = cid not in a.track_ids
        if new:
            a.track_ids.append(cid)
        self.book.update(self.type, key, t, severity=d["severity"], lat=float(cyc.lat[r]), lon=float(cyc.lon[r]),
                         summary=d["summary"], evidence=d["evidence"], mmsi=d["mmsi"], force=new)

    def _gone(self, slots: I64, end_t: F64) -> None:
        """Contacts of listed vessels gone at end_t: an entry's alert closes (at the latest of them) once no other
        contact carries it."""
        ends: dict[int, float] = {}
        for s, t in zip(slots.tolist(), end_t.tolist()):
            k = int(self.entry[s])
            if k >= 0:
                ends[k] = max(ends.get(k, -np.inf), float(t))
        self._clear(slots)
        n = self.engine.memory.n
        for k, t in ends.items():
            if not ((self.entry[:n] == k) & self.timer.active[:n]).any():
                self.book.close(self.type, ("entry", k), t)

    def expire(self, slots: I64, last_t: F64) -> None:
        # a contact whose behaviour had already stopped (its stay failing since `off`) ended then
        off = self.timer.off[slots].copy()
        was = np.isin(slots, self.timer.expire(slots))
        self._gone(slots[was], np.fmin(last_t[was], off[was]))
        self._clear(slots)

    def _clear(self, slots: I64) -> None:
        """Slots whose contacts are gone carry no listed vessel any more."""
        self.entry[slots], self.listed[slots], self.carried_mmsi[slots] = -1, False, 0

    def _entry_index(self, cyc: Cycle, r: int) -> int:
        carried = int(self.carried_mmsi[cyc.slot[r]])
        for k, e in enumerate(self.entries):
            if ((e.mmsi is not None and e.mmsi in (int(cyc.mmsi[r]), int(cyc.prev_mmsi[r]), carried))
                    or (e.imo is not None and e.imo == int(cyc.imo[r]))
                    or (_norm(e.name) and _norm(e.name) == _norm(cyc.name[r]))
                    or (_norm(e.callsign) and _norm(e.callsign) == _norm(cyc.callsign[r]))):
                return k
        return -1

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        s = cyc.slot[r]
        k = int(self.entry[s])   # the entry it matched (its AIS quiet now, or on another MMSI: the one it matched)
        e = self.entries[k] if k >= 0 else None
        listed_m = e.mmsi if e is not None and e.mmsi is not None else 0
        m = int(cyc.mmsi[r]) if cyc.mmsi[r] > 0 else int(cyc.prev_mmsi[r]) if cyc.prev_mmsi[r] > 0 else 0
        m = m or int(self.carried_mmsi[s])
        if cyc.name[r] and (not listed_m or m == listed_m):
            name = cyc.name[r]
        else:   # its AIS quiet, or another MMSI's name now: the listed vessel's
            name = self.engine.statics.of(listed_m or m).name if (listed_m or m) else None
        name = name or (e.name if e is not None else None)
        reason = e.reason if e is not None and e.reason else "listed"
        dark = bool(cyc.dark[r])
        if dark:
            how = f", dark (radar contact {int(cyc.contact_id[r])})"
        elif listed_m and m and m != listed_m:
            how = f", now transmitting MMSI {m}"
        else:
            how = ""
        shown = listed_m or m
        return {"severity": "high", "mmsi": sorted({x for x in (m, listed_m) if x > 0}),
                "summary": f"Watchlist: {name or 'vessel'} (MMSI {shown}){how} is in the picture — {reason}.",
                "evidence": {"reason": reason, "matched": {f: getattr(e, f) for f in ("mmsi", "imo", "name", "callsign")
                                                           if e is not None and getattr(e, f)},
                             "speed_kn": float(cyc.sog_kn[r]), "contact_id": int(cyc.contact_id[r]),
                             "dark": dark,
                             "mmsi_now": m if m > 0 and m != listed_m else None}}
