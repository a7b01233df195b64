"""The last AIS identity each radar track carried, and when: the physical continuity behind contact ids.

A fused contact is known by its MMSI and a dark one by its radar track id, so when a vessel's AIS falls
silent its radar track carries on under another contact id. Rules that judge a radar track (is it dark?
did it change identity?) look here for the identity the track had. Arrays indexed by track id (ids are
handed out in increasing order by the tracker, most never fused) -> an entry per fused track: one vectorised
write per cycle.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from seawatch.arrays import fill_nan, member
from seawatch.detect.slots import SlotState
from seawatch.key_index import KeyIndex
from seawatch.model.contact import ContactKind

if TYPE_CHECKING:
    from seawatch.detect.core import ContactMemory
    from seawatch.detect.statics import VesselStatics

logger = logging.getLogger(__name__)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


class TrackIdentity(SlotState):
    """Per radar track fused with an AIS identity, its last identity and when, and the one before it
    (`prev_mmsi`, `prev_t`: when the track last carried that one). Only fused tracks have an entry (a
    thousand or so a day on the Caspian site, against ~10^6 track ids handed out), found through a `KeyIndex`;
    `forget` drops those not fused for a long while. The entries' arrays grow and shrink as slots do
    (`SlotState`), by themselves: they are not the contact memory's slots."""

    slot_fields: ClassVar[dict[str, Any]] = {"track_id": -1, "mmsi": 0, "t": np.nan, "prev_mmsi": 0,
                                             "prev_t": np.nan, "first_t": np.nan}

    def __init__(self) -> None:
        self._index = KeyIndex(np.zeros(0, np.int64))   # track id -> entry (in the order first fused)
        self.track_id: I64 = np.zeros(0, np.int64)
        self.mmsi: I64 = np.zeros(0, np.int64)
        self.t: F64 = np.zeros(0)
        self.prev_mmsi: I64 = np.zeros(0, np.int64)
        self.prev_t: F64 = np.zeros(0)
        self.first_t: F64 = np.zeros(0)   # the track's first row fused (under whichever contact id)
        # track id -> the MMSIs it carried that its motion since refuted (`refute`): rare, so a dict
        self.refuted: dict[int, set[int]] = {}

    def __len__(self) -> int:
        return self._index.n

    def _entries(self, tid: I64) -> I64:
        """The entry of each track id, new ones added."""
        pos = self._index.find(tid)
        new = pos < 0
        if new.any():
            ids = np.unique(tid[new])
            n = self._index.n
            if n + len(ids) > len(self.mmsi):
                self.grow(max(1024, 2 * len(self.mmsi), n + len(ids)))
            self.track_id[n: n + len(ids)] = ids
            self._index.extend(ids)
            pos[new] = n + np.searchsorted(ids, tid[new])
        return pos

    def note(self, track_id: I64, mmsi: I64, t: F64) -> None:
        """Rows of radar tracks fused with an AIS identity (track_id >= 0, mmsi > 0)."""
        ok = (track_id >= 0) & (mmsi > 0)
        if not ok.any():
            return
        e = self._entries(track_id[ok])
        other = (self.mmsi[e] > 0) & (self.mmsi[e] != mmsi[ok])
        self.prev_mmsi[e[other]], self.prev_t[e[other]] = self.mmsi[e[other]], self.t[e[other]]
        self.mmsi[e], self.t[e] = mmsi[ok], t[ok]
        self.first_t[e] = np.fmin(self.first_t[e], t[ok])   # NaN until its first
        if self.refuted:   # fused again with a refuted MMSI: its AIS puts that vessel on the track after all
            for tid, m in zip(track_id[ok].tolist(), mmsi[ok].tolist()):
                if m in self.refuted.get(tid, ()):
                    self.refuted[tid].discard(m)

    def refute(self, track_id: I64, speed_kn: F64, statics: VesselStatics, now: float, mem: ContactMemory,
               memory_s: float, x: F64, y: F64, elsewhere_m: float) -> None:
        """Dark rows' radar tracks making good `speed_kn`: an identity a track would be `remembered` by, of a vessel
        whose type cannot sail that fast (`Statics.top_speed_kn`: a cargo ship at 32 kn), is not the vessel on it
        any more, and stays refuted on that track (the boat slowing down to land is still not the ship) unless the
        track is fused with that MMSI again. As two echoes part, the tracker may give the boat that leaves the
        track of the ship it met (held-out cigarette-run 73: the runner raced for the beach on the track of its
        mother ship, silent for 107 min, and was judged as that 111 m cargo ship)."""
        if not len(track_id):
            return
        for _ in range(2):   # the last identity refuted, the one before it is judged the same way
            was = self.remembered(track_id, x, y, now, mem, memory_s, elsewhere_m)
            k = np.flatnonzero(was > 0)
            hit = False
            for j in k.tolist():
                top = statics.of(int(was[j])).top_speed_kn()
                if speed_kn[j] >= top:   # NaN: no bound
                    self.refuted.setdefault(int(track_id[j]), set()).add(int(was[j]))
                    hit = True
                    logger.info("detection: radar track %d makes good %.1f kn, more than MMSI %d (a ship of its "
                                "type: at most %.0f kn) can: no longer that vessel", int(track_id[j]),
                                float(speed_kn[j]), int(was[j]), top)
            if not hit:
                return

    def forget(self, before_t: float) -> I64:
        """Drop the tracks last fused before `before_t` (longer ago than any rule remembers an identity); returns
        their ids."""
        n = self._index.n
        gone = self.t[:n] < before_t
        if not gone.any():
            return np.zeros(0, np.int64)
        dropped = self.track_id[:n][gone]
        for tid in dropped.tolist():
            self.refuted.pop(tid, None)
        keep = np.flatnonzero(~gone)
        self.take(keep)
        self._index = KeyIndex(self.track_id[: len(keep)])
        return dropped

    def born(self, track_id: I64, first_t: F64) -> F64:
        """When each row's radar track was first seen: `first_t` (its contact's first row, per row), or earlier if
        the track was fused under another contact id before (a dark contact's id is its track id, a fused one's
        is not: a track born fused has its first row as a dark contact only when the fusion broke)."""
        out = np.array(first_t, np.float64)
        e = self._find(track_id)
        ok = np.flatnonzero(e >= 0)
        out[ok] = np.fmin(out[ok], self.first_t[e[ok]])
        return out

    def _find(self, track_id: I64) -> I64:
        """The entry of each track id, -1 for a track never fused (or forgotten, or no track: id < 0)."""
        return self._index.find(np.asarray(track_id, np.int64)) if len(track_id) else np.zeros(0, np.int64)

    def last(self, track_id: I64, entries: I64 | None = None) -> tuple[I64, F64]:
        """(mmsi, time) of each track's last identity; 0 / NaN for none (or no track: id < 0)."""
        m, t = np.zeros(len(track_id), np.int64), np.full(len(track_id), np.nan)
        e = self._find(track_id) if entries is None else entries
        ok = e >= 0
        m[ok], t[ok] = self.mmsi[e[ok]], self.t[e[ok]]
        return m, t

    def remembered(self, track_id: I64, x: F64, y: F64, now: float, mem: ContactMemory, memory_s: float,
                   elsewhere_m: float) -> I64:
        """Per row, the MMSI its radar track carried within memory_s (0: none, or no track), unless that MMSI
        has been heard since more than elsewhere_m from the row's (x, y): the track never was that vessel.
        A last identity so refuted (a moment's wrong fusion with a passing ship), or refuted by what the track
        has done since (`refute`), leaves the one before it, judged the same way: a boat tracked twice keeps its
        identity on its second track."""
        out = np.zeros(len(track_id), np.int64)
        e = self._find(track_id)
        last_m, last_t = self.last(track_id, e)
        recent = np.flatnonzero((last_m > 0) & (now - fill_nan(last_t, nan=-np.inf) <= memory_s))
        for k in recent.tolist():
            no = self.refuted.get(int(track_id[k]), ())
            if int(last_m[k]) not in no and _holds(mem, int(last_m[k]), float(last_t[k]), float(x[k]), float(y[k]),
                                                   elsewhere_m):
                out[k] = int(last_m[k])
                continue
            pm, pt = int(self.prev_mmsi[e[k]]), float(self.prev_t[e[k]])
            if (pm > 0 and pm not in no and now - pt <= memory_s
                    and _holds(mem, pm, pt, float(x[k]), float(y[k]), elsewhere_m)):
                out[k] = pm
        return out

    def carried(self, track_id: I64, x: F64, y: F64, now: float, mem: ContactMemory, memory_s: float,
                elsewhere_m: float, among: I64) -> I64:
        """Per row, an MMSI of `among` that its radar track carried within memory_s, as its last identity or the
        one before it (a vessel that took another MMSI on the same track), unless refuted as in `remembered` (or by its motion: `refute`);
        0 for none. For the watchlist: a listed vessel that went dark, or changed its MMSI, is still it."""
        out = np.zeros(len(track_id), np.int64)
        if not len(among) or not len(track_id):
            return out
        e = self._find(track_id)
        ok = e >= 0
        last_m, last_t = self.last(track_id, e)
        prev_m, prev_t = np.zeros(len(e), np.int64), np.full(len(e), np.nan)
        prev_m[ok], prev_t[ok] = self.prev_mmsi[e[ok]], self.prev_t[e[ok]]
        for m, t in ((last_m, last_t), (prev_m, prev_t)):
            cand = np.flatnonzero((out == 0) & (m > 0) & member(m, among)
                                  & (now - fill_nan(t, nan=-np.inf) <= memory_s))
            for k in cand.tolist():   # rare: a listed vessel's track
                if int(m[k]) not in self.refuted.get(int(track_id[k]), ()) and _holds(mem, int(m[k]), float(t[k]), float(x[k]), float(y[k]), elsewhere_m):
                    out[k] = int(m[k])
        return out


