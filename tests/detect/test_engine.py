"""The engine's alert lifecycle: one alert per behaviour, re-opened rather than duplicated after a short
break, closed when the contact is gone, the JSONL schema, and the risk score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from detect_helpers import AIS, FUSED, T0, caspian, end_of, leg, of_type, run

from seawatch.detect.alerts import read_alerts_jsonl, write_alerts_jsonl
from seawatch.detect.engine import DetectionEngine
from seawatch.model.contact import ContactBatch

OFF_LANKARAN = (38.80, 49.10)
KEYS = {"id", "type", "severity", "start", "end", "lat", "lon", "track_ids", "mmsi", "zone", "score", "summary",
        "evidence"}


def test_a_behaviour_that_pauses_briefly_keeps_its_one_alert() -> None:
    e = DetectionEngine(caspian(), rules=("high_speed",))
    a = leg(1, OFF_LANKARAN, duration_s=300, speed_kn=35, cog_deg=90)
    b = leg(1, end_of(a), t0=310, duration_s=120, speed_kn=10, cog_deg=90)  # slow for 2 min: closes
    c = leg(1, end_of(b), t0=440, duration_s=300, speed_kn=35, cog_deg=90)  # fast again within the merge gap
    changes = run(e, a, b, c)
    hs = of_type(e, "high_speed")
    assert len(hs) == 1
    kinds = [ch["change"] for ch in changes]
    assert kinds.count("open") == 1 and "close" in kinds


def test_a_contact_that_vanishes_has_its_alert_closed_at_its_last_update() -> None:
    e = DetectionEngine(caspian(), rules=("high_speed",), stale_s=300)
    a = leg(1, OFF_LANKARAN, duration_s=300, speed_kn=35, cog_deg=90)
    other = leg(2, (39.0, 50.0), duration_s=1200, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000002)
    run(e, a, other)
    hs = of_type(e, "high_speed")
    assert len(hs) == 1 and hs[0]["end"] is not None
    assert hs[0]["end"] <= "2026-06-12T16:05:01"


def test_alerts_are_written_in_the_design_schema_and_read_back(tmp_path: Path) -> None:
    e = DetectionEngine(caspian())
    run(e, leg(1, (38.40, 49.00), duration_s=900, speed_kn=35, cog_deg=0))
    alerts = e.finish()
    assert {a["type"] for a in alerts} >= {"high_speed", "border_crossing", "dark_target"}
    f = tmp_path / "alerts.jsonl"
    assert write_alerts_jsonl(f, alerts) == len(alerts)
    back = read_alerts_jsonl(f)
    assert back == json.loads(json.dumps(alerts))
    for a in back:
        assert set(a) == KEYS and a["severity"] in ("low", "medium", "high", "critical")
        assert a["start"].endswith("Z") and a["mmsi"] == [] and a["track_ids"] == [1]
        assert isinstance(a["summary"], str) and a["summary"].endswith(".")


def test_a_dark_fast_boat_heading_for_a_beach_at_night_scores_higher_than_a_ferry() -> None:
    e = DetectionEngine(caspian())
    midnight = 4 * 3600.0  # 2026-06-12T20:00Z = midnight local (UTC+4)
    gofast = leg(1, (38.66, 49.05), t0=midnight, duration_s=300, speed_kn=35, cog_deg=270)
    ferry = leg(2, (39.50, 50.50), t0=midnight, duration_s=300, speed_kn=14, cog_deg=0, kind=FUSED,
                mmsi=423000002)
    run(e, gofast, ferry)
    scores = e.risk_scores()
    assert scores[1] >= 0.7 and scores[2] < 0.2
    assert max(a["score"] for a in e.finish() if 1 in a["track_ids"]) >= 0.7


def test_the_context_alone_of_a_dark_go_fast_heading_for_a_beach_at_night_scores_as_documented() -> None:
    """docs/detection.md "Risk score": dark, fast, heading for the shore and night: 1 - 0.75^3 * 0.85."""
    e = DetectionEngine(caspian(), rules=("loitering",))   # no rule that fires here: context only
    midnight = 4 * 3600.0
    run(e, leg(1, (38.66, 49.05), t0=midnight, duration_s=300, speed_kn=35, cog_deg=270))
    assert abs(e.risk_scores()[1] - (1 - 0.75**3 * 0.85)) < 1e-9


def test_the_closed_alerts_a_behaviour_could_resume_are_listed_as_resumable_says_one_by_one() -> None:
    import numpy as np

    from seawatch.detect.alerts import AlertBook

    book = AlertBook(merge_gap_s=300.0, merge_gap_by_type={"loitering": 3600.0})
    kw = {"severity": "low", "lat": 40.0, "lon": 50.0, "track_ids": [], "mmsi": [], "zone": None, "summary": "",
          "evidence": {}}
    for cid, (start, end) in {7: (0.0, 100.0), 9: (50.0, 400.0), 11: (10.0, 20.0)}.items():
        book.open("loitering", cid, start, **kw)   # type: ignore[arg-type]
        book.close("loitering", cid, end)
    book.open("high_speed", 7, 0.0, **kw)   # type: ignore[arg-type]
    book.close("high_speed", 7, 30.0)
    book.open("loitering", 11, 500.0, **kw)   # re-opened: no longer closed
    keys, ends = book.closed_ends("loitering")
    assert keys.tolist() == [7, 9] and ends.tolist() == [100.0, 400.0]
    for t in (200.0, 3_800.0, 4_100.0):
        for cid in (7, 9, 11, 12):
            listed = cid in keys.tolist() and t - ends[keys.tolist().index(cid)] <= book.merge_gap("loitering")
            assert listed == (book.resumable("loitering", cid, t) is not None)
    book.close("loitering", 11, 600.0)
    assert book.closed_ends("loitering")[0].tolist() == [7, 9, 11]   # remade after the change
    assert np.array_equal(book.closed_ends("high_speed")[0], [7])


def test_an_alert_whose_contact_is_lost_after_the_behaviour_stopped_ends_when_it_stopped() -> None:
    """A go-fast slows at 16:05:10 and its track is lost 40 s later: the alert ends at 16:05:10, as it does when
    the track is still seen (it ended at the last update, 16:05:50)."""
    ends = []
    for seen_s in (40, 120):
        e = DetectionEngine(caspian(), rules=("high_speed",), stale_s=300)
        fast = leg(1, (39.5, 50.5), duration_s=300, speed_kn=35, cog_deg=0)
        slow = leg(1, end_of(fast), t0=310, duration_s=seen_s, speed_kn=8, cog_deg=0)
        run(e, fast, slow, leg(2, (39.0, 50.0), duration_s=1200, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000002))
        (hs,) = [a for a in e.finish() if a["type"] == "high_speed"]
        ends.append(hs["end"])
    assert ends == ["2026-06-12T16:05:10.000Z"] * 2


def test_a_re_opened_alert_is_no_longer_listed_among_the_closed_ones() -> None:
    from seawatch.detect.alerts import AlertBook

    book = AlertBook(merge_gap_s=300.0)
    kw = {"severity": "low", "lat": 40.0, "lon": 50.0, "track_ids": [11], "mmsi": [], "zone": None, "summary": "",
          "evidence": {}}
    book.open("high_speed", 11, 0.0, **kw)   # type: ignore[arg-type]
    book.close("high_speed", 11, 100.0)
    assert book.closed_ends("high_speed")[0].tolist() == [11]
    book.open("high_speed", 11, 200.0, **kw)   # type: ignore[arg-type]  # the same alert again
    assert book.closed_ends("high_speed")[0].tolist() == []


def test_a_loitering_alert_resumed_within_its_hour_is_the_same_alert_among_ten_thousand_closed_ones() -> None:
    """Closed alerts are pruned on long runs, but not before their own type's merge gap (loitering: 1 h)."""
    from seawatch.detect.alerts import AlertBook

    book = AlertBook(merge_gap_s=300.0, merge_gap_by_type={"loitering": 3600.0})
    kw = {"severity": "low", "lat": 40.0, "lon": 50.0, "track_ids": [], "mmsi": [], "zone": None, "summary": "",
          "evidence": {}}
    for i in range(10_001):
        book.open("dark_target", 1000 + i, 0.0, **kw)   # type: ignore[arg-type]
        book.close("dark_target", 1000 + i, 10.0)
    first = book.open("loitering", 7, 0.0, **kw)   # type: ignore[arg-type]
    book.close("loitering", 7, 4000.0)
    book.prune_closed(4400.0)
    assert len(book.closed_by_key) == 1   # the dark_target ones went
    assert book.open("loitering", 7, 4600.0, **kw) is first   # type: ignore[arg-type]


