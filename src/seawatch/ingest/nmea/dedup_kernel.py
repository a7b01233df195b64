"""Compiled (numba) duplicate detection: `dedup.Deduplicator`'s rule, one loop over the keys of a batch.

`anchor_and_receivers` returns what `Deduplicator._anchor` and `Deduplicator._receivers` compute with
numpy: which rows repeat a kept copy, and for every kept copy heard again the distinct receivers (its
own first, then in input order). The rule and its outputs are the same, row for row (the vector rounds
of `_anchor` included: a copy within the window of the key's current anchor is a duplicate, then the
first undecided copy becomes the next anchor); `tests/ingest/nmea/test_kernel.py` compares the two.
"""

from __future__ import annotations

import numpy as np

from seawatch.ingest.nmea._jit import inline, jit


@inline
def _before(a: float, b: float) -> bool:
    """a sorts before b (NaN last, as numpy sorts)."""
    if np.isnan(a):
        return False
    return np.isnan(b) or a < b


@inline
def _search(sorted_keys, key) -> int:
    """Index of key in sorted_keys, -1 if absent."""
    lo, hi = 0, len(sorted_keys)
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(sorted_keys) and sorted_keys[lo] == key else -1


def anchor_and_receivers(keys: np.ndarray, t: np.ndarray, src: np.ndarray, mem_keys: np.ndarray,
                         mem_times: np.ndarray, window: float, n_names: int) -> tuple[np.ndarray, ...]:
    """keys/t/src of the batch's rows; mem_keys (sorted)/mem_times: the last kept copy of earlier batches.

    Returns (order: rows by key then time, dup, rec_at (kept rows heard more than once), rec_start /
    rec_codes (their receivers as runs of codes, rec_start has one more entry), sig (an exact number per
    list of up to 5 receivers of < 4096 names, -1 otherwise)). Arrays are allocated here, the loops run
    compiled (numpy calls inside a kernel cost seconds of compile time each)."""
    n = len(keys)
    order = np.argsort(keys, kind="stable")
    dup = np.zeros(n, dtype=bool)
    leader = np.full(n, -1, dtype=np.int64)
    _anchor(keys, t, order, mem_keys, mem_times, window, dup, leader, np.empty(n, dtype=np.int64))
    rec_at = np.empty(n, dtype=np.int64)
    rec_start = np.empty(n + 1, dtype=np.int64)
    rec_codes = np.empty(2 * n, dtype=np.int64)
    sig = np.empty(n, dtype=np.int64)
    scratch = np.empty((4, n), dtype=np.int64)
    n_at, w = _receivers(dup, leader, src, n_names, rec_at, rec_start, rec_codes, sig, scratch)
    return order, dup, rec_at[:n_at], rec_start[:n_at + 1], rec_codes[:w], sig[:n_at]


@jit
def _anchor(keys, t, order, mem_keys, mem_times, window, dup, leader, todo) -> None:
    """order (stable by key) is sorted by time within each key; then `Deduplicator._anchor`'s rounds."""
    n = len(keys)
    g0 = 0
    while g0 < n:
        g1 = g0 + 1
        while g1 < n and keys[order[g1]] == keys[order[g0]]:
            g1 += 1
        for a in range(g0 + 1, g1):  # stable insertion sort: the runs are short
            r = order[a]
            b = a
            while b > g0 and _before(t[r], t[order[b - 1]]):
                order[b] = order[b - 1]
                b -= 1
            order[b] = r
        anchor_t = -np.inf
        anchor_row = -1
        p = _search(mem_keys, keys[order[g0]])
        if p >= 0:
            anchor_t = mem_times[p]
        m = 0
        for a in range(g0, g1):
            todo[m] = order[a]
            m += 1
        while m:
            k = 0
            for a in range(m):
                r = todo[a]
                if abs(t[r] - anchor_t) <= window:
                    dup[r] = True
                    leader[r] = anchor_row
                else:
                    todo[k] = r
                    k += 1
            if k == 0:
                break
            anchor_t, anchor_row = t[todo[0]], todo[0]  # the first undecided copy is kept
            for a in range(1, k):
                todo[a - 1] = todo[a]
            m = k - 1
        g0 = g1


