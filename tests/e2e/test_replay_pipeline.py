"""A short simulated recording through the whole replay: ingest -> tracking -> fusion -> detection -> files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from seawatch.cli import main


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "run"
    assert main(["sim", "--scenario", "cigarette-run", "--out", str(out), "--duration", "8m", "--seed", "5"]) == 0
    return out


def test_replay_writes_contact_updates_of_every_kind_and_alerts_in_the_design_schema(recording: Path,
                                                                                     tmp_path: Path) -> None:
    tracks, alerts, stats = tmp_path / "tracks.parquet", tmp_path / "alerts.jsonl", tmp_path / "stats.json"
    inputs = [str(recording / "ais.nmea"), *sorted(str(p) for p in recording.glob("plots-*.csv"))]
    assert main(["replay", "--site", str(recording / "site.toml"), *inputs, "--tracks-out", str(tracks),
                 "--alerts-out", str(alerts), "--json", str(stats), "--no-progress"]) == 0
    table = pq.read_table(tracks)
    kinds = set(table.column("kind").to_pylist())
    assert kinds == {1, 2, 3}  # fused, radar only, AIS only
    assert table.num_rows > 1000
    lat = table.column("lat").to_pylist()
    assert all(36.0 < v < 47.5 for v in lat if v is not None)
    fused_mmsi = {m for k, m in zip(table.column("kind").to_pylist(), table.column("mmsi").to_pylist()) if k == 1}
    assert None not in fused_mmsi and len(fused_mmsi) > 20
    s = json.loads(stats.read_text())
    assert s["rejects_total"] == 0 and s["contact_updates"] == table.num_rows
    cpu = s["cpu_s_by_stage"]   # where the replay's CPU went, stage by stage
    assert list(cpu) == ["setup", "ingest", "tracking", "detection", "outputs"] and min(cpu.values()) >= 0
    assert cpu["tracking"] > 0 and cpu["detection"] > 0 and cpu["ingest"] > 0   # ingest: the reading thread's
    for line in alerts.read_text().splitlines():
        a = json.loads(line)
        assert set(a) >= {"id", "type", "severity", "start", "end", "lat", "lon", "track_ids", "mmsi", "zone",
                          "score", "summary", "evidence"}
        assert a["severity"] in {"low", "medium", "high", "critical"}


def test_tracking_without_a_site_is_refused_with_a_clear_error(recording: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["replay", str(recording / "ais.nmea"), "--tracks-out", str(tmp_path / "t.parquet")])
    assert rc == 2
    assert "--site" in capsys.readouterr().err


def test_replaying_the_same_recording_into_a_store_twice_adds_nothing_twice(recording: Path,
                                                                            tmp_path: Path) -> None:
    from seawatch.store import open_store

    store_dir = tmp_path / "store"
    inputs = [str(recording / "ais.nmea"), *sorted(str(p) for p in recording.glob("plots-*.csv"))]
    args = ["replay", "--site", str(recording / "site.toml"), *inputs, "--store", str(store_dir), "--no-progress"]
    assert main(args) == 0
    store = open_store(store_dir)
    n_pos, n_alerts = store.count_positions(), len(store.alerts())
    store.close()
    assert n_pos > 1000
    assert main(args) == 0
    store = open_store(store_dir)
    assert store.count_positions() == n_pos and len(store.alerts()) == n_alerts
    store.close()


def test_the_tracks_file_reads_back_in_the_contact_schema_with_dictionaries_only_on_few_valued_columns(
        recording: Path, tmp_path: Path) -> None:
    from seawatch.model.contact import ContactBatch

    tracks = tmp_path / "tracks.parquet"
    assert main(["replay", "--site", str(recording / "site.toml"), str(recording / "ais.nmea"), "--tracks-out",
                 str(tracks), "--no-progress"]) == 0
    assert pq.read_table(tracks).schema.equals(ContactBatch.empty().to_arrow().schema)
    group = pq.ParquetFile(tracks).metadata.row_group(0)
    encodings = {group.column(i).path_in_schema: group.column(i).encodings for i in range(group.num_columns)}
    assert "RLE_DICTIONARY" in encodings["kind"] and "RLE_DICTIONARY" in encodings["name"]
    assert "RLE_DICTIONARY" not in encodings["lat"] and "RLE_DICTIONARY" not in encodings["t"]


def test_the_tracks_and_alerts_are_the_same_whatever_size_the_inputs_are_read_in(recording: Path,
                                                                                 tmp_path: Path) -> None:
    """Reads of any size cut a radar's revolution and the detection cycles anywhere: the pipeline and the engine
    hold what may still go on (an open scan window, the reports after the last step, the open cycle), so the
    contact updates and the alerts come out the same to the bit."""
    from seawatch.config import load_site
    from seawatch.replay import ReplayOptions, run_replay

    site = load_site(recording / "site.toml")
    inputs = [recording / "ais.nmea", *sorted(recording.glob("plots-*.csv"))]
    outs = []
    for chunk in (1 << 20, 50_000, 7_001):
        d = tmp_path / str(chunk)
        d.mkdir()
        run_replay(site, ReplayOptions(inputs=inputs, tracks_out=d / "t.parquet", alerts_out=d / "a.jsonl",
                                       chunk_bytes=chunk))
        outs.append((pq.read_table(d / "t.parquet"), (d / "a.jsonl").read_bytes()))
    assert outs[0][0].num_rows > 1000
    for tracks, alerts in outs[1:]:
        assert tracks.equals(outs[0][0])
        assert alerts == outs[0][1]


def test_a_gzip_cut_short_and_an_empty_input_are_counted_and_the_rest_is_replayed(
        recording: Path, tmp_path: Path) -> None:
    import gzip

    packed = gzip.compress((recording / "ais.nmea").read_bytes())
    cut = tmp_path / "ais-cut.nmea.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    empty = tmp_path / "empty.nmea"
    empty.write_bytes(b"")
    stats, alerts = tmp_path / "stats.json", tmp_path / "alerts.jsonl"
    plots = sorted(str(p) for p in recording.glob("plots-*.csv"))
    assert main(["replay", "--site", str(recording / "site.toml"), str(cut), str(empty), *plots,
                 "--alerts-out", str(alerts), "--json", str(stats), "--no-progress"]) == 0
    s = json.loads(stats.read_text())
    assert s["rejects"]["bad_file"] == 2 and alerts.exists()
    assert s["observations_total"] > 1000   # half the AIS and all the plots


def test_an_output_that_cannot_be_written_is_refused_before_the_replay_starts(
        recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site, ais = str(recording / "site.toml"), str(recording / "ais.nmea")
    for flag, path, says in [("--alerts-out", tmp_path / "no" / "a.jsonl", "does not exist"),
                             ("--tracks-out", tmp_path, "is a directory")]:
        assert main(["replay", "--site", site, ais, flag, str(path), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"{flag} {path}" in err and says in err and "Traceback" not in err


def test_an_input_of_unknown_format_is_named(recording: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    assert main(["replay", str(recording / "ais.nmea"), str(junk), "--no-progress"]) == 2
    assert f"{junk}: cannot tell the format" in capsys.readouterr().err


def test_the_replay_prints_its_alert_count_with_json_too_and_zero_when_detection_found_nothing(
        recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alerts, stats = tmp_path / "alerts.jsonl", tmp_path / "stats.json"
    inputs = [str(recording / "ais.nmea"), *sorted(str(p) for p in recording.glob("plots-*.csv"))]
    assert main(["replay", "--site", str(recording / "site.toml"), *inputs, "--alerts-out", str(alerts),
                 "--json", str(stats), "--no-progress"]) == 0
    out = capsys.readouterr().out
    n = len(alerts.read_text().splitlines())
    assert f"alerts                {n:>10,}" in out and "stats written to" in out and "observations" in out
    assert main(["replay", *inputs, "--no-progress"]) == 0   # no detection asked: no alerts line
    assert "alerts " not in capsys.readouterr().out


def test_the_summary_table_counts_alerts_by_type_and_severity() -> None:
    from seawatch.ingest.stats import IngestStats
    from seawatch.replay import ReplayResult

    alerts = [{"type": t, "severity": s} for t, s in [("high_speed", "high"), ("high_speed", "low"),
                                                      ("high_speed", "high"), ("rendezvous", "critical")]]
    r = ReplayResult(stats=IngestStats(), formats={}, alerts=alerts, detected=True)
    rows = {line.split()[0]: [int(v) for v in line.split()[1:]] for line in r.format_table().splitlines()
            if line.startswith(("  high_speed", "  rendezvous"))}
    assert rows == {"high_speed": [3, 1, 0, 2, 0], "rendezvous": [1, 0, 0, 0, 1]}
    assert r.stats_dict()["alerts_by_type_and_severity"] == {"high_speed": {"low": 1, "high": 2},
                                                             "rendezvous": {"critical": 1}}


def test_a_report_heard_two_seconds_before_the_end_of_a_recording_is_judged(recording: Path, tmp_path: Path) -> None:
    """The last update step of a replay falls at most a period before the end of its data: an invalid MMSI heard
    only after it (2 s before the end) is in the last picture and raises its ais_spoofing alert."""
    import numpy as np

    from seawatch.sim.aisnmea import payload_type1, position_lines

    t0 = 1_781_280_000   # a multiple of the 5 s update period
    secs = np.array([*range(0, 95, 10), 97], np.int64)
    mmsi = np.array([423000001] * 10 + [1234], np.int64)
    n = len(secs)
    payload = payload_type1(mmsi, np.zeros(n, np.int64), np.zeros(n), np.full(n, 8.0), np.full(n, 40.2),
                            np.full(n, 50.1), np.full(n, 90.0), np.full(n, 90.0), secs % 60)
    nmea = tmp_path / "ais.nmea"
    nmea.write_bytes(b"\n".join(position_lines("ais-test", t0 + secs, np.zeros(n, bool), payload)) + b"\n")
    alerts = tmp_path / "alerts.jsonl"
    assert main(["replay", "--site", str(recording / "site.toml"), str(nmea), "--alerts-out", str(alerts),
                 "--no-progress"]) == 0
    got = [json.loads(line) for line in alerts.read_text().splitlines()]
    spoof = [a for a in got if a["type"] == "ais_spoofing" and a["mmsi"] == [1234]]
    assert len(spoof) == 1 and spoof[0]["evidence"]["how"] == "invalid_mmsi"


def test_ais_reports_of_mmsi_0_are_counted_in_the_summary_not_as_an_identity(tmp_path: Path,
                                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """MMSI 0 (an unconfigured transponder) is no identity to track: the AIS state skips its reports. They vanished
    without trace, and 0 was counted as a distinct MMSI (review stop 34)."""
    from functools import reduce

    from pyais.encode import encode_dict

    lines = []
    for k in range(10):
        for m in (0, 423000001):
            s = encode_dict({"type": 1, "mmsi": m, "lat": 38.8 + 0.001 * k, "lon": 49.1, "speed": 10, "course": 0,
                             "heading": 0, "second": (10 * k) % 60}, radio_channel="A", talker_id="AI")[0]
            tag = f"c:{1781280000 + 10 * k}"
            lines.append(f"\\{tag}*{reduce(lambda a, c: a ^ ord(c), tag, 0):02X}\\{s}")
    (tmp_path / "a.nmea").write_text("\n".join(lines) + "\n")
    site = Path(__file__).resolve().parents[2] / "src" / "seawatch" / "sites" / "caspian" / "site.toml"
    assert main(["replay", "--site", str(site), str(tmp_path / "a.nmea"), "--json", str(tmp_path / "s.json"),
                 "--no-progress"]) == 0
    s = json.loads((tmp_path / "s.json").read_text())
    assert s["ais_mmsi_zero"] == 10 and s["distinct_mmsi"] == 1
    assert re.search(r"\nAIS with MMSI 0 +10  \(no identity: not tracked from AIS\)\n", capsys.readouterr().out)
