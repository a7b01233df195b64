"""Vectorised record framing: where each record of each data block starts and where each of its items is.

ASTERIX records carry no length: a record's size follows from its FSPEC (which items are present) and the
layout of each present item (fixed, FX-extended, repetitive, explicit, compound). Blocks usually hold
many records, so the framing runs in lock-step over *all* blocks of a category at once: one numpy pass
finds the first record of every block, the next pass the second record of the blocks that have more,
and so on. The number of passes is the largest number of records in one block, not the number of records.

A block whose records do not end exactly at the block's end (unknown/spare FRN set, FSPEC too long,
an item running past the block, a record without its mandatory I/010 data source) is corrupt as a whole:
records have no length, so nothing after the first bad byte of a block can be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seawatch.ingest.asterix.uap import Compound, Explicit, Fixed, Layout, Repetitive, Variable

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
U8Array = npt.NDArray[np.uint8]

_MAX_VARIABLE_PARTS = 32  # longer FX chains than this are corrupt (the longest in use have ~6 parts)


@dataclass(frozen=True, slots=True)
class RecordTable:
    """The records of the good blocks, in stream order."""

    start: IntArray  # offset of each record's FSPEC in the buffer
    block: IntArray  # index of the record's block (into the block arrays given to `frame_records`)
    offsets: IntArray  # (n_records, n_frn) offset of each item's first octet, -1 if absent
    block_ok: BoolArray  # per block: all its records framed exactly


def _at(arr: U8Array, idx: IntArray) -> IntArray:
    """Bytes at `idx` as int64; reads past the end give 0 (the framing then fails the bounds check)."""
    return arr[np.minimum(idx, len(arr) - 1)].astype(np.int64)


def _item_sizes(arr: U8Array, q: IntArray, layout: Layout) -> tuple[IntArray, BoolArray]:
    """Sizes of the items of one non-fixed layout starting at `q`, and which of them are corrupt."""
    bad = np.zeros(len(q), dtype=bool)
    if isinstance(layout, Variable):
        size = np.ones(len(q), dtype=np.int64)
        cont = (_at(arr, q) & 1).astype(bool)
        for _ in range(_MAX_VARIABLE_PARTS):
            if not cont.any():
                break
            size += cont
            cont &= (_at(arr, q + size - 1) & 1).astype(bool)
        return size, bad | cont
    if isinstance(layout, Repetitive):
        return 1 + _at(arr, q) * layout.size, bad
    if isinstance(layout, Explicit):
        size = _at(arr, q)
        return np.maximum(size, 1), size == 0
    if isinstance(layout, Compound):
        primary = _at(arr, q)
        bad |= (primary & 1).astype(bool)  # a second primary octet: no such subfields in our UAPs
        size = np.ones(len(q), dtype=np.int64)
        for j, sub in enumerate(layout.subfields):
            bit = (primary >> (7 - j)) & 1
            if sub is None:
                bad |= bit.astype(bool)
            elif isinstance(sub, Fixed):
                size += bit * sub.size
            else:
                size += bit * (1 + _at(arr, q + size) * sub.size)
        return size, bad
    raise TypeError(f"not a variable-size layout: {layout!r}")


def _one_record(arr: U8Array, p: IntArray, uap: tuple[tuple[str, Layout], ...]
                ) -> tuple[IntArray, IntArray, BoolArray]:
    """Frame the record starting at each offset `p`: (item offsets, record end, corrupt)."""
    n, nfrn = len(p), len(uap)
    max_fspec = (nfrn + 6) // 7
    fspec = np.zeros((n, max_fspec), dtype=np.int64)
    fs_len = np.zeros(n, dtype=np.int64)
    cont = np.ones(n, dtype=bool)
    for k in range(max_fspec):
        b = np.where(cont, _at(arr, p + k), 0)
        fspec[:, k] = b
        fs_len += cont
        cont = cont & (b & 1).astype(bool)
    bad = cont.copy()  # FSPEC longer than the UAP
    o = p + fs_len
    offsets = np.full((n, nfrn), -1, dtype=np.int64)
    for i, (_name, layout) in enumerate(uap):
        pres = ((fspec[:, i // 7] >> (7 - i % 7)) & 1).astype(bool)
        if i == 0:
            bad |= ~pres  # I0xx/010 data source identifier is mandatory
        if not pres.any():
            continue
        if layout is None:  # spare FRN set
            bad |= pres
            continue
        offsets[:, i] = np.where(pres, o, -1)
        if isinstance(layout, Fixed):
            o = o + pres * layout.size
        else:
            idx = np.flatnonzero(pres)
            size, bad_sub = _item_sizes(arr, o[idx], layout)
            o[idx] += size
            bad[idx] |= bad_sub
    return offsets, o, bad


def frame_records(arr: U8Array, starts: IntArray, ends: IntArray,
                  uap: tuple[tuple[str, Layout], ...]) -> RecordTable:
    """Frame every record of the blocks [starts[i], ends[i]) (block headers included)."""
    nblk = len(starts)
    block_ok = np.ones(nblk, dtype=bool)
    cur = starts + 3
    blk = np.arange(nblk, dtype=np.int64)
    lim = ends.astype(np.int64)
    keep = cur < lim  # a header-only block holds no records
    cur, blk, lim = cur[keep], blk[keep], lim[keep]
    out_start: list[IntArray] = []
    out_blk: list[IntArray] = []
    out_off: list[IntArray] = []
    while cur.size:
        offsets, end, bad = _one_record(arr, cur, uap)
        bad |= end > lim
        if bad.any():
            block_ok[blk[bad]] = False
        good = ~bad
        out_start.append(cur[good])
        out_blk.append(blk[good])
        out_off.append(offsets[good])
        more = good & (end < lim)
        cur, blk, lim = end[more], blk[more], lim[more]
    if not out_start:
        empty = np.zeros(0, dtype=np.int64)
        return RecordTable(empty, empty, np.zeros((0, len(uap)), dtype=np.int64), block_ok)
    start = np.concatenate(out_start)
    block = np.concatenate(out_blk)
    offs = np.concatenate(out_off)
    ok = block_ok[block]
    start, block, offs = start[ok], block[ok], offs[ok]
    order = np.argsort(start, kind="stable")
    return RecordTable(start[order], block[order], offs[order], block_ok)