@jit
def _receivers(dup, leader, src, n_names, rec_at, rec_start, rec_codes, sig, scratch):
    """Every kept row heard more than once: its own receiver, then its copies' in input order, each
    once. Returns (number of such rows, number of codes written)."""
    n = len(dup)
    ncopies, slot, fill_at, raw_start = scratch[0], scratch[1], scratch[2], scratch[3]
    for r in range(n):
        ncopies[r] = 0
    for r in range(n):
        if dup[r] and leader[r] >= 0:
            ncopies[leader[r]] += 1
    q = 0
    pos = 0
    for r in range(n):
        if ncopies[r]:
            rec_at[q] = r
            slot[r] = q
            raw_start[q] = pos
            rec_codes[pos] = src[r]
            fill_at[q] = pos + 1
            pos += ncopies[r] + 1
            q += 1
    n_at = q
    for r in range(n):
        if dup[r] and leader[r] >= 0:
            s = slot[leader[r]]
            rec_codes[fill_at[s]] = src[r]
            fill_at[s] += 1
    # each receiver once, first heard first: compacted in place (writes never overtake reads)
    w = 0
    for q in range(n_at):
        a0 = raw_start[q]
        a1 = raw_start[q + 1] if q + 1 < n_at else pos
        rec_start[q] = w
        first = w
        for a in range(a0, a1):
            code = rec_codes[a]
            seen = False
            for b in range(first, w):
                if rec_codes[b] == code:
                    seen = True
                    break
            if not seen:
                rec_codes[w] = code
                w += 1
        size = w - first
        sig[q] = -1
        if size <= 5 and n_names < 4096:  # 3 bits of size, 5 codes + 1 of 12 bits: < 2 ** 63
            s_val = size
            for b in range(size):
                s_val += (rec_codes[first + b] + 1) << (3 + 12 * b)
            sig[q] = s_val
    rec_start[n_at] = w
    return n_at, w


@jit
def merge_memory(mem_keys, mem_times, k, tt, out_keys, out_times):
    """`Deduplicator._remember`'s merge: the batch's kept keys k (sorted by key, then time; the last copy of
    a key counts) merged into the sorted memory; a key already known keeps the later time (NaN if either
    is NaN, as np.maximum). Writes out_keys/out_times (room for both) and returns their length."""
    i, j, w = 0, 0, 0
    nm, nk = len(mem_keys), len(k)
    while i < nm or j < nk:
        if j < nk:
            while j + 1 < nk and k[j + 1] == k[j]:
                j += 1
        if j >= nk or (i < nm and mem_keys[i] < k[j]):
            out_keys[w], out_times[w] = mem_keys[i], mem_times[i]
            i += 1
        elif i >= nm or k[j] < mem_keys[i]:
            out_keys[w], out_times[w] = k[j], tt[j]
            j += 1
        else:
            a, b = mem_times[i], tt[j]
            out_keys[w] = k[j]
            out_times[w] = a if np.isnan(a) else (b if np.isnan(b) or b > a else a)
            i += 1
            j += 1
        w += 1
    return w


@jit
def lookup_or_add(keys, table_keys, table_vals, next_code, codes, new_rows):
    """codes: per row, the value of its key (>= 0) in an open-addressing table (power-of-two size, free
    slots -2); a key not in it is added with the value next_code, next_code + 1, ... in order of first
    appearance, and new_rows gets the row where it first appears. Returns how many keys were added."""
    mask = len(table_keys) - 1
    added = 0
    for r in range(len(keys)):
        key = keys[r]
        slot = (key ^ (key >> 29)) & mask
        while True:
            if table_keys[slot] == key:
                codes[r] = table_vals[slot]
                break
            if table_keys[slot] == -2:
                table_keys[slot] = key
                table_vals[slot] = next_code + added
                codes[r] = next_code + added
                new_rows[added] = r
                added += 1
                break
            slot = (slot + 1) & mask
    return added