def _holds(mem: ContactMemory, m: int, since: float, x: float, y: float, elsewhere_m: float) -> bool:
    """A track carried MMSI m until `since`: it was that vessel unless m has been heard since more than
    elsewhere_m from (x, y)."""
    heard_m, heard_t = mem.i["last_mmsi"][: mem.n], mem.f["last_ais_t"][: mem.n]
    mine = np.flatnonzero(heard_m == m)
    later = mine[heard_t[mine] > since + 1.0]
    return not (len(later) and (np.hypot(mem.f["ais_x"][later] - x, mem.f["ais_y"][later] - y) > elsewhere_m).any())


def same_motion(ax: F64, ay: F64, a_sog_mps: F64, a_cog_deg: F64, bx: F64, by: F64, b_sog_mps: F64, b_cog_deg: F64, *,
                within_m: float, speed_tol_mps: float, course_tol_deg: float) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Pairwise over rows a x columns b: the distance (m) and whether the two are within `within_m` of each other
    at the same speed (within `speed_tol_mps`) and course (within `course_tol_deg`): one vessel's next track, or a
    boat in its company (`handed_over`, high_speed's company test)."""
    d = np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :])
    turn = np.abs((a_cog_deg[:, None] - b_cog_deg[None, :] + 180.0) % 360.0 - 180.0)
    ok = (d <= within_m) & (np.abs(a_sog_mps[:, None] - b_sog_mps[None, :]) <= speed_tol_mps) & (turn <= course_tol_deg)
    return d, ok


