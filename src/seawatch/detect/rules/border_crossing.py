"""border_crossing: a track crosses the maritime border line; the alert says which way.

Each contact has an established side of the border (+1 domestic, -1 foreign), taken only where it is at
least `hysteresis_m` from the line, so noise along the line does not flap. When the established side flips
and the move between the two established positions cuts the line, the crossing is raised at the
interpolated time and place: `inbound` (into the domestic side) or `outbound`. By default only contacts
without an AIS identity are alerted (`include_identified = false`): merchant ships on their lanes announce
themselves; the border guard's concern is the unannounced crossing. Crossings by one contact within the
engine's merge gap are one alert.

A dark track must look like a boat to be believed: a sea-clutter track wanders across the line at 40-80 kn.
A dark contact faster than `steady_from_kn` whose speed jitters (over the last ~40 s), that is faster than
`max_speed_kn`, or that has not made good at least `min_made_good` of its speed over the last 2.5-5 min (or
is too young to tell) keeps its established side: the crossing is raised once its track looks real, between
the last established position and that point (and never, if it does not).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from seawatch.detect.core import F64, HOLD_RELEASE_S, I64, Cycle, Rule
from seawatch.model.contact import ContactKind
from seawatch.model.units import MPS_TO_KN, iso_utc


class BorderCrossing(Rule):
    type = "border_crossing"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "hysteresis_m": 100.0,
        "band_m": 30_000.0,  # sides are tracked this close to the line
        "include_identified": False,
        "steady_from_kn": 5.0,  # from this speed, a dark track's crossing needs a steady track:
        "max_speed_jitter": 0.12,  # jitter of speed changes / mean speed over ~40 s at most this,
        "min_made_good": 0.5,  # speed made good over 2.5-5 min at least this share of its speed,
        "max_speed_kn": 60.0,  # and no faster than this,
        "max_turn_dps": 2.0,  # its course swinging no more than this on average over ~2 min
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.side = np.zeros(0, np.int64)
        self.sx, self.sy, self.st = np.zeros(0), np.zeros(0), np.zeros(0)
        self.doubt_t = np.zeros(0)  # when a contact's track last moved like clutter
        self.border = np.zeros(0, np.int64)   # the chain of border features (zones.border_chains) its side is of
        self._box: tuple[float, float, float, float] | None = None
        # dark contacts lost lately with a side: id -> (x, y, vx, vy, last_t, side, border, sx, sy, st) (`_inherit`)
        self._gone: dict[int, tuple[float, float, float, float, float, int, int, float, float, float]] = {}
        engine.memory.attach(self)

    slot_fields: ClassVar[dict[str, Any]] = {"side": 0, "border": -1, "sx": np.nan, "sy": np.nan, "st": np.nan,
                                             "doubt_t": np.nan}

    def expire(self, slots: I64, last_t: F64) -> None:
        # a contact that is gone has no side: should its id come back (a radar track that was fused with an
        # AIS for an hour and is dark again), it starts afresh, not with a jump from where it was last dark.
        # A dark one's side is kept a while for a new radar track born where it would be by now (its track broke,
        # as a dark boat's does on few scans: continuity.py), so that a crossing during the break is not lost
        # — only a track that ran like a boat: at steady_from_kn or more, not doubted within HOLD_RELEASE_S of its
        # end, having made good min_made_good of its speed (slow sea clutter by the coast at Astara, lost and born
        # again across the line, raised 30 crossings in the storm's 12 runs)
        mem = self.engine.memory
        p = self.p
        for s, lt in zip(slots.tolist(), np.asarray(last_t).tolist()):
            kn = float(np.nan_to_num(mem.f["sog_mps"][s])) * MPS_TO_KN
            boat = (kn >= p["steady_from_kn"] and float(mem.f["mg_kn"][s]) >= p["min_made_good"] * kn
                    and not lt - float(self.doubt_t[s]) < HOLD_RELEASE_S)   # (NaN: never doubted)
            if boat and self.side[s] != 0 and mem.i["kind"][s] == int(ContactKind.RADAR_ONLY):
                v = float(np.nan_to_num(mem.f["sog_mps"][s]))
                a = np.radians(float(np.nan_to_num(mem.f["cog_deg"][s])))
                self._gone[int(mem.i["contact_id"][s])] = (
                    float(mem.f["x"][s]), float(mem.f["y"][s]), v * np.sin(a), v * np.cos(a), float(lt),
                    int(self.side[s]), int(self.border[s]), float(self.sx[s]), float(self.sy[s]), float(self.st[s]))
        self.side[slots] = 0
        self.border[slots] = -1
        self.sx[slots] = self.sy[slots] = self.st[slots] = np.nan
        self.doubt_t[slots] = np.nan

    def process(self, cyc: Cycle) -> None:
        z = self.engine.zones
        if z is None or not z.borders:
            return
        band = self.p["band_m"]
        if self._box is None:
            b = np.array([bz.geom.bounds for bz in z.borders])
            self._box = (b[:, 0].min() - band, b[:, 1].min() - band, b[:, 2].max() + band, b[:, 3].max() + band)
        x0, y0, x1, y1 = self._box
        if self._gone:
            self._inherit(cyc)
        inside = (cyc.x >= x0) & (cyc.x <= x1) & (cyc.y >= y0) & (cyc.y <= y1)
        if self.p["include_identified"] is False:
            # an AIS-only contact is identified, and stays AIS-only under its id (fused, it becomes another
            # contact): its crossings are never raised, its side never read
            inside &= cyc.kind != int(ContactKind.AIS_ONLY)
        near = np.flatnonzero(inside)
        if len(near) == 0:
            return
        which, side, dist = z.border_side(cyc.x[near], cyc.y[near], band)
        firm = (side != 0) & (dist >= self.p["hysteresis_m"])
        rows = near[np.flatnonzero(firm)]
        which_full = np.full(len(cyc), -1, np.int64)
        side_full = np.zeros(len(cyc), np.int64)
        which_full[near], side_full[near] = which, side
        which, side = which_full, side_full
        # beyond a border's ends or out of its band: no side, and the one it had is forgotten (a boat that sails
        # round the end of the line comes to the other side without crossing it)
        self.side[cyc.slot[side == 0]] = 0
        if len(rows) == 0:
            return
        s = cyc.slot[rows]
        old = self.side[s]
        chain = z.chain_of[which[rows]]
        flip = (old != 0) & (old != side[rows]) & (self.border[s] == chain)
        if self.p["include_identified"] is False:
            flip &= ~cyc.identified[rows]
        # doubtful now or within HOLD_RELEASE_S: a clutter track has steady stretches of a few updates
        now_doubt = self._doubtful(cyc, rows)
        self.doubt_t[s] = np.where(now_doubt, cyc.t[rows], self.doubt_t[s])
        doubt = flip & (now_doubt | (cyc.t[rows] - self.doubt_t[s] < HOLD_RELEASE_S))
        flip &= ~doubt
        if flip.any():
            self._crossings(cyc, rows[flip], which[rows[flip]], side[rows[flip]])
        keep = ~doubt   # a doubtful crossing keeps the old side, to be raised once the track is believed
        s, rows = s[keep], rows[keep]
        self.side[s] = side[rows]
        self.border[s] = chain[keep]
        self.sx[s], self.sy[s], self.st[s] = cyc.x[rows], cyc.y[rows], cyc.t[rows]

    def _inherit(self, cyc: Cycle) -> None:
        """A dark contact born in this cycle where one lost lately would be by now (continuity.py's gate) takes on
        that one's established side and the position it was taken at: a crossing during the break is a crossing."""
        from seawatch.detect.continuity import GAP_S, heirs
        self._gone = {c: g for c, g in self._gone.items() if cyc.now - g[4] <= GAP_S}
        new = np.flatnonzero(np.isnan(cyc.prev_t) & cyc.dark & (self.side[cyc.slot] == 0))
        if not len(new):
            return
        for cid, k in heirs({c: g[:5] for c, g in self._gone.items()}, cyc.t[new], cyc.x[new], cyc.y[new]).items():
            s = int(cyc.slot[new[k]])
            self.side[s], self.border[s], self.sx[s], self.sy[s], self.st[s] = self._gone.pop(cid)[5:]

    def _doubtful(self, cyc: Cycle, rows: I64) -> np.ndarray:
        """Dark rows whose track moves like sea clutter, not like a boat (see the module docstring)."""
        p = self.p
        mean, jitter = cyc.steadiness()
        mean_kn, jit = mean[rows] * MPS_TO_KN, jitter[rows]
        kn = cyc.sog_kn[rows]
        mg = self.engine.memory.f["mg_kn"][cyc.slot[rows]]
        fast = np.fmax(kn, mean_kn) >= p["steady_from_kn"]
        wild = ((jit > p["max_speed_jitter"]) | (np.fmax(kn, mean_kn) > p["max_speed_kn"])
                | ~(mg >= p["min_made_good"] * kn) | (cyc.turn_rate_dps()[rows] > p["max_turn_dps"]))
        return cyc.dark[rows] & fast & wild

    def _crossings(self, cyc: Cycle, rows: I64, which: I64, new_side: I64) -> None:
        z = self.engine.zones
        s = cyc.slot[rows]
        for b in np.unique(which):
            m = which == b
            r, sl, ns = rows[m], s[m], new_side[m]
            x0, y0, t0 = self.sx[sl], self.sy[sl], self.st[sl]
            hit, frac, cx, cy, cut = z.crosses_border(int(b), x0, y0, cyc.x[r], cyc.y[r])
            for k in np.flatnonzero(hit):
                self._raise(cyc, int(r[k]), int(cut[k]), int(ns[k]), float(t0[k] + frac[k] * (cyc.t[r[k]] - t0[k])),
                            float(cx[k]), float(cy[k]))

    def _raise(self, cyc: Cycle, r: int, b: int, side: int, tc: float, cx: float, cy: float) -> None:
        border = self.engine.zones.borders[b]
        lat, lon = self.engine.frame.to_latlon(cx, cy)
        direction = "inbound" if side > 0 else "outbound"
        dark = bool(cyc.dark[r])
        cid = int(cyc.contact_id[r])
        kn = float(cyc.sog_kn[r])
        sev = "high" if dark and direction == "inbound" else "medium"
        # crossings within the merge gap are one alert (`book.open` re-opens it): it keeps every one of them
        prev = self.book.resumable(self.type, cid, tc)
        crossings = [*(prev.evidence.get("crossings", []) if prev is not None else []),
                     {"t": tc, "direction": direction}]
        how = ", then ".join(f"{c['direction']} at {iso_utc(c['t'])[11:19]} UTC"
                             for c in crossings) if len(crossings) > 1 else direction
        self.book.open(self.type, cid, tc, severity=sev, lat=float(lat), lon=float(lon), track_ids=[cid],
                       mmsi=[int(cyc.mmsi[r])], zone=border.id,
                       summary=f"Border crossing: {cyc.who(r)} crossed {border.name} {how} at {kn:.0f} kn, "
                               f"course {float(np.nan_to_num(cyc.cog_deg[r])):.0f}°.",
                       evidence={"direction": direction, "speed_kn": kn, "cog_deg": float(cyc.cog_deg[r]),
                                 "crossing_t": tc, "detected_t": float(cyc.t[r]), "dark": dark,
                                 "crossings": crossings}, start=tc)
        self.book.close(self.type, cid, tc)


