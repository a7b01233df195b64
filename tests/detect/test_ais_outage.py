"""ais_gap's receiver checks (rules/ais_outage.py): a receiver outage or a feed that delivers nothing is no vessel's
silence, nor its reporting interval, nor the reception of the squares it silenced (helper review, stop 35; each
test failed before its fix, but the last, the outage check's shortcut against judging every pair)."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from detect_helpers import (
    AIS,
    DARK,
    FUSED,
    T0,
    _absent,
    ais_gaps,
    caspian,
    cell_centre,
    end_of,
    leg,
    of_type,
    run,
)

from seawatch.detect.engine import DetectionEngine
from seawatch.detect.rules.ais_gap import AisGap
from seawatch.model.contact import ContactBatch

OFF_LANKARAN = (38.80, 49.10)
FAR_AWAY = (39.40, 50.20)  # another vessel, well beyond the outage radius, keeps the clock running


def test_vessels_heard_again_one_by_one_after_a_receiver_outage_raise_no_ais_gap() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    before = [leg(k, (OFF_LANKARAN[0] + 0.01 * k, OFF_LANKARAN[1]), duration_s=600, speed_kn=10, cog_deg=0,
                  kind=AIS, mmsi=422000000 + k) for k in range(1, 9)]
    clock = leg(9, FAR_AWAY, duration_s=5400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000099)
    # the station is back at 40 min; its vessels are heard again one after another over 80 s
    after = [leg(k, (OFF_LANKARAN[0] + 0.01 * k + 0.1, OFF_LANKARAN[1]), t0=2400 + 10 * k, duration_s=3000,
                 speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000000 + k) for k in range(1, 9)]
    run(e, *before, clock, *after)
    assert ais_gaps(e) == []


def test_vessels_whose_last_reports_before_a_receiver_outage_came_a_few_seconds_apart_raise_no_ais_gap() -> None:
    """Eight vessels under way heard every 30 s, each at its own second of the half minute; the station goes off
    at 16:10 and stays off for 40 min. The first of them to fall silent has the others' silence as its
    witnesses as soon as its own is due: no gap."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    before = [leg(k, (OFF_LANKARAN[0] + 0.01 * k, OFF_LANKARAN[1]), t0=3.0 * k, duration_s=570, speed_kn=10,
                  cog_deg=0, kind=AIS, mmsi=422000000 + k, dt=30) for k in range(1, 9)]
    clock = leg(99, FAR_AWAY, duration_s=5400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000099)
    after = [leg(k, (OFF_LANKARAN[0] + 0.01 * k + 0.1, OFF_LANKARAN[1]), t0=3000, duration_s=2000,
                 speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000000 + k) for k in range(1, 9)]
    run(e, *before, clock, *after)
    assert ais_gaps(e) == []


def _silent_9_min_then_vessel_1_dark() -> tuple[list[dict[str, np.ndarray]], list[dict[str, np.ndarray]]]:
    """Eight vessels under way heard every 10 s for 10 min, then 9 min of silence, then heard again; vessel 1 goes
    dark 20 min later, the others go on."""
    pos = [(OFF_LANKARAN[0] + 0.01 * k, OFF_LANKARAN[1]) for k in range(1, 9)]
    before = [leg(k, pos[k - 1], duration_s=600, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000000 + k)
              for k in range(1, 9)]
    after = [leg(k, end_of(before[k - 1]), t0=1140, duration_s=3000 if k > 1 else 1200, speed_kn=10, cog_deg=0,
                 kind=AIS, mmsi=422000000 + k) for k in range(1, 9)]
    return before, after


def _vessel_1_is_a_gap_5_min_on(e: DetectionEngine) -> None:
    (gap,) = of_type(e, "ais_gap")
    assert gap["mmsi"] == [422000001]
    assert gap["evidence"]["expected_interval_s"] < 60.0
    assert gap["start"] <= "2026-06-12T16:44:30"   # last heard 16:38:55: due 5 min on, not 48


