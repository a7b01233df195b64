"""`seawatch replay`: recordings through the pipeline as fast as the CPU allows (or at a set speed).

Today the pipeline is the ingest stage: every input's format is detected from its content, decoded into
observation batches, the inputs are merged in event-time order, and the counts are reported.
"""

from __future__ import annotations

import datetime
import logging
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seawatch.detect.alerts import SEVERITIES
from seawatch.errors import ConfigError, InputFormatError, SourceError
from seawatch.ingest.base import DecoderContext, make_decoder, registered_formats
from seawatch.ingest.detect import detect_format
from seawatch.ingest.merge import merge_in_time_order
from seawatch.ingest.prefetch import Prefetch
from seawatch.ingest.sources.file import CHUNK_BYTES, file_size, read_chunks, sniff
from seawatch.ingest.stats import IngestStats
from seawatch.key_index import KeyIndex
from seawatch.model.contact import ContactBatch, ContactKind
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.model.units import iso_utc

if TYPE_CHECKING:
    from seawatch.config.site import SiteConfig
    from seawatch.pipeline import PlacedPlots

logger = logging.getLogger(__name__)

@dataclass
class ReplayOptions:
    inputs: list[Path]
    speed: float | None = None  # None = as fast as possible
    progress: bool = False
    formats: dict[Path, str] = field(default_factory=dict)  # forced formats (else detected)
    date: datetime.date | None = None  # UTC day for time-of-day-only inputs (ASTERIX, radar NMEA)
    tracks_out: Path | None = None  # contact updates as Parquet
    alerts_out: Path | None = None  # final alerts as JSONL
    store: str | None = None  # persist contacts and alerts (directory or URL)
    update_period_s: float = 5.0
    chunk_bytes: int = CHUNK_BYTES  # each read of an input file (the output does not depend on it)
    # `replay --serve` (replay_serve.py): each batch of contact updates and the alerts it changed, for the
    # console's live picture; and the store it shows, open already (the replay neither opens nor closes it)
    on_picture: Callable[[Any, list[dict[str, Any]]], None] | None = None
    store_handle: Any = None
    # detection in a process of its own (`_detect_apart`): None decides by the run, True / False force it
    detect_process: bool | None = None

    @property
    def detecting(self) -> bool:
        """Alerts are wanted: written, stored or shown."""
        return bool(self.alerts_out or self.store or self.on_picture or self.store_handle)

    @property
    def tracking(self) -> bool:
        return bool(self.tracks_out or self.detecting)

    def check_outputs(self) -> None:
        """Before a long replay: can --tracks-out and --alerts-out be written? (not a traceback at the end)"""
        for flag, out in (("--tracks-out", self.tracks_out), ("--alerts-out", self.alerts_out)):
            if out is None:
                continue
            o = Path(out)
            if o.is_dir():
                raise ConfigError(f"{flag} {o}: is a directory; give a file name in it")
            if not o.parent.is_dir():
                raise ConfigError(f"{flag} {o}: directory {o.parent} does not exist; create it or give another path")
            if not os.access(o.parent, os.W_OK) or (o.exists() and not os.access(o, os.W_OK)):
                raise ConfigError(f"{flag} {o}: cannot be written (permissions); give another path")


