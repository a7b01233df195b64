"""Alert scoring against a tiny hand-written truth: matching by MMSI or, for dark vessels, by position;
recall, precision, false alarms per 1,000 vessel-hours and latency; the `seawatch eval` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from seawatch.cli import main
from seawatch.detect.alerts import write_alerts_jsonl
from seawatch.eval.alerts import load_truth, score_alerts

T0 = 1_781_280_000  # 2026-06-12T16:00:00Z


def iso(s: float) -> str:
    from seawatch.model.units import iso_utc
    return iso_utc(T0 + s)


def make_truth(d: Path) -> Path:
    """Two vessels for 10 h at 10 s: 0 (dark go-fast going east along 38.8 N), 1 (AIS 423000001, fixed)."""
    (d / "truth").mkdir(parents=True)
    t = np.arange(0, 36_000, 10.0)
    n = len(t)
    lat = np.concatenate([np.full(n, 38.8), np.full(n, 39.5)])
    lon = np.concatenate([49.0 + t * 1e-5, np.full(n, 50.0)])
    tab = pa.table({"vessel_id": pa.array(np.repeat([0, 1], n).astype(np.int32)),
                    "time": pa.array(((T0 + np.concatenate([t, t])) * 1000).astype(np.int64), pa.timestamp("ms", "UTC")),
                    "lat": lat, "lon": lon, "sog_kn": np.zeros(2 * n, np.float32),
                    "cog_deg": np.zeros(2 * n, np.float32), "ais_on": np.repeat([False, True], n),
                    "mmsi": np.repeat([-1, 423000001], n)})
    pq.write_table(tab, d / "truth" / "positions.parquet")
    events = [
        {"kind": "high_speed", "start": iso(600), "end": iso(1800), "vessels": [0], "mmsi": [], "lat": 38.8, "lon": 49.006},
        {"kind": "ais_gap", "start": iso(3600), "end": iso(7200), "vessels": [1], "mmsi": [423000001], "lat": 39.5, "lon": 50.0},
        {"kind": "rendezvous", "start": iso(9000), "end": iso(9600), "vessels": [0, 1], "mmsi": [423000001], "lat": 39.0, "lon": 49.5},
    ]
    (d / "truth" / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return d


def alert(type_: str, start: float, end: float | None, lat: float, lon: float, mmsi: list[int]) -> dict:
    return {"id": f"{type_}-{start}", "type": type_, "severity": "high", "start": iso(start),
            "end": None if end is None else iso(end), "lat": lat, "lon": lon, "track_ids": [1], "mmsi": mmsi,
            "zone": None, "score": 0.5, "summary": ".", "evidence": {}}


def test_events_are_found_by_position_for_dark_vessels_and_by_mmsi_otherwise(tmp_path: Path) -> None:
    truth = load_truth(make_truth(tmp_path))
    alerts = [
        alert("high_speed", 720, 1700, 38.8, 49.0 + 720e-5, []),  # on the dark vessel: found, 2 min late
        alert("high_speed", 900, 1000, 39.5, 50.0, []),  # far from the dark vessel: a false alarm
        alert("ais_gap", 3900, None, 0.0, 0.0, [423000001]),  # open alert, MMSI shared: found, 5 min late
        alert("loitering", 100, 200, 39.5, 50.0, [423000001]),  # no loitering in the truth: false alarm
    ]
    res = score_alerts(truth, alerts)
    hs, gap, rv, lo = (res["types"][k] for k in ("high_speed", "ais_gap", "rendezvous", "loitering"))
    assert (hs["events"], hs["found"], hs["alerts"], hs["false_alarms"]) == (1, 1, 2, 1)
    assert hs["recall"] == 1.0 and hs["precision"] == 0.5 and hs["latency_median_s"] == 120.0
    assert gap["recall"] == 1.0 and gap["latency_median_s"] == 300.0
    assert rv["recall"] == 0.0 and rv["precision"] is None
    assert lo["recall"] is None and lo["false_alarms"] == 1
    assert abs(res["vessel_hours"] - 20.0) < 0.01
    assert abs(lo["false_alarms_per_1000_vessel_hours"] - 50.0) < 0.1


def test_a_dark_alert_that_opened_on_the_vessel_and_ended_elsewhere_still_found_it(tmp_path: Path) -> None:
    # a tracker's swap at a meeting carries the alert to another boat: lat/lon are its last position, the
    # evidence keeps where it opened
    truth = load_truth(make_truth(tmp_path))
    moved = alert("high_speed", 720, 1700, 39.5, 50.0, [])
    res = score_alerts(truth, [moved])
    assert res["types"]["high_speed"]["found"] == 0
    moved["evidence"] = {"start_lat": 38.8, "start_lon": 49.0 + 720e-5}
    res = score_alerts(truth, [moved])
    assert res["types"]["high_speed"]["found"] == 1 and res["types"]["high_speed"]["false_alarms"] == 0


def test_an_alert_keeps_where_it_opened_in_its_evidence_as_its_position_follows_the_contact() -> None:
    from seawatch.detect.alerts import AlertBook
    book = AlertBook()
    book.open("dark_target", 7, T0, severity="high", lat=38.8, lon=49.0, track_ids=[7], mmsi=[], zone=None,
              summary=".", evidence={"speed_kn": 20.0})
    a = book.update("dark_target", 7, T0 + 60, lat=39.0, lon=49.2, evidence={"speed_kn": 21.0})
    assert (a.lat, a.lon) == (39.0, 49.2)
    assert (a.evidence["start_lat"], a.evidence["start_lon"]) == (38.8, 49.0)


def test_an_alert_outside_the_event_time_does_not_match(tmp_path: Path) -> None:
    truth = load_truth(make_truth(tmp_path))
    res = score_alerts(truth, [alert("ais_gap", 8000, 8100, 39.5, 50.0, [423000001])])
    assert res["types"]["ais_gap"]["found"] == 0 and res["types"]["ais_gap"]["false_alarms"] == 1


def test_seawatch_eval_prints_the_table_and_writes_json(tmp_path: Path, capsys: object) -> None:
    d = make_truth(tmp_path)
    f = tmp_path / "alerts.jsonl"
    write_alerts_jsonl(f, [alert("ais_gap", 3700, 7000, 39.5, 50.0, [423000001])])
    out = tmp_path / "scores.json"
    assert main(["eval", "--truth", str(d), "--alerts", str(f), "--json", str(out)]) == 0
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "ais_gap" in printed and "recall" in printed
    res = json.loads(out.read_text())
    assert res["alerts"]["types"]["ais_gap"]["recall"] == 1.0


def test_an_alert_on_another_identified_vessel_does_not_match_by_position(tmp_path: Path) -> None:
    truth = load_truth(make_truth(tmp_path))
    # at vessel 1's position, in the gap's time, but about another MMSI: not this event
    res = score_alerts(truth, [alert("ais_gap", 3700, 7000, 39.5, 50.0, [423999999])])
    assert res["types"]["ais_gap"]["found"] == 0 and res["types"]["ais_gap"]["false_alarms"] == 1


def test_latency_from_when_a_vessel_first_became_observable_leaves_out_the_time_no_sensor_saw_it(
        tmp_path: Path) -> None:
    d = make_truth(tmp_path)
    tab = pq.read_table(d / "truth" / "positions.parquet")
    t = (tab.column("time").cast("int64").to_numpy() / 1000.0) - T0
    dark_go_fast = tab.column("vessel_id").to_numpy() == 0
    # the go-fast enters radar cover 5 min after its event started (at 10 min); the AIS vessel is heard throughout
    plots = np.where(dark_go_fast & (t < 900), 0, 12).astype(np.int16)
    reports = np.where(dark_go_fast, 0, 6).astype(np.int16)
    tab = tab.append_column("radar_plots_30s", pa.array(plots)).append_column("ais_reports_180s", pa.array(reports))
    pq.write_table(tab, d / "truth" / "positions.parquet")
    res = score_alerts(load_truth(d), [alert("high_speed", 1020, 1700, 38.8, 49.0 + 1020e-5, []),
                                      alert("ais_gap", 3900, None, 0.0, 0.0, [423000001])])
    hs, gap = res["types"]["high_speed"], res["types"]["ais_gap"]
    assert hs["latency_median_s"] == 420.0 and hs["latency_observable_median_s"] == 120.0
    assert gap["latency_median_s"] == gap["latency_observable_median_s"] == 300.0
    assert (hs["latencies_s"], hs["latencies_observable_s"]) == ([420.0], [120.0])   # per event, for pooling runs


def test_the_latency_bars_are_each_rules_own_minimum_duration_plus_two_minutes() -> None:
    from seawatch.detect.rules import RULES
    from seawatch.eval.alerts import RULE_MIN_DURATION_S, latency_bar_s

    assert set(RULE_MIN_DURATION_S) == set(RULES)
    for kind, rule in RULES.items():
        d = rule.DEFAULTS   # a silence (ais_gap), an offset (ais_spoofing), else the rule's min_duration_s
        own = d.get("min_duration_s", d.get("min_gap_s", d.get("offset_min_s", 0.0)))
        assert latency_bar_s(kind) == own + 120.0, kind


def test_the_seeds_bench_pools_runs_per_type_and_names_the_bars_missed() -> None:
    import importlib.util
    import sys

    bench = Path(__file__).resolve().parents[2] / "bench"
    path, modules = list(sys.path), set(sys.modules)
    try:   # seeds.py puts bench/ on sys.path, whose asterix.py would shadow libasterix for the other tests
        spec = importlib.util.spec_from_file_location("bench_seeds", bench / "seeds.py")
        assert spec is not None and spec.loader is not None
        seeds = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(seeds)
    finally:
        sys.path[:] = path
        for name in set(sys.modules) - modules:   # bench's modules (detect, ...) go too
            if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(bench)):
                del sys.modules[name]

    def run(found: int, alerts: int, fa: int, lat: list[float]) -> dict:
        t = {"events": 1, "found": found, "alerts": alerts, "false_alarms": fa, "latencies_s": lat,
             "latencies_observable_s": [x - 60 for x in lat]}
        return {"vessel_hours": 500.0, "types": {"shore_approach": t}}

    # one run with a false alarm (precision 0.5 alone), eleven clean: pooled precision 12/13
    runs = [run(1, 2, 1, [200.0])] + [run(1, 1, 0, [150.0])] * 11
    ((kind, row),) = seeds.pooled(runs)
    assert kind == "shore_approach" and row["fails"] == []
    assert (row["found"], row["events"], row["alerts"], row["false_alarms"]) == (12, 12, 13, 1)
    assert abs(row["precision"] - 12 / 13) < 1e-12 and row["fa_per_1000_vh"] == 1 / 6
    # slower than the bar (60 s + 2 min) from the start, but not from when it was seen
    ((_, slow),) = seeds.pooled([run(1, 1, 0, [230.0])] * 3)
    assert slow["fails"] == ["latency"]
    ((_, missed),) = seeds.pooled([run(0, 1, 1, [])] + [run(1, 1, 0, [100.0])] * 3)
    assert missed["fails"] == ["recall", "precision"]


def _east_runner(d: Path) -> Path:
    """One dark vessel running east along 38.8 N for 2 h (~1.1 km a minute), a dark_target event all along."""
    (d / "truth").mkdir(parents=True)
    t = np.arange(0, 7200, 10.0)
    tab = pa.table({"vessel_id": pa.array(np.zeros(len(t), np.int32)),
                    "time": pa.array(((T0 + t) * 1000).astype(np.int64), pa.timestamp("ms", "UTC")),
                    "lat": np.full(len(t), 38.8), "lon": 49.0 + t * 2e-4})
    pq.write_table(tab, d / "truth" / "positions.parquet")
    ev = {"kind": "dark_target", "start": iso(0), "end": iso(7200), "vessels": [0], "mmsi": [], "lat": 38.8, "lon": 49.0}
    (d / "truth" / "events.jsonl").write_text(json.dumps(ev) + "\n")
    return d


def test_an_alert_is_a_dark_vessels_only_where_the_vessel_was_at_the_alerts_own_times(tmp_path: Path) -> None:
    """The alert opened 30 km away and its contact was last where the vessel had been an hour before: not the
    vessel's (the position is compared with the truth at the time it is of, evidence position_t)."""
    truth = load_truth(_east_runner(tmp_path))
    a = alert("dark_target", 3600, 7000, 38.8, 49.0 + 1000 * 2e-4, [])
    a["evidence"] = {"start_lat": 38.8, "start_lon": 48.6, "position_t": T0 + 7000.0}
    assert score_alerts(truth, [a])["types"]["dark_target"]["found"] == 0
    a["evidence"]["position_t"] = T0 + 1000.0
    assert score_alerts(truth, [a])["types"]["dark_target"]["found"] == 1


