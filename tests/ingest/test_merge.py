"""Time ordering of live feeds: a feed that is down must not stop the others."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from seawatch.ingest.merge import TimeOrderer
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch


def _rows(t: list[float]) -> ObservationBatch:
    n = len(t)
    return ObservationBatch({"observed_at": np.array(t, float), "kind": np.full(n, int(Kind.AIS_POSITION)),
                             "mmsi": np.full(n, 423_000_001), "sensor": np.full(n, "ais", dtype=object)})


def test_without_a_stale_limit_a_silent_feed_holds_every_row_back() -> None:
    o = TimeOrderer(2, reorder_window_s=5.0, stats=IngestStats())
    assert len(o.push(0, _rows([float(k) for k in range(101)]))) == 0


class Clock:
    """Wall-clock time the tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_feed_that_is_down_stops_holding_the_others_back_after_the_stale_limit() -> None:
    clock = Clock()
    o = TimeOrderer(2, reorder_window_s=5.0, stats=IngestStats(), stale_s=30.0, clock=clock)
    assert len(o.push(0, _rows([float(k) for k in range(20)]))) == 0   # feed 1 may still be connecting
    clock.now += 11.0
    out = o.push(0, _rows([float(k) for k in range(20, 101)]))   # feed 1 (a radar, say) never delivers
    assert out["observed_at"].tolist() == [float(k) for k in range(96)]   # all but the 5 s window


def test_a_feed_that_lags_but_keeps_delivering_still_holds_the_others_until_it_is_silent() -> None:
    clock = Clock()
    stats = IngestStats()
    o = TimeOrderer(2, reorder_window_s=5.0, stats=stats, stale_s=30.0, clock=clock)
    o.push(1, _rows([float(k) for k in range(11)]))
    out = o.push(0, _rows([float(k) for k in range(101)]))   # feed 1's reader starved of CPU for a moment
    assert out["observed_at"].max() == 5.0   # held at feed 1's time (less the 5 s window), nothing lost
    clock.now += 2.0
    out = o.push(1, _rows([11.0, 50.0]))   # feed 1 catches up: its rows are in order, none rejected
    assert stats.rejects.get("out_of_order", 0) == 0 and out["observed_at"].max() == 45.0
    clock.now += 11.0   # then it falls silent: the others go on without it
    assert len(o.push(0, _rows([101.0, 102.0]))) > 0


def test_a_feed_that_comes_back_is_merged_from_then_on_and_its_old_rows_are_counted_late() -> None:
    stats = IngestStats()
    clock = Clock()
    o = TimeOrderer(2, reorder_window_s=5.0, stats=stats, stale_s=30.0, clock=clock)
    o.push(0, _rows([float(k) for k in range(20)]))
    clock.now += 11.0
    o.push(0, _rows([float(k) for k in range(20, 101)]))
    out = o.push(1, _rows([50.0, 97.0, 99.0]))   # 50 s is older than what was released
    assert stats.rejects.get("out_of_order") == 1
    assert len(o.push(0, _rows([110.0]))) == 0   # feed 1 is back in the gate: its 99 s holds the picture
    out = o.push(1, _rows([106.0]))
    assert out["observed_at"].tolist() == [96.0, 97.0, 97.0, 98.0, 99.0, 99.0, 100.0]   # both feeds, in time order


def _mmsi_rows(t: list[float], mmsi: list[int]) -> ObservationBatch:
    b = _rows(t)
    b.columns["mmsi"] = np.array(mmsi, np.int64)
    return b


def test_a_time_ordered_feed_and_the_same_rows_shuffled_within_the_window_come_out_alike() -> None:
    rng = np.random.default_rng(4)
    t = np.round(np.sort(rng.uniform(0, 60, 400)), 1)   # ties included
    mmsi = np.arange(400) + 423_000_000
    shuffled = np.concatenate([rng.permutation(np.arange(a, min(a + 20, 400))) for a in range(0, 400, 20)])
    outs = []
    for order in (np.arange(400), shuffled):
        o = TimeOrderer(1, reorder_window_s=5.0, stats=IngestStats())
        got = [o.push(0, _mmsi_rows(t[order[a:a + 50]].tolist(), mmsi[order[a:a + 50]].tolist()))
               for a in range(0, 400, 50)]
        got.append(o.close(0))
        outs.append(ObservationBatch.concat(got))
    ordered, mixed = outs
    assert len(ordered) == len(mixed) == 400
    assert np.array_equal(ordered["observed_at"], t)
    assert np.array_equal(mixed["observed_at"], t)
    # rows of one time keep their arrival order: the ordered feed gives them in file order
    assert np.array_equal(ordered["mmsi"], mmsi)


