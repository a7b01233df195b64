"""The detection engine: runs every rule on each contact batch, in time order, and keeps the alerts.

    engine = DetectionEngine(site)
    for batch in contact_batches:          # ContactBatch from tracking/fusion, time-ordered
        changes = engine.process(batch)    # [{"change": "open"|"update"|"close", "alert": {...}}]
    changes = engine.flush()               # the last cycle's changes (`finish` runs it too, dropping them)
    alerts = engine.finish()               # every alert, final state (DESIGN.md JSONL dicts)

A batch is split into update cycles of at most `cycle_s` seconds with one row per contact (its latest) —
stretched over several such parts in a sparse backlog (`_stretch`); each cycle updates the contact memory,
runs the rules in a fixed order (spoofing before dark/gap, which it can explain; zone_loiter before
loitering, which it covers), closes the alerts of contacts gone stale, and refreshes the risk score of the
contacts with open alerts.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any, ClassVar

import numpy as np

from seawatch.arrays import fill_nan, member
from seawatch.config.site import SiteConfig, check_rule_sections
from seawatch.detect import kernels
from seawatch.detect.alerts import Alert, AlertBook
from seawatch.detect.anchorages import LearnedAnchorages
from seawatch.detect.continuity import Continuity
from seawatch.detect.core import DESCRIBE_EVERY_S, ELSEWHERE_M, IDENTITY_MEMORY_S, ContactMemory, Cycle, Rule
from seawatch.detect.coverage import Coverage
from seawatch.detect.identity import TrackIdentity
from seawatch.detect.placememo import PlaceMemo
from seawatch.detect.risk import RiskModel
from seawatch.detect.slots import SlotState
from seawatch.detect.spell import Steadiness
from seawatch.detect.statics import MERCHANT_TOP_KN, VesselStatics
from seawatch.detect.track_evidence import TrackEvidence
from seawatch.detect.zones import ZoneIndex
from seawatch.geo import LocalFrame, site_frame
from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus
from seawatch.model.units import MPS_TO_KN

logger = logging.getLogger(__name__)

FRESH_AIS_S = 10.0  # a contact row whose AIS report is at most this old stands for that report

STRICT = False   # tests set it (tests/conftest.py): a rule that raises fails the test instead of being counted
RULE_ORDER = ("watchlist", "ais_spoofing", "dark_target", "ais_gap", "zone_entry", "zone_loiter",
              "border_crossing", "rendezvous", "loitering", "high_speed", "shore_approach")


MADE_GOOD_HALF_S = 150.0  # made good is measured over 150-300 s


def note_made_good(mem: ContactMemory, slots: np.ndarray, x: np.ndarray, y: np.ndarray, t: np.ndarray,
                   prev_x: np.ndarray, prev_y: np.ndarray, prev_t: np.ndarray, sigma_m: np.ndarray | None = None,
                   jit: bool = kernels.ENABLED) -> None:
    """Per contact, two anchors 150 s apart: the speed made good since the older one (at least 60 s back), and
    the share of the distance run along the track since then that it made good (`mg_straight`); with `sigma_m`,
    each anchor keeps its row's position standard deviation (`mg_s0`, `mg_s1`: how far the older anchor may lie
    from where the vessel was, `Cycle.made_good_doubt_mps`). Slots distinct; with `jit`, the compiled
    `kernels.made_good`, else this numpy reference (the same, bit for bit)."""
    f = mem.f
    if sigma_m is not None:
        before_t1 = f["mg_t1"][slots].copy()
    if jit:
        kernels.made_good(f["path_m"], f["mg_x0"], f["mg_y0"], f["mg_t0"], f["mg_x1"], f["mg_y1"], f["mg_t1"],
                          f["mg_p0"], f["mg_p1"], f["mg_kn"], f["mg_straight"], slots, x, y, t, prev_x, prev_y,
                          prev_t, MADE_GOOD_HALF_S, MPS_TO_KN)
    else:
        _made_good_numpy(f, slots, x, y, t, prev_x, prev_y, prev_t)
    if sigma_m is not None:
        shifted = ~(f["mg_t1"][slots] == before_t1)   # the anchors moved on at this row (NaN before: the first)
        s = slots[shifted]
        f["mg_s0"][s], f["mg_s1"][s] = f["mg_s1"][s], sigma_m[shifted]


def _made_good_numpy(f: dict[str, np.ndarray], slots: np.ndarray, x: np.ndarray, y: np.ndarray, t: np.ndarray,
                     prev_x: np.ndarray, prev_y: np.ndarray, prev_t: np.ndarray) -> None:
    """`note_made_good`'s numpy reference."""
    hop = np.hypot(x - prev_x, y - prev_y)
    hop = np.where(np.isfinite(hop) & (t - prev_t <= 2 * MADE_GOOD_HALF_S), hop, 0.0)
    f["path_m"][slots] = fill_nan(f["path_m"][slots]) + hop
    shift = np.isnan(f["mg_t1"][slots]) | (t - f["mg_t1"][slots] >= MADE_GOOD_HALF_S) | (t < f["mg_t1"][slots])
    s = slots[shift]
    f["mg_x0"][s], f["mg_y0"][s], f["mg_t0"][s] = f["mg_x1"][s], f["mg_y1"][s], f["mg_t1"][s]
    gap = shift & (t - fill_nan(f["mg_t1"][slots], nan=-np.inf) > 2 * MADE_GOOD_HALF_S)
    f["mg_t0"][slots[gap]] = np.nan   # not updated for a while (or back after being lost): no history
    f["mg_p0"][s] = f["mg_p1"][s]
    f["mg_x1"][s], f["mg_y1"][s], f["mg_t1"][s] = x[shift], y[shift], t[shift]
    f["mg_p1"][s] = f["path_m"][s]
    span = t - f["mg_t0"][slots]
    with np.errstate(invalid="ignore", divide="ignore"):
        made_m = np.hypot(x - f["mg_x0"][slots], y - f["mg_y0"][slots])
        good = made_m / span * MPS_TO_KN
        straight = np.minimum(made_m / (f["path_m"][slots] - f["mg_p0"][slots]), 1.0)
    f["mg_kn"][slots] = np.where(span >= 60.0, good, np.nan)
    f["mg_straight"][slots] = np.where(span >= 60.0, straight, np.nan)