def test_only_an_instant_event_or_alert_gets_the_two_minutes_of_slack_to_overlap(tmp_path: Path) -> None:
    truth = load_truth(make_truth(tmp_path))   # the ais_gap of MMSI 423000001 lasts 3600-7200 s
    after = alert("ais_gap", 7290, 7400, 39.5, 50.0, [423000001])   # 90 s after it ended
    assert score_alerts(truth, [after])["types"]["ais_gap"]["found"] == 0
    instant = alert("ais_gap", 7290, 7290, 39.5, 50.0, [423000001])
    assert score_alerts(truth, [instant])["types"]["ais_gap"]["found"] == 1


def test_an_alert_on_another_identified_vessel_does_not_match_a_mixed_event_by_position(tmp_path: Path) -> None:
    """The rendezvous of dark vessel 0 and MMSI 423000001: an alert on MMSI 423999999 sitting on the identified
    vessel is not this event's (only the dark vessel could be matched by position)."""
    d = make_truth(tmp_path)
    (d / "truth" / "vessels.csv").write_text("vessel_id,mmsi\n0,\n1,423000001\n")
    truth = load_truth(d)
    other = alert("rendezvous", 9100, 9500, 39.5, 50.0, [423999999])
    assert score_alerts(truth, [other])["types"]["rendezvous"]["found"] == 0