STAGES = ("setup", "ingest", "tracking", "detection", "outputs")


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
    n_mmsi_zero: int = 0   # AIS reports of MMSI 0: valid sentences, but no identity to track (the AIS state skips them)
    n_contact_updates: int = 0
    contacts_by_kind: Counter[str] = field(default_factory=Counter)
    # CPU seconds of this process per stage (`STAGES`): setup (the stages' imports, the site's zones, numba's
    # cache), ingest (decoding and the time-ordered merge), tracking (tracker, AIS state, fusion), detection,
    # outputs (the tracks Parquet, the alerts JSONL, the store)
    cpu_s: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    alerts: list[dict[str, Any]] = field(default_factory=list)
    detected: bool = False   # detection ran (--alerts-out or --store): "0 alerts" is then a finding
    detection_failures: dict[str, int] = field(default_factory=dict)   # rule type -> cycles it raised in
    detect_process: bool = False   # detection ran in a process of its own (its CPU is in cpu_s all the same)
    helper_cpu_s: float = 0.0   # CPU time of this process's threads counted under a stage other than ingest
    _mmsi_seen: KeyIndex = field(default_factory=lambda: KeyIndex(np.empty(0, np.int64)), repr=False)

    @contextmanager
    def spent(self, stage: str) -> Iterator[None]:
        """Adds the CPU time of the block, in this thread, to the stage's count (the inputs are read in a thread
        of their own: `run_replay` counts the other threads' time under ingest)."""
        c0 = time.thread_time()
        try:
            yield
        finally:
            self.cpu_s[stage] += time.thread_time() - c0

    def add(self, batch: ObservationBatch) -> None:
        n = len(batch)
        if not n:
            return
        self.n_obs += n
        for k, c in batch.count_by("kind").items():
            self.kinds[Kind(k).name.lower()] += c
        # new MMSIs only reach the set: an index of those seen sifts a batch's (most are known)
        m = batch["mmsi"]
        zero = m == 0
        if zero.any():
            k = batch["kind"][zero]
            self.n_mmsi_zero += int(np.count_nonzero((k == int(Kind.AIS_POSITION)) | (k == int(Kind.AIS_STATIC))))
        if self._mmsi_seen.n:
            m = m[self._mmsi_seen.find(m) < 0]
        new = np.unique(m[m > 0])
        if len(new):
            self.mmsis.update(new.tolist())
            self._mmsi_seen = KeyIndex(np.fromiter(self.mmsis, np.int64, len(self.mmsis)))
        t = batch["observed_at"]
        self.t_min = min(self.t_min, float(np.nanmin(t)))
        self.t_max = max(self.t_max, float(np.nanmax(t)))

    def stats_dict(self) -> dict[str, Any]:
        d = self.stats.to_dict()
        d.update({
            "contact_updates": self.n_contact_updates,
            "contacts_by_kind": dict(sorted(self.contacts_by_kind.items())),
            "alerts_by_type": dict(sorted(Counter(a["type"] for a in self.alerts).items())),
            "detection_failures": self.detection_failures,
            "detection_process": self.detect_process,
            "alerts_by_type_and_severity": {t: dict(sorted(c.items(), key=lambda kv: SEVERITIES.index(kv[0])))
                                            for t, c in sorted(self._by_severity().items())},
            "inputs": self.formats,
            "observations_total": self.n_obs,
            "observations": dict(sorted(self.kinds.items())),
            "distinct_mmsi": len(self.mmsis),
            "ais_mmsi_zero": self.n_mmsi_zero,
            "time_first": iso_utc(self.t_min) if self.n_obs else None,
            "time_last": iso_utc(self.t_max) if self.n_obs else None,
            "span_s": round(self.t_max - self.t_min, 3) if self.n_obs else 0.0,
            "rejects_total": self.stats.total_rejects,
            "elapsed_s": round(self.elapsed_s, 3),
            "cpu_s_by_stage": {k: round(self.cpu_s[k], 3) for k in STAGES if k in self.cpu_s},
        })
        return d

    def _by_severity(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = defaultdict(Counter)
        for a in self.alerts:
            out[a["type"]][a["severity"]] += 1
        return out

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
        if d["ais_mmsi_zero"]:
            out.append(f"AIS with MMSI 0       {d['ais_mmsi_zero']:>10,}  (no identity: not tracked from AIS)")
        out.append(f"time span             {d['time_first']} .. {d['time_last']} ({d['span_s']:,} s)")
        out.append(f"rejects               {d['rejects_total']:>10,}")
        for k, v in d["rejects"].items():
            out.append(f"  {k:<20}{v:>10,}")
        if d.get("ignored"):
            out.append("ignored (valid, no observation): "
                       + ", ".join(f"{k}:{v:,}" for k, v in sorted(d["ignored"].items(), key=lambda kv: -kv[1])))
        if self.n_contact_updates:
            out.append(f"contact updates       {self.n_contact_updates:>10,}  "
                       + ", ".join(f"{k}:{v:,}" for k, v in sorted(self.contacts_by_kind.items())))
        if self.detection_failures:
            out.append("detection FAILED in   " + ", ".join(f"{k}: {v} cycle(s)" for k, v in
                                                         sorted(self.detection_failures.items()))
                       + " (the logs hold the first traceback of each)")
        if self.detected:
            out.append(f"alerts                {len(self.alerts):>10,}")
            if self.alerts:
                out.append(f"  {'type':<18}{'count':>8}" + "".join(f"{s:>9}" for s in SEVERITIES))
                for k, c in sorted(self._by_severity().items()):
                    out.append(f"  {k:<18}{sum(c.values()):>8,}" + "".join(f"{c.get(s, 0):>9,}" for s in SEVERITIES))
        rate = d["observations_total"] / d["elapsed_s"] if d["elapsed_s"] else 0.0
        out.append(f"elapsed               {d['elapsed_s']:>10} s ({rate:,.0f} observations/s)")
        if d["cpu_s_by_stage"]:
            out.append("CPU s by stage        " + ", ".join(f"{k} {v:.1f}" for k, v in d["cpu_s_by_stage"].items())
                       + (" (detection in a process of its own)" if self.detect_process else ""))
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


def _file_stream(path: Path, fmt: str, site: SiteConfig | None, stats: IngestStats, progress: _Progress,
                 date: datetime.date | None = None, chunk_bytes: int = CHUNK_BYTES) -> Iterator[ObservationBatch]:
    dec = make_decoder(fmt, DecoderContext(site=site, stats=stats, date=date))
    source = path.name
    try:
        for chunk in read_chunks(path, chunk_bytes):
            progress.advance(len(chunk))
            yield dec.feed(chunk, received_at=time.time(), source=source)
    except SourceError as err:   # a .gz cut short: what was read stands, the other inputs go on
        stats.reject("bad_file", str(err))
    yield dec.flush()


# the inputs (bytes as stored) from which a replay judges in a process of its own: the child's start (~0.5 CPU s:
# Python, the imports, numba's cache) runs beside the parent's, but a replay of a few seconds gains nothing
DETECT_PROCESS_MIN_BYTES = 4_000_000


def _detect_apart(opts: ReplayOptions) -> bool:
    """Run detection in a child process (detect/worker.py)? Never where the alert changes are needed as they
    happen (a store, the live console); else as `opts.detect_process` forces it, or when a second core is there,
    the inputs are large enough to repay the child's start, and SEAWATCH_DETECT_PROCESS is not 0."""
    if opts.store or opts.store_handle is not None or opts.on_picture is not None:
        return False
    if opts.detect_process is not None:
        return opts.detect_process
    if os.environ.get("SEAWATCH_DETECT_PROCESS", "1") == "0" or os.name != "posix":   # the child takes a socket fd
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores >= 2 and sum(file_size(p) for p in opts.inputs) >= DETECT_PROCESS_MIN_BYTES


class _Stages:
    """Tracking, fusion and detection after ingest, and their outputs (Parquet, JSONL, store)."""

    def __init__(self, site: SiteConfig | None, opts: ReplayOptions, result: ReplayResult) -> None:
        from seawatch.pipeline import Pipeline

        if site is None:
            raise ConfigError("tracking, alerts and storage need the site: give --site SITE.toml")
        self.opts, self.result = opts, result
        self.pipeline = Pipeline(site, update_period_s=opts.update_period_s)
        self.engine: Any = None
        self.worker: Any = None   # detection in a process of its own (detect/worker.py): `_detect_apart`
        if opts.detecting and _detect_apart(opts):
            from seawatch.detect.worker import DetectionWorker

            self.worker = DetectionWorker(site)
        elif opts.detecting:
            from seawatch.detect.engine import DetectionEngine

            self.engine = DetectionEngine(site)
        result.detect_process = self.worker is not None
        # detection takes the pipeline's local positions instead of projecting lat/lon back, in one frame (the
        # engine's is the site's)
        from seawatch.geo import site_frame

        pf, ef = self.pipeline.frame, site_frame(site) if opts.detecting else None
        self._same_frame = ef is not None and (ef.lat0, ef.lon0) == (pf.lat0, pf.lon0)
        self.store: Any = opts.store_handle
        if self.store is None and opts.store:
            from seawatch.store import open_store
            from seawatch.store.keeper import retention_of

            self.store = open_store(opts.store, retention_of(site.storage.retention))
        if self.store is not None:
            from seawatch.store.keeper import Housekeeper

            self.keeper = Housekeeper(self.store)  # daily roll-over and retention, on the recording's clock
        self.writer: Any = None

    def process(self, batch: ObservationBatch, placed: PlacedPlots | None = None) -> None:
        with self.result.spent("tracking"):
            contacts, x, y = self.pipeline.process_xy(batch, placed)
        self._take(contacts, x, y)

    def _take(self, contacts: ContactBatch, x: np.ndarray, y: np.ndarray) -> None:
        """One batch of contact updates: counted, written, judged, stored."""
        spent = self.result.spent
        if not len(contacts):
            return
        self.result.n_contact_updates += len(contacts)
        for k, c in contacts.count_by("kind").items():
            self.result.contacts_by_kind[ContactKind(k).name.lower()] += c
        if self.opts.tracks_out:
            with spent("outputs"):   # handed over: written in a thread of its own (replay_tracks.py)
                if self.writer is None:
                    from seawatch.replay_tracks import TracksWriter

                    self.writer = TracksWriter(self.opts.tracks_out)
                self.writer.write(contacts)
        if self.worker is not None:
            with spent("detection"):   # here: handing the batch over (the child's CPU is added at the end)
                self.worker.process(contacts, (x, y) if self._same_frame else None)
        if self.engine is not None:
            with spent("detection"):
                changed = [c["alert"] for c in self.engine.process(
                    contacts, xy=(x, y) if self._same_frame else None,
                    report=self.store is not None or self.opts.on_picture is not None)]
            if self.store is not None and changed:
                with spent("outputs"):
                    self.store.upsert_alerts(changed)
        if self.opts.on_picture is not None:
            with spent("outputs"):
                self.opts.on_picture(contacts, changed if self.engine is not None else [])
        if self.store is not None:
            with spent("outputs"):
                self.store.write_positions(contacts)
                self.keeper.tick(float(contacts["t"].max()))

    def abandon(self) -> None:
        """The replay stopped on an error: its helpers end without waiting for batches that will not come."""
        if self.worker is not None:
            self.worker.close()
        if self.writer is not None:
            self.writer.abandon()

    def close(self) -> None:
        spent = self.result.spent
        with spent("tracking"):
            contacts, x, y = self.pipeline.flush()   # the steps held for what was still to come
        self._take(contacts, x, y)
        if self.writer is not None:
            with spent("outputs"):
                self.writer.close()
            self.result.cpu_s["outputs"] += self.writer.cpu_s   # its thread's (not ingest's: `run_replay`)
            self.result.helper_cpu_s += self.writer.cpu_s
        last: list[dict[str, Any]] = []   # the last cycle's changes: for the console of `--serve`
        if self.worker is not None:
            with spent("detection"):
                done = self.worker.finish()
            self.result.cpu_s["setup"] += done.setup_cpu_s
            self.result.cpu_s["detection"] += done.detection_cpu_s
            self.result.alerts, self.result.detection_failures = done.alerts, dict(done.failures)
        elif self.engine is not None:
            with spent("detection"):
                last = self.engine.flush(report=self.opts.on_picture is not None)
                self.result.alerts = self.engine.finish()
                self.result.detection_failures = dict(self.engine.failures)
        if self.worker is not None or self.engine is not None:
            self.result.detected = True
            with spent("outputs"):   # the store gets every final state
                if self.opts.alerts_out:
                    from seawatch.detect.alerts import write_alerts_jsonl

                    write_alerts_jsonl(self.opts.alerts_out, self.result.alerts)
                if self.store is not None:
                    self.store.upsert_alerts(self.result.alerts)
                if self.opts.on_picture is not None and last:
                    self.opts.on_picture(ContactBatch.empty(), [c["alert"] for c in last])
        if self.store is not None and self.opts.store_handle is None:
            with spent("outputs"):
                self.store.close()


def _formats(opts: ReplayOptions, stats: IngestStats) -> dict[Path, str]:
    """Each input's format (given, or detected from its first bytes). An empty input is skipped with a warning
    and a `bad_file` reject (the other inputs go on); one whose format cannot be told stops the replay before
    it starts, naming the file (most likely the wrong file given)."""
    out: dict[Path, str] = {}
    for p in opts.inputs:
        try:
            head = sniff(p)
        except SourceError as err:   # there, but not one byte of it reads (a gzip broken from its start)
            if not Path(p).is_file():
                raise
            stats.reject("bad_file", str(err))
            continue
        if not head.strip():
            stats.reject("bad_file", f"{p}: empty")
            continue
        try:
            out[p] = opts.formats.get(p) or detect_format(head)
        except InputFormatError as err:
            raise InputFormatError(f"{p}: {err}") from err
    return out


def _placing(batches: Iterator[ObservationBatch], stages: _Stages | None,
             ) -> Iterator[tuple[ObservationBatch, PlacedPlots | None]]:
    """Each batch with its radar plots placed in the pipeline's frame (in the reading thread: `run_replay`)."""
    place = stages.pipeline.placer() if stages is not None else None
    try:
        for batch in batches:
            yield batch, place(batch) if place is not None else None
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def _feed(batches: Iterator[tuple[ObservationBatch, PlacedPlots | None]], opts: ReplayOptions,
          result: ReplayResult, stages: _Stages | None) -> None:
    """The merged batches through the stages (at opts.speed if set)."""
    wall0, ev0 = time.monotonic(), None
    for batch, placed in batches:
        if opts.speed and len(batch):
            ev0 = float(batch["observed_at"][0]) if ev0 is None else ev0
            due = wall0 + (float(batch["observed_at"][-1]) - ev0) / opts.speed
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        with result.spent("ingest"):
            result.add(batch)
        if stages is not None:
            stages.process(batch, placed)


def run_replay(site: SiteConfig | None, opts: ReplayOptions) -> ReplayResult:
    sample = site.ingest.reject_sample_size if site else 100
    stats = IngestStats(sample_size=sample)
    opts.check_outputs()
    formats = _formats(opts, stats)
    result = ReplayResult(stats=stats, formats={str(p): f for p, f in formats.items()})
    progress = _Progress(sum(file_size(p) for p in opts.inputs), opts.progress)
    window = site.ingest.reorder_window_s if site else 5.0
    streams = [_file_stream(p, f, site, stats, progress, opts.date, opts.chunk_bytes) for p, f in formats.items()]
    registered_formats()  # import the decoders before the clock starts
    t0 = time.perf_counter()
    with result.spent("setup"):
        stages = _Stages(site, opts, result) if opts.tracking else None
    cpu0, here0 = time.process_time(), time.thread_time()
    # the inputs read, decoded, merged and their radar plots placed in a thread of their own, a couple of batches
    # ahead (ingest/prefetch.py)
    reader = Prefetch(_placing(merge_in_time_order(streams, window, stats), stages))
    try:
        _feed(iter(reader), opts, result, stages)
        if stages is not None:
            stages.close()
    except BaseException:
        if stages is not None:
            stages.abandon()
        raise
    finally:
        reader.close()
        # ingest: the reading thread's CPU, and any other thread's but this one's (pyarrow's, the detection outbox's)
        # and the tracks writer's (counted under outputs)
        others = (time.process_time() - cpu0) - (time.thread_time() - here0) - result.helper_cpu_s
        result.cpu_s["ingest"] += max(others, 0.0)
    progress.close()
    result.elapsed_s = time.perf_counter() - t0
    return result