def test_rows_held_for_a_stream_read_far_ahead_are_kept_as_read_not_copied_again_at_each_push() -> None:
    # a sparse log read 10 h ahead (10 batches of 1 h) waits for a dense feed that advances a minute a batch:
    # each push releases the rows now due, and the batches still wholly held are the ones read, untouched (the
    # cost of a push does not grow with how far ahead a stream was read)
    o = TimeOrderer(2, reorder_window_s=30.0, stats=IngestStats())
    sparse = [_rows((a + np.arange(100) * 36.0).tolist()) for a in np.arange(0.0, 36_000.0, 3600.0)]
    for b in sparse:
        assert len(o.push(0, b)) == 0
    out = [o.push(1, _rows((a + np.arange(100) * 0.6).tolist())) for a in np.arange(0.0, 600.0, 60.0)]
    held = [h.batch for h in o.pending]
    assert all(any(h is b for h in held) for b in sparse[1:])
    t = np.concatenate([b["observed_at"] for b in out])
    # due: up to 30 s before the dense feed's latest row (599.4 s): 16 sparse rows (0-540 s), 950 dense ones
    assert bool((np.diff(t) >= 0).all()) and t[-1] <= 569.4 + 1e-9 and len(t) == 16 + 950


def test_a_replay_reads_the_stream_furthest_behind_so_an_hour_long_batch_is_not_read_ahead_of_the_others() -> None:
    from seawatch.ingest.merge import merge_in_time_order

    reads: list[tuple[str, float]] = []

    def stream(name: str, span_s: float, n: int) -> Iterator[ObservationBatch]:
        for k in range(n):
            reads.append((name, k * span_s))
            yield _rows(list(np.arange(k * span_s, (k + 1) * span_s, 10.0)))

    out = list(merge_in_time_order([stream("ais", 3600.0, 3), stream("radar", 60.0, 180)], 5.0, IngestStats()))
    merged = np.concatenate([b["observed_at"] for b in out])
    assert len(merged) == 3 * 360 + 180 * 6 and (np.diff(merged) >= 0).all()
    # the AIS log's second hour is read only once the radar has caught up with its first
    second = reads.index(("ais", 3600.0))
    assert max(t for name, t in reads[:second] if name == "radar") >= 3540.0
    assert reads.index(("ais", 7200.0)) > reads.index(("radar", 7140.0))


def test_live_a_row_stamped_a_day_after_it_was_received_is_refused_and_the_feeds_keep_their_order() -> None:
    """Taken in, a receiver's wrong clock (one plot a day ahead) made it the newest of all feeds: every feed's
    rows were let through without their hold, and the honest ones that came a little late were dropped."""
    clock = Clock()
    stats = IngestStats()
    o = TimeOrderer(2, reorder_window_s=5.0, stats=stats, stale_s=30.0, clock=clock, max_ahead_s=300.0)

    def rows(t: list[float], received: float) -> ObservationBatch:
        b = _rows(t)
        b.columns["received_at"] = np.full(len(t), received)
        return b

    o.push(0, rows([100.0, 101.0], received=101.5))
    out = o.push(1, rows([100.5, 86_500.0], received=101.5))   # the second: a day ahead
    assert stats.rejects["from_the_future"] == 1
    out2 = o.push(0, rows([102.0, 110.0], received=110.5))
    out3 = o.push(1, rows([106.0, 111.0], received=111.5))
    out4 = o.push(0, rows([120.0], received=120.5))
    out5 = o.push(1, rows([121.0], received=121.5))
    released = np.concatenate([b["observed_at"] for b in (out, out2, out3, out4, out5) if len(b)]).tolist()
    assert released == [100.0, 100.5, 101.0, 102.0, 106.0, 110.0, 111.0]   # in order, held for each other
    assert stats.rejects["out_of_order"] == 0