def test_an_alert_re_opened_has_no_duration_until_it_closes_again_and_says_when_its_position_is_of() -> None:
    from seawatch.detect.alerts import AlertBook
    book = AlertBook(merge_gap_s=300.0)
    book.open("dark_target", 7, T0, severity="high", lat=38.8, lon=49.0, track_ids=[7], mmsi=[], zone=None,
              summary=".", evidence={})
    book.close("dark_target", 7, T0 + 600)
    a = book.open("dark_target", 7, T0 + 700, severity="high", lat=38.9, lon=49.1, track_ids=[7], mmsi=[],
                  zone=None, summary=".", evidence={})
    assert a.end is None and "duration_s" not in a.evidence and a.evidence["position_t"] == T0 + 700
    book.close("dark_target", 7, T0 + 900)
    assert a.evidence["duration_s"] == 900.0


def test_an_alert_matched_only_where_it_ended_counts_from_then_not_from_its_start(tmp_path: Path) -> None:
    """A carrier's dark_target opened 30 km away an hour before and ended beside the runner at their meeting:
    it is the runner's only from its last position; the runner's own alert, later than the carrier's start,
    sets the latency (was: the carrier's start, before the event)."""
    truth = load_truth(_east_runner(tmp_path))
    carrier = alert("dark_target", 600, 3000, 38.8, 49.0 + 3000 * 2e-4, [])
    carrier["evidence"] = {"start_lat": 38.5, "start_lon": 48.6, "position_t": T0 + 3000.0}
    own = alert("dark_target", 1200, 7000, 38.8, 49.0 + 7000 * 2e-4, [])
    own["evidence"] = {"start_lat": 38.8, "start_lon": 49.0 + 1200 * 2e-4, "position_t": T0 + 7000.0}
    res = score_alerts(truth, [carrier, own])["types"]["dark_target"]
    assert res["found"] == 1 and res["false_alarms"] == 0
    assert res["latency_median_s"] == 1200.0
    res = score_alerts(truth, [carrier])["types"]["dark_target"]
    assert res["found"] == 1 and res["latency_median_s"] == 3000.0