def test_positions_handed_in_the_engines_frame_give_the_same_alerts_as_its_own_projection() -> None:
    legs = (leg(1, (38.40, 49.00), duration_s=900, speed_kn=35, cog_deg=0),
            leg(2, OFF_LANKARAN, duration_s=900, speed_kn=12, cog_deg=90, kind=FUSED, mmsi=423000002))
    plain, given = DetectionEngine(caspian()), DetectionEngine(caspian())
    b = ContactBatch({k: np.concatenate([lg[k] for lg in legs]) for k in legs[0]}).sorted_by_time()
    for part in np.split(np.arange(len(b)), np.flatnonzero(np.diff(np.floor((b["t"] - b["t"][0]) / 10.0))) + 1):
        rows = b.take(part)
        plain.process(rows)
        given.process(rows, xy=given.frame.to_xy(rows["lat"], rows["lon"]))
    assert plain.finish() == given.finish() != []


def sparse_ais_backlog() -> ContactBatch:
    """An AIS-only picture as a recording gives it: 12 vessels each heard once a minute at its own second of the
    minute; vessel 3 falls silent from 10 to 40 min (an AIS gap), vessel 5 runs at 35 kn (high speed), and one
    MMSI is broadcast from two places 11 km apart, at :10 and :25 of each minute (a clone: both sets updated
    within 30 s at the checks from :25 to :40 only)."""
    legs = []
    for k in range(12):
        start = (38.75 + 0.01 * k, 49.10)   # open sea off Lankaran, 1.1 km apart
        legs.append(leg(k + 1, start, t0=5.0 * k, duration_s=600.0 if k == 2 else 3600.0,
                        speed_kn=35.0 if k == 4 else 10.0, cog_deg=90, kind=AIS, mmsi=422000001 + k, dt=60.0))
    legs.append(leg(3, (38.77, 49.17), t0=2410.0, duration_s=1200.0, speed_kn=10.0, cog_deg=90, kind=AIS,
                    mmsi=422000003, dt=60.0))
    for cid, t0, lat in ((21, 10.0, 38.70), (22, 25.0, 38.60)):
        legs.append(leg(cid, (lat, 49.00), t0=t0, duration_s=3540.0, speed_kn=8.0, cog_deg=90, kind=AIS,
                        mmsi=422000099, dt=60.0))
    return ContactBatch({key: np.concatenate([lg[key] for lg in legs]) for key in legs[0]}).sorted_by_time()


