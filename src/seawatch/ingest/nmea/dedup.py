"""One observation per AIS message, however many receivers heard it.

A message's identity is its payload (bytes + fill bits): the same payload within `window_s` seconds is
the same transmission heard again (another receiver, or a relay). The first copy is kept together with
the receivers that heard it; the others are counted as `duplicate`. Runs before decoding, so duplicates
cost no decoding work. Recent keys are remembered across batches in sorted arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea.framing import windows
from seawatch.ingest.stats import IngestStats

I8 = npt.NDArray[np.int64]


def payload_keys(buf: npt.NDArray[np.uint8], pay0: I8, pay1: I8, fill: I8, width: int = 96) -> I8:
    """A 64-bit FNV-1a-style hash of each payload's bytes and fill bits, vectorised over rows.

    The payload bytes are packed 8 to a word, so a 28-character payload costs 4 vector steps."""
    n = len(pay0)
    h = np.full(n, 0xCBF29CE484222325, dtype=np.uint64)
    if n == 0:
        return h.view(np.int64)
    prime = np.uint64(0x100000001B3)
    length = pay1 - pay0
    w = int(min(max(int(length.max()), 1), width))
    w8 = (w + 7) // 8 * 8
    vals = np.where(np.arange(w8)[None, :] < length[:, None], windows(buf, pay0, w8), 0).astype(np.uint8)
    words = np.ascontiguousarray(vals).view(np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            mixed = (h ^ words[:, j]) * prime
            mixed ^= mixed >> np.uint64(29)
            # only a row's own words: the hash must not depend on the other rows of the batch
            h = np.where(j * 8 < length, mixed, h) if j else mixed
        h = (h ^ (length * 8 + fill).astype(np.uint64)) * prime
    return h.view(np.int64)


@dataclass(frozen=True)
class Selection:
    keep: I8  # row indices kept (first copies), in input order
    receivers: npt.NDArray[np.object_]  # per kept row: tuple of receivers when more than one heard it
    n_receivers: npt.NDArray[np.int16]


class Deduplicator:
    KEEP_EXTRA_S = 120.0

    def __init__(self, window_s: float, stats: IngestStats) -> None:
        self.window_s = window_s
        self.stats = stats
        self._keys = np.empty(0, dtype=np.int64)  # sorted
        self._times = np.empty(0, dtype=np.float64)
        self._latest = -np.inf
        self._pruned_at = -np.inf

    def select(self, keys: I8, t: npt.NDArray[np.float64], sources: npt.NDArray[np.object_]) -> Selection:
        n = len(keys)
        if n == 0 or self.window_s <= 0:
            return Selection(np.arange(n), np.full(n, None, dtype=object), np.ones(n, dtype=np.int16))
        order = np.lexsort((t, keys))
        ks, ts = keys[order], t[order]
        new_group = np.ones(n, dtype=bool)
        new_group[1:] = ks[1:] != ks[:-1]
        group_id = np.cumsum(new_group) - 1
        first_pos = np.flatnonzero(new_group)
        dup_sorted = ~new_group & (ts - ts[first_pos][group_id] <= self.window_s)
        leader_sorted = np.where(dup_sorted, first_pos[group_id], np.arange(n))
        if len(self._keys):  # leaders heard in an earlier batch are duplicates too
            li = np.flatnonzero(~dup_sorted)
            lk = ks[li]
            pos = np.minimum(np.searchsorted(self._keys, lk), len(self._keys) - 1)
            seen = (self._keys[pos] == lk) & (np.abs(ts[li] - self._times[pos]) <= self.window_s)
            dup_sorted[li[seen]] = True
            leader_sorted[li[seen]] = -1
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
                # group the copies by the kept message they repeat; one Python step per group
                lead_of = leader[d_idx]
                o = np.argsort(lead_of, kind="stable")
                lead_sorted, copies = lead_of[o], d_idx[o]
                leads, starts = np.unique(lead_sorted, return_index=True)
                groups = np.split(sources[copies], starts[1:])
                for lead, names in zip(leads.tolist(), groups):
                    uniq = tuple(dict.fromkeys(x for x in (sources[lead], *names.tolist()) if x is not None))
                    receivers[lead] = uniq
                    nrec[lead] = len(uniq)
        self._remember(keys[keep], t[keep])
        return Selection(keep, receivers[keep], nrec[keep])

    def _remember(self, keys: I8, times: npt.NDArray[np.float64]) -> None:
        """Merge this batch's kept keys into the sorted memory: O(batch log n + n) memcpy, no re-sort."""
        if len(keys) == 0:
            return
        order = np.lexsort((times, keys))
        k, tt = keys[order], times[order]
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
        self._latest = max(self._latest, float(np.nanmax(tt)))
        # forget old keys now and then (keep them a while past the window: late relays still match)
        if self._latest - self._pruned_at > self.window_s + self.KEEP_EXTRA_S:
            live = self._times >= self._latest - self.window_s - self.KEEP_EXTRA_S
            self._keys, self._times = self._keys[live], self._times[live]
            self._pruned_at = self._latest
