"""The NMEA 0183 decoder (format `nmea`): AIS `!--VDM/VDO` and radar `$--TTM/TLL/ZDA`, batch at a time.

Pipeline per chunk of complete lines:
1. `framing.frame` classifies every line and finds its tag block and sentence (vectorised);
   odd lines (logger layouts) are rewritten by `layouts.rewrite` and framed again.
2. Checksums, VDM fields and tag block `c:`/`s:` are extracted for all AIS lines at once.
3. Single-sentence messages of the hot types are decoded by `payload.decode_positions` (vectorised);
   other types and reassembled multi-part messages go through aiscat (`aiscat_decode`).
4. The same message heard by several receivers within the dedup window becomes one observation
   (`dedup.Deduplicator`), which keeps the receivers that heard it.
Rejected input is counted by reason in `stats` (see `seawatch.ingest.stats.REASONS`); nothing raises.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from seawatch.ingest.base import DecoderContext, register
from seawatch.ingest.nmea import framing as fr
from seawatch.ingest.nmea.aiscat_decode import AiscatDecoder, synthetic_sentence, to_columns
from seawatch.ingest.nmea.dedup import Deduplicator, payload_keys
from seawatch.ingest.nmea.layouts import rewrite
from seawatch.ingest.nmea.multipart import Reassembler
from seawatch.ingest.nmea.payload import ARMOR, FAST_TYPES, decode_batch, length_ok, message_type
from seawatch.ingest.nmea.pghp import pghp_times
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import SCHEMA, Kind, ObservationBatch

logger = logging.getLogger(__name__)

MAX_LINE_BYTES = 4096
RADAR_FORMATTERS = (b"TTM", b"TLL", b"ZDA")


def _raw_lines(buf: bytes, start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> list[bytes]:
    return [buf[a:b] for a, b in zip(start.tolist(), end.tolist())]


class NmeaDecoder:
    """Decoder for NMEA 0183 text (AIS and radar sentences), fed arbitrary chunks."""

    def __init__(self, ctx: DecoderContext | None = None, *, keep_raw: bool = False,
                 dedup_window_s: float | None = None) -> None:
        ctx = ctx or DecoderContext()
        self.ctx = ctx
        site = ctx.site
        self.stats = ctx.stats or IngestStats(sample_size=site.ingest.reject_sample_size if site else 100)
        self.sensor = ctx.sensor_id or self._ais_sensor_id()
        dedup_s = dedup_window_s if dedup_window_s is not None else (site.ingest.dedup_window_s if site else 10.0)
        timeout_s = site.ingest.multipart_timeout_s if site else 10.0
        self.dedup = Deduplicator(dedup_s, self.stats)
        self.reassembler = Reassembler(self.stats, timeout_s)
        self.aiscat = AiscatDecoder()
        self.keep_raw = keep_raw
        self._tail = b""
        self._px = np.empty(0, dtype=np.uint8)
        self._received_at = float("nan")
        self._groups: dict[str, tuple[str, float]] = {}
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
        buf = self._tail + data
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._tail = buf
            if len(buf) > MAX_LINE_BYTES:
                self.stats.reject("not_nmea", buf)
                self._tail = b""
            return ObservationBatch.empty()
        self._tail = buf[cut + 1:]
        if len(self._tail) > MAX_LINE_BYTES:
            self.stats.reject("not_nmea", self._tail)
            self._tail = b""
        return self._count(self._process(buf[: cut + 1], received_at, source or "feed", rewritten=False))

    def flush(self) -> ObservationBatch:
        out = ObservationBatch.empty()
        if self._tail.strip():
            out = self._process(self._tail + b"\n", self._received_at, "feed", rewritten=False)
        self._tail = b""
        self.reassembler.flush()
        return self._count(out)

    def _count(self, batch: ObservationBatch) -> ObservationBatch:
        """Observations by kind, and decoded AIS messages by type (type 19 gives two rows, one message)."""
        if len(batch):
            kind = batch["kind"]
            for k, c in zip(*np.unique(kind, return_counts=True)):
                self.stats.observations[Kind(int(k)).name.lower()] += int(c)
            mt = batch["msg_type"]
            one_per_msg = (mt >= 0) & ~((kind == Kind.AIS_STATIC) & (mt == 19))
            for k, c in zip(*np.unique(mt[one_per_msg], return_counts=True)):
                self.stats.msg_types[int(k)] += int(c)
        return batch

    # -- internals ---------------------------------------------------------------------------------
    def _process(self, buf: bytes, received_at: float, source: str, rewritten: bool) -> ObservationBatch:
        arr = np.frombuffer(buf + fr.PAD, dtype=np.uint8)
        lines = fr.frame(arr)
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
                return self._process(self._rewrite_slow(buf, lines, slow), received_at, source, True)
        ext_time = np.full(len(cls), np.nan)
        dollar = np.flatnonzero(cls == fr.DOLLAR)
        if len(dollar):
            self._dollar_lines(buf, arr, lines, dollar, ext_time, received_at, source, batches)

        ais = np.flatnonzero(cls == fr.AIS)
        if len(ais):
            batches.append(self._ais_lines(buf, arr, lines, ais, ext_time, received_at, source))
        return ObservationBatch.concat(batches)

    def _rewrite_slow(self, buf: bytes, lines: fr.Lines, slow: npt.NDArray[np.int64]) -> bytes:
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
        out.append(buf[pos:])
        return b"".join(out)

    def _dollar_lines(self, buf: bytes, arr: npt.NDArray[np.uint8], lines: fr.Lines, idx: npt.NDArray[np.int64],
                      ext_time: npt.NDArray[np.float64], received_at: float, source: str,
                      batches: list[ObservationBatch]) -> None:
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
        radar = ~is_pghp & np.isin(code, [_code(f) for f in RADAR_FORMATTERS])
        zda = radar & (code == _code(b"ZDA"))
        if zda.any() and self._radar is None and not (radar & ~zda).any():
            # AIS feeds carry ZDA too: parse it only once radar sentences appear (the latest is kept
            # for the radar parser's date)
            last = idx[zda][-1]
            self._last_zda = (buf[int(lines.sent[last]):int(lines.star[last]) + 3],
                              self._tag_times(buf, arr, lines, np.array([last]))[0])
            self.stats.ignored["zda"] += int(zda.sum())
            radar &= ~zda
        if radar.any():
            parser = self._radar_parser()
            r_idx = idx[radar]
            sentences = _raw_lines(buf, lines.sent[r_idx], lines.star[r_idx] + 3)
            if parser is None:
                self.stats.reject_many("unsupported_type", sentences)
            else:
                obs_t = self._tag_times(buf, arr, lines, r_idx)
                batches.append(parser.parse(sentences, [None if t != t else float(t) for t in obs_t],
                                            received_at, source))
        other = ~is_pghp & ~radar
        if other.any():
            codes, first, counts = np.unique(code[other], return_index=True, return_counts=True)
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
                self._radar.parse([sentence], [None if t != t else float(t)], self._recv, None)
        return self._radar

    def _tag_times(self, buf: bytes, arr: npt.NDArray[np.uint8], lines: fr.Lines,
                   idx: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        t0, t1 = lines.tag0[idx], lines.tag1[idx]
        out = np.full(len(idx), np.nan)
        has = t0 >= 0
        if has.any():
            cpos = fr.find_key(arr, t0[has], t1[has], b"c")
            vals, _ = fr.parse_uint_at(arr, np.maximum(cpos, 0))
            vals = np.where(cpos >= 0, vals, np.nan)
            vals = np.where(vals > 1e11, vals / 1000.0, vals)  # some receivers write milliseconds
            out[has] = vals
        return out

    def _ais_lines(self, buf: bytes, arr: npt.NDArray[np.uint8], lines: fr.Lines, idx: npt.NDArray[np.int64],
                   ext_time: npt.NDArray[np.float64], received_at: float, source: str) -> ObservationBatch:
        stats = self.stats
        sent, star = lines.sent[idx], lines.star[idx]
        px = self._px = np.bitwise_xor.accumulate(arr)
        good = fr.checksum_ok(arr, px, sent, star)
        if not good.all():
            bad = idx[~good]
            stats.reject_many("bad_checksum", _raw_lines(buf, lines.start[bad], lines.end[bad]))
            idx, sent, star = idx[good], sent[good], star[good]
        f = fr.vdm_fields(arr, sent, star)
        formatter_ok = (arr[sent + 3] == ord("V")) & (arr[sent + 4] == ord("D")) & \
                       ((arr[sent + 5] == ord("M")) | (arr[sent + 5] == ord("O")))
        if not formatter_ok.all():
            b = idx[~formatter_ok]
            stats.reject_many("unsupported_type", _raw_lines(buf, lines.start[b], lines.end[b]))
        if not (f.ok | ~formatter_ok).all():
            b = idx[~f.ok & formatter_ok]
            stats.reject_many("truncated", _raw_lines(buf, lines.start[b], lines.end[b]))
        keep = f.ok & formatter_ok
        idx, sent, star = idx[keep], sent[keep], star[keep]
        f = fr.VdmFields(*(getattr(f, k)[keep] for k in fr.VdmFields.__dataclass_fields__))

        # time and receiver from the tag block, else the logger layout, else arrival
        t = self._tag_times(buf, arr, lines, idx)
        t = np.where(np.isnan(t), ext_time[idx], t)
        t = np.where(np.isnan(t), received_at, t)
        src_codes, src_names, has_s = self._sources(arr, lines, idx, source)

        batches: list[ObservationBatch] = []
        single = f.count == 1
        if single.any():
            batches.append(self._single(buf, arr, lines, idx[single], f, single, t[single],
                                        src_codes[single], src_names))
        if (~single).any():
            batches.append(self._multipart(buf, lines, idx[~single], f, ~single, t[~single],
                                           [src_names[c] for c in src_codes[~single].tolist()], has_s[~single]))
        out = ObservationBatch.concat(batches)
        if len(out):
            self.reassembler.expire(float(np.nanmax(out["observed_at"])))
        return out

    def _sources(self, arr: npt.NDArray[np.uint8], lines: fr.Lines, idx: npt.NDArray[np.int64],
                 default: str) -> tuple[npt.NDArray[np.int64], list[str], npt.NDArray[np.bool_]]:
        t0, t1 = lines.tag0[idx], lines.tag1[idx]
        spos = np.full(len(idx), -1, dtype=np.int64)
        has = t0 >= 0
        if has.any():
            spos[has] = fr.find_key(arr, t0[has], t1[has], b"s")
        found = spos >= 0
        a = np.where(found, spos, 0)
        b = np.where(found, fr.field_end(arr, a, np.where(found, t1, 0)), 0)
        codes, names = fr.slices_to_strings(arr, a, b)
        # rows with no s: share the feed's own name
        names = list(names) + [default]
        codes = np.where(found, codes, len(names) - 1)
        return codes, names, found

    def _single(self, buf: bytes, arr: npt.NDArray[np.uint8], lines: fr.Lines, idx: npt.NDArray[np.int64],
                f: fr.VdmFields, sel: npt.NDArray[np.bool_], t: npt.NDArray[np.float64],
                src_codes: npt.NDArray[np.int64], src_names: list[str]) -> ObservationBatch:
        line_idx = idx

        def raw_of(rows: npt.NDArray[np.int64]) -> list[bytes]:
            return _raw_lines(buf, lines.start[line_idx[rows]], lines.end[line_idx[rows]])

        names = np.array(src_names, dtype=object)
        return self._messages(arr, f.pay0[sel], f.pay1[sel], f.fill[sel], t, names[src_codes], raw_of, self._px)

    def _messages(self, arr: npt.NDArray[np.uint8], pay0: npt.NDArray[np.int64], pay1: npt.NDArray[np.int64],
                  fill: npt.NDArray[np.int64], t: npt.NDArray[np.float64], src: npt.NDArray[np.object_],
                  raw_of: Callable[[npt.NDArray[np.int64]], list[bytes]],
                  px: npt.NDArray[np.uint8] | None = None) -> ObservationBatch:
        """Complete messages (payload spans in `arr`) -> validated, deduplicated, decoded observations."""
        stats = self.stats
        mtype = message_type(arr, pay0, pay1)
        nbits = (pay1 - pay0) * 6 - fill
        part = (ARMOR[arr[np.minimum(pay0 + 6, len(arr) - 1)]] >> 2) & 3
        fast = np.isin(mtype, FAST_TYPES) & ~((mtype == 24) & (part > 1))
        rejected = np.zeros(len(mtype), dtype=bool)
        for reason, mask in (("truncated", mtype < 0), ("wrong_length", fast & ~length_ok(mtype, nbits))):
            mask = mask & ~rejected
            if mask.any():
                stats.reject_many(reason, raw_of(np.flatnonzero(mask)))
                rejected |= mask
        ok = np.flatnonzero(~rejected)
        # duplicates go before any decoding work is spent on them
        chosen = self.dedup.select(payload_keys(arr, pay0[ok], pay1[ok], fill[ok]), t[ok], src[ok])
        rows = ok[chosen.keep]
        receivers = np.full(len(mtype), None, dtype=object)
        nrec = np.ones(len(mtype), dtype=np.int16)
        receivers[rows], nrec[rows] = chosen.receivers, chosen.n_receivers
        batches: list[ObservationBatch] = []
        frows = rows[fast[rows]]
        if len(frows):
            groups, bad = decode_batch(arr, pay0[frows], pay1[frows], fill[frows], mtype[frows])
            if bad.any():
                stats.reject_many("invalid_field", raw_of(frows[bad]))
            for sub, cols in groups:
                r = frows[sub]
                cols.update(observed_at=t[r], received_at=self._recv, source=src[r], sensor=self.sensor,
                            receivers=receivers[r], n_receivers=nrec[r])
                if self.keep_raw:
                    cols["raw"] = np.array(raw_of(r) + [b""], dtype=object)[:-1]
                batches.append(ObservationBatch(cols, n=len(r)))
        srows = rows[~fast[rows]]
        if len(srows):
            if px is None:
                px = np.bitwise_xor.accumulate(arr)
            p0, p1 = pay0[srows], pay1[srows]
            pxor = (px[p1 - 1] ^ px[p0 - 1]).tolist()
            recs: list[dict[str, Any]] = []
            raws = raw_of(srows)
            for k, (r, a, e, fl, x) in enumerate(zip(srows.tolist(), p0.tolist(), p1.tolist(),
                                                     fill[srows].tolist(), pxor)):
                payload = arr[a:e].tobytes()
                msg = self.aiscat.decode_sentence(synthetic_sentence(payload, fl, payload_xor=x))
                for row in self._aiscat_rows(msg, raws[k], float(t[r]), src[r], payload):
                    row["receivers"], row["n_receivers"] = receivers[r], int(nrec[r])
                    recs.append(row)
            if recs:
                batches.append(_rows_to_batch(recs))
        return ObservationBatch.concat(batches)

    def _aiscat_rows(self, msg: dict[str, Any] | None, raw: bytes, t: float, source: str,
                     payload: bytes) -> list[dict[str, Any]]:
        if msg is None:
            mt = _armored_type(payload)
            self.stats.reject("unsupported_type" if mt <= 0 or mt > 27 else "wrong_length", raw)
            return []
        rows = to_columns(msg)
        for row in rows:
            row.update(observed_at=t, received_at=self._recv, source=source, sensor=self.sensor)
            if self.keep_raw:
                row["raw"] = raw
        return rows

    def _multipart(self, buf: bytes, lines: fr.Lines, idx: npt.NDArray[np.int64], f: fr.VdmFields,
                   sel: npt.NDArray[np.bool_], t: npt.NDArray[np.float64], sources: list[str],
                   has_s: npt.NDArray[np.bool_]) -> ObservationBatch:
        cnt, num, seq, ch = f.count[sel], f.number[sel], f.seq[sel], f.channel[sel]
        p0, p1, fill = f.pay0[sel], f.pay1[sel], f.fill[sel]
        src = np.array(sources, dtype=object)
        # fast path: a 1-of-2 fragment directly followed by its 2-of-2 from the same receiver (or with no
        # receiver of its own: tag block groups name it on the first fragment only)
        pair = np.zeros(len(idx), dtype=bool)
        if len(idx) > 1:
            pair[:-1] = (cnt[:-1] == 2) & (cnt[1:] == 2) & (num[:-1] == 1) & (num[1:] == 2) & \
                        (seq[:-1] == seq[1:]) & (ch[:-1] == ch[1:]) & ((src[:-1] == src[1:]) | ~has_s[1:])
            pair[1:] &= ~pair[:-1]  # a fragment belongs to one pair only
        first = np.flatnonzero(pair)
        in_pair = np.zeros(len(idx), dtype=bool)
        in_pair[first] = in_pair[first + 1] = True
        payloads: list[bytes] = []
        fills: list[int] = []
        times: list[float] = []
        srcs: list[str] = []
        raws: list[bytes] = []
        a0, a1, b0, b1 = p0[first].tolist(), p1[first].tolist(), p0[first + 1].tolist(), p1[first + 1].tolist()
        l0, l1 = lines.start[idx[first]].tolist(), lines.end[idx[first + 1]].tolist()
        for j, x0, x1, y0, y1, r0, r1 in zip(first.tolist(), a0, a1, b0, b1, l0, l1):
            payloads.append(buf[x0:x1] + buf[y0:y1])
            raws.append(buf[r0:r1])
        fills += fill[first + 1].tolist()
        times += t[first].tolist()
        srcs += src[first].tolist()
        # the rest: the reassembler (interleaved groups, 3+ parts, tag block groups, orphans)
        for j in np.flatnonzero(~in_pair).tolist():
            li = int(idx[j])
            raw = buf[int(lines.start[li]):int(lines.end[li])]
            sj, tj = str(src[j]), float(t[j])
            if lines.tag0[li] >= 0:
                tag = buf[int(lines.tag0[li]):int(lines.tag1[li])]
                sj, tj = self._group_context(tag, sj, tj, has_s=b"s:" in tag)
            done = self.reassembler.add(source=sj, seq=int(seq[j]), channel=bytes([ch[j]]) if ch[j] else b"",
                                        count=int(cnt[j]), number=int(num[j]),
                                        payload=buf[int(p0[j]):int(p1[j])], fill=int(fill[j]),
                                        observed_at=tj, raw=raw)
            if done is not None:
                payloads.append(done.payload)
                fills.append(done.fill)
                times.append(done.observed_at)
                srcs.append(done.source)
                raws.append(done.raw)
        if not payloads:
            return ObservationBatch.empty()
        lengths = np.array([len(p) for p in payloads], dtype=np.int64)
        ends = np.cumsum(lengths) + 1  # a leading separator: no payload starts at offset 0
        joined = np.frombuffer(b"\n" + b"".join(payloads) + b"\n" + fr.PAD, dtype=np.uint8)

        def raw_of(rows: npt.NDArray[np.int64]) -> list[bytes]:
            return [raws[i] for i in rows.tolist()]

        return self._messages(joined, ends - lengths, ends, np.array(fills, dtype=np.int64),
                              np.array(times), np.array(srcs, dtype=object), raw_of)

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


def _armored_type(payload: bytes) -> int:
    """The message type from a payload's first character, -1 if none or not 6-bit armoured."""
    if not payload:
        return -1
    c = payload[0]
    return c - 48 if 48 <= c < 88 else (c - 56 if 96 <= c < 120 else -1)


def _rows_to_batch(rows: list[dict[str, Any]]) -> ObservationBatch:
    n = len(rows)
    cols: dict[str, Any] = {}
    names = {k for r in rows for k in r}
    for name in names:
        dtype, absent = SCHEMA[name]
        vals = [r.get(name) for r in rows]
        vals = [absent if v is None else v for v in vals]
        cols[name] = np.array(vals, dtype=dtype) if dtype != "O" else np.array(vals + [None], dtype=object)[:n]
    return ObservationBatch(cols, n=n)


@register("nmea")
def _make(ctx: DecoderContext) -> NmeaDecoder:
    return NmeaDecoder(ctx)