def _eval_error(tmp_path: Path, lines: list[str], capsys: Any) -> tuple[int, str]:
    d = make_truth(tmp_path)
    f = tmp_path / "alerts.jsonl"
    f.write_text("".join(line + "\n" for line in lines))
    rc = main(["eval", "--truth", str(d), "--alerts", str(f)])
    return rc, capsys.readouterr().err


def test_eval_names_the_file_and_line_of_an_alert_it_cannot_read(tmp_path: Path, capsys: Any) -> None:
    good = json.dumps(alert("ais_gap", 3900, None, 0.0, 0.0, [423000001]))
    for bad, why in [('{"type": "ais_gap", broken', "Expecting"), ("[1, 2, 3]", "not a JSON object"),
                     (json.dumps({**alert("ais_gap", 3900, None, 0.0, 0.0, []), "type": "smuggling"}), "smuggling"),
                     (good.replace('Z"', '"', 1), "has no zone"),
                     (json.dumps({k: v for k, v in alert("ais_gap", 3900, None, 0.0, 0.0, []).items()
                                  if k != "start"}), "no 'start'")]:
        rc, err = _eval_error(tmp_path / str(abs(hash(bad))), [good, bad], capsys)
        assert rc == 2 and "alerts.jsonl:2: not an alert" in err and why in err and "Traceback" not in err


