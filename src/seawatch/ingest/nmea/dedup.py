"""One observation per AIS message, however many receivers heard it.

A message's identity is its payload (bytes + fill bits): the same payload within `window_s` seconds of
the kept copy is the same transmission heard again (another receiver, or a relay). The kept copy is
kept together with the receivers that heard it; the others are counted as `duplicate`. A copy further
than `window_s` from the last kept copy is a new transmission (a stationary ship or an aid to navigation
repeats the very same payload) and is kept in its turn. The rule is the same inside a batch and across
batches (recent keys are remembered in sorted arrays), so where a recording is cut into chunks does not
change the result. Runs before decoding, so duplicates cost no decoding work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea.framing import windows
from seawatch.ingest.stats import IngestStats

I8 = npt.NDArray[np.int64]


def payload_keys(buf: npt.NDArray[np.uint8], pay0: I8, pay1: I8, fill: I8, width: int = 96,
                 compiled: bool = False) -> I8:
    """A 64-bit FNV-1a-style hash of each payload's bytes and fill bits, vectorised over rows
    (`compiled`: the same hash by the numba kernel, one loop over the rows).

    The payload bytes are read 8 to a word (bytes past a payload's end masked off per word, so a row's
    hash never depends on the other rows); short payloads (position reports: 28 characters, 4 words)
    are hashed apart from long ones so they do not pay for the longest payload of the batch."""
    n = len(pay0)
    if compiled and n:
        from seawatch.ingest.nmea.kernel import payload_keys as compiled_keys

        out = np.empty(n, dtype=np.int64)
        compiled_keys(buf, pay0, pay1, fill, width, out)
        return out
    h = np.full(n, 0xCBF29CE484222325, dtype=np.uint64)
    if n == 0:
        return h.view(np.int64)
    length = np.minimum(pay1 - pay0, width)
    short = length <= 32
    if short.all() or not short.any():
        _hash_into(h, buf, pay0, length)
    else:
        for sel in (np.flatnonzero(short), np.flatnonzero(~short)):
            sub = h[sel]
            _hash_into(sub, buf, pay0[sel], length[sel])
            h[sel] = sub
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        h = (h ^ ((pay1 - pay0) * 8 + fill).astype(np.uint64)) * prime
    return h.view(np.int64)


def _hash_into(h: npt.NDArray[np.uint64], buf: npt.NDArray[np.uint8], pay0: I8, length: I8) -> None:
    w8 = (max(int(length.max()), 1) + 7) // 8 * 8
    words = windows(buf, pay0, w8).view(np.uint64)
    prime, all_bits = np.uint64(0x100000001B3), np.uint64(0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        for j in range(w8 // 8):
            left = length - 8 * j  # bytes of this row in word j
            if (left >= 8).all():
                word = words[:, j]
            else:
                keep = np.where(left >= 8, all_bits,
                                (np.uint64(1) << (np.clip(left, 0, 7) * 8).astype(np.uint64)) - np.uint64(1))
                word = words[:, j] & keep
            mixed = (h ^ word) * prime
            mixed ^= mixed >> np.uint64(29)
            h[:] = np.where(left > 0, mixed, h) if j else mixed


def _by_key_then_time(keys: I8, t: npt.NDArray[np.float64]) -> I8:
    """The lexsort((t, keys)) order. Most keys are unique: one sort by key, then only the rows of keys
    heard more than once are sorted again by time."""
    order = np.argsort(keys, kind="stable")
    ks = keys[order]
    same = ks[1:] == ks[:-1]
    if same.any():
        multi = np.zeros(len(ks), dtype=bool)
        multi[1:] |= same
        multi[:-1] |= same
        pos = np.flatnonzero(multi)
        sub = order[pos]
        order[pos] = sub[np.lexsort((t[sub], keys[sub]))]
    return order


class ReceiverLists:
    """The compiled path's tuples of receivers, each made once for the life of the receiver names' codes: a
    list of up to 5 receivers is known by an exact number (`dedup_kernel._receivers`' signature), looked up
    in a hash table (one kernel loop). Starts afresh when the names are another list (the decoder's names
    started afresh) or when it holds MAX tuples."""

    MAX = 6_000  # the USCG recording (a day's 5 % of a national network) has ~3,700 distinct lists of up to 5
    TABLE = 1 << 14  # slots (more than 2 * MAX; 128 kB: a new process faults in 32 pages, not 256)

    def __init__(self) -> None:
        self._names: list[str] | None = None
        self._keys = np.full(self.TABLE, -2, dtype=np.int64)
        self._vals = np.empty(self.TABLE, dtype=np.int64)
        self._tuples = np.empty(1024, dtype=object)
        self._count = 0

    def tuples_of(self, names: list[str], sig: I8,
                  make: Callable[[I8], list[tuple[str, ...]]]) -> npt.NDArray[np.object_]:
        """The tuple of each signature (codes into `names`); `make(rows)` makes those of the rows of sig whose
        list was never seen."""
        from seawatch.ingest.nmea.dedup_kernel import lookup_or_add

        if names is not self._names or self._count + len(sig) > self.MAX:
            self._names, self._count = names, 0
            self._keys.fill(-2)
        codes, new_rows = np.empty(len(sig), dtype=np.int64), np.empty(len(sig), dtype=np.int64)
        added = lookup_or_add(sig, self._keys, self._vals, self._count, codes, new_rows)
        if added:
            tuples = make(new_rows[:added])
            end = self._count + added
            if end > len(self._tuples):
                grown = np.empty(max(2 * len(self._tuples), end), dtype=object)
                grown[:self._count] = self._tuples[:self._count]
                self._tuples = grown
            self._tuples[self._count:end] = np.fromiter(tuples, dtype=object, count=added)
            self._count = end
        return self._tuples[codes]


@dataclass(frozen=True)
class Selection:
    keep: I8  # row indices kept (first copies), in input order
    receivers: npt.NDArray[np.object_]  # per kept row: tuple of receivers when more than one heard it
    n_receivers: npt.NDArray[np.int16]


class Deduplicator:
    KEEP_EXTRA_S = 120.0

    def __init__(self, window_s: float, stats: IngestStats, compiled: bool = False) -> None:
        self.compiled = compiled  # the same rule by the numba kernel (dedup_kernel.py)
        self._names: tuple[list[str], int, npt.NDArray[np.object_]] | None = None  # compiled path: names as an array
        self._lists = ReceiverLists()  # compiled path: the tuples of receivers made so far
        empty = (np.empty(0, dtype=np.int64), np.empty(0))
        self._spare: list[tuple[I8, npt.NDArray[np.float64]]] = [empty, empty]  # compiled path: merge buffers
        self._turn = 0
        self.window_s = window_s
        self.stats = stats
        self._keys = np.empty(0, dtype=np.int64)  # sorted
        self._times = np.empty(0, dtype=np.float64)
        self._latest = -np.inf
        self._pruned_at = -np.inf

    def select(self, keys: I8, t: npt.NDArray[np.float64], src: I8, names: list[str]) -> Selection:
        """Rows to keep (first copies), with the receivers (`names[src]`) that heard each of them."""
        n = len(keys)
        if n == 0 or self.window_s <= 0:
            return Selection(np.arange(n), np.full(n, None, dtype=object), np.ones(n, dtype=np.int16))
        if self.compiled:
            return self._select_compiled(keys, t, src, names)
        order = _by_key_then_time(keys, t)
        ks, ts = keys[order], t[order]
        dup_sorted, leader_sorted = self._anchor(ks, ts)
        dup = np.zeros(n, dtype=bool)
        dup[order] = dup_sorted
        keep = np.flatnonzero(~dup)
        receivers = np.full(n, None, dtype=object)
        nrec = np.ones(n, dtype=np.int16)
        n_dup = int(dup.sum())
        if n_dup:
            self.stats.rejects["duplicate"] += n_dup
            leader = np.full(n, -1, dtype=np.int64)
            leader[order] = np.where(leader_sorted >= 0, order[np.maximum(leader_sorted, 0)], -1)
            d_idx = np.flatnonzero(dup & (leader >= 0))
            if len(d_idx):
                self._receivers(leader[d_idx], d_idx, src, names, receivers, nrec)
        kept = ~dup_sorted
        self._remember(ks[kept], ts[kept])
        return Selection(keep, receivers[keep], nrec[keep])

    def _select_compiled(self, keys: I8, t: npt.NDArray[np.float64], src: I8, names: list[str]) -> Selection:
        from seawatch.ingest.nmea.dedup_kernel import anchor_and_receivers, merge_memory

        n = len(keys)
        order, dup, rec_at, rec_start, rec_codes, sig = anchor_and_receivers(
            keys, t, src, self._keys, self._times, float(self.window_s), len(names))
        receivers = np.full(n, None, dtype=object)
        nrec = np.ones(n, dtype=np.int16)
        n_dup = int(dup.sum())
        if n_dup:
            self.stats.rejects["duplicate"] += n_dup
        if len(rec_at):
            nrec[rec_at] = np.diff(rec_start)
            flat: list[str] = []
            starts = rec_start.tolist()

            def made(rows: list[int]) -> list[tuple[str, ...]]:
                """The tuples of lists `rows`: slices of one list of names made with one fancy index."""
                if not flat:
                    flat.extend(self._names_array(names)[rec_codes].tolist())
                return [tuple(flat[starts[q]:starts[q + 1]]) for q in rows]

            small = sig >= 0
            if small.any():
                # the same lists of receivers come back all the time: a tuple is made once per distinct list
                where = np.flatnonzero(small)
                receivers[rec_at[where]] = self._lists.tuples_of(names, sig[where], lambda new: made(where[new].tolist()))
            big = np.flatnonzero(~small).tolist()
            if big:
                receivers[rec_at[big]] = np.fromiter(made(big), dtype=object, count=len(big))
        sel = order[~dup[order]]
        k, tt = keys[sel], t[sel]
        if len(k):
            out_keys, out_times = self._merge_target(len(self._keys) + len(k))
            w = merge_memory(self._keys, self._times, k, tt, out_keys, out_times)
            self._keys, self._times = out_keys[:w], out_times[:w]
            self._after_merge(tt[np.r_[k[1:] != k[:-1], True]])  # the last copy of each key, as _remember
        keep = np.flatnonzero(~dup)
        return Selection(keep, receivers[keep], nrec[keep])

    def _merge_target(self, room: int) -> tuple[I8, npt.NDArray[np.float64]]:
        """Where the memory is merged to: two pairs of buffers used in turn (the memory is a view of the
        other one), grown by half when too small, so that a chunk does not allocate (and a new process
        does not fault in) a memory-sized pair of arrays every time."""
        self._turn ^= 1
        keys, times = self._spare[self._turn]
        if len(keys) < room:
            keys, times = np.empty(room + room // 2, dtype=np.int64), np.empty(room + room // 2)
            self._spare[self._turn] = (keys, times)
        return keys, times

    def _names_array(self, names: list[str]) -> npt.NDArray[np.object_]:
        """`names` as an object array, made again only when the list is another one or has grown."""
        cached = self._names
        if cached is None or cached[0] is not names or cached[1] != len(names):
            arr = np.array(names + [None], dtype=object)[:-1]
            cached = self._names = (names, len(names), arr)
        return cached[2]

    def _anchor(self, ks: I8, ts: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.bool_], I8]:
        """Rows sorted by key then time -> (duplicate?, row of the kept copy it repeats, -1 when that copy
        came in an earlier batch). Each key's copies are walked in time order, all keys at once: a copy
        within the window of the key's last kept copy is a duplicate, the next one beyond it is kept and
        becomes the anchor. One vector step per kept copy of the busiest key."""
        n = len(ks)
        W = self.window_s
        new_group = np.ones(n, dtype=bool)
        new_group[1:] = ks[1:] != ks[:-1]
        gid = np.cumsum(new_group) - 1
        first = np.flatnonzero(new_group)
        anchor_t = np.full(len(first), -np.inf)
        anchor_row = np.full(len(first), -1, dtype=np.int64)
        if len(self._keys):  # the last kept copy of a key heard in an earlier batch
            gk = ks[first]
            pos = np.minimum(np.searchsorted(self._keys, gk), len(self._keys) - 1)
            known = self._keys[pos] == gk
            anchor_t[known] = self._times[pos[known]]
        dup = np.zeros(n, dtype=bool)
        leader = np.arange(n)
        todo = np.arange(n)
        while len(todo):
            g = gid[todo]
            near = np.abs(ts[todo] - anchor_t[g]) <= W
            d = todo[near]
            dup[d] = True
            leader[d] = anchor_row[gid[d]]
            todo = todo[~near]
            if not len(todo):
                break
            g = gid[todo]
            head = np.r_[True, g[1:] != g[:-1]]  # the first undecided copy of each key is kept
            kept = todo[head]
            anchor_t[gid[kept]], anchor_row[gid[kept]] = ts[kept], kept
            todo = todo[~head]
        return dup, leader

    @staticmethod
    def _receivers(lead_of: I8, copies: I8, src: I8, names: list[str], receivers: npt.NDArray[np.object_],
                   nrec: npt.NDArray[np.int16]) -> None:
        """Per kept message with copies: the distinct receivers, its own first, then in order heard.
        Grouped and de-duplicated with sorts; one tuple is built per distinct list of receivers."""
        leads = np.sort(lead_of)
        leads = leads[np.r_[True, leads[1:] != leads[:-1]]]
        lead = np.concatenate([leads, lead_of])
        code = np.concatenate([src[leads], src[copies]])
        rank = np.concatenate([np.full(len(leads), -1, dtype=np.int64), copies])
        o = np.argsort(lead * (int(rank.max()) + 2) + (rank + 1))  # by message, then in order heard
        lead, code = lead[o], code[o]
        _, first = np.unique(lead * max(len(names), 1) + code, return_index=True)  # a receiver once
        keep = np.zeros(len(o), dtype=bool)
        keep[first] = True
        g_lead, g_code = lead[keep], code[keep]
        starts = np.flatnonzero(np.r_[True, g_lead[1:] != g_lead[:-1]])
        ends = np.r_[starts[1:], len(g_lead)]
        size = ends - starts
        at = g_lead[starts]
        nrec[at] = size
        # the same few lists of receivers come back all the time: key each list exactly (up to 4
        # receivers of up to 4095 names fit a 64-bit word), make each distinct tuple once
        codes = g_code.tolist()
        small = (size <= 4) if len(names) < 4096 else np.zeros(len(size), dtype=bool)
        if small.any():
            rank_in = np.arange(len(g_lead)) - np.repeat(starts, size)
            sig = np.add.reduceat((g_code + 1) << (4 + 12 * np.minimum(rank_in, 4)), starts) + size
            sig_small = sig[small]
            uniq, one, inv = np.unique(sig_small, return_index=True, return_inverse=True)
            tuples = np.empty(len(uniq), dtype=object)
            first_of = starts[small][one].tolist()
            last_of = ends[small][one].tolist()
            for k, (a, b) in enumerate(zip(first_of, last_of)):
                tuples[k] = tuple([names[c] for c in codes[a:b]])
            receivers[at[small]] = tuples[inv.ravel()]
        for j in np.flatnonzero(~small).tolist():
            receivers[at[j]] = tuple([names[c] for c in codes[int(starts[j]):int(ends[j])]])

    def _remember(self, k: I8, tt: npt.NDArray[np.float64]) -> None:
        """Merge this batch's kept keys (sorted by key, then time) into the sorted memory:
        O(batch log n + n) memcpy, no re-sort."""
        if len(k) == 0:
            return
        last = np.ones(len(k), dtype=bool)
        last[:-1] = k[1:] != k[:-1]
        k, tt = k[last], tt[last]
        pos = np.searchsorted(self._keys, k)
        if len(self._keys):
            pos_c = np.minimum(pos, len(self._keys) - 1)
            found = self._keys[pos_c] == k
            self._times[pos_c[found]] = np.maximum(self._times[pos_c[found]], tt[found])
        else:
            found = np.zeros(len(k), dtype=bool)
        new = ~found
        self._keys = np.insert(self._keys, pos[new], k[new])
        self._times = np.insert(self._times, pos[new], tt[new])
        self._after_merge(tt)

    def _after_merge(self, tt: npt.NDArray[np.float64]) -> None:
        self._latest = max(self._latest, float(np.nanmax(tt)))
        # forget old keys now and then (keep them a while past the window: late relays still match)
        if self._latest - self._pruned_at > self.window_s + self.KEEP_EXTRA_S:
            live = self._times >= self._latest - self.window_s - self.KEEP_EXTRA_S
            self._keys, self._times = self._keys[live], self._times[live]
            self._pruned_at = self._latest