def _stretch_groups(order: np.ndarray, starts: np.ndarray, stops: np.ndarray, ids: np.ndarray, t: np.ndarray,
                    limits: np.ndarray) -> np.ndarray:
    """The index of each stretched cycle's first part (`DetectionEngine._stretch`; the numpy reference of
    `kernels.stretch_groups`): a part joins the open cycle while it ends within the cycle's limit of its first row
    and none of its contacts is in the cycle yet; a cycle's limit is the least of its parts' `limits`."""
    first = [0]
    seen = np.sort(ids[order[starts[0]:stops[0]]])
    t0, lim = float(t[order[starts[0]]]), float(limits[0])
    for k in range(1, len(starts)):
        pid = ids[order[starts[k]:stops[k]]]
        joined = min(lim, float(limits[k]))
        if float(t[order[stops[k] - 1]]) - t0 <= joined and not member(pid, seen).any():
            seen = np.sort(np.concatenate([seen, pid]))
            lim = joined
            continue
        first.append(k)
        seen, t0, lim = np.sort(pid), float(t[order[starts[k]]]), float(limits[k])
    return np.array(first, np.int64)


def _rule_classes() -> dict[str, type[Rule]]:
    from seawatch.detect.rules import RULES
    return RULES


class DetectionEngine(SlotState):
    """Rules + alert lifecycle + risk score over a stream of ContactBatch.

    A contact unseen for `forget_s` (a day) is forgotten: its memory slot and every rule's state of it go
    (`_forget`, once every `forget_every_s` of event time), as does the identity of a radar track not fused as
    long. Most contact ids are radar tracks' (~10,000 a day on the Caspian site), never seen again once lost:
    without this a run of months would keep every one. A vessel back after a longer absence starts afresh (its
    AIS reporting interval is learned again)."""

    slot_fields: ClassVar[dict[str, Any]] = {"_expired": True}

    def __init__(self, site: SiteConfig, zones: ZoneIndex | None = None, *, frame: LocalFrame | None = None,
                 rules: tuple[str, ...] | None = None, stale_s: float = 600.0, cycle_s: float = 5.0,
                 merge_gap_s: float = 300.0, sparse_cycle_s: float = 60.0, forget_s: float = 86_400.0,
                 forget_every_s: float = 3_600.0) -> None:
        self.site = site
        self.frame = frame or site_frame(site)
        if zones is None:
            zp = site.zones_path()
            zones = ZoneIndex.from_file(zp, self.frame) if zp is not None else None
        self.zones = zones
        self.coverage = Coverage(site, self.frame)
        self.memory = ContactMemory()
        self.anchorages = LearnedAnchorages()
        self.book = AlertBook(merge_gap_s=merge_gap_s)
        self.stale_s, self.cycle_s = float(stale_s), float(cycle_s)
        self.sparse_cycle_s = float(sparse_cycle_s)   # longest cycle of a sparse backlog (`_stretch`); see below
        self.radar_cycle_s = self.sparse_cycle_s       # ... of one with radar-backed contacts
        self.checks = np.zeros(0)   # the times of the cycle_s checks the current cycle stands for (`dated`)
        self.prev_now = -np.inf     # the time of the cycle before it
        self.explained: dict[int, float] = {}  # contact id -> until when a spoofing alert explains it
        self.renamed: dict[int, float] = {}  # MMSI -> when an identity change left it for another (its silence)
        self.track_identity = TrackIdentity()  # the last MMSI each radar track carried (detect/identity.py)
        self.now = -np.inf
        self.started = np.nan  # event time of the first cycle: how long the engine has been listening
        self._expired = np.zeros(0, bool)
        self.memory.attach(self)
        self.steadiness = Steadiness()  # speed mean and jitter per contact, shared by the rules that judge speed
        self.memory.attach(self.steadiness)
        # a radar track's plots per scan since first shown (track_evidence.py), over the shortest radar scan period
        self.track_evidence = TrackEvidence(min((r.scan_period_s or 2.5 for r in site.radars), default=2.5))
        self.memory.attach(self.track_evidence)
        self.statics = VesselStatics(self.memory)  # each vessel's name, type, length as its AIS gave them, by MMSI
        if not forget_s > stale_s:
            raise ValueError(f"forget_s ({forget_s}) must be longer than stale_s ({stale_s})")
        self.forget_s, self.forget_every_s = float(forget_s), float(forget_every_s)
        self._forget_at = -np.inf   # event time of the next `_forget`
        self.n_forgotten = 0   # contacts forgotten (`_forget`)
        classes = _rule_classes()
        check_rule_sections(site, classes)
        wanted = rules or RULE_ORDER
        self.rules: list[Rule] = []
        for name in RULE_ORDER:
            if name in wanted:
                rule = classes[name](self)
                if rule.enabled:
                    self.rules.append(rule)
        # no longer than the rules' checks over the whole memory bear: an AIS-only picture 60 s (rendezvous'
        # fresh_s, ais_gap's "still tracked"), one with radar-backed contacts 30 s (ais_spoofing's offset check)
        self.radar_cycle_s = min([self.sparse_cycle_s] + [r.stretch_limit_s(True) for r in self.rules])
        self.sparse_cycle_s = min([self.sparse_cycle_s] + [r.stretch_limit_s(False) for r in self.rules])
        self._places: dict[Hashable, PlaceMemo] = {}
        # a radar track's identity is kept as long as a rule may ask for it (dark_target's identity_memory_s...)
        self._identity_keep_s = max([self.forget_s] + [float(v) for r in self.rules for k, v in r.p.items()
                                                       if k.endswith("identity_memory_s")])
        windows = [(float(v), f"{r.type}.{k}") for r in self.rules for k, v in r.p.items()
                   if k.endswith("_s") and isinstance(v, (int, float))]
        longest = max(windows, default=(0.0, ""))
        if self.forget_s < longest[0]:
            logger.warning("forget_s %.0f s is shorter than %s (%.0f s): a contact forgotten while a rule still "
                           "remembers it changes that rule's alerts", self.forget_s, longest[1], longest[0])
        self.risk = RiskModel(self)
        self.continuity = Continuity(self)  # a dark contact's alerts across a break of its radar track
        self.cycles = 0
        self.n_late_rows = 0   # rows older than their contact's latest, ignored (`_cycle`)
        # a rule (or a cycle) that raised: counted by rule type ("cycle" outside the rules), logged once each
        # with its traceback; the other rules and the next cycles go on (`STRICT`: raise instead, for tests)
        self.failures: Counter[str] = Counter()
        self._pending: list[ContactBatch] = []
        self._pending_xy: list[tuple[np.ndarray, np.ndarray] | None] = []
        self._pending_lo, self._pending_hi = np.iinfo(np.int64).max, np.iinfo(np.int64).min   # their cycles
        self._radar_t = -np.inf   # the latest radar-backed row of the cycles run (`_stretch`)

    def place(self, key: Hashable, fn: Callable[[np.ndarray, np.ndarray], Any]) -> PlaceMemo:
        """The memo of a static place test (detect/placememo.py) under this key, made with fn the first time."""
        memo = self._places.get(key)
        if memo is None:
            memo = self._places[key] = PlaceMemo(self.memory, fn)
        return memo

    # ---- the stream --------------------------------------------------------------------------------
    def process(self, batch: ContactBatch, xy: tuple[np.ndarray, np.ndarray] | None = None, *,
                report: bool = True) -> list[dict[str, Any]]:
        """Take one batch; the alert changes it caused (open / update / close).

        Batches are buffered until they span `cycle_s` of event time, so the rules run once per cycle
        however often the tracker calls (changes come at most one cycle late); `flush()` forces it.
        `xy`: the rows' positions in this engine's frame (x east, y north, m) where the caller has them (the
        pipeline's state, which it projected to lat/lon): they are used instead of projecting lat/lon back.
        `report=False`: the changes are not wanted (a replay without a store keeps only the final alerts), and are
        dropped instead of being turned into dicts."""
        if len(batch) == 0:
            return []
        t = batch["t"]
        ok = np.isfinite(t) & np.isfinite(batch["lat"]) & np.isfinite(batch["lon"]) & (batch["contact_id"] >= 0)
        if not ok.all():
            keep = np.flatnonzero(ok)
            batch = batch.take(keep)
            t = batch["t"]
            xy = (xy[0][keep], xy[1][keep]) if xy is not None else None
        if len(batch) == 0:
            return []
        self._pending.append(batch)
        self._pending_xy.append(xy)
        self._pending_lo = min(self._pending_lo, int(self._bin(float(t.min()))))
        self._pending_hi = max(self._pending_hi, int(self._bin(float(t.max()))))
        if self._pending_hi == self._pending_lo:   # one cycle's rows so far: more may come
            return []
        return self._run(report, final=False)

    def flush(self, report: bool = True) -> list[dict[str, Any]]:
        """Run the rules on everything buffered, the cycle still open too; the alert changes (none with
        `report=False`)."""
        return self._run(report, final=True)

    def _bin(self, t: Any) -> Any:
        """The cycle of event time(s) t: cycles are the `cycle_s` periods (k - 1) cycle_s < t <= k cycle_s of a
        grid fixed in time (the pipeline's pictures, emitted at the grid's times from the state a little before,
        fall one per cycle), not anchored at whatever row a batch starts with."""
        return np.ceil(np.asarray(t, np.float64) / self.cycle_s).astype(np.int64)

    def _run(self, report: bool, final: bool) -> list[dict[str, Any]]:
        """The cycles of the buffered rows. A cycle runs once a row of a later one has come (`final`: all of
        them), and a stretched cycle (`_stretch`) once a part that cannot join it has come: until then rows may
        still join them. The cycles are then the same however the rows were handed over (a file read in chunks
        of any size, a live feed)."""
        if self._pending:
            batch = ContactBatch.concat(self._pending) if len(self._pending) > 1 else self._pending[0]
            xy = self._xy()
            t = batch["t"]
            order = np.argsort(t, kind="stable")
            t_sorted = t[order]
            if t_sorted[0] < self.now - self.cycle_s:
                logger.debug("batch reaches %.1f s into the past; late rows are processed at their own time",
                             self.now - t_sorted[0])
            bins = self._bin(t_sorted)
            cuts = np.flatnonzero(np.diff(bins)) + 1
            if final:
                n_done = len(order)
            else:   # the last cycle may go on
                n_done = int(cuts[-1]) if len(cuts) else 0
            # radar-backed contacts about a part: a radar-backed row at most radar_cycle_s before its first row, or
            # in it (all of those have come: the stream is in time order, and the part is complete)
            radar_t = np.maximum.accumulate(np.where(batch["kind"][order] != int(ContactKind.AIS_ONLY), t_sorted,
                                                     self._radar_t))
            parts = cuts[cuts < n_done]
            first_t, last_row = t_sorted[np.r_[0, parts]], np.r_[parts, n_done] - 1
            radar = radar_t[last_row] >= first_t - self.radar_cycle_s if n_done else np.zeros(0, bool)
            cycles = self._stretch(order[:n_done], parts, batch["contact_id"], t, radar)
            if cycles and not final and max(self.radar_cycle_s, self.sparse_cycle_s) > self.cycle_s:
                n_done -= len(cycles.pop()[0])   # the last stretched cycle may take the next part too
            if n_done:
                self._radar_t = max(self._radar_t, float(radar_t[n_done - 1]))
            for part, checks in cycles:
                self.checks, self.prev_now = checks, self.now
                try:
                    self._cycle(batch, part, xy)
                except Exception as err:   # noqa: BLE001 - counted and logged; its rows are dropped, not retried
                    self._failed("cycle", err)
            held = np.sort(order[n_done:])   # in the order they came, as if never cut
            self._pending, self._pending_xy = [], []
            self._pending_lo, self._pending_hi = np.iinfo(np.int64).max, np.iinfo(np.int64).min
            if len(held):
                self._pending.append(batch.take(held) if len(held) < len(batch) else batch)
                self._pending_xy.append((xy[0][held], xy[1][held]) if xy is not None else None)
                self._pending_lo, self._pending_hi = int(self._bin(t_sorted[n_done])), int(bins[-1])
        changes = self.book.take_changes()
        return [c.to_dict() for c in changes] if report else []

    def _stretch(self, order: np.ndarray, cuts: np.ndarray, ids: np.ndarray, t: np.ndarray,
                 radar: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The cycles of a backlog, each with the times of the `cycle_s` checks it stands for. The backlog's rows
        in time order (`order`) are cut into `cycle_s` parts at `cuts`; consecutive parts are joined into one
        cycle while no contact appears twice in it and it spans at most `sparse_cycle_s`, or `radar_cycle_s` if one
        of its parts has radar-backed contacts about (`radar`, per part). A picture in which every contact comes
        about once a minute (an AIS-only feed) is judged in two cycles a minute instead of twelve, each row still
        on its own; one with radar tracks (updated every cycle) keeps about one cycle per part. A part's check time
        is its latest row's."""
        if not len(order):
            return []
        starts = np.r_[0, cuts].astype(np.int64)
        stops = np.r_[cuts, len(order)].astype(np.int64)
        ends = t[order[stops - 1]]
        limits = np.where(radar, self.radar_cycle_s, self.sparse_cycle_s)
        if (limits <= self.cycle_s).all() or len(starts) < 2:
            return [(order[a:b], ends[k:k + 1]) for k, (a, b) in enumerate(zip(starts.tolist(), stops.tolist()))]
        if kernels.ENABLED:
            _, dense = np.unique(ids[order], return_inverse=True)
            first = kernels.stretch_groups(dense.astype(np.int64).ravel(), t[order], starts,
                                           limits.astype(np.float64), int(dense.max()) + 1)
        else:
            first = _stretch_groups(order, starts, stops, ids, t, limits)
        last = np.r_[first[1:], len(starts)]
        return [(order[starts[f]:stops[k - 1]], ends[f:k]) for f, k in zip(first.tolist(), last.tolist())]

    def dated(self, t: float) -> float:
        """The time a behaviour that a check of the whole memory finds true since event time t is stamped with:
        the first of this cycle's checks at or after t (`_stretch`: one cycle may stand for several `cycle_s`
        checks) — what judging every `cycle_s` would have stamped, for a condition that depends only on t (a
        silence that passed its threshold). True already at the previous cycle (something else held it back
        then), or at no earlier check: the cycle's time."""
        checks = self.checks
        if not t > self.prev_now:
            return self.now
        i = int(np.searchsorted(checks, t, side="left"))
        return float(checks[i]) if i < len(checks) - 1 else self.now

    def refreshed(self, last_t: float, until: float = np.inf) -> float | None:
        """The last of this cycle's checks (up to `until`) at which something refreshed at most every
        DESCRIBE_EVERY_S, last at `last_t`, is refreshed — the time judging every `cycle_s` would have stamped its
        latest refresh with; None if at none."""
        u = last_t
        for c in [*self.checks[:-1].tolist(), self.now]:   # the last check is the cycle's time (as in `dated`)
            if c > until:
                break
            if c - u >= DESCRIBE_EVERY_S:
                u = c
        return u if u != last_t else None

    def _xy(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Local x, y of every row of the pending batches, end to end, when all came with them (else None: the
        cycles project their rows' lat/lon)."""
        if any(xy is None for xy in self._pending_xy):
            return None
        given = [xy for xy in self._pending_xy if xy is not None]
        return np.concatenate([g[0] for g in given]), np.concatenate([g[1] for g in given])

    def _cycle(self, batch: ContactBatch, rows: np.ndarray, xy: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        # one row per contact: its latest update in the cycle (the first of each id in reverse order; a
        # stable argsort is what np.unique(return_index=True) does, without its overhead)
        rev = rows[::-1]
        ids_rev = batch["contact_id"][rev]
        order = np.argsort(ids_rev, kind="stable")
        srt = ids_rev[order]
        keep = np.empty(len(srt), bool)
        keep[:1] = True
        keep[1:] = srt[1:] != srt[:-1]
        rows = np.sort(rev[order[keep]])
        c = batch.columns
        mem = self.memory
        # a contact's last row (status LOST): its behaviours end with it, it is not a new observation
        lost = c["status"][rows] == int(TrackStatus.LOST)
        if lost.any():
            gone = mem.find(batch["contact_id"][rows[lost]])   # a contact never seen (or forgotten): nothing to end
            gone = gone[gone >= 0]
            self._expire(gone[~self._expired[gone]], mem.f["last_t"][gone[~self._expired[gone]]])
            rows = rows[~lost]
            if not len(rows):
                return
        ids = batch["contact_id"][rows]
        slots = mem.slots_for(ids)
        t = c["t"][rows]
        prev_t = mem.f["last_t"][slots]
        late = t < prev_t   # older than what the memory holds of that contact: it would wind it back
        if late.any():
            if not self.n_late_rows:
                logger.warning("contact %s: a row of %.3f s after one of %.3f s, ignored (further late rows are "
                               "counted, not logged)", int(ids[late][0]), float(t[late][0]), float(prev_t[late][0]))
            self.n_late_rows += int(late.sum())
            rows, ids, slots, t, prev_t = rows[~late], ids[~late], slots[~late], t[~late], prev_t[~late]
            if not len(rows):
                return
        # back after more than stale_s unseen: a check every cycle_s before this row's own would have forgotten
        # it (its alerts closed at its last time); a stretched cycle, or a feed silent that long, has no such check
        back = ~self._expired[slots] & (prev_t < (np.ceil(t / self.cycle_s) - 1.0) * self.cycle_s - self.stale_s)
        if back.any():
            self._expire(slots[back], prev_t[back])
        lat, lon = c["lat"][rows], c["lon"][rows]
        x, y = (xy[0][rows], xy[1][rows]) if xy is not None else self.frame.to_xy(lat, lon)
        mmsi = c["mmsi"][rows]
        cyc = Cycle(
            now=float(t.max()), slot=slots, t=t, contact_id=ids, kind=c["kind"][rows], status=c["status"][rows],
            lat=lat, lon=lon, x=x, y=y, sog_mps=c["sog_mps"][rows], cog_deg=c["cog_deg"][rows], mmsi=mmsi,
            imo=c["imo"][rows], ship_type=c["ship_type"][rows], name=c["name"][rows],
            callsign=c["callsign"][rows], length_m=c["length_m"][rows], ais_age_s=c["ais_age_s"][rows],
            ais_class=c["ais_class"][rows],
            prev_x=mem.f["x"][slots].copy(), prev_y=mem.f["y"][slots].copy(),
            prev_t=mem.f["last_t"][slots].copy(), prev_mmsi=mem.i["last_mmsi"][slots].copy(), engine=self)
        cyc.cache["prev_ais_t"] = mem.f["last_ais_t"][slots].copy()
        cyc.cache["prev_kind"] = mem.i["kind"][slots].copy()
        cyc.cache["prev_lat"], cyc.cache["prev_lon"] = mem.f["lat"][slots].copy(), mem.f["lon"][slots].copy()
        cyc.cache["radar_track_id"] = c["radar_track_id"][rows]
        # the track it carries now (-1: none; a contact fusion let go of carries it no longer: `Continuity.born`)
        mem.i["radar_track"][slots] = np.where(cyc.cache["radar_track_id"] >= 0, cyc.cache["radar_track_id"], -1)
        cyc.cache["track_score"], cyc.cache["track_plots"] = c["track_score"][rows], c["track_plots"][rows]
        cyc.cache["track_born_t"] = c["track_born_t"][rows]
        cyc.cache["plots_per_scan"] = self.track_evidence.plots_per_scan(slots, t, cyc.cache["radar_track_id"],
                                                                         cyc.cache["track_plots"])
        cyc.cache["pos_sigma_m"] = np.sqrt(np.fmax(c["var_e_m2"][rows], c["var_n_m2"][rows]))
        self.track_identity.note(cyc.cache["radar_track_id"], mmsi, t)
        self.now = max(self.now, cyc.now)
        if np.isnan(self.started):
            self.started = float(t.min())
        # memory first (rules see the previous state in cyc.prev_*)
        mem.f["last_t"][slots] = t
        first = np.isnan(mem.f["first_t"][slots])
        mem.f["first_x"][slots[first]], mem.f["first_y"][slots[first]] = x[first], y[first]
        mem.f["first_t"][slots] = np.fmin(mem.f["first_t"][slots], t)   # NaN until its first row
        mem.i["rows"][slots] += 1   # a slot's memory changes only here: a rule's memo of it holds while this does
        mem.f["x"][slots], mem.f["y"][slots] = x, y
        mem.f["lat"][slots], mem.f["lon"][slots] = lat, lon
        hit = cyc.status != int(TrackStatus.COASTING)
        mem.f["hit_x"][slots[hit]], mem.f["hit_y"][slots[hit]], mem.f["hit_t"][slots[hit]] = x[hit], y[hit], t[hit]
        mem.f["sog_mps"][slots] = cyc.sog_mps
        mem.f["cog_deg"][slots] = cyc.cog_deg
        mem.i["kind"][slots] = cyc.kind
        has = mmsi > 0
        age = np.where(np.isfinite(cyc.ais_age_s), cyc.ais_age_s, 0.0)
        ais_t = t - age
        hs = slots[has]
        mem.i["last_mmsi"][hs] = mmsi[has]
        self.statics.note(slots, mmsi, cyc.prev_mmsi, cyc.ship_type, cyc.length_m, cyc.name, cyc.sog_kn,
                          age <= FRESH_AIS_S)
        newer = ais_t[has] >= fill_nan(mem.f["last_ais_t"][hs], nan=-np.inf)
        mem.f["last_ais_t"][hs[newer]] = ais_t[has][newer]
        # the AIS position: of a row carrying a report just received, not a silent vessel's dead reckoning
        fresh = newer & (age[has] <= FRESH_AIS_S)
        cyc.cache["prev_ais_x"], cyc.cache["prev_ais_y"] = mem.f["ais_x"][slots].copy(), mem.f["ais_y"][slots].copy()
        cyc.cache["prev_ais_pos_t"] = mem.f["ais_pos_t"][slots].copy()
        cyc.cache["fresh_ais"] = np.zeros(len(slots), bool)
        cyc.cache["fresh_ais"][np.flatnonzero(has)[fresh]] = True
        mem.f["ais_x"][hs[fresh]], mem.f["ais_y"][hs[fresh]] = x[has][fresh], y[has][fresh]
        mem.f["ais_pos_t"][hs[fresh]] = ais_t[has][fresh]
        cyc.cache["returned"] = self._expired[slots]   # back after it was lost (`Continuity.born`)
        self._expired[slots] = False
        note_made_good(mem, slots, x, y, t, cyc.prev_x, cyc.prev_y, cyc.prev_t, cyc.cache["pos_sigma_m"])
        self._refute_identities(cyc)
        self.anchorages.observe(cyc)
        self.continuity.born(cyc)
        for rule in self.rules:
            try:
                rule.process(cyc)
            except Exception as err:  # noqa: BLE001 - counted and logged (`_failed`)
                self._failed(rule.type, err)
        self._expire_stale(cyc.now)
        self.risk.refresh(cyc)
        self.book.prune_closed(cyc.now)
        self.cycles += 1
        # due; or scheduled more than a period ahead, after a row stamped far in the future
        if cyc.now >= self._forget_at or self._forget_at - cyc.now > self.forget_every_s:
            self._forget(cyc.now)

    def _refute_identities(self, cyc: Cycle) -> None:
        """Dark radar tracks making good more than a merchant ship can (over the last 2.5-5 min) are no longer the
        cargo ship or tanker whose MMSI they carried (`TrackIdentity.refute`)."""
        track = cyc.cache["radar_track_id"]
        with np.errstate(invalid="ignore"):
            r = np.flatnonzero(cyc.dark & (track >= 0) & (self.memory.f["mg_kn"][cyc.slot] >= MERCHANT_TOP_KN))
        if len(r):
            self.track_identity.refute(track[r], self.memory.f["mg_kn"][cyc.slot[r]], self.statics, cyc.now,
                                       self.memory, IDENTITY_MEMORY_S, cyc.x[r], cyc.y[r], ELSEWHERE_M)

    @property
    def expired(self) -> np.ndarray:
        """Per memory slot: the contact is gone (lost, or unseen for stale_s) since its last row."""
        return self._expired

    def _failed(self, what: str, err: Exception) -> None:
        """A rule or cycle raised err: counted, logged once per kind with its traceback. A live picture must not
        freeze on one bad cycle; the failure stays visible (`failures`, the logs)."""
        if STRICT:
            raise err
        self.failures[what] += 1
        if self.failures[what] == 1:
            logger.error("detection: %s failed at event time %.3f; it goes on with the next cycle (further "
                         "failures of it are counted)", what, self.now, exc_info=err)

    def _forget(self, now: float) -> None:
        """Forget the contacts unseen for forget_s (expired long since: their alerts closed then, bar those an
        open alert still refers to, by contact id or MMSI: an AIS gap stays open while radar tracks the vessel
        under another id) and the radar tracks not fused for as long; next time forget_every_s later."""
        self._forget_at = now + self.forget_every_s
        mem = self.memory
        gone = self._expired[: mem.n] & ~(mem.f["last_t"][: mem.n] >= now - self.forget_s)   # NaN: never a row
        if gone.any() and self.book.open_by_key:   # an open alert's contacts and MMSIs stay while it is open
            ids = [int(i) for a in self.book.open_by_key.values() for i in a.track_ids]
            mmsi = [int(m) for a in self.book.open_by_key.values() for m in a.mmsi]
            gone &= ~member(mem.i["contact_id"][: mem.n], np.array(ids, np.int64))
            gone &= ~member(mem.i["last_mmsi"][: mem.n], np.array(mmsi, np.int64))
        if gone.any():
            self.n_forgotten += int(gone.sum())
            mem.compact(np.flatnonzero(~gone))
        tracks = self.track_identity.forget(now - self._identity_keep_s)
        for rule in self.rules:
            rule.forget(now - self.forget_s, tracks)

    def _expire_stale(self, now: float) -> None:
        mem = self.memory
        last = mem.f["last_t"][: mem.n]
        stale = np.flatnonzero((last < now - self.stale_s) & ~self._expired[: mem.n])
        self._expire(stale, last[stale])

    def _expire(self, slots: np.ndarray, last_t: np.ndarray) -> None:
        """Forget these contacts (gone, or silent for stale_s): their open alerts close at their last time."""
        if len(slots) == 0:
            return
        self._expired[slots] = True
        for rule in self.rules:
            rule.expire(slots, last_t)
        self.continuity.lost(slots)
        for s in self.memory.i["contact_id"][slots]:
            self.explained.pop(int(s), None)

    def finish(self) -> list[dict[str, Any]]:
        """Every alert of the run in its final state (open ones keep end = null), by start time. The cycle still
        open is run first; a caller that follows the changes calls `flush()` before, for that cycle's."""
        self.flush(report=False)
        return [a.to_dict() for a in self.alerts()]

    def alerts(self) -> list[Alert]:
        return sorted(self.book.alerts, key=lambda a: (a.start, a.id))

    def open_alerts(self) -> list[Alert]:
        return list(self.book.open_by_key.values())

    def risk_scores(self) -> dict[int, float]:
        """Current risk score (0-1) of every contact seen in the last stale period."""
        return self.risk.scores(self.now)
