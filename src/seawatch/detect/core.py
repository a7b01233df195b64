"""What every rule shares: per-contact memory, the per-cycle view of a batch, persistence timers, params.

`ContactMemory` holds one slot per contact id seen and not forgotten (`DetectionEngine._forget`), as numpy
arrays (last time, position, speed, last known MMSI and last AIS time); `Cycle` is one update cycle — the rows of a batch (at most one per contact)
with their slots, local x/y and lazily computed context (AIS / radar coverage, distance to ports, night);
`Persistence` is the vectorised "true for at least min_s, false for at least clear_s" timer that gives
every single-contact rule its open/continue/close decisions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from seawatch.arrays import fill_nan, member
from seawatch.config.site import SiteConfig, rule_params
from seawatch.detect import kernels
from seawatch.detect.alerts import AlertBook
from seawatch.detect.slots import SlotState, grown, taken
from seawatch.detect.zones import ZoneIndex
from seawatch.geo import LocalFrame
from seawatch.geo.radio import radio_horizon_m
from seawatch.key_index import KeyIndex
from seawatch.model.contact import ContactKind
from seawatch.model.units import MPS_TO_KN

F64 = npt.NDArray[np.float64]
HOLD_RELEASE_S = 45.0  # a held row may open only once it has not been held for this long
DESCRIBE_EVERY_S = 20.0  # an open alert's summary/evidence is refreshed at most this often
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
# what a dark track must show before it is believed a boat (`ContactRule.wandering`; dark_target, zone_entry)
BOAT_LIKE_DEFAULTS: dict[str, float] = {
    "min_straightness": 0.5,  # a track sailing >= straight_from_kn must make good this share of it (else clutter)
    "straight_from_kn": 5.0,
    "max_speed_jitter": 0.12,  # from steady_from_kn, jitter of speed changes / mean speed over ~2 min: clutter
    "steady_from_kn": 15.0,
    "max_speed_kn": 60.0,  # a dark track faster than this (mean over ~1 min) is clutter or a bad association
    "max_turn_dps": 2.0,  # from steady_from_kn, a course swinging more than this on average over ~2 min: clutter
}
# a dark radar track that carried an MMSI this recently is that vessel, unless the MMSI was heard since this far
# from it (dark_target's and high_speed's `identity_memory_s`, `elsewhere_m`; `Cycle.authorized_for`)
IDENTITY_MEMORY_S, ELSEWHERE_M = 21_600.0, 1500.0
UNMEASURED_SIGMA_M = 150.0  # a track predicted without plots until its position is this uncertain (`Cycle.unmeasured`)


class ContactMemory:
    """One slot per contact id; arrays grow by doubling, and the per-slot arrays of the structures attached
    (`attach`: rules, timers, trails, memos) with them. `compact` forgets contacts long gone (the engine's
    `forget_s`), so a run of months keeps the contacts of its last day or so, not every one it ever saw."""

    FLOATS = ("last_t", "x", "y", "lat", "lon", "sog_mps", "cog_deg", "last_ais_t", "ais_x", "ais_y", "ais_pos_t",
              "mg_x0", "mg_y0", "mg_t0", "mg_x1", "mg_y1", "mg_t1", "mg_kn", "path_m", "mg_p0", "mg_p1", "mg_straight",
              "first_t")   # first_t: the contact's first row (a radar track that never fused: about its birth)
    INTS = ("contact_id", "last_mmsi", "kind", "rows")   # rows: how many rows of the contact the engine has taken

    def __init__(self) -> None:
        self.n = 0
        self._index = KeyIndex(np.zeros(0, np.int64))   # contact id -> slot (ids are added in slot order)
        self.cap = 0
        self.f: dict[str, F64] = {k: np.zeros(0) for k in self.FLOATS}
        self.i: dict[str, I64] = {k: np.zeros(0, np.int64) for k in self.INTS}
        self.listeners: list[SlotState] = []

    def attach(self, state: SlotState) -> None:
        """Grow and compact `state`'s per-slot arrays with this memory from now on."""
        state.grow(self.cap)
        self.listeners.append(state)

    def compact(self, keep: I64) -> None:
        """Keep only these slots (ascending), renumbered 0..len(keep)-1 in every attached structure; the other
        contacts are forgotten: one that comes back gets a new slot, as if never seen."""
        self.f = {k: taken(a, keep, np.nan) for k, a in self.f.items()}
        self.i = {k: taken(a, keep, -1) for k, a in self.i.items()}
        self.n = len(keep)
        self._index = KeyIndex(self.i["contact_id"][: self.n])
        for state in self.listeners:
            state.take(keep)

    def slots_for(self, ids: I64) -> I64:
        slots = self._index.find(ids)
        new = slots < 0
        if new.any():
            new_ids = np.unique(ids[new])
            start = self.n
            self._grow(self.n + len(new_ids))
            new_slots = np.arange(start, start + len(new_ids))
            self.i["contact_id"][new_slots] = new_ids
            self._index.extend(new_ids)
            slots[new] = new_slots[np.searchsorted(new_ids, ids[new])]
        return slots.astype(np.int64)

    def find(self, ids: I64) -> I64:
        """The slot of each contact id, -1 for an id never seen (nothing is added)."""
        return self._index.find(ids)

    def _grow(self, n: int) -> None:
        if n > self.cap:
            cap = max(1024, self.cap * 2, n)
            self.f = {k: grown(a, cap, np.nan) for k, a in self.f.items()}
            self.i = {k: grown(a, cap, -1) for k, a in self.i.items()}
            for state in self.listeners:
                state.grow(cap)
            self.cap = cap
        self.n = n