def test_a_receiver_outage_is_not_learned_as_the_reporting_interval_of_every_vessel_it_silenced() -> None:
    """Eight vessels under way, heard every 10 s, fall silent together for 9 min (the station's outage: held, no
    gap), are heard again; 20 min later vessel 1 goes dark under way. Its gap is due after 5 min, not after
    6 x the 9 min outage (54 min)."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    before, after = _silent_9_min_then_vessel_1_dark()
    clock = leg(99, FAR_AWAY, duration_s=6000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000099)
    run(e, *before, *after, clock)
    _vessel_1_is_a_gap_5_min_on(e)


def test_a_feed_that_delivers_nothing_for_9_min_is_not_learned_as_every_vessels_reporting_interval() -> None:
    """As a receiver outage, so a feed that delivers nothing at all (no row of any kind) for 9 min: no vessel's
    interval; vessel 1, dark under way 20 min after the feed is back, is a gap 5 min on, not 48."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    before, after = _silent_9_min_then_vessel_1_dark()
    run(e, *before, *after)
    _vessel_1_is_a_gap_5_min_on(e)


def test_a_feed_that_delivers_nothing_for_20_min_raises_no_ais_gap_for_the_few_vessels_it_carries() -> None:
    """Two vessels under way heard every 30 s and one at anchor heard every 3 min; the AIS feed delivers nothing at
    all from 16:10 to 16:30 (no vessel heard anywhere, no row of any kind). It comes back: the two under way are
    heard at once, the one at anchor at its next 3 min report, 2.5 min later. Nobody went dark."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    way = [leg(k, (OFF_LANKARAN[0] + 0.05 * k, OFF_LANKARAN[1]), t0=8.0 * k, duration_s=570, speed_kn=10,
               cog_deg=0, kind=AIS, mmsi=422000000 + k, dt=30) for k in (1, 2)]
    way_back = [leg(k, (OFF_LANKARAN[0] + 0.05 * k + 0.05, OFF_LANKARAN[1]), t0=1800 + 8.0 * k, duration_s=1200,
                    speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000000 + k, dt=30) for k in (1, 2)]
    anchored = leg(3, (OFF_LANKARAN[0] - 0.05, OFF_LANKARAN[1]), t0=30, duration_s=540, speed_kn=0, cog_deg=0,
                   kind=AIS, mmsi=422000003, dt=180)
    anchored_back = leg(3, (OFF_LANKARAN[0] - 0.05, OFF_LANKARAN[1]), t0=1950, duration_s=1080, speed_kn=0,
                        cog_deg=0, kind=AIS, mmsi=422000003, dt=180)
    run(e, *way, *way_back, anchored, anchored_back)
    assert ais_gaps(e) == []


def test_a_vessel_going_dark_while_the_only_other_vessel_reports_every_3_min_at_anchor_is_still_an_ais_gap() -> None:
    """The feed's own silences between the anchored vessel's reports are no feed outage: the dark one is a gap."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    dark = leg(1, OFF_LANKARAN, duration_s=600, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000001, dt=10)
    anchored = leg(2, (OFF_LANKARAN[0] - 0.05, OFF_LANKARAN[1]), t0=5, duration_s=3600, speed_kn=0, cog_deg=0,
                   kind=AIS, mmsi=422000002, dt=180)
    run(e, dark, anchored)
    (gap,) = of_type(e, "ais_gap")
    assert gap["mmsi"] == [422000001] and gap["start"] == "2026-06-12T16:15:05.000Z"   # as before the fixes