def test_eval_says_what_a_truth_directory_lacks(tmp_path: Path, capsys: Any) -> None:
    f = tmp_path / "alerts.jsonl"
    f.write_text("")
    rc = main(["eval", "--truth", str(tmp_path / "nowhere"), "--alerts", str(f)])
    assert rc == 2 and "events.jsonl: missing" in capsys.readouterr().err
    rc = main(["eval", "--truth", str(make_truth(tmp_path / "t")), "--alerts", str(tmp_path / "none.jsonl")])
    assert rc == 2 and "cannot read the alerts file" in capsys.readouterr().err


def test_two_radar_plots_in_30_s_make_a_vessel_observable_and_one_does_not(tmp_path: Path) -> None:
    """A tracker can start from two plots; with the earlier 6 the tracker raised boats 16-30 min before they
    were 'observable' (cigarette-run seeds 1 and 6)."""
    d = make_truth(tmp_path)
    tab = pq.read_table(d / "truth" / "positions.parquet")
    t = (tab.column("time").cast("int64").to_numpy() / 1000.0) - T0
    dark_go_fast = tab.column("vessel_id").to_numpy() == 0
    plots = np.where(dark_go_fast & (t < 700), 1, np.where(dark_go_fast & (t < 900), 2, 12)).astype(np.int16)
    reports = np.where(dark_go_fast, 0, 6).astype(np.int16)
    tab = tab.append_column("radar_plots_30s", pa.array(plots)).append_column("ais_reports_180s", pa.array(reports))
    pq.write_table(tab, d / "truth" / "positions.parquet")
    res = score_alerts(load_truth(d), [alert("high_speed", 1020, 1700, 38.8, 49.0 + 1020e-5, [])])
    assert res["types"]["high_speed"]["latency_observable_median_s"] == 1020.0 - 700.0


def test_an_event_without_an_end_lasts_to_the_end_of_the_truth_and_a_bad_position_time_is_a_file_error(
        tmp_path: Path, capsys: Any) -> None:
    d = make_truth(tmp_path)
    events = (d / "truth" / "events.jsonl").read_text().splitlines()
    first = json.loads(events[0])
    del first["end"]
    (d / "truth" / "events.jsonl").write_text("\n".join([json.dumps(first), *events[1:]]) + "\n")
    res = score_alerts(load_truth(d), [alert("high_speed", 720, 1700, 38.8, 49.0 + 720e-5, [])])
    assert res["types"]["high_speed"]["found"] == 1
    bad = alert("ais_gap", 3900, None, 0.0, 0.0, [423000001])
    bad["evidence"] = {"position_t": "2026-06-12T17:00:00Z"}
    f = tmp_path / "alerts.jsonl"
    f.write_text(json.dumps(bad) + "\n")
    assert main(["eval", "--truth", str(d), "--alerts", str(f)]) == 2
    assert "alerts.jsonl:1: not an alert (evidence position_t" in capsys.readouterr().err
