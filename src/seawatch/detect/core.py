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

from seawatch.arrays import fill_nan, near_any
from seawatch.config.site import rule_params
from seawatch.detect import kernels
from seawatch.detect.alerts import AlertBook
from seawatch.detect.slots import SlotState, grown, taken
from seawatch.detect.track_evidence import shown_vessel
from seawatch.detect.zones import ZoneIndex
from seawatch.geo.sun import sun_elevation_deg
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
              "mg_s0", "mg_s1",
              "first_t", "first_x", "first_y", "hit_x", "hit_y", "hit_t")
    # first_*: the contact's first row (a radar track that never fused: about its birth); hit_*: its last row that
    # was measured (not a radar track coasting on its prediction)
    INTS = ("contact_id", "last_mmsi", "kind", "rows", "radar_track")
    # rows: how many rows of the contact the engine has taken; radar_track: the radar track of its last row (-1: none)

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
    ais_class: npt.NDArray[np.int8]
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

    def moored_with_identified(self, rows: B, moored_kn: float, moored_m: float) -> B:
        """Of `rows`, the stopped ones (< moored_kn, `slow_kn`) within moored_m of a stopped contact (filtered or made
        good) whose AIS was heard in the last 10 min: one of a cluster moored together, whose echoes the radar cannot
        split (a dark track there is the cluster's, or a boat lying with it), not a stranger lying alone."""
        out = np.zeros(len(self), bool)
        cand = np.flatnonzero(rows & (self.slow_kn < moored_kn))
        if not len(cand):
            return out
        mem = self.engine.memory
        n = mem.n
        kn = np.fmin(fill_nan(mem.f["sog_mps"][:n], nan=99.0) * MPS_TO_KN, mem.f["mg_kn"][:n])
        ident = np.flatnonzero((mem.i["last_mmsi"][:n] > 0) & (mem.i["kind"][:n] != int(ContactKind.RADAR_ONLY))
                               & (mem.f["last_ais_t"][:n] >= self.now - 600.0) & (kn < moored_kn))
        if not len(ident):
            return out
        out[cand[near_any(self.x[cand], self.y[cand], mem.f["x"][ident], mem.f["y"][ident], moored_m,
                          strict=True)]] = True
        return out

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

    def shown_vessel(self, min_score: float, min_plots_per_scan: float) -> B:
        """Rows that are not dark, or whose radar track has shown it is a vessel and not clutter
        (`track_evidence.shown_vessel`, from the engine's track score and plots per scan of each row)."""
        return shown_vessel(self.dark, self.cache["track_plots"], self.cache["track_score"],
                            self.cache["plots_per_scan"], min_score, min_plots_per_scan)

    def made_good_doubt_mps(self, span_s: F64, sigmas: float, start_sigma_m: F64 | None = None) -> F64:
        """How far a speed made good over `span_s` may read high from position noise alone: `sigmas` standard
        deviations of the distance between the position now (uncertain by the row's position sigma σ) and the one
        the span starts from (by `start_sigma_m`, σ0, where known: √(σ² + σ0²); else by σ too: √2 σ), over the
        span (0 where σ is not known). A pleasure boat at 24.6 kn whose radar track, 30 km out, made good 25.4 kn
        over two minutes (σ 54 m: ± 1.1 kn) has not shown it runs at 25; nor has a class B boat at 24.9 kn whose
        young track was 100-290 m off it at the start of the span (σ 73 m now), then jumped onto it, making good
        26.4 kn (held-out cigarette-run 84)."""
        sigma = self.cache.get("pos_sigma_m")
        if sigma is None:
            return np.zeros(len(self))
        with np.errstate(invalid="ignore", divide="ignore"):
            both = (np.sqrt(sigma**2 + start_sigma_m**2) if start_sigma_m is not None
                    else np.full(len(self), np.nan))
            doubt = sigmas * np.where(np.isfinite(both), both, math.sqrt(2.0) * sigma) / span_s
        return np.where(np.isfinite(doubt) & (span_s > 0), doubt, 0.0)

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
            per_row = (np.full(t.shape, float(min_d)) if np.ndim(min_d) == 0   # (np.broadcast_to: ~20 us a call)
                       else np.asarray(min_d, np.float64))
            return kernels.persistence_step(self.active, self.since, self.off, slots, t, enter, stay, per_row,
                                            self.clear_s, self.lapse_s)
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
        good, straight = self.spell.observe(s, cyc.x, cyc.y, cyc.t, cyc.sog_mps, running, cyc.cache.get("pos_sigma_m"))
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

    def resumed_min_duration(self, cyc: Cycle, enter: B) -> F64 | float | None:
        """The rule's `min_duration`, but 0 for rows whose behaviour starts again within the merge gap of its
        closed alert (`proven`): that alert re-opens at once, as the lifecycle promises, instead of after the
        rule's whole wait (which left `merge_gap_s` minus the wait, nothing for dark_target). A row held now
        (infinite: judged clutter, not a boat) stays held."""
        min_d = self.min_duration(cyc)
        again = self.proven(cyc, enter)
        if not again.any():
            return min_d
        base = np.broadcast_to(np.asarray(self.timer.min_s if min_d is None else min_d, np.float64), (len(cyc),))
        return np.where(again & np.isfinite(base), 0.0, base)

    def process(self, cyc: Cycle) -> None:
        enter, stay = self.conditions(cyc)
        opened, ongoing, closed, close_t = self.timer.step(cyc.slot, cyc.t, enter, stay,
                                                           self.resumed_min_duration(cyc, enter))
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
