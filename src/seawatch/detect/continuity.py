"""Continuity of a dark contact's alerts across a break of its radar track.

A boat the radar sees on few scans loses its track and gets a new one a minute or three later, under a new
contact id: the same boat, the same behaviour, but without this the operator gets a second `high_speed` or
`dark_target` alert for it. When a radar-only contact is born where a radar-only contact lost within
`GAP_S` (the alert book's merge gap) would be by now (its last position dead-reckoned, within `BASE_M` plus
`SHARE` of the distance run), the lost one's closed alerts are handed on: a behaviour of the new contact that
opens within `alerts.CONTINUE_WITHIN_S` (15 min) of its birth re-opens that alert (same id, same start)
instead of a new one. Nothing else changes: the new contact's rules still wait their own minimum durations. One lost contact
goes to one newborn (the nearest).

A boat that slows or stops as its track breaks is not where its last speed would have taken it, and the track's last
rows are often its prediction coasting on at that speed (the boat's plots fall outside its gate, which is why it
breaks). So when no newborn is where the lost one would be, one born near the path from its last *measured* position
(`hit_*` in the contact memory) to where that speed would have taken it since (within the same distance of that
segment) continues it: the boat slowed somewhere along its way (cigarette-run's runner stopping at the meeting point,
stop 35). And as the old track coasts on, the boat's plots may already have started a new track, confirmed before
the old one is dropped: a radar-only contact first seen since the lost one's last measured row, where (by the same
gates) the boat could have been at its first row, continues it too, unless its own alert of that type is open.

An heir can be a young track that is lost in its turn before it opened anything: a few plots, its speed still far
from the boat's (cigarette-run 113: a runner at 30 kn, its track lost, a 2-plot track at "10 kn" took its alert,
was dropped 30 s later, and the next track on the runner was nowhere near where 10 kn would have put it). Its alerts
go on from where it would be, and failing that from where the contact it took them from would be (`_Lost.prior`:
that one's last measured row, within `GAP_S` of it).

Two boats lying together share the radar's view of the spot: when one leaves at speed, its plots fall outside its
still track's gate and start a new track, while the old one stays on, fed by its partner's echo, until it is
dropped as the partner's duplicate. So a lost radar-only contact that made good little (< `LEFT_FROM_KN`) and ended
beside another contact (within `BESIDE_M` at its last measured row) is continued by a radar-only contact first seen
from `LEFT_WITHIN_S` before that row (before the loss, or after it like any heir), at >= `LEFT_KN` (now: a track
confirmed as its boat races off may first read a few knots), whose course from where it was first seen, run back,
passes where the lost one lay (within `BASE_M`, plus how far it moved since): the boat that left the
meeting (cigarette-run's runner leaving the carrier, every seed). Not the partner itself, nor a contact with every
alert handed on open already (the partner's own new track, moving off from the spot with its alert).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from seawatch.detect.alerts import CONTINUE_WITHIN_S
from seawatch.detect.core import ContactRule, Cycle
from seawatch.model.contact import ContactKind
from seawatch.model.units import MPS_TO_KN

GAP_S = 300.0     # a contact lost this recently can be continued
BASE_M = 500.0    # the newborn within this of the lost one's dead-reckoned position ...
SHARE = 0.25      # ... plus this share of the distance it would have run

BESIDE_M = 300.0       # a lost contact whose last measured position was this near another's ...
LEFT_FROM_KN = 10.0    # ... having made good less than this (lying with it, or moving off slowly with it), was
# beside it: its last plots may be its partner's
LEFT_WITHIN_S = 600.0  # a contact first seen moving away from there this long before (at >= LEFT_KN) left it
LEFT_KN = 5.0

Lost = tuple[float, float, float, float, float]   # x, y, vx, vy, t
Types = tuple[tuple[str, int, float], ...]   # (type, key of the closed alert, when the boat was last seen on an heir)


@dataclass(frozen=True)
class _Lost:
    """A lost contact whose closed alerts a newborn may continue."""

    at: Lost                  # x, y, vx, vy at its last row, and that row's time
    hit: Lost | None          # the same from its last measured row (None: a heir near its path took it already)
    types: Types              # each alert it hands on
    track: int                # the radar track it carried last (-1: none)
    dark: bool                # radar-only: also continued by position
    lay: Lost | None          # its last measured row if it lay beside another contact then (`_beside`), else None
    prior: Lost | None = None  # an heir lost before it opened: the last measured row of the contact it took them from

    def source(self) -> Lost:
        """What an heir of this one keeps as where its alerts came from (`Continuity.handed`): the contact that
        carried them last measured, if this one never opened them; else this one's last measured row."""
        return self.prior or self.hit or self.at