@dataclass
class Cycle:
    """One update cycle: the batch's rows (one per contact) with their slots and shared context."""

    now: float
    slot: I64
    t: F64
    contact_id: I64
    kind: npt.NDArray[np.uint8]
    status: npt.NDArray[np.uint8]
    lat: F64
    lon: F64
    x: F64
    y: F64
    sog_mps: F64
    cog_deg: F64
    mmsi: I64
    imo: I64
    ship_type: Any
    name: Any
    callsign: Any
    length_m: F64
    ais_age_s: F64
    prev_x: F64
    prev_y: F64
    prev_t: F64
    prev_mmsi: I64
    engine: Any
    cache: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.slot)

    # the memory columns whose values from before this cycle are kept (`memory_at`): attribute or cache key
    _PREV: ClassVar[dict[str, str]] = {
        "last_mmsi": "prev_mmsi", "last_t": "prev_t", "x": "prev_x", "y": "prev_y", "last_ais_t": "prev_ais_t",
        "kind": "prev_kind", "ais_x": "prev_ais_x", "ais_y": "prev_ais_y", "lat": "prev_lat", "lon": "prev_lon"}

    def memory_at(self, c: float | None, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        """These memory columns (of every slot) as they were at check time c of this cycle — a stretched cycle
        stands for several `cycle_s` checks (engine `_stretch`): its rows after c not taken in yet, their slots
        hold the values from before the cycle. c None, or no row after c: the memory itself (views)."""
        mem = self.engine.memory
        n = mem.n
        cols = {k: (mem.f[k] if k in mem.f else mem.i[k])[:n] for k in names}
        later = np.flatnonzero(self.t > c) if c is not None else _NONE
        if not len(later):
            return cols
        s = self.slot[later]
        for k in names:
            src = self._PREV[k]
            prev = self.cache[src] if src in self.cache else getattr(self, src)
            cols[k] = cols[k].copy()
            cols[k][s] = prev[later]
        return cols

    @property
    def sog_kn(self) -> F64:
        if "sog_kn" not in self.cache:
            self.cache["sog_kn"] = fill_nan(self.sog_mps, nan=0.0) * MPS_TO_KN
        return self.cache["sog_kn"]

    @property
    def slow_kn(self) -> F64:
        """The speed that says whether a contact is slow: the lower of its filtered speed and the speed it made
        good over the last 2.5-5 min (engine.note_made_good). A stopped boat's radar track jitters: its
        filtered speed reads 2-5 kn (more with a second boat alongside), its position goes nowhere."""
        if "slow_kn" not in self.cache:   # NaN where neither is known: not slow
            mg = self.engine.memory.f["mg_kn"][self.slot]
            self.cache["slow_kn"] = np.fmin(self.sog_mps * MPS_TO_KN, mg)
        return self.cache["slow_kn"]

    def steadiness(self) -> tuple[F64, F64]:
        """(speed mean m/s, speed jitter) of each row over the last ~40 s (detect/spell.py `Steadiness`):
        advanced once per cycle, whichever rule asks first."""
        if "steadiness" not in self.cache:
            m, jitter, turn = self.engine.steadiness.step(self.slot, self.t, self.sog_mps, self.cog_deg)
            self.cache["steadiness"], self.cache["turn_dps"] = (m, jitter), turn
        return self.cache["steadiness"]

    def turn_rate_dps(self) -> F64:
        """Each row's mean rate of course change over ~2 min (deg/s; detect/spell.py `Steadiness`)."""
        self.steadiness()
        return self.cache["turn_dps"]

    @property
    def dark(self) -> B:
        return self.kind == int(ContactKind.RADAR_ONLY)

    def who(self, r: int) -> str:
        """How a summary names row r's contact: a dark one by its contact id, an identified one by its AIS name
        and MMSI (its contact id is in the alert's track_ids), anything else by its contact id."""
        cid = int(self.contact_id[r])
        if self.kind[r] == int(ContactKind.RADAR_ONLY):
            return f"dark contact {cid}"
        m = int(self.mmsi[r])
        if m > 0:
            name = self.name[r]
            return f"{name.strip()} (MMSI {m})" if isinstance(name, str) and name.strip() else f"MMSI {m}"
        return f"contact {cid}"

    @property
    def identified(self) -> B:
        return self.mmsi > 0

    def unmeasured(self, max_sigma_m: float) -> B:
        """Rows whose position is uncertain by more than max_sigma_m (the larger axis): the tracker has
        predicted it for a while without a measurement (a track that coasts, or one that has left every
        radar's cover, which is not deleted for its misses). Its speed and course are the last estimate's,
        drawn on in a perfect straight line: no behaviour of a boat can be read from them."""
        sigma = self.cache.get("pos_sigma_m")
        if sigma is None:
            return np.zeros(len(self), bool)
        return sigma > max_sigma_m

    def in_ais_cover(self, fraction: float = 1.0) -> B:
        key = f"ais{fraction}"
        if key not in self.cache:
            self.cache[key] = self.engine.coverage.ais(self.x, self.y, fraction)
        return self.cache[key]

    def in_radar_cover(self, fraction: float = 1.0) -> B:
        key = f"radar{fraction}"
        if key not in self.cache:
            self.cache[key] = self.engine.coverage.radar(self.x, self.y, fraction)
        return self.cache[key]

    def _placed(self, key: str, memo: Hashable, fn: Callable[[F64, F64], Any], where: B | None) -> B:
        """A static place test's answer for the rows in `where` (None: every row) through the engine's memo of it
        (`placememo`); rows not asked read False. Kept for the cycle: a row is tested once however many rules ask."""
        got = self.cache.get(key)
        if got is None:
            got = self.cache[key] = (np.zeros(len(self), bool), np.zeros(len(self), bool))   # answer, asked
        val, asked = got
        todo = np.flatnonzero(~asked if where is None else where & ~asked)
        if len(todo):
            val[todo] = self.engine.place(memo, fn)(self.slot[todo], self.x[todo], self.y[todo]).astype(bool)
            asked[todo] = True
        return val

    def near_harbour(self, distance_m: float, where: B | None = None) -> B:
        """Inside or within distance_m of a port or anchorage (where slow and stopped vessels are normal); for the
        rows in `where` only (the others read False), where a rule needs no more."""
        z: ZoneIndex | None = self.engine.zones
        if z is None:
            return np.zeros(len(self), bool)
        return self._placed(f"harbour{distance_m}", ("harbour", distance_m), lambda x, y: z.any_within(
            x, y, ("port", "anchorage"), distance_m), where)

    def at_learned_anchorage(self) -> B:
        if "learned" not in self.cache:
            self.cache["learned"] = self.engine.anchorages.contains(self.x, self.y)
        return self.cache["learned"]

    def near_coast(self, distance_m: float, where: B | None = None) -> B:
        """Within distance_m of the shoreline (moored at a berth or a beach not in the zones file); for the rows in
        `where` only (the others read False)."""
        z: ZoneIndex | None = self.engine.zones
        if z is None:
            return np.zeros(len(self), bool)
        return self._placed(f"coast{distance_m}", ("coast", distance_m), lambda x, y: z.coast_within(
            x, y, distance_m), where)

    def night(self) -> B:
        if "night" not in self.cache:
            self.cache["night"] = sun_elevation_deg(self.t, self.lat, self.lon) < -6.0
        return self.cache["night"]

    def authorized_for(self, zone_idx: I64, rows: I64) -> B:
        """Is the contact of each row listed in the zone's authorized_mmsi? A dark contact is by the identity its
        radar track carried lately (`TrackIdentity.remembered`, as dark_target judges it): a platform's standby
        vessel whose AIS fusion let go is still that vessel."""
        z: ZoneIndex = self.engine.zones
        mmsi = self.mmsi[rows].copy()
        track = self.cache.get("radar_track_id")
        if track is not None:
            d = np.flatnonzero((mmsi <= 0) & (track[rows] >= 0))
            if len(d):
                r = rows[d]
                mmsi[d] = self.engine.track_identity.remembered(track[r], self.x[r], self.y[r], self.now,
                                                                self.engine.memory, IDENTITY_MEMORY_S, ELSEWHERE_M)
        out = np.zeros(len(rows), bool)
        for k, (m, zi) in enumerate(zip(mmsi.tolist(), zone_idx)):
            out[k] = m > 0 and m in z.authorized[int(zi)]
        return out


class LearnedAnchorages:
    """Places where many different vessels stop are anchorages, listed in the zones file or not.

    The Global Fishing Watch anchorage method in small: the sea is cut into `cell_m` squares; a square
    where at least `min_vessels` distinct AIS vessels have been stopped (< 1 kn) within the last `window_s` (a
    week) is a learned anchorage, and it and its 8 neighbours suppress loitering, rendezvous and pipeline
    lingering like a port does. Sampled every `every_s` of event time; once a day (`review_s`) the stops older
    than the window are forgotten and the squares learned again from those left. So on a live run of months a
    spot where three vessels once stopped does not shield every meeting there for ever; within a week the
    squares are only ever added (a replay of a day or two learns what it learned before)."""

    def __init__(self, cell_m: float = 1000.0, min_vessels: int = 3, every_s: float = 60.0,
                 window_s: float = 7 * 86_400.0, review_s: float = 86_400.0) -> None:
        self.cell_m, self.min_vessels, self.every_s = cell_m, min_vessels, every_s
        self.window_s, self.review_s = float(window_s), float(review_s)
        self.seen: dict[tuple[int, int], dict[int, float]] = {}   # square -> MMSI -> when last stopped there
        self.learned: set[tuple[int, int]] = set()
        self._last = -math.inf
        self._review_at = -math.inf
        self.revision = 0   # bumped when squares are forgotten (`_review`)
        self._keys: I64 = np.zeros(0, np.int64)   # the learned cells as sorted int keys (`_key`)
        self._keys_of = (-1, 0)                   # ... made at this (revision, number of learned cells)

    def observe(self, cyc: Cycle) -> None:
        if cyc.now - self._last < self.every_s:
            return
        self._last = cyc.now
        if cyc.now >= self._review_at:
            self._review(cyc.now)
        rows = np.flatnonzero((cyc.mmsi > 0) & (fill_nan(cyc.sog_mps, nan=9.0) < 0.5))
        if len(rows) == 0:
            return
        cx = np.floor(cyc.x[rows] / self.cell_m).astype(np.int64)
        cy = np.floor(cyc.y[rows] / self.cell_m).astype(np.int64)
        for a, b, m in zip(cx.tolist(), cy.tolist(), cyc.mmsi[rows].tolist()):
            st = self.seen.setdefault((a, b), {})
            new = m not in st
            st[m] = cyc.now
            if new and len(st) == self.min_vessels:
                self._learn(a, b)

    def _learn(self, a: int, b: int) -> None:
        for da in (-1, 0, 1):
            for db in (-1, 0, 1):
                self.learned.add((a + da, b + db))

    def _review(self, now: float) -> None:
        """Forget the stops older than the window, and the squares no longer stopped at by enough vessels."""
        self._review_at = now + self.review_s
        since = now - self.window_s
        old = sum(len(st) for st in self.seen.values())
        self.seen = {c: kept for c, st in self.seen.items() if (kept := {m: t for m, t in st.items() if t >= since})}
        if sum(len(st) for st in self.seen.values()) == old:
            return
        before = self.learned
        self.learned = set()
        for (a, b), st in self.seen.items():
            if len(st) >= self.min_vessels:
                self._learn(a, b)
        if self.learned != before:
            self.revision += 1

    def contains(self, x: F64, y: F64) -> B:
        if not self.learned or len(x) == 0:
            return np.zeros(len(x), bool)
        ok = np.isfinite(x) & np.isfinite(y)   # an unknown position is at no anchorage
        cx = np.floor(np.where(ok, x, 0.0) / self.cell_m).astype(np.int64)
        cy = np.floor(np.where(ok, y, 0.0) / self.cell_m).astype(np.int64)
        if self._keys_of != (self.revision, len(self.learned)):   # added, or forgotten (`_review`)
            self._keys = np.sort(np.array([self._key(a, b) for a, b in self.learned], np.int64))
            self._keys_of = (self.revision, len(self.learned))
        return member(self._key(cx, cy), self._keys) & ok

    @staticmethod
    def _key(cx: Any, cy: Any) -> Any:
        """One int per cell (cell indices of a local frame stay far below 2**31 in magnitude)."""
        return cx * (1 << 32) + cy


class Coverage:
    """AIS and radar coverage as circles around the site's sensors (an AIS sensor without a position covers
    everything)."""

    def __init__(self, site: SiteConfig, frame: LocalFrame) -> None:
        heights: list[float] = []   # of the AIS stations, in the order of their circles

        def circles(kind: str) -> tuple[F64, F64, F64, bool]:
            xs, ys, rs, everywhere = [], [], [], False
            for s in site.sensors:
                if s.kind != kind:
                    continue
                if s.lat is None or s.lon is None or s.range_m is None:
                    everywhere = True
                    continue
                x, y = frame.to_xy(s.lat, s.lon)
                xs.append(float(x))
                ys.append(float(y))
                rs.append(float(s.range_m))
                if kind == "ais":   # a station whose height is not given: its range is all that is known
                    heights.append(float(s.height_m) if "height_m" in s.model_fields_set else np.inf)
            return np.array(xs), np.array(ys), np.array(rs), everywhere
        self._ais = circles("ais")
        self._radar = circles("radar")
        self._ais_height_m = np.array(heights)

    @staticmethod
    def _inside(c: tuple[F64, F64, F64, bool], x: F64, y: F64, fraction: float) -> B:
        xs, ys, rs, everywhere = c
        if everywhere:
            return np.ones(len(x), bool)
        if len(x) * len(xs) <= 1 << 16:   # a cycle's points against every circle at once: the same sums
            return np.asarray((((np.asarray(x)[:, None] - xs) ** 2 + (np.asarray(y)[:, None] - ys) ** 2)
                               <= (rs * fraction) ** 2).any(axis=1), bool)
        out = np.zeros(len(x), bool)   # many points (a truth file): circle by circle, no points x circles table
        for sx, sy, r in zip(xs, ys, rs):
            out |= (x - sx) ** 2 + (y - sy) ** 2 <= (r * fraction) ** 2
        return out

    def ais(self, x: F64, y: F64, fraction: float = 1.0) -> B:
        return self._inside(self._ais, x, y, fraction)

    def radar(self, x: F64, y: F64, fraction: float = 1.0) -> B:
        return self._inside(self._radar, x, y, fraction)

    def ais_small_craft(self, x: F64, y: F64, antenna_m: float, fraction: float) -> B:
        """Inside an AIS station's range and within `fraction` of its radio line of sight (the station's
        height_m) to an antenna `antenna_m` above the sea: where a small craft's class B set is heard."""
        xs, ys, rs, everywhere = self._ais
        reach = np.minimum(rs, fraction * radio_horizon_m(self._ais_height_m, antenna_m))
        return self._inside((xs, ys, reach, everywhere), x, y, 1.0)


def sun_elevation_deg(t: F64, lat: F64, lon: F64) -> F64:
    """Approximate solar elevation (degrees; NOAA low-precision formulas, ~0.5° accurate)."""
    days = np.asarray(t, np.float64) / 86400.0 - 10957.5  # days since J2000.0
    g = np.radians((357.529 + 0.98560028 * days) % 360.0)
    q = (280.459 + 0.98564736 * days) % 360.0
    lam = np.radians(q + 1.915 * np.sin(g) + 0.020 * np.sin(2 * g))
    eps = np.radians(23.439 - 0.00000036 * days)
    dec = np.arcsin(np.sin(eps) * np.sin(lam))
    ra = np.degrees(np.arctan2(np.cos(eps) * np.sin(lam), np.cos(lam)))
    gmst = (280.46061837 + 360.98564736629 * days) % 360.0
    ha = np.radians(gmst + np.asarray(lon, np.float64) - ra)
    la = np.radians(np.asarray(lat, np.float64))
    return np.degrees(np.arcsin(np.sin(la) * np.sin(dec) + np.cos(la) * np.cos(dec) * np.cos(ha)))


_NONE = np.zeros(0, np.int64)
_NO_T = np.zeros(0)


class Persistence(SlotState):
    """Per-slot timers: a behaviour opens after `enter` held for min_s, closes after `stay` failed for clear_s.
    Before it opens, the timer restarts once neither has held for `lapse_s` (0, the default everywhere: at once).
    A site may give loitering 300 s, so that a ship moving off for 3 min does not restart its hour (a mother ship
    repositioning now and then); rules that judge a spell since the timer started (detect/spell.py) must keep 0:
    the spell restarts with the timer, and a meandering track's spell must not run on into its straight run."""

    def __init__(self, min_s: float, clear_s: float, lapse_s: float = 0.0) -> None:
        self.min_s, self.clear_s, self.lapse_s = float(min_s), float(clear_s), float(lapse_s)
        self.since = np.zeros(0)
        self.off = np.zeros(0)
        self.active = np.zeros(0, bool)

    slot_fields: ClassVar[dict[str, Any]] = {"since": np.nan, "off": np.nan, "active": False}

    def step(self, slots: I64, t: F64, enter: B, stay: B, min_s: F64 | float | None = None,
             jit: bool = kernels.ENABLED) -> tuple[I64, I64, I64, F64]:
        """Returns row indices (opened, ongoing, closed) and the close times of the closed rows (slots distinct;
        with `jit`, the compiled `kernels.persistence_step`, else this numpy reference: the same, bit for bit)."""
        min_d = self.min_s if min_s is None else min_s
        if jit:
            return kernels.persistence_step(self.active, self.since, self.off, slots, t, enter, stay,
                                            np.broadcast_to(np.asarray(min_d, np.float64), t.shape), self.clear_s,
                                            self.lapse_s)
        act = self.active[slots]
        since, off = self.since[slots], self.off[slots]
        if not (act.any() or enter.any() or stay.any()) and np.isnan(since).all():   # nothing running or starting
            return _NONE, _NONE, _NONE, _NO_T
        # before it opens, a lapse (neither enter nor stay) shorter than lapse_s does not restart the timer
        lapse = ~act & ~(stay | enter) & ~np.isnan(since)
        off = np.where(~act & (stay | enter), np.nan, off)
        off = np.where(lapse & np.isnan(off), t, off)
        over = lapse & (t - off >= self.lapse_s)
        since = np.where(over, np.nan, since)
        off = np.where(over, np.nan, off)
        since = np.where(~act & enter & np.isnan(since), t, since)
        opened = ~act & enter & (t - since >= min_d)
        off = np.where(act & stay, np.nan, off)
        off = np.where(act & ~stay & np.isnan(off), t, off)
        closing = act & ~stay & (t - off >= self.clear_s)
        close_t = off[closing]
        new_act = (act | opened) & ~closing
        self.active[slots] = new_act
        self.since[slots] = np.where(closing, np.nan, since)
        self.off[slots] = np.where(closing | opened, np.nan, off)
        ongoing = act & ~closing
        return (np.flatnonzero(opened), np.flatnonzero(ongoing), np.flatnonzero(closing), close_t)

    def expire(self, slots: I64) -> I64:
        """Forget the given slots (contacts gone); returns those that had an open behaviour."""
        was = slots[self.active[slots]]
        self.active[slots] = False
        self.since[slots] = np.nan
        self.off[slots] = np.nan
        return was


class Rule(SlotState):
    """Base of every rule: parameters from the site, the alert book, and hooks called by the engine. A rule
    with per-slot arrays names them in `slot_fields` and attaches itself to the engine's memory."""

    type: str = ""
    DEFAULTS: ClassVar[dict[str, Any]] = {}

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.p = rule_params(engine.site, self.type, self.DEFAULTS)
        self.book: AlertBook = engine.book

    def process(self, cyc: Cycle) -> None:
        raise NotImplementedError

    def expire(self, slots: I64, last_t: F64) -> None:
        """Contacts not updated for the engine's stale time: close their alerts at their last time."""

    def forget(self, before_t: float, track_ids: I64) -> None:
        """After the engine forgot the contacts unseen since before_t (`DetectionEngine._forget`) and the radar
        tracks `track_ids` (not fused since): drop what is kept of them by contact id, MMSI or track id."""

    def stretch_limit_s(self, radar: bool) -> float:
        """The longest cycle this rule's checks over the whole memory bear (engine `_stretch`): their shortest
        "still updated within" window, so that a contact updated anywhere in a cycle still counts at its end.
        radar: for a picture with radar-backed contacts (else an AIS-only one)."""
        return math.inf

    @property
    def enabled(self) -> bool:
        return bool(self.p.get("enabled", True))


def f(v: Any) -> float:
    """A float for evidence (NaN stays NaN)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


class ContactRule(Rule):
    """A single-contact behaviour timed by `Persistence` (keyed by contact id)."""

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.timer = Persistence(self.p.get("min_duration_s", 0.0), self.p.get("clear_s", 60.0),
                                 self.p.get("lapse_s", 0.0))
        engine.memory.attach(self.timer)

    def use_spell(self) -> None:
        """Keep a Spell (detect/spell.py) per contact: how the track moved since this rule's timer started,
        and hold back (`self.hold`, set by the rule's conditions each cycle) the rows it must not open yet:
        their timer runs on, their min_duration is infinite."""
        from seawatch.detect.spell import Spell
        self.spell = Spell()
        self.hold = np.zeros(0, bool)
        self.clutter = np.zeros(0, bool)
        self.engine.memory.attach(self.spell)

    def held_min_duration(self, cyc: Cycle) -> F64:
        """min_duration_s, infinite for rows held now, or judged clutter (`self.clutter`: its speed jitters,
        its course swings, it is too fast) within the last HOLD_RELEASE_S: such a track must look like a boat
        for a while before it may open (a clutter track has steady stretches of a few updates). A boat's turn
        holds it (straightness) only while it lasts."""
        s = cyc.slot
        self.spell.held_t[s] = np.where(self.clutter, cyc.t, self.spell.held_t[s])
        held = self.hold | (cyc.t - self.spell.held_t[s] < HOLD_RELEASE_S)
        return np.where(held, np.inf, float(self.p["min_duration_s"]))

    def wandering(self, cyc: Cycle) -> B:
        """Rows whose track does not move like a boat: it sails at speed (>= `straight_from_kn`) but makes
        little of it good (straightness < `min_straightness`), or it is sea clutter for sure (`self.clutter`,
        latched by held_min_duration): from `steady_from_kn` a speed that jumps (jitter > `max_speed_jitter`)
        or a course that swings (> `max_turn_dps`), or faster than `max_speed_kn`. For the rules that must
        not believe a dark track before it looks like a boat (dark_target, zone_entry)."""
        p = self.p
        good_mps, straight, mean, jitter = self.spell_step(cyc)
        with np.errstate(invalid="ignore", divide="ignore"):
            sailed_mps = good_mps / straight
        fast = mean * MPS_TO_KN >= p["steady_from_kn"]
        self.clutter = ((fast & ((jitter > p["max_speed_jitter"]) | (cyc.turn_rate_dps() > p["max_turn_dps"])))
                        | (mean * MPS_TO_KN > p["max_speed_kn"]))
        return ((sailed_mps * MPS_TO_KN >= p["straight_from_kn"]) & (straight < p["min_straightness"])) | self.clutter

    def spell_step(self, cyc: Cycle) -> tuple[F64, F64, F64, F64]:
        """(made good m/s, straightness) of each row's spell — a spell starts where the timer is idle — and
        (speed mean m/s, speed jitter) over the last couple of minutes."""
        s = cyc.slot
        running = self.timer.active[s] | ~np.isnan(self.timer.since[s])
        good, straight = self.spell.observe(s, cyc.x, cyc.y, cyc.t, cyc.sog_mps, running)
        mean, cv = cyc.steadiness()
        return good, straight, mean, cv

    def proven(self, cyc: Cycle, rows: B) -> B:
        """Of `rows`, those whose contact had this rule's alert closed within the merge gap: a behaviour
        that resumes is that alert again, its track already judged real (no second wait for steadiness)."""
        out = np.zeros(len(cyc), bool)
        r = np.flatnonzero(rows)
        keys, ends = self.book.closed_ends(self.type)   # `AlertBook.resumable` of every row at once
        if not len(r) or not len(keys):
            return out
        ids = cyc.contact_id[r]
        pos = np.minimum(np.searchsorted(keys, ids), len(keys) - 1)
        out[r] = (keys[pos] == ids) & (cyc.t[r] - ends[pos] <= self.book.merge_gap(self.type))
        return out

    def conditions(self, cyc: Cycle) -> tuple[B, B]:
        raise NotImplementedError

    def min_duration(self, cyc: Cycle) -> F64 | float | None:
        return None

    def describe(self, cyc: Cycle, r: int, opening: bool) -> dict[str, Any]:
        """severity, summary, evidence (and optionally zone, lat, lon, mmsi) of row r's alert."""
        raise NotImplementedError

    def process(self, cyc: Cycle) -> None:
        enter, stay = self.conditions(cyc)
        opened, ongoing, closed, close_t = self.timer.step(cyc.slot, cyc.t, enter, stay, self.min_duration(cyc))
        for r in opened:
            d = self.describe(cyc, int(r), True)
            self.book.open(self.type, int(cyc.contact_id[r]), float(cyc.t[r]), severity=d["severity"],
                           lat=d.get("lat", float(cyc.lat[r])), lon=d.get("lon", float(cyc.lon[r])),
                           track_ids=[int(cyc.contact_id[r])], mmsi=d.get("mmsi", [int(cyc.mmsi[r])]),
                           zone=d.get("zone"), summary=d["summary"], evidence=d["evidence"])
        for r in ongoing:
            if not stay[r]:
                continue
            a = self.book.get(self.type, int(cyc.contact_id[r]))
            if a is None or cyc.t[r] - a.last_t < DESCRIBE_EVERY_S:
                continue
            d = self.describe(cyc, int(r), False)
            self.book.update(self.type, int(cyc.contact_id[r]), float(cyc.t[r]), severity=d["severity"],
                             lat=float(cyc.lat[r]), lon=float(cyc.lon[r]), summary=d["summary"],
                             evidence=d["evidence"], mmsi=d.get("mmsi", [int(cyc.mmsi[r])]), zone=d.get("zone"))
        for r, ct in zip(closed, close_t):
            self.book.close(self.type, int(cyc.contact_id[r]), float(ct))

    def expire(self, slots: I64, last_t: F64) -> None:
        ids = self.engine.memory.i["contact_id"]
        # a behaviour that had already stopped (its stay failing since `off`, not yet for clear_s) ended then
        off = self.timer.off[slots].copy()
        was = set(self.timer.expire(slots).tolist())
        for s, lt, ot in zip(slots, last_t, off):
            if int(s) in was:
                self.book.close(self.type, int(ids[s]), float(np.fmin(lt, ot)))

    def prior(self, cyc: Cycle, r: int, key: str, value: float, how: str = "max", opening: bool = False) -> float:
        """Running max/min of an evidence number over the alert's life (`opening`: of the closed alert this one
        re-opens, if any)."""
        cid = int(cyc.contact_id[r])
        a = self.book.resumable(self.type, cid, float(cyc.t[r])) if opening else self.book.get(self.type, cid)
        if a is None or key not in a.evidence or a.evidence[key] is None:
            return value
        old = float(a.evidence[key])   # NaN on either side (a zone without a centre distance): the other one
        return float(np.fmax(old, value) if how == "max" else np.fmin(old, value))
