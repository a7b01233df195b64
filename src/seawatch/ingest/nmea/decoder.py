"""The NMEA 0183 decoder (format `nmea`): AIS `!--VDM/VDO` and radar `$--TTM/TLL/ZDA`, batch at a time.

Pipeline per chunk of complete lines:
1. `scan.scan` classifies every line and finds its tag block (`c:` time, `s:` receiver), sentence,
   checksum and VDM fields: one compiled pass over the lines (`kernel.scan_lines`, numba), or the
   numpy reference (`framing.py`) with `SEAWATCH_NO_JIT=1`; odd lines (logger layouts) are rewritten
   by `layouts.rewrite` and scanned again.
2. Lines with a bad checksum, another formatter or broken VDM fields are rejected, all at once.
3. Complete messages (single sentences, 2-part pairs joined vectorised, groups completed by
   `multipart.Reassembler`) form one table, handed to `messages.MessageDecoder`: the same message heard
   by several receivers within the dedup window becomes one observation (`dedup.Deduplicator`, which
   keeps the receivers that heard it), the hot types are decoded by `payload.decode_batch`
   (vectorised), the others by aiscat (`aiscat_decode`), into one batch per chunk.
Rejected input is counted by reason in `stats` (see `seawatch.ingest.stats.REASONS`); nothing raises.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.ingest.base import DecoderContext, register
from seawatch.ingest.nmea import framing as fr
from seawatch.ingest.nmea._jit import ENABLED as JIT_ENABLED
from seawatch.ingest.nmea.chunk import ChunkBuffer, ChunkStore
from seawatch.ingest.nmea.dedup import Deduplicator
from seawatch.ingest.nmea.layouts import rewrite
from seawatch.ingest.nmea.messages import MessageDecoder, Messages
from seawatch.ingest.nmea.multipart import Reassembler
from seawatch.ingest.nmea.pghp import pghp_times
from seawatch.ingest.nmea.scan import ReceiverNames, Scan, receiver_names, scan
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch

logger = logging.getLogger(__name__)

MAX_LINE_BYTES = 4096
RADAR_FORMATTERS = (b"TTM", b"TLL", b"ZDA")


def _raw_lines(buf: ChunkBuffer, start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> list[bytes]:
    return buf.slices(start.tolist(), end.tolist())


class NmeaDecoder:
    """Decoder for NMEA 0183 text (AIS and radar sentences), fed arbitrary chunks."""

    def __init__(self, ctx: DecoderContext | None = None, *, keep_raw: bool = False,
                 dedup_window_s: float | None = None, compiled: bool | None = None) -> None:
        ctx = ctx or DecoderContext()
        self.compiled = JIT_ENABLED if compiled is None else compiled  # numba kernels, else the numpy path
        self.ctx = ctx
        site = ctx.site
        self.stats = ctx.stats or IngestStats(sample_size=site.ingest.reject_sample_size if site else 100)
        self.sensor = ctx.sensor_id or self._ais_sensor_id()
        dedup_s = dedup_window_s if dedup_window_s is not None else (site.ingest.dedup_window_s if site else 10.0)
        timeout_s = site.ingest.multipart_timeout_s if site else 10.0
        self.dedup = Deduplicator(dedup_s, self.stats, self.compiled)
        self.reassembler = Reassembler(self.stats, timeout_s)
        self.messages = MessageDecoder(self.stats, self.dedup, self.sensor, keep_raw, self.compiled)
        self.keep_raw = keep_raw
        self._tail = b""
        self._received_at = float("nan")
        self._groups: dict[str, tuple[str, float]] = {}
        self._receivers = ReceiverNames()  # compiled path: receiver names interned across chunks
        self._tables: Any = None  # compiled path: the scan's tables, reused from chunk to chunk
        self._store = ChunkStore()  # the chunks' lines, copied into one buffer reused from chunk to chunk
        self._radar: Any = None
        self._last_zda: tuple[bytes, float] | None = None
        self._radar_checked = False

    def _ais_sensor_id(self) -> str | None:
        site = self.ctx.site
        if site is None:
            return None
        ais = [s.id for s in site.sensors if s.kind == "ais"]
        return ais[0] if len(ais) == 1 else None

    # -- the decoder contract ---------------------------------------------------------------------
    def feed(self, data: bytes, received_at: float, source: str | None = None) -> ObservationBatch:
        self._received_at = received_at
        cut = data.rfind(b"\n")
        if cut < 0:
            partial = self._tail + data
            self._tail = partial
            if len(partial) > MAX_LINE_BYTES:
                self.stats.reject("not_nmea", partial)
                self._tail = b""
            return ObservationBatch.empty()
        # the complete lines, followed by the padding the framing reads past the end: one copy, into the
        # decoder's buffer
        buf = self._store.put(self._tail, data, cut + 1)
        self._tail = data[cut + 1:]
        if len(self._tail) > MAX_LINE_BYTES:
            self.stats.reject("not_nmea", self._tail)
            self._tail = b""
        return self._count(self._process(buf, received_at, source or "feed", rewritten=False))

    def flush(self) -> ObservationBatch:
        out = ObservationBatch.empty()
        if self._tail.strip():
            out = self._process(ChunkBuffer.of_bytes(self._tail + b"\n" + fr.PAD), self._received_at, "feed",
                                rewritten=False)
        self._tail = b""
        self.reassembler.flush()
        self._store.release()  # the buffers go to the next decoder made in this process
        if self._tables is not None:
            self._tables.release()
        return self._count(out)

    def _count(self, batch: ObservationBatch) -> ObservationBatch:
        """Observations by kind, and decoded AIS messages by type (type 19 gives two rows, one message)."""
        if len(batch):
            kind = batch["kind"]
            for k, c in enumerate(np.bincount(kind).tolist()):
                if c:
                    self.stats.observations[Kind(k).name.lower()] += c
            mt = batch["msg_type"]
            one_per_msg = (mt >= 0) & ~((kind == Kind.AIS_STATIC) & (mt == 19))
            for k, c in enumerate(np.bincount(mt[one_per_msg]).tolist()):
                if c:
                    self.stats.msg_types[k] += c
        return batch

    # -- internals ---------------------------------------------------------------------------------
    def _process(self, buf: ChunkBuffer, received_at: float, source: str, rewritten: bool) -> ObservationBatch:
        """buf: complete lines followed by `framing.PAD`."""
        arr = buf.arr
        if self.compiled and self._tables is None:
            from seawatch.ingest.nmea.kernel import Tables

            self._tables = Tables()
        sc = scan(arr, self.compiled, self._tables)
        lines = sc.lines
        cls = lines.cls
        if not rewritten:
            self.stats.lines += int(np.count_nonzero(cls != fr.EMPTY))
        n_comment = int(np.count_nonzero(cls == fr.COMMENT))
        if n_comment and not rewritten:
            self.stats.ignored["comment"] += n_comment
        batches: list[ObservationBatch] = []

        slow = np.flatnonzero(cls == fr.SLOW)
        if len(slow):
            if rewritten:
                self.stats.reject_many("truncated", _raw_lines(buf, lines.start[slow], lines.end[slow]))
            else:
                # odd lines are rewritten in place (order matters: multi-part groups, $PGHP -> next line)
                return self._process(ChunkBuffer.of_bytes(self._rewrite_slow(buf, lines, slow) + fr.PAD), received_at,
                                     source, True)
        ext_time = np.full(len(cls), np.nan)
        dollar = np.flatnonzero(cls == fr.DOLLAR)
        if len(dollar):
            self._dollar_lines(buf, arr, sc, dollar, ext_time, received_at, source, batches)

        ais = np.flatnonzero(cls == fr.AIS)
        if len(ais):
            batches.append(self._ais_lines(buf, arr, sc, ais, ext_time, received_at, source))
        return ObservationBatch.concat(batches)

    def _rewrite_slow(self, buf: ChunkBuffer, lines: fr.Lines, slow: npt.NDArray[np.int64]) -> bytes:
        out: list[bytes] = []
        pos = 0
        for a, b in zip(lines.start[slow].tolist(), lines.end[slow].tolist()):
            out.append(buf[pos:a])
            raw = buf[a:b]
            pieces = rewrite(raw)
            if pieces is None:
                self.stats.reject("not_nmea", raw)
                out.append(b"# rejected")  # keeps the line (and so the $PGHP -> next-line pairing)
            else:
                out.append(b"\n".join(pieces))
            pos = b
        out.append(buf[pos:len(buf) - len(fr.PAD)])
        return b"".join(out)

    def _dollar_lines(self, buf: ChunkBuffer, arr: npt.NDArray[np.uint8], sc: Scan, idx: npt.NDArray[np.int64],
                      ext_time: npt.NDArray[np.float64], received_at: float, source: str,
                      batches: list[ObservationBatch]) -> None:
        lines = sc.lines
        sent = lines.sent[idx]
        code = (arr[sent + 3].astype(np.int64) << 16) | (arr[sent + 4].astype(np.int64) << 8) | arr[sent + 5]
        is_pghp = (arr[sent + 1] == ord("P")) & (arr[sent + 2] == ord("G")) & (code == _code(b"HP,"))
        if is_pghp.any():
            p = idx[is_pghp]
            times = pghp_times(_raw_lines(buf, lines.sent[p], lines.star[p]))
            # a $PGHP line gives the time of the sentence on the next line
            nxt = p + 1
            inside = nxt < len(ext_time)
            ext_time[nxt[inside]] = times[inside]
            self.stats.ignored["PGHP"] += int(is_pghp.sum())
        ttm, tll, zda_code = (_code(f) for f in RADAR_FORMATTERS)
        radar = ~is_pghp & ((code == ttm) | (code == tll) | (code == zda_code))
        zda = radar & (code == zda_code)
        if zda.any() and self._radar is None and not (radar & ~zda).any():
            # AIS feeds carry ZDA too: parse it only once radar sentences appear (the latest is kept
            # for the radar parser's date)
            last = idx[zda][-1]
            self._last_zda = (buf[int(lines.sent[last]):int(lines.star[last]) + 3],
                              float(sc.c_time[last]))
            self.stats.ignored["zda"] += int(zda.sum())
            radar &= ~zda
        if radar.any():
            parser = self._radar_parser()
            r_idx = idx[radar]
            sentences = _raw_lines(buf, lines.sent[r_idx], lines.star[r_idx] + 3)
            if parser is None:
                self.stats.reject_many("unsupported_type", sentences)
            else:
                obs_t = sc.c_time[r_idx]
                batches.append(parser.parse(sentences, [None if math.isnan(t) else float(t) for t in obs_t],
                                            received_at, source))
        other = ~is_pghp & ~radar
        if other.any():
            _, first, counts = np.unique(code[other], return_index=True, return_counts=True)
            o_sent = sent[other]
            for f_at, k in zip(first.tolist(), counts.tolist()):
                s0 = int(o_sent[f_at])
                address = buf[s0 + 1: s0 + 7].split(b",", 1)[0]
                self.stats.ignored[address[2:].decode("latin-1", "replace") if address[:1] != b"P"
                                   else address.decode("latin-1", "replace")] += k

    def _radar_parser(self) -> Any:
        if not self._radar_checked:
            self._radar_checked = True
            try:
                from seawatch.ingest.radar_nmea import RadarSentenceParser
            except ImportError:
                logger.warning("radar NMEA sentences found but the radar parser is not available")
                return None
            self._radar = RadarSentenceParser(self.ctx, self.stats)
            if self._last_zda is not None:
                sentence, t = self._last_zda
                self._radar.parse([sentence], [None if math.isnan(t) else float(t)], self._recv, None)
        return self._radar

    def _ais_lines(self, buf: ChunkBuffer, arr: npt.NDArray[np.uint8], sc: Scan, idx: npt.NDArray[np.int64],
                   ext_time: npt.NDArray[np.float64], received_at: float, source: str) -> ObservationBatch:
        stats, lines = self.stats, sc.lines
        good = sc.cs_ok[idx]
        if not good.all():
            bad = idx[~good]
            stats.reject_many("bad_checksum", _raw_lines(buf, lines.start[bad], lines.end[bad]))
            idx = idx[good]
        f = fr.VdmFields(*(getattr(sc.vdm, k)[idx] for k in fr.VdmFields.__dataclass_fields__))
        formatter_ok = sc.fmt_ok[idx]
        if not formatter_ok.all():
            b = idx[~formatter_ok]
            stats.reject_many("unsupported_type", _raw_lines(buf, lines.start[b], lines.end[b]))
        if not (f.ok | ~formatter_ok).all():
            b = idx[~f.ok & formatter_ok]
            stats.reject_many("truncated", _raw_lines(buf, lines.start[b], lines.end[b]))
        keep = f.ok & formatter_ok
        if not keep.all():
            idx = idx[keep]
            f = fr.VdmFields(*(getattr(f, k)[keep] for k in fr.VdmFields.__dataclass_fields__))

        # time and receiver from the tag block, else the logger layout, else arrival
        t = sc.c_time[idx]
        t = np.where(np.isnan(t), ext_time[idx], t)
        t = np.where(np.isnan(t), received_at, t)
        has_s = sc.s0[idx] >= 0
        if sc.compiled:
            self._receivers.start_chunk()
            src, names = self._receivers.codes(arr, sc.s0[idx], sc.s1[idx], source), self._receivers.names
            intern = self._receivers.code
        else:
            src, names = receiver_names(arr, sc.s0[idx], sc.s1[idx], source)
            code_of = {name: i for i, name in enumerate(names)}

            def intern(name: str) -> int:
                c = code_of.get(name)
                if c is None:
                    c = code_of[name] = len(names)
                    names.append(name)
                return c

        single = np.flatnonzero(f.count == 1)
        parts: list[tuple[npt.NDArray[Any], ...]] = [(f.pay0[single], f.pay1[single], f.fill[single], t[single], src[single],
                  lines.start[idx[single]], lines.end[idx[single]], idx[single])]
        ext = np.empty(0, dtype=np.uint8)
        if len(single) < len(idx):
            multi = np.flatnonzero(f.count != 1)
            ext, joined = self._multipart(buf, arr, lines, idx, f, multi, t, src, names, has_s, intern)
            parts.append(joined)
        cols = [np.concatenate(c) for c in zip(*parts)]
        order = np.argsort(cols[-1], kind="stable") if len(parts) > 1 else None  # messages in line order
        if order is not None:
            cols = [c[order] for c in cols]
        full = buf.extended(ext)  # multi-part payloads after the chunk's lines
        msgs = Messages(full, cols[0], cols[1], cols[2], cols[3], cols[4], names, cols[5], cols[6])
        out = self.messages.decode(msgs, self._recv)
        if len(out):
            self.reassembler.expire(float(np.nanmax(out["observed_at"])))
        return out

    def _multipart(self, buf: ChunkBuffer, arr: npt.NDArray[np.uint8], lines: fr.Lines, line_idx: npt.NDArray[np.int64],
                   f: fr.VdmFields, sel: npt.NDArray[np.int64], t: npt.NDArray[np.float64],
                   src: npt.NDArray[np.int64], names: list[str], has_s_all: npt.NDArray[np.bool_],
                   intern: Callable[[str], int]) -> tuple[
                       npt.NDArray[np.uint8], tuple[npt.NDArray[Any], ...]]:
        """Fragments -> complete messages: payloads appended after the chunk (`ext`, offsets from the
        chunk's end), with time, receiver, raw span and the line that completes them."""
        idx = line_idx[sel]
        cnt, num, seq, ch = f.count[sel], f.number[sel], f.seq[sel], f.channel[sel]
        p0, p1, fill, code, has_s = f.pay0[sel], f.pay1[sel], f.fill[sel], src[sel], has_s_all[sel]
        t = t[sel]
        # fast path: a 1-of-c fragment directly followed by its 2..c-of-c from the same receiver (or with no
        # receiver of its own: tag block groups name it on the first fragment only)
        m = len(idx)
        in_run = np.zeros(m, dtype=bool)
        firsts, lasts, sizes = [], [], []
        for c in np.unique(cnt[num == 1]).tolist() if m > 1 else []:
            k = m - c + 1  # rows where a run of c fragments can start
            if c < 2 or k <= 0:
                continue
            ok = (cnt[:k] == c) & (num[:k] == 1)
            for j in range(1, c):
                nxt = slice(j, k + j)
                ok &= (cnt[nxt] == c) & (num[nxt] == j + 1) & (seq[nxt] == seq[:k]) & (ch[nxt] == ch[:k]) & \
                      ((code[nxt] == code[:k]) | ~has_s[nxt])
            first = np.flatnonzero(ok)  # runs cannot overlap: each starts at a 1-of-c, the others are 2..c
            if len(first):
                firsts.append(first)
                lasts.append(first + (c - 1))
                sizes.append(np.full(len(first), c, dtype=np.int64))
                for j in range(c):
                    in_run[first + j] = True
        first = np.concatenate(firsts) if firsts else np.empty(0, dtype=np.int64)
        last = np.concatenate(lasts) if lasts else np.empty(0, dtype=np.int64)
        size = np.concatenate(sizes) if sizes else np.empty(0, dtype=np.int64)
        # the payloads of every run, in order, gathered into one buffer with one fancy index
        frag = np.repeat(first, size) + _ranks(size)
        lens = p1[frag] - p0[frag]
        ext_pairs = arr[_ranges(p0[frag], lens)]
        total = np.add.reduceat(lens, np.cumsum(size) - size) if len(size) else np.empty(0, dtype=np.int64)
        pend = np.cumsum(total)
        base = len(arr)
        q0, q1 = base + pend - total, base + pend
        pieces = [q0, q1, fill[last], t[first], code[first], lines.start[idx[first]], lines.end[idx[last]],
                  idx[first]]
        # the rest: the reassembler (interleaved groups, tag block groups, orphans)
        rest = np.flatnonzero(~in_run)
        blobs: list[bytes] = []
        done_rows: list[tuple[int, int, int, float, int, int, int, int]] = []
        off = base + len(ext_pairs)
        for j in rest.tolist():
            li = int(idx[j])
            raw = buf[int(lines.start[li]):int(lines.end[li])]
            sj, tj = names[int(code[j])], float(t[j])
            if lines.tag0[li] >= 0:
                tag = buf[int(lines.tag0[li]):int(lines.tag1[li])]
                sj, tj = self._group_context(tag, sj, tj, has_s=b"s:" in tag)
            done = self.reassembler.add(source=sj, seq=int(seq[j]), channel=bytes([ch[j]]) if ch[j] else b"",
                                        count=int(cnt[j]), number=int(num[j]),
                                        payload=buf[int(p0[j]):int(p1[j])], fill=int(fill[j]),
                                        observed_at=tj, raw=raw)
            if done is not None:
                c = intern(done.source)
                lp, lr = len(done.payload), len(done.raw)
                blobs += [done.payload, done.raw]
                done_rows.append((off, off + lp, done.fill, done.observed_at, c, off + lp, off + lp + lr, li))
                off += lp + lr
        if done_rows:
            cols = list(zip(*done_rows))
            pieces = [np.concatenate([p, np.array(c, dtype=p.dtype)]) for p, c in zip(pieces, cols)]
            ext_pairs = np.concatenate([ext_pairs, np.frombuffer(b"".join(blobs), dtype=np.uint8)])
        return ext_pairs, tuple(pieces)

    def _group_context(self, tag: bytes, src: str, t: float, has_s: bool) -> tuple[str, float]:
        """Tag block groups (g:n-m-id): later fragments inherit source and time from the first."""
        for fld in tag.split(b","):
            if fld.startswith(b"g:"):
                parts = fld[2:].split(b"-")
                if len(parts) >= 3:
                    gkey = b"-".join(parts[2:]).decode("latin-1")
                    if parts[0] == b"1":
                        self._groups[gkey] = (src, t)
                        if len(self._groups) > 10000:
                            self._groups.pop(next(iter(self._groups)))
                    elif not has_s and gkey in self._groups:
                        return self._groups[gkey]
        return src, t

    @property
    def _recv(self) -> float:
        return self._received_at


def _code(three: bytes) -> int:
    return (three[0] << 16) | (three[1] << 8) | three[2]


def _ranks(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """0, 1, .. within each run of `counts` rows: [2, 3] -> [0, 1, 0, 1, 2]."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _ranges(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The indices of the spans [start, start + length), concatenated, without a Python loop."""
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total)


def _sentence(body: str) -> bytes:
    x = 0
    for ch in body.encode():
        x ^= ch
    return b"!%s*%02X" % (body.encode(), x)


_T5 = ("AIVDO,2,1,{seq},A,56CIoh@00003@`73341L58n1E00000000000000000000000000PBm@00000,0", "AIVDO,2,2,{seq},A,00000000000,2")
_T8 = "AIVDO,1,1,,A,86CIoj@0Gh000000006??wvlFP06D073P1u60FP0e7h2lO0?s@0OnS@0p0h,4"  # a rare type: aiscat
_WARM_UP = (  # a chunk of single sentences (the kernels see the chunk's read-only buffer), then multi-part ones
    b"\n".join([_sentence(_T8),b"\\s:a,c:1795000000*00\\" + _sentence("AIVDO,1,1,,A,16CIohgP003TpL0Fpn000001P000,0"),
                b"\\s:b,c:1795000001*00\\" + _sentence("AIVDO,1,1,,A,16CIohgP003TpL0Fpn000001P000,0"),
                _sentence("AIVDO,1,1,,A,B6CIohh000q>705f=P0000000000,0"),
                _sentence("AIVDO,1,1,,A,H6CIoi1<l4hh0000000000000000,0"),
                _sentence("AIVDO,1,1,,A,E>j2p0@1:WdP0000000000000001jL>0;LK0000000000000000000000000,4"), b""]),
    b"\n".join([_sentence(_T8), b"\\s:a,c:1795000001*00\\" + _sentence(_T5[0].format(seq=0)),
                b"\\s:a*00\\" + _sentence(_T5[1].format(seq=0)), _sentence(_T5[0].format(seq=1)),
                _sentence("AIVDO,1,1,,A,B6CIohh000q>705f=P0000000000,0"), _sentence(_T5[1].format(seq=1)), b""]))


def warm_up_kernels() -> float:
    """Decode a few lines through every compiled kernel (single sentences, a pair, an interleaved group, a
    duplicate), so that numba compiles them, or loads them from its cache, now rather than on the first
    chunk of a feed. Returns the CPU seconds it took."""
    t = time.process_time()
    dec = NmeaDecoder(compiled=True)
    for chunk in _WARM_UP:
        dec.feed(chunk, received_at=0.0)
    dec.flush()
    return time.process_time() - t


@register("nmea")
def _make(ctx: DecoderContext) -> NmeaDecoder:
    return NmeaDecoder(ctx)