def test_a_receiver_outage_does_not_teach_the_squares_it_silenced_that_small_craft_are_unheard_there() -> None:
    """Eight pleasure boats under way in one square, heard every 30 s for 5 min, fall silent together for 9 min (a
    receiver outage: held, no gap) and are heard again; 2 min later boat 1 goes dark there. The outage's eight long
    silences were the receiver's, not the square's reception for small craft: boat 1 is a gap 5 min on."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    here = cell_centre(*OFF_LANKARAN)
    pos = [(here[0] + 0.003 * k, here[1]) for k in range(1, 9)]
    before = [leg(k, pos[k - 1], duration_s=300, speed_kn=3, cog_deg=0, kind=AIS, mmsi=422000000 + k, dt=30,
                  ship_type=37, length_m=10.0) for k in range(1, 9)]
    after = [leg(k, end_of(before[k - 1]), t0=840, duration_s=3000 if k > 1 else 120, speed_kn=3, cog_deg=0,
                 kind=AIS, mmsi=422000000 + k, dt=30, ship_type=37, length_m=10.0) for k in range(1, 9)]
    clock = leg(99, FAR_AWAY, duration_s=6000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000099)
    run(e, *before, *after, clock)
    (gap,) = of_type(e, "ais_gap")
    assert gap["mmsi"] == [422000001] and gap["start"] <= "2026-06-12T16:21:30"   # last heard 16:15:55


def test_a_crowded_outage_found_by_buckets_holds_the_same_vessels_as_judging_every_pair() -> None:
    """`_crowded` holds a candidate at once when its square and time bin hold enough silent witnesses (judging
    every candidate against every witness cost 1 s a cycle at 4,000 vessels, helper review, stop 35); 200 random
    pictures, up to 300 vessels over 10-400 km, give the same candidates as the pairwise judgement alone."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    rule = e.rules[0]
    assert isinstance(rule, AisGap)
    rng = np.random.default_rng(1)
    pairwise = 0
    for _ in range(200):
        n = int(rng.integers(5, 300))
        e.memory._grow(n)
        rule.quiet_to[:n] = np.where(rng.random(n) < 0.3, 1300 + rng.uniform(0, 100, n), np.nan)
        rule.quiet_from[:n] = 1000 + rng.uniform(-200, 200, n)
        span = float(rng.choice([5000, 50000, 200000]))
        st = {"last_mmsi": rng.integers(0, n // 2 + 2, n) + 422000000,
              "last_ais_t": np.where(rule.quiet_to[:n] > 0, rule.quiet_to[:n], 1000.0 + rng.uniform(-300, 300, n)),
              "ais_x": rng.uniform(-span, span, n), "ais_y": rng.uniform(-span, span, n)}
        st["ais_x"][rng.random(n) < 0.05] = np.nan
        cand = np.flatnonzero(rng.random(n) < 0.5)
        wait = rng.uniform(300, 1000, len(cand))
        fast, _ = rule._not_outage(cand, np.zeros(len(cand)), 1400.0, st, wait=wait)
        with patch.object(AisGap, "_crowded", lambda self, cx, *rest: np.zeros(len(cx), bool)):
            slow, _ = rule._not_outage(cand, np.zeros(len(cand)), 1400.0, st, wait=wait)
        assert np.array_equal(fast, slow)
        pairwise += len(cand) - len(slow)
    assert pairwise > 1000   # the pictures do hold many vessels back


def _opened(*legs: dict[str, np.ndarray]) -> list[tuple[float, str]]:
    """(event time of the batch that opened it, start) of each ais_gap opened, feeding 10 s batches."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    cols = {k: np.concatenate([lg[k] if k in lg else np.full(len(lg["t"]), _absent(k)) for lg in legs])
            for k in set().union(*legs)}
    b = ContactBatch(cols).sorted_by_time()
    t = b["t"]
    out = []
    for part in np.split(np.arange(len(t)), np.flatnonzero(np.diff(np.floor((t - t[0]) / 10.0))) + 1):
        out += [(float(t[part].max() - T0), c["alert"]["start"]) for c in e.process(b.take(part))
                if c["change"] == "open"]
    return out


def test_a_vessel_due_as_the_only_other_one_at_anchor_is_between_its_3_min_reports_is_a_gap_on_time() -> None:
    """Vessel 1 under way (every 10 s) is last heard at 16:09:55; the only other AIS vessel lies at anchor and
    reports every 3 min (16:12:05, 16:15:05, ...); a radar-only contact far off keeps the cycles going. The gap is
    due at 16:14:55, while the feed has been quiet 170 s between two of the anchored vessel's reports: that pause
    is no feed outage, and must not push the gap to 16:20."""
    dark = leg(1, OFF_LANKARAN, duration_s=600, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000001, dt=10)
    anchored = leg(2, (OFF_LANKARAN[0] - 0.05, OFF_LANKARAN[1]), t0=10, duration_s=3600, speed_kn=0, cog_deg=0,
                   kind=AIS, mmsi=422000002, dt=180)
    clock = leg(99, (39.40, 50.20), duration_s=3600, speed_kn=10, cog_deg=0, kind=DARK)
    ((opened_at, start),) = _opened(dark, anchored, clock)
    assert opened_at <= 930.0 and start < "2026-06-12T16:15:11"
