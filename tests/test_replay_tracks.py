"""The tracks Parquet of a replay, written in a thread of its own (seawatch.replay_tracks)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from seawatch.model import ContactBatch, ContactKind
from seawatch.replay_tracks import TRACKS_DICTIONARY_COLUMNS, TracksWriter


def _batch(i: int, n: int = 50) -> ContactBatch:
    return ContactBatch({"kind": np.full(n, int(ContactKind.AIS_ONLY), np.uint8), "contact_id": np.arange(n) + i,
                         "t": 1.7e9 + i + np.arange(n) * 0.1, "lat": 40.0 + np.arange(n) * 1e-3,
                         "lon": np.full(n, 50.0), "mmsi": np.arange(n) + 273000000,
                         "sensors": np.array([("ais",)] * n + [None], dtype=object)[:n]})


def test_the_tracks_written_in_a_thread_are_the_file_the_replay_thread_would_write(tmp_path: Path) -> None:
    batches = [_batch(i * 100) for i in range(12)]
    w = TracksWriter(tmp_path / "thread.parquet", depth=2)
    for b in batches:
        w.write(b)
    w.close()
    direct = pq.ParquetWriter(str(tmp_path / "direct.parquet"), batches[0].to_arrow().schema, compression="zstd",
                              use_dictionary=list(TRACKS_DICTIONARY_COLUMNS))
    for b in batches:
        direct.write_table(b.to_arrow())
    direct.close()
    a, b = pq.ParquetFile(tmp_path / "thread.parquet"), pq.ParquetFile(tmp_path / "direct.parquet")
    assert a.metadata.num_row_groups == b.metadata.num_row_groups == 12
    assert a.read().equals(b.read()) and a.read().num_rows == 600
    assert w.cpu_s > 0.0


def test_a_write_that_fails_in_the_thread_is_raised_in_the_replay_and_never_leaves_it_waiting(tmp_path: Path) -> None:
    w = TracksWriter(tmp_path / "no-such-dir" / "tracks.parquet", depth=1)
    t0 = time.monotonic()
    with pytest.raises(OSError, match="no-such-dir"):
        for i in range(100):   # more than the queue holds: a put on a dead thread's full queue must not hang
            w.write(_batch(i))
        w.close()
    assert time.monotonic() - t0 < 10.0
    with pytest.raises(OSError):
        w.close()   # and again at close


def test_an_abandoned_writer_ends_its_thread_without_raising(tmp_path: Path) -> None:
    w = TracksWriter(tmp_path / "tracks.parquet")
    w.write(_batch(0))
    w.abandon()
    assert not w._thread.is_alive()