def handed_over(x: F64, y: F64, sog_mps: F64, cog_deg: F64, now: float, mem: ContactMemory, identity: TrackIdentity,
                *, silent_s: float, memory_s: float, within_m: float, speed_tol_mps: float, course_tol_deg: float,
                live_s: float = 30.0, born_t: F64 | None = None, born_before_s: float = 60.0,
                company_t: F64 | None = None) -> I64:
    """Per row (a radar track that never carried an identity), the MMSI of the vessel it continues (0: none): a
    vessel whose AIS has been silent for `silent_s` to `memory_s`, no longer on a radar track of its own (neither
    its fused contact nor a radar track that carried its MMSI updated in the last `live_s`: a vessel still
    tracked is not on this one), and whose last heard position, run on at its last speed and course to now (heard
    at most `memory_s` ago), is within `within_m` of the row, at the row's speed (within `speed_tol_mps`) and
    course (within `course_tol_deg`). A small craft at speed whose AIS fades out of reception as its radar track
    breaks is seen again on a new track that never fused: the same boat, not a dark one. Rows moving slower than
    `speed_tol_mps` are not matched (two boats stopped together agree on any course). With `born_t` (each row's
    first time seen), a row seen since more than `born_before_s` before the vessel's last report is not it: it ran
    beside the vessel while the vessel still reported (a dark boat in company, not the vessel's next track); with
    `company_t` (per memory slot: the last report at which a dark boat ran in the vessel's company), a vessel with
    one in company within `born_before_s` of its last report goes to no row (which track is it?). Each
    vessel goes to one row at most, the nearest; a row takes the nearest of its vessels."""
    out = np.zeros(len(x), np.int64)
    n = mem.n
    if not len(x) or not n:
        return out
    f = mem.f
    quiet = now - fill_nan(f["last_ais_t"][:n], nan=-np.inf)
    run_on = now - fill_nan(f["ais_pos_t"][:n], nan=-np.inf)
    live = now - fill_nan(f["last_t"][:n], nan=-np.inf) <= live_s
    in_company = (company_t[:n] >= f["last_ais_t"][:n] - born_before_s if company_t is not None
                  else np.zeros(n, bool))
    cand = np.flatnonzero((mem.i["last_mmsi"][:n] > 0) & ~(live & (mem.i["kind"][:n] != int(ContactKind.AIS_ONLY)))
                          & (quiet >= silent_s) & (quiet <= memory_s) & (run_on <= memory_s)
                          & np.isfinite(f["sog_mps"][:n]) & np.isfinite(f["cog_deg"][:n])
                          & (f["sog_mps"][:n] >= speed_tol_mps) & ~in_company)
    rows = np.flatnonzero(np.isfinite(sog_mps) & np.isfinite(cog_deg) & (sog_mps >= speed_tol_mps))
    if not len(cand) or not len(rows):
        return out
    cand_mmsi = mem.i["last_mmsi"][cand]
    # a radar track that carried the vessel's MMSI and is still updated: the vessel is on it (dark now, its AIS quiet)
    m = identity.mmsi[: len(identity)]
    mine = np.flatnonzero(member(m, cand_mmsi))
    if len(mine):
        slot = mem.find(identity.track_id[mine])
        keep = ~member(cand_mmsi, m[mine][(slot >= 0) & live[np.maximum(slot, 0)]])
        cand, cand_mmsi = cand[keep], cand_mmsi[keep]
        if not len(cand):
            return out
    a = np.radians(f["cog_deg"][cand])
    run_s = now - f["ais_pos_t"][cand]
    px = f["ais_x"][cand] + f["sog_mps"][cand] * np.sin(a) * run_s
    py = f["ais_y"][cand] + f["sog_mps"][cand] * np.cos(a) * run_s
    d, ok = same_motion(x[rows], y[rows], sog_mps[rows], cog_deg[rows], px, py, f["sog_mps"][cand],
                        f["cog_deg"][cand], within_m=within_m, speed_tol_mps=speed_tol_mps,
                        course_tol_deg=course_tol_deg)   # rows x vessels: a few of each
    if born_t is not None:   # NaN (never seen): no objection
        ok &= ~(born_t[rows, None] < f["last_ais_t"][cand][None, :] - born_before_s)
    d = np.where(ok, d, np.inf)
    d[d > d.min(axis=0, keepdims=True)] = np.inf   # each vessel to its nearest row only
    best = np.argmin(d, axis=1)
    hit = np.isfinite(d[np.arange(len(rows)), best])
    out[rows[hit]] = cand_mmsi[best[hit]]
    return out