class Continuity:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.types = tuple(r.type for r in engine.rules if isinstance(r, ContactRule))  # keyed by contact id
        self.recent: dict[int, _Lost] = {}   # lost contacts with closed alerts, by contact id
        self.handed: dict[int, Lost] = {}    # heir -> the last measured row of the contact it continues

    def lost(self, slots: np.ndarray) -> None:
        """Contacts gone (their alerts closed by now): remember those that had alerts, radar-only or on a radar
        track. A radar-only one already followed by a newborn (`_born_before`) hands its alerts on at once."""
        book = self.engine.book
        mem, closed, cont = self.engine.memory, book.closed_by_key, book.continued
        for s in slots.tolist():
            dark, track = mem.i["kind"][s] == int(ContactKind.RADAR_ONLY), int(mem.i["radar_track"][s])
            if not dark and track < 0:
                continue
            cid = int(mem.i["contact_id"][s])
            # its own closed alerts, or those it was to continue and did not open yet (an heir lost in its turn, still
            # within CONTINUE_WITHIN_S of its birth: the boat was last seen on it, not when that alert closed) and
            # would have re-opened (`continues`: born within the merge gap of when the boat was last seen before)
            last_t = float(mem.f["last_t"][s])
            types = tuple((t, cid, -np.inf) if (t, cid) in closed else (t, cont[(t, cid)][0][1], last_t)
                          for t in self.types
                          if (t, cid) in closed or (book.continues((t, cid)) is not None
                                                    and last_t - cont[(t, cid)][1] <= CONTINUE_WITHIN_S))
            prior = self.handed.pop(cid, None)
            if not types:
                continue
            if any(seen_t == -np.inf for _, _, seen_t in types):
                prior = None   # it opened an alert of its own: its own track is the boat's
            v = float(np.nan_to_num(mem.f["sog_mps"][s]))
            a = np.radians(float(np.nan_to_num(mem.f["cog_deg"][s])))
            vx, vy = v * np.sin(a), v * np.cos(a)
            at = (float(mem.f["x"][s]), float(mem.f["y"][s]), vx, vy, last_t)
            hit = ((float(mem.f["hit_x"][s]), float(mem.f["hit_y"][s]), vx, vy, float(mem.f["hit_t"][s]))
                   if np.isfinite(mem.f["hit_t"][s]) else at)
            lay = hit if dark and self._beside(s, hit) else None
            took = self._born_before(s, cid, hit, types, prior) if dark else None
            if lay is not None and took is None and self._left_beside(cid, lay, types, last_t):
                took = "ahead"
            if took != "ahead":   # one near its path only may be clutter: one where it would be may still take it
                self.recent[cid] = _Lost(at, None if took else hit, types, track, bool(dark), lay, prior)

    def _born_before(self, s: int, cid: int, hit: Lost, types: Types, prior: Lost | None) -> str | None:
        """Hand the lost contact's closed alerts to a radar-only contact already born since its last measured row
        (`hit`: x, y, vx, vy, t), where the boat could have been then; "ahead" or "path" (`heirs`) if one took
        them, else None."""
        mem = self.engine.memory
        n = mem.n
        first_t = mem.f["first_t"][:n]
        cand = np.flatnonzero((mem.i["kind"][:n] == int(ContactKind.RADAR_ONLY)) & ~self.engine.expired[:n]
                              & (first_t > hit[4]) & (first_t <= mem.f["last_t"][s]))
        ids = mem.i["contact_id"][cand]   # not the lost one, nor one that continues another already
        keep = (ids != cid) & self._free(ids)
        cand, ids = cand[keep], ids[keep]
        if not len(cand):
            return None
        by_path: set[int] = set()
        found = heirs({cid: hit}, first_t[cand], mem.f["first_x"][cand], mem.f["first_y"][cand], slowed={cid: hit},
                      by_path=by_path)
        if cid not in found:
            return None
        self._hand_on(types, int(ids[found[cid]]), float(first_t[cand[found[cid]]]), prior or hit)
        return "path" if cid in by_path else "ahead"

    def _beside(self, s: int, hit: Lost) -> bool:
        """Did the lost contact (slot s) lie beside another at its last measured row (`hit`), having made good
        little: its last plots may have been its partner's (module doc)?"""
        mem, f = self.engine.memory, self.engine.memory.f
        n = mem.n
        if not f["mg_kn"][s] < LEFT_FROM_KN:   # NaN (made good not known): not judged
            return False
        live = ~self.engine.expired[:n]
        live[s] = False
        return bool((live & self._near(hit)).any())

    def _near(self, hit: Lost) -> np.ndarray:
        """Per memory slot: was the contact within BESIDE_M of `hit` (x, y, _, _, t) then (dead-reckoned back)?"""
        f, n = self.engine.memory.f, self.engine.memory.n
        hx, hy, _, _, ht = hit
        sog = np.nan_to_num(f["sog_mps"][:n])
        a = np.radians(np.nan_to_num(f["cog_deg"][:n]))
        back = np.maximum(f["last_t"][:n] - ht, 0.0)
        return np.hypot(f["x"][:n] - sog * np.sin(a) * back - hx, f["y"][:n] - sog * np.cos(a) * back - hy) <= BESIDE_M

    def _left_beside(self, cid: int, lay: Lost, types: Types, until_t: float) -> bool:
        """Hand the lost contact's closed alerts to a radar-only contact first seen from LEFT_WITHIN_S before its
        last measured row (`lay`) until `until_t` that left where it lay (`left_from`, on its first position and
        its velocity now: a track confirmed as the boat races off may first read a few knots); True if one took
        them."""
        mem, f = self.engine.memory, self.engine.memory.f
        n = mem.n
        first_t = f["first_t"][:n]
        # not the partner it lay beside (its track moving off from the spot too)
        cand = np.flatnonzero(~self.engine.expired[:n] & (mem.i["kind"][:n] == int(ContactKind.RADAR_ONLY))
                              & (first_t >= lay[4] - LEFT_WITHIN_S) & (first_t <= until_t)
                              & (mem.i["contact_id"][:n] != cid) & ~self._near(lay))
        # nor one that continues another already, or has every one of these alerts open (the partner's own new
        # track, moving off from the spot with the partner's alert)
        cand = cand[self._free(mem.i["contact_id"][cand], types)]
        if not len(cand):
            return False
        ok, abeam_m = left_from(lay, first_t[cand], f["first_x"][cand], f["first_y"][cand], f["sog_mps"][cand],
                                f["cog_deg"][cand])
        if not ok.any():
            return False
        k = cand[np.flatnonzero(ok)[np.argmin(abeam_m[ok])]]
        self._hand_on(types, int(mem.i["contact_id"][k]), float(first_t[k]), None)   # it lay still: no course to run on
        return True

    def _free(self, ids: np.ndarray, types: Types = ()) -> np.ndarray:
        """Per contact id: may it take a lost contact's alerts? Not if it continues another already, nor if it
        has every one of `types` open."""
        book = self.engine.book
        return np.array([not any((t, c) in book.continued for t in self.types)
                         and (not types or any((t, c) not in book.open_by_key for t, _, _ in types))
                         for c in ids.tolist()], bool)

    def _hand_on(self, types: Types, heir: int, born_t: float, src: Lost | None) -> None:
        """`heir` (first seen at born_t) continues these alerts, taken from a contact last measured at `src`."""
        book = self.engine.book
        for t, key, seen_t in types:
            if (t, heir) not in book.open_by_key:
                book.continue_as((t,), key, heir, born_t, seen_t)
        if src is not None:
            self.handed[heir] = src

    def born(self, cyc: Cycle) -> None:
        """Contacts first seen in this cycle that continue a lost one: on the radar track it carried (fusion gave
        the boat's track an identity, or let go of it: a fused contact is named by its MMSI, a dark one by its
        track id), or, radar-only both, where it would be by now (`heirs`)."""
        if self.handed:   # a prior older than GAP_S is of no use (and an heir never lost would keep it for ever)
            self.handed = {c: h for c, h in self.handed.items() if cyc.now - h[4] <= GAP_S}
        if not self.recent:
            return
        self.recent = {c: r for c, r in self.recent.items() if cyc.now - r.at[4] <= GAP_S}
        # the boat that left a meeting, its new track first seen (or up to speed) after its old one was dropped
        for cid, r in sorted(self.recent.items(), key=lambda kv: -kv[1].at[4]):
            if r.lay is not None and self._left_beside(cid, r.lay, r.types, cyc.now):
                del self.recent[cid]
        # on its track also a contact back after it was lost: a dark boat's contact is named by its track id, and
        # comes back under it when fusion lets go of the track again (its AIS on for a few minutes, then off)
        returned = cyc.cache.get("returned")
        born = np.isnan(cyc.prev_t)
        new = np.flatnonzero(born | returned) if returned is not None else np.flatnonzero(born)
        if not len(new) or not self.recent:
            return
        track = cyc.cache.get("radar_track_id")
        taken = np.zeros(len(new), bool)
        if track is not None:
            for cid, r in list(self.recent.items()):
                on = np.flatnonzero((track[new] == r.track) & ~taken & (cyc.contact_id[new] != cid))
                if r.track >= 0 and len(on):
                    k = int(on[0])
                    taken[k] = True
                    self._hand_on(r.types, int(cyc.contact_id[new[k]]), float(cyc.t[new[k]]), r.source())
                    del self.recent[cid]
        dark = {c: r for c, r in self.recent.items() if r.dark}
        new = new[~taken & born[new] & (cyc.kind[new] == int(ContactKind.RADAR_ONLY))]
        if not len(new) or not dark:
            return
        by_path: set[int] = set()
        found = heirs({c: r.at for c, r in dark.items()}, cyc.t[new], cyc.x[new], cyc.y[new],
                      slowed={c: r.hit for c, r in dark.items() if r.hit is not None}, by_path=by_path)
        # an heir lost before it opened, with no newborn where it would be: where the one it continued would be
        prior = {c: r.prior for c, r in dark.items() if c not in found and r.prior is not None
                 and cyc.now - r.prior[4] <= GAP_S}
        free = np.setdiff1d(np.arange(len(new)), list(found.values()))
        if prior and len(free):
            for cid, k in heirs(prior, cyc.t[new[free]], cyc.x[new[free]], cyc.y[new[free]]).items():
                found[cid] = int(free[k])
        for cid, k in found.items():
            self._hand_on(dark[cid].types, int(cyc.contact_id[new[k]]), float(cyc.t[new[k]]), dark[cid].source())
            if cid in by_path:   # may be clutter by its wake: a newborn where the boat would be may still take it
                self.recent[cid] = replace(self.recent[cid], hit=None)
            else:
                del self.recent[cid]


