"""A chunk of complete lines -> everything the decoder reads from the lines, one row per line (`Scan`).

Two implementations compute the same `Scan`: the compiled kernel (`kernel.scan_lines`, one pass over
the bytes) and the numpy reference (`framing.py`, one vectorised pass per step). The decoder uses the
kernel unless `SEAWATCH_NO_JIT=1`; the tests hold both to the same output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea import framing as fr
from seawatch.ingest.nmea._jit import ENABLED

IntArray = npt.NDArray[np.int64]
F8 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

NAME_BYTES = 32  # a receiver name (tag block s:) is cut to this many bytes


@dataclass(frozen=True)
class Scan:
    lines: fr.Lines
    c_time: F8  # tag block c: in seconds (milliseconds converted); NaN if none
    s0: IntArray  # the tag block s: value, buf[s0:s1] (at most NAME_BYTES); -1 if none
    s1: IntArray
    cs_ok: Bools  # AIS lines: checksum matches
    fmt_ok: Bools  # AIS lines: formatter is VDM or VDO
    vdm: fr.VdmFields  # AIS lines: the VDM fields (`ok` False elsewhere)
    compiled: bool


def scan(arr: npt.NDArray[np.uint8], compiled: bool | None = None, tables: Any = None) -> Scan:
    """`arr` ends with b'\\n' and then `framing.PAD`. `tables`: a `kernel.Tables` the compiled scan fills
    (the returned arrays are views of it, valid until its next use), else new arrays."""
    if compiled is None:
        compiled = ENABLED
    return scan_compiled(arr, tables) if compiled else scan_reference(arr)


def scan_compiled(arr: npt.NDArray[np.uint8], tables: Any = None) -> Scan:
    from seawatch.ingest.nmea import kernel as k

    end = len(arr) - len(fr.PAD)
    terms, commas = np.zeros(16), np.zeros(6, dtype=np.int64)
    room = tables.room_for(end) if tables is not None else 0
    n = -1
    if room:  # no pass to count the lines first: room for as many as the shortest lines seen would make
        ints, u8, c_time = tables.get(room)
        n = k.scan_lines(arr, end, ints, u8, c_time, k.POW10, terms, commas)
    if n < 0:  # the first chunk, or shorter lines than before: counted
        room = k.count_newlines(arr)
        ints, u8, c_time = k.new_tables(room) if tables is None else tables.get(room)
        n = k.scan_lines(arr, end, ints, u8, c_time, k.POW10, terms, commas)
    if tables is not None:
        tables.seen(end, n)
    if n < room:
        ints, u8, c_time = ints[:, :n], u8[:, :n], c_time[:n]
    lines = fr.Lines(start=ints[k.START], end=ints[k.END], cls=u8[k.CLS].view(np.int8), sent=ints[k.SENT],
                     star=ints[k.STAR], tag0=ints[k.TAG0], tag1=ints[k.TAG1])
    ok = u8[k.V_OK].view(bool)
    vdm = fr.VdmFields(ok=ok, count=ints[k.COUNT], number=ints[k.NUMBER], seq=ints[k.SEQ], channel=u8[k.CHANNEL],
                       pay0=ints[k.PAY0], pay1=ints[k.PAY1], fill=ints[k.FILL])
    return Scan(lines, c_time, ints[k.S0], ints[k.S1], u8[k.CS_OK].view(bool), u8[k.FMT_OK].view(bool), vdm, True)


def scan_reference(arr: npt.NDArray[np.uint8]) -> Scan:
    """The numpy path: `framing.frame`, then checksums, VDM fields and tag fields of the lines that have them."""
    lines = fr.frame(arr)
    n = len(lines.cls)
    ais = np.flatnonzero(lines.cls == fr.AIS)
    sent, star = lines.sent[ais], lines.star[ais]
    cs_ok = np.zeros(n, dtype=bool)
    cs_ok[ais] = fr.checksum_ok(arr, sent, star)
    fmt_ok = np.zeros(n, dtype=bool)
    fmt_ok[ais] = (arr[sent + 3] == ord("V")) & (arr[sent + 4] == ord("D")) & \
                  ((arr[sent + 5] == ord("M")) | (arr[sent + 5] == ord("O")))
    f = fr.vdm_fields(arr, sent, star)
    full = {"ok": np.zeros(n, dtype=bool), "count": np.zeros(n, dtype=np.int64),
            "number": np.zeros(n, dtype=np.int64), "seq": np.full(n, -1, dtype=np.int64),
            "channel": np.zeros(n, dtype=np.uint8), "pay0": np.zeros(n, dtype=np.int64),
            "pay1": np.zeros(n, dtype=np.int64), "fill": np.zeros(n, dtype=np.int64)}
    for k, col in full.items():
        col[ais[f.ok]] = getattr(f, k)[f.ok]  # fields of rows that are not ok mean nothing
    vdm = fr.VdmFields(**full)

    c_time = np.full(n, np.nan)
    s0, s1 = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    tagged = np.flatnonzero(lines.tag0 >= 0)
    if len(tagged):
        t0, t1 = lines.tag0[tagged], lines.tag1[tagged]
        cpos = fr.find_key(lines, t0, t1, b"c")
        with_c = cpos >= 0
        vals, _ = fr.parse_uint_at(arr, cpos[with_c])
        c_time[tagged[with_c]] = np.where(vals > 1e11, vals / 1000.0, vals)  # some receivers write milliseconds
        spos = fr.find_key(lines, t0, t1, b"s")
        found = spos >= 0
        a = spos[found]
        b = fr.field_end(arr, a, t1[found])
        s0[tagged[found]] = a
        s1[tagged[found]] = np.minimum(b, a + NAME_BYTES)
    return Scan(lines, c_time, s0, s1, cs_ok, fmt_ok, vdm, False)


def receiver_names(arr: npt.NDArray[np.uint8], s0: IntArray, s1: IntArray,
                   default: str) -> tuple[IntArray, list[str]]:
    """The numpy path: per row, an index into the returned names (this chunk's): the s: value, or
    `default` where there is none."""
    found = s0 >= 0
    a = np.where(found, s0, 0)
    b = np.where(found, s1, 0)
    codes, names = fr.slices_to_strings(arr, a, b, width=NAME_BYTES)
    names = list(names) + [default]
    return np.where(found, codes, len(names) - 1), names


class ReceiverNames:
    """The compiled path's receiver names, interned for the life of a decoder: a name keeps its code from
    chunk to chunk (so lists of receivers can be remembered by their codes), new names are made once
    (by the hash of their bytes). Starts afresh (`generation` + 1) when it holds more than MAX names."""

    MAX = 4000

    TABLE = 1 << 14  # slots of the hash table of names (more than 2 * MAX)

    def __init__(self) -> None:
        self.names: list[str] = []
        self.generation = 0
        self._by_name: dict[str, int] = {}
        self._table_keys = np.full(self.TABLE, -2, dtype=np.int64)  # hashes of the names' bytes -> codes
        self._table_vals = np.empty(self.TABLE, dtype=np.int64)

    def code(self, name: str) -> int:
        c = self._by_name.get(name)
        if c is None:
            c = self._by_name[name] = len(self.names)
            self.names.append(name)
        return c

    def start_chunk(self) -> None:
        if len(self.names) > self.MAX:
            self.names, self._by_name = [], {}
            self._table_keys.fill(-2)
            self.generation += 1

    def codes(self, arr: npt.NDArray[np.uint8], s0: IntArray, s1: IntArray, default: str) -> IntArray:
        """Per row, the code of its s: value (or of `default` where there is none) in `names`: the hash of
        its bytes looked up in a hash table of the names known (one kernel loop); a name is made once, when
        first seen."""
        from seawatch.ingest.nmea.kernel import insert_names, lookup_names

        n = len(s0)
        h, out = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        if lookup_names(arr, s0, s1, self._table_keys, self._table_vals, h, out):
            new = np.flatnonzero(out == -1)
            uniq, first, inverse = np.unique(h[new], return_index=True, return_inverse=True)
            order = np.argsort(first)  # names get their codes in order of first appearance
            made = np.empty(len(uniq), dtype=np.int64)
            for j in order.tolist():
                i = int(new[first[j]])
                made[j] = self.code(arr[s0[i]:s1[i]].tobytes().decode("latin-1"))
            insert_names(self._table_keys, self._table_vals, uniq, made)
            out[new] = made[inverse.ravel()]
        none = out == -2
        if none.any():
            out[none] = self.code(default)
        return out


def intern(values: IntArray, kernel: object) -> tuple[IntArray, IntArray]:
    """Codes 0, 1, ... of the distinct values (>= -1), in order of first appearance, and the row of each
    code's first appearance; `kernel` is `kernel.intern_hashes`."""
    n = len(values)
    size = 1 << max(int(2 * n).bit_length(), 4)
    codes, first = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    n_codes = kernel(values, np.full(size, -2, dtype=np.int64), np.empty(size, dtype=np.int64),  # type: ignore[operator]
                     codes, first)
    return codes, first[:n_codes]