def cadence_free(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts without evidence `updated_t`: the time of an alert's last update is that of the last check
    that touched it (a 5 s check, or a stretched cycle's end), the one field that follows the checks' cadence."""
    return [{**a, "evidence": {k: v for k, v in a["evidence"].items() if k != "updated_t"}} for a in alerts]


def test_a_backlog_of_sparse_ais_is_judged_in_fewer_cycles_with_the_same_alerts() -> None:
    b = sparse_ais_backlog()
    step, stretched = (DetectionEngine(caspian(), sparse_cycle_s=0.0), DetectionEngine(caspian()))
    for e in (step, stretched):
        e.process(b)   # the whole recording at once, as `seawatch replay` hands it over
    alerts = stretched.finish()
    assert {a["type"] for a in alerts} >= {"ais_gap", "high_speed", "ais_spoofing"}
    # the AIS gap dated to the 5 s check that would have seen it; the clone judged at every 5 s check
    assert cadence_free(alerts) == cadence_free(step.finish())
    assert stretched.cycles <= step.cycles / 6


def test_gaps_an_outage_held_back_open_in_a_stretched_cycle_at_the_check_that_released_them() -> None:
    """Six vessels fall silent together at 25 min (a receiver outage: each has five silent neighbours); two are
    heard again at 35:20 and 35:30, so at the 5 s check after 35:30 the other four have only three silent
    neighbours left: their gaps open there, also when that check is in the middle of a stretched cycle."""
    site = caspian()
    site = site.model_copy(update={"rules": {**site.rules, "ais_gap": {"reception_poor_share": 0.0}}})
    legs = [leg(31 + k, (38.64 + 0.01 * k, 49.05), t0=2.0 * k, duration_s=1500.0, speed_kn=8.0, cog_deg=90,
                kind=AIS, mmsi=422000031 + k, dt=60.0) for k in range(6)]
    for k, t0 in ((0, 2120.0), (1, 2130.0)):   # heard again, further east
        legs.append(leg(31 + k, (38.64 + 0.01 * k, 49.08), t0=t0, duration_s=600.0, speed_kn=8.0, cog_deg=90,
                        kind=AIS, mmsi=422000031 + k, dt=60.0))
    b = sparse_ais_backlog()
    b = ContactBatch({k: np.concatenate([b[k], *(lg[k] for lg in legs)]) for k in legs[0]}).sorted_by_time()
    step, stretched = (DetectionEngine(site, sparse_cycle_s=0.0), DetectionEngine(site))
    for e in (step, stretched):
        e.process(b)
    alerts = stretched.finish()
    held = [a for a in alerts if a["type"] == "ais_gap" and a["mmsi"][0] in range(422000033, 422000037)]
    assert len(held) == 4 and {a["start"][11:19] for a in held} == {"16:35:30"}
    assert cadence_free(alerts) == cadence_free(step.finish())
    assert stretched.cycles <= step.cycles / 3


def test_a_picture_whose_contacts_update_every_cycle_keeps_one_cycle_per_five_seconds() -> None:
    b = ContactBatch({k: np.concatenate([lg[k] for lg in (
        leg(1, OFF_LANKARAN, duration_s=900, speed_kn=35, cog_deg=0, dt=5.0),
        leg(2, (39.0, 50.0), duration_s=900, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000002, dt=5.0))])
        for k in ("contact_id", "t", "kind", "status", "lat", "lon", "sog_mps", "cog_deg", "mmsi", "ais_age_s")})
    step, stretched = (DetectionEngine(caspian(), sparse_cycle_s=0.0), DetectionEngine(caspian()))
    for e in (step, stretched):
        e.process(b.sorted_by_time())
    assert stretched.finish() == step.finish() != []
    assert stretched.cycles == step.cycles == 181


def test_a_behaviour_found_in_a_stretched_cycle_is_dated_to_the_five_second_check_that_would_have_seen_it() -> None:
    e = DetectionEngine(caspian())
    e.prev_now, e.now = 1000.0, 1030.0
    e.checks = np.array([1005.0, 1010.0, 1015.0, 1020.0, 1025.0, 1030.0])
    assert e.dated(1011.0) == 1015.0 and e.dated(1005.0) == 1005.0 and e.dated(1029.0) == 1030.0
    assert e.dated(990.0) == 1030.0   # true already at the previous cycle: something else held it back
    e.checks = np.array([1030.0])      # an ordinary 5 s cycle: its own time
    assert e.dated(1028.0) == 1030.0


def test_a_cycle_stretches_no_longer_than_the_rules_still_updated_windows_allow() -> None:
    e = DetectionEngine(caspian())
    assert e.sparse_cycle_s == 60.0   # an AIS-only picture: rendezvous' fresh_s, ais_gap's "still tracked"
    assert e.radar_cycle_s == 30.0    # radar-backed contacts about: ais_spoofing's offset check
    site = caspian()
    site = site.model_copy(update={"rules": {**site.rules, "rendezvous": {"fresh_s": 40.0}}})
    assert DetectionEngine(site).sparse_cycle_s == 40.0
    assert DetectionEngine(caspian(), rules=("high_speed",)).radar_cycle_s == 60.0


def cycle_spans(engine: DetectionEngine, *batches: ContactBatch) -> np.ndarray:
    """(first row's time, last row's time) of each cycle the engine runs on the batches, handed over in turn."""
    spans: list[tuple[float, float]] = []
    run_cycle = engine._cycle

    def cycle(batch: ContactBatch, rows: np.ndarray, xy: Any = None) -> None:
        spans.append((float(batch["t"][rows].min()), float(batch["t"][rows].max())))
        run_cycle(batch, rows, xy)

    engine._cycle = cycle  # type: ignore[method-assign]
    for b in batches:
        engine.process(b)
    engine.finish()
    return np.array(spans)


def test_a_backlog_with_radar_tracks_about_stretches_its_cycles_only_to_the_radar_limit() -> None:
    """A radar-backed contact updated every 20 s for the first 20 min: cycles stretch to 30 s while it is about
    (a row of it at most 30 s before a part's first row), to 60 s once it is gone."""
    b = sparse_ais_backlog()
    radar = leg(99, (39.0, 49.3), duration_s=1200.0, speed_kn=5.0, cog_deg=0, kind=FUSED, mmsi=423000099, dt=20.0)
    with_radar = ContactBatch({k: np.concatenate([b[k], radar[k]]) for k in radar}).sorted_by_time()
    plain, mixed = cycle_spans(DetectionEngine(caspian()), b), cycle_spans(DetectionEngine(caspian()), with_radar)
    about = mixed[:, 0] <= T0 + 1200.0
    assert (mixed[about, 1] - mixed[about, 0] <= 30.0).all()
    assert (mixed[~about, 1] - mixed[~about, 0] > 30.0).sum() > 20
    early = plain[:, 0] <= T0 + 1200.0
    assert (plain[early, 1] - plain[early, 0] > 30.0).sum() > 10
    assert about.sum() > 1.5 * early.sum()


def test_the_cycles_and_alerts_are_the_same_however_the_contact_updates_are_cut_into_batches() -> None:
    """A recording's contact updates handed over at once, or cut anywhere (a file read in chunks, a live feed):
    the same cycles (a cycle runs once a row of a later one has come, a stretched one once a part that cannot
    join it has), so the same alerts, to the bit."""
    b = sparse_ais_backlog()
    radar = leg(99, (39.0, 49.3), duration_s=1200.0, speed_kn=5.0, cog_deg=0, kind=FUSED, mmsi=423000099, dt=20.0)
    b = ContactBatch({k: np.concatenate([b[k], radar[k]]) for k in radar}).sorted_by_time()
    whole = DetectionEngine(caspian())
    spans = cycle_spans(whole, b)
    alerts = whole.finish()
    assert {a["type"] for a in alerts} >= {"ais_gap", "high_speed", "ais_spoofing"}
    rng = np.random.default_rng(7)
    for n_cuts in (3, 40, 400):
        cuts = np.sort(rng.choice(np.arange(1, len(b)), n_cuts, replace=False))
        pieces = [b.take(rows) for rows in np.split(np.arange(len(b)), cuts)]
        cut = DetectionEngine(caspian())
        assert np.array_equal(cycle_spans(cut, *pieces), spans)
        assert cut.finish() == alerts


def _batch(*legs: dict[str, np.ndarray]) -> ContactBatch:
    return ContactBatch({key: np.concatenate([lg[key] for lg in legs]) for key in legs[0]}).sorted_by_time()


def test_a_contact_back_after_the_whole_feed_fell_silent_for_two_hours_gets_a_new_alert() -> None:
    """No row at all for two hours (no cycle in between): the contact was stale long before it came back, so its
    alert ends at its last update, as when other traffic kept the checks going, and a new one opens."""
    a = leg(1, (38.40, 49.00), duration_s=300, speed_kn=35, cog_deg=0, kind=FUSED, mmsi=423000001)
    b = leg(1, end_of(a), t0=7500, duration_s=300, speed_kn=35, cog_deg=0, kind=FUSED, mmsi=423000001)
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, a, b)
    hs = e.finish()
    assert [(h["start"] < "2026-06-12T17:00", h["end"]) for h in hs] == [(True, "2026-06-12T16:05:00.000Z"),
                                                                          (False, None)]


def test_a_stretched_cycle_forgets_a_contact_silent_longer_than_stale_s_as_the_five_second_checks_do() -> None:
    """An AIS vessel at 35 kn reporting once a minute, silent for 625 s (> stale_s, 600 s), among others: judged
    every 5 s, its alert closes at its last report before the silence; judged in stretched cycles, the same."""
    a = leg(5, (38.75, 49.10), t0=20.0, duration_s=600.0, speed_kn=35.0, cog_deg=90, kind=AIS, mmsi=422000005, dt=60.0)
    b = leg(5, (38.75, 49.25), t0=1245.0, duration_s=600.0, speed_kn=35.0, cog_deg=90, kind=AIS, mmsi=422000005,
            dt=60.0)
    others = [leg(10 + k, (38.60 + 0.01 * k, 49.10), t0=s, duration_s=2000.0, speed_kn=8.0, cog_deg=90, kind=AIS,
                  mmsi=422000010 + k, dt=60.0) for k, s in enumerate((2.0, 17.0, 33.0, 48.0))]
    feed = _batch(a, b, *others)
    step = DetectionEngine(caspian(), rules=("high_speed",), sparse_cycle_s=0.0)
    stretched = DetectionEngine(caspian(), rules=("high_speed",))
    for e in (step, stretched):
        e.process(feed)
    alerts = stretched.finish()
    assert alerts == step.finish() and len(alerts) == 2 and alerts[0]["end"] is not None
    assert stretched.cycles < step.cycles


def test_a_late_row_of_a_contact_is_ignored_and_counted_not_winding_its_memory_back() -> None:
    """Contact 1's row of 350 s handed in again after its rows up to 1000 s: the memory keeps 1000 s, so the
    alert closes at the contact's last update (when it went stale), not at 350 s."""
    fast = leg(1, (38.40, 49.00), duration_s=1000, speed_kn=35, cog_deg=0, kind=FUSED, mmsi=423000001)
    other = leg(9, (38.9, 49.5), duration_s=2500, speed_kn=8, cog_deg=90, kind=FUSED, mmsi=423000009)
    feed = _batch(fast, other)
    t = feed["t"]
    cut = int(np.searchsorted(t, T0 + 1102.0))
    e = DetectionEngine(caspian(), rules=("high_speed",))
    e.process(feed.take(np.arange(cut)))
    e.process(feed.take(np.flatnonzero((feed["contact_id"] == 1) & (t == T0 + 350.0))))
    e.process(feed.take(np.arange(cut, len(feed))))
    (hs,) = e.finish()
    assert hs["end"] == "2026-06-12T16:16:40.000Z" and e.n_late_rows == 1


def test_a_rule_that_raises_is_counted_and_logged_once_and_the_other_rules_and_cycles_go_on(
        monkeypatch: Any, caplog: Any) -> None:
    """Live, one failing cycle kept its rows pending and was retried with every later batch: detection stopped
    and the console's picture froze (a review's run: 124 failed batches, the runner's alerts never raised)."""
    import seawatch.detect.engine as engine_mod
    from seawatch.detect.rules.border_crossing import BorderCrossing

    monkeypatch.setattr(engine_mod, "STRICT", False)
    calls = {"n": 0, "raised": 0}

    def boom(self: Any, cyc: Any) -> None:
        calls["n"] += 1
        if T0 + 600 <= cyc.now <= T0 + 900:
            calls["raised"] += 1
            raise RuntimeError("a bug in a rule")

    monkeypatch.setattr(BorderCrossing, "process", boom)
    e = DetectionEngine(caspian(), rules=("high_speed", "border_crossing"))
    run(e, leg(1, (38.80, 49.30), duration_s=1800, speed_kn=35, cog_deg=90))
    assert calls["raised"] >= 5 and e.failures == {"border_crossing": calls["raised"]}
    assert calls["n"] == e.cycles   # each cycle once: none retried
    assert [a["type"] for a in e.finish()] == ["high_speed"]   # the other rule went on
    logged = [r for r in caplog.records if "border_crossing failed" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None


def test_a_cycle_that_raises_outside_the_rules_is_dropped_not_retried_with_every_later_batch(
        monkeypatch: Any) -> None:
    import seawatch.detect.engine as engine_mod
    from seawatch.detect.risk import RiskModel

    monkeypatch.setattr(engine_mod, "STRICT", False)
    real = RiskModel.refresh
    seen: list[float] = []

    def flaky(self: Any, cyc: Any) -> None:
        seen.append(cyc.now)
        if T0 + 600 <= cyc.now <= T0 + 900:
            raise RuntimeError("a bug outside the rules")
        real(self, cyc)

    monkeypatch.setattr(RiskModel, "refresh", flaky)
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, leg(1, (38.80, 49.30), duration_s=1800, speed_kn=35, cog_deg=90))
    assert len(seen) == len(set(seen))   # every cycle once
    assert e.failures["cycle"] == sum(T0 + 600 <= t <= T0 + 900 for t in seen) >= 5
    assert [a["type"] for a in e.finish()] == ["high_speed"]