def heirs(lost: dict[int, Lost], t: np.ndarray, x: np.ndarray, y: np.ndarray,
          slowed: dict[int, Lost] | None = None, by_path: set[int] | None = None) -> dict[int, int]:
    """Which of the contacts just born (at t, x, y) continues which lost one (id -> x, y, vx, vy, last_t): the
    nearest born where the lost one would be by now (its last position dead-reckoned, within BASE_M plus SHARE of
    the distance run), the latest lost first, each newborn to one. With `slowed` (id -> its last measured x, y,
    the same vx, vy, and its time), a lost one with no such newborn takes the nearest born within that distance of
    the path from its last measured position to where it would be by now (it slowed on the way). Returns lost id ->
    index of its heir."""
    out: dict[int, int] = {}
    taken = np.zeros(len(t), bool)
    for cid, (lx, ly, vx, vy, last_t) in sorted(lost.items(), key=lambda kv: -kv[1][4]):
        dt = t - last_t
        d = np.hypot(x - (lx + vx * dt), y - (ly + vy * dt))
        ok = (dt > 0.0) & (d <= BASE_M + SHARE * np.hypot(vx, vy) * dt) & ~taken
        if not ok.any() and slowed is not None and cid in slowed:
            d, ok = _near_path(slowed[cid], t, x, y)
            ok &= ~taken
            if ok.any() and by_path is not None:
                by_path.add(cid)
        if not ok.any():
            continue
        k = int(np.flatnonzero(ok)[np.argmin(d[ok])])
        taken[k] = True
        out[cid] = k
    return out


