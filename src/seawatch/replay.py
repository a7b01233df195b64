"""`seawatch replay`: recordings through the pipeline as fast as the CPU allows (or at a set speed).

Today the pipeline is the ingest stage: every input's format is detected from its content, decoded into
observation batches, the inputs are merged in event-time order, and the counts are reported.
"""

from __future__ import annotations

import datetime
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from seawatch.ingest.base import DecoderContext, make_decoder, registered_formats
from seawatch.ingest.detect import detect_format
from seawatch.ingest.merge import merge_in_time_order
from seawatch.ingest.sources.file import file_size, read_chunks, sniff
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.model.units import iso_utc

if TYPE_CHECKING:
    from seawatch.config.site import SiteConfig

logger = logging.getLogger(__name__)


@dataclass
class ReplayOptions:
    inputs: list[Path]
    speed: float | None = None  # None = as fast as possible
    progress: bool = False
    formats: dict[Path, str] = field(default_factory=dict)  # forced formats (else detected)
    date: "datetime.date | None" = None  # UTC day for time-of-day-only inputs (ASTERIX, radar NMEA)


@dataclass
class ReplayResult:
    stats: IngestStats
    formats: dict[str, str]
    mmsis: set[int] = field(default_factory=set)
    kinds: Counter[str] = field(default_factory=Counter)
    t_min: float = np.inf
    t_max: float = -np.inf
    elapsed_s: float = 0.0
    n_obs: int = 0

    def add(self, batch: ObservationBatch) -> None:
        n = len(batch)
        if not n:
            return
        self.n_obs += n
        for k, c in batch.count_by("kind").items():
            self.kinds[Kind(k).name.lower()] += c
        m = batch["mmsi"]
        self.mmsis.update(np.unique(m[m >= 0]).tolist())
        t = batch["observed_at"]
        self.t_min = min(self.t_min, float(np.nanmin(t)))
        self.t_max = max(self.t_max, float(np.nanmax(t)))

    def stats_dict(self) -> dict[str, Any]:
        d = self.stats.to_dict()
        d.update({
            "inputs": self.formats,
            "observations_total": self.n_obs,
            "observations": dict(sorted(self.kinds.items())),
            "distinct_mmsi": len(self.mmsis),
            "time_first": iso_utc(self.t_min) if self.n_obs else None,
            "time_last": iso_utc(self.t_max) if self.n_obs else None,
            "span_s": round(self.t_max - self.t_min, 3) if self.n_obs else 0.0,
            "rejects_total": self.stats.total_rejects,
            "elapsed_s": round(self.elapsed_s, 3),
        })
        return d

    def format_table(self) -> str:
        d = self.stats_dict()
        out = ["inputs:"]
        out += [f"  {p}  [{f}]" for p, f in d["inputs"].items()]
        out.append(f"lines read            {d['lines']:>10,}")
        out.append(f"observations          {d['observations_total']:>10,}")
        for k, v in d["observations"].items():
            out.append(f"  {k:<20}{v:>10,}")
        if d["ais_msg_types"]:
            out.append("AIS message types     " + ", ".join(f"{k}:{v}" for k, v in d["ais_msg_types"].items()))
        out.append(f"distinct MMSI         {d['distinct_mmsi']:>10,}")
        out.append(f"time span             {d['time_first']} .. {d['time_last']} ({d['span_s']:,} s)")
        out.append(f"rejects               {d['rejects_total']:>10,}")
        for k, v in d["rejects"].items():
            out.append(f"  {k:<20}{v:>10,}")
        if d.get("ignored"):
            out.append("ignored (valid, no observation): "
                       + ", ".join(f"{k}:{v:,}" for k, v in sorted(d["ignored"].items(), key=lambda kv: -kv[1])))
        rate = d["observations_total"] / d["elapsed_s"] if d["elapsed_s"] else 0.0
        out.append(f"elapsed               {d['elapsed_s']:>10} s ({rate:,.0f} observations/s)")
        return "\n".join(out)


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled, self.last = max(total, 1), 0, enabled, 0.0

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self.last > 0.2:
            self.last = now
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(frac * 30)
            sys.stderr.write(f"\rreplay [{bar:<30}] {frac * 100:5.1f}%")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 50 + "\r")
            sys.stderr.flush()


def _file_stream(path: Path, fmt: str, site: "SiteConfig | None", stats: IngestStats,
                 progress: _Progress, date: "datetime.date | None" = None) -> Iterator[ObservationBatch]:
    dec = make_decoder(fmt, DecoderContext(site=site, stats=stats, date=date))
    source = path.name
    for chunk in read_chunks(path):
        progress.advance(len(chunk))
        yield dec.feed(chunk, received_at=time.time(), source=source)
    yield dec.flush()


def run_replay(site: "SiteConfig | None", opts: ReplayOptions) -> ReplayResult:
    sample = site.ingest.reject_sample_size if site else 100
    stats = IngestStats(sample_size=sample)
    formats = {p: opts.formats.get(p) or detect_format(sniff(p)) for p in opts.inputs}
    result = ReplayResult(stats=stats, formats={str(p): f for p, f in formats.items()})
    progress = _Progress(sum(file_size(p) for p in opts.inputs), opts.progress)
    window = site.ingest.reorder_window_s if site else 5.0
    streams = [_file_stream(p, formats[p], site, stats, progress, opts.date) for p in opts.inputs]
    registered_formats()  # import the decoders before the clock starts
    t0 = time.perf_counter()
    wall0, ev0 = time.monotonic(), None
    for batch in merge_in_time_order(streams, window, stats):
        if opts.speed and len(batch):
            ev0 = float(batch["observed_at"][0]) if ev0 is None else ev0
            due = wall0 + (float(batch["observed_at"][-1]) - ev0) / opts.speed
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        result.add(batch)
    progress.close()
    result.elapsed_s = time.perf_counter() - t0
    return result
