"""`seawatch eval --tracks`: GOSPA parts, breaks, swaps and identity on small hand-made truths and tracks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seawatch.cli import main
from seawatch.eval.tracks import evaluate_tracks
from seawatch.geo.frames import LocalFrame
from seawatch.model.contact import ContactKind, TrackStatus

T0 = 1_781_280_000.0
FRAME = LocalFrame(38.6, 49.0)
M_PER_DEG = 111_320.0


def _truth(tmp: Path, rows: list[tuple[int, float, float, float, int, int]]) -> Path:
    """rows: (vessel, t_rel_s, x_m, y_m, mmsi, radar_plots_30s)."""
    d = tmp / "sim" / "truth"
    d.mkdir(parents=True)
    v, t, x, y, mmsi, plots = (np.array(c) for c in zip(*rows))
    lat, lon = FRAME.to_latlon(x.astype(float), y.astype(float))
    pq.write_table(pa.table({
        "vessel_id": pa.array(v.astype(np.int32)),
        "time": pa.array(((T0 + t) * 1000).astype(np.int64), type=pa.timestamp("ms", tz="UTC")),
        "lat": lat, "lon": lon, "sog_kn": np.zeros(len(v), np.float32), "cog_deg": np.zeros(len(v), np.float32),
        "ais_on": mmsi >= 0, "mmsi": mmsi.astype(np.int64), "radar_plots_30s": plots.astype(np.int16),
        "ais_reports_180s": np.where(mmsi >= 0, 3, 0).astype(np.int16)}), d / "positions.parquet")
    (d / "vessels.csv").write_text("vessel_id,type\n" + "".join(f"{i},cargo\n" for i in sorted(set(v.tolist()))))
    return d.parent


def _tracks(tmp: Path, rows: list[tuple[int, float, float, float, int, int]]) -> Path:
    """rows: (contact_id, t_rel_s, x_m, y_m, kind, mmsi); every row confirmed, standing still."""
    cid, t, x, y, kind, mmsi = (np.array(c) for c in zip(*rows))
    lat, lon = FRAME.to_latlon(x.astype(float), y.astype(float))
    p = tmp / "tracks.parquet"
    pq.write_table(pa.table({
        "contact_id": cid.astype(np.int64), "t": T0 + t.astype(float), "kind": kind.astype(np.uint8),
        "status": np.full(len(cid), TrackStatus.CONFIRMED, np.uint8), "lat": lat, "lon": lon,
        "sog_mps": np.zeros(len(cid)), "cog_deg": np.zeros(len(cid)), "mmsi": mmsi.astype(np.int64)}), p)
    return p


FUSED, DARK = int(ContactKind.FUSED), int(ContactKind.RADAR_ONLY)


def test_gospa_splits_into_localisation_missed_and_false_per_instant(tmp_path: Path) -> None:
    truth = _truth(tmp_path, [(1, 0, 0, 0, 111, 12), (2, 0, 5_000, 0, 222, 12),
                              (1, 10, 0, 0, 111, 12), (2, 10, 5_000, 0, 222, 12)])
    tracks = _tracks(tmp_path, [(10, 0, 30, 40, FUSED, 111), (10, 10, 30, 40, FUSED, 111),   # 50 m off
                                (99, 10, 20_000, 0, DARK, -1)])                            # false at 10 s
    r = evaluate_tracks(truth, tracks)
    g = r["gospa"]
    # t=0: 50 + missed 50; t=10: 50 + missed 50 + false 50
    assert g["localisation"] == pytest.approx(50.0, abs=0.5)
    assert g["missed"] == pytest.approx(50.0)
    assert g["false"] == pytest.approx(25.0)
    assert g["mean"] == pytest.approx(125.0, abs=0.5)
    assert r["identity"]["fused_correct_share"] == 1.0


def test_a_new_track_after_the_old_one_ended_is_a_break_and_a_stolen_vessel_is_a_swap(tmp_path: Path) -> None:
    rows_t, rows_c = [], []
    for k in range(6):
        t = 10.0 * k
        rows_t += [(1, t, 0, 0, -1, 12), (2, t, 1_000, 0, -1, 12)]
        # vessel 1: contact 10 until 20 s, then contact 11 (10 is gone): a break
        rows_c.append((10 if k < 3 else 11, t, 5, 0, DARK, -1))
        # vessel 2: contact 20 until 30 s, then contact 21 while 20 lives on elsewhere: a swap
        rows_c.append((20 if k < 4 else 21, t, 1_005, 0, DARK, -1))
        if k >= 4:
            rows_c.append((20, t, 9_000, 0, DARK, -1))
    r = evaluate_tracks(_truth(tmp_path, rows_t), _tracks(tmp_path, rows_c), max_age_s=5.0)
    assert (r["breaks"], r["swaps"]) == (1, 1)


def test_a_fused_contact_with_another_vessels_mmsi_is_wrong_unless_the_two_are_side_by_side(tmp_path: Path) -> None:
    truth = _truth(tmp_path, [(1, 0, 0, 0, 111, 12), (2, 0, 20, 0, 222, 12), (3, 0, 3_000, 0, 333, 12),
                              (4, 0, 6_000, 0, 444, 12)])
    tracks = _tracks(tmp_path, [(1, 0, 0, 0, FUSED, 222),       # vessel 2 is 20 m away: ambiguous
                                (3, 0, 3_000, 0, FUSED, 444),   # vessel 4 is 3 km away: wrong
                                (4, 0, 6_000, 0, FUSED, 444)])  # right
    ident = evaluate_tracks(truth, tracks)["identity"]
    assert (ident["fused_correct"], ident["fused_ambiguous"], ident["fused_wrong"]) == (1, 1, 1)
    assert ident["fused_correct_share"] == pytest.approx(2 / 3)


def test_a_vessel_no_sensor_could_see_is_neither_missed_nor_a_false_track_when_tracked(tmp_path: Path) -> None:
    truth = _truth(tmp_path, [(1, 0, 0, 0, -1, 0)])   # no AIS, no radar plots: not observable
    r = evaluate_tracks(truth, _tracks(tmp_path, [(5, 0, 10, 0, DARK, -1)]))
    assert r["gospa"]["mean"] == 0.0


def test_the_cli_prints_the_tracking_table_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = _truth(tmp_path, [(1, 0, 0, 0, 111, 12)])
    tracks = _tracks(tmp_path, [(7, 0, 3, 4, FUSED, 111)])
    out = tmp_path / "eval.json"
    assert main(["eval", "--truth", str(truth), "--tracks", str(tracks), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "GOSPA (c=100 m, p=1, α=2) mean 5.0 m" in text
    assert '"fused_correct_share": 1.0' in out.read_text()