def left_from(lay: Lost, t: np.ndarray, x: np.ndarray, y: np.ndarray, sog_mps: np.ndarray,
              cog_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which contacts first seen at (t, x, y), moving at sog_mps (>= LEFT_KN) on cog_deg, left where a lost contact
    lay (`lay`: its last measured x, y, vx, vy and time): their course run back passes within BASE_M (plus how far the
    lost one moved since) of it, at a time from LEFT_WITHIN_S before its last measured row. (ok, distance abeam)."""
    hx, hy, vx, vy, ht = lay
    sog = np.nan_to_num(sog_mps)
    a = np.radians(np.nan_to_num(cog_deg))
    ux, uy = np.sin(a), np.cos(a)
    rx, ry = hx - x, hy - y
    behind_m = -(rx * ux + ry * uy)   # how far back along its course it passed the spot
    abeam_m = np.abs(rx * uy - ry * ux)
    with np.errstate(invalid="ignore", divide="ignore"):
        left_t = t - behind_m / sog
    ok = ((sog * MPS_TO_KN >= LEFT_KN) & (behind_m >= 0.0) & (left_t >= ht - LEFT_WITHIN_S)
          & (abeam_m <= BASE_M + np.hypot(vx, vy) * np.maximum(ht - left_t, 0.0)))
    return ok, abeam_m


def _near_path(lost: Lost, t: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each newborn's distance from the path a lost contact ran from (lx, ly) at last_t at (vx, vy) until the
    newborn's time, and whether it lies within BASE_M plus SHARE of that path's length."""
    lx, ly, vx, vy, last_t = lost
    dt = t - last_t
    px, py = vx * dt, vy * dt
    run2 = px * px + py * py
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.clip(np.where(run2 > 0.0, ((x - lx) * px + (y - ly) * py) / run2, 0.0), 0.0, 1.0)
    d = np.hypot(x - (lx + u * px), y - (ly + u * py))
    return d, (dt > 0.0) & (d <= BASE_M + SHARE * np.sqrt(run2))
