"""Truth positions turned into the contact updates an ideal tracker would give detection."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from seawatch.config.loader import load_site
from seawatch.eval.truth_contacts import SPOOF_ID_OFFSET, truth_contacts
from seawatch.model.contact import ContactBatch, ContactKind
from seawatch.model.units import iso_utc

SITE = Path(__file__).resolve().parents[2] / "src" / "seawatch" / "sites" / "caspian" / "site.toml"
T0 = 1_781_280_000


def write_truth(d: Path) -> None:
    """Vessel 0 transmits for 60 s then goes dark; vessel 1 spoofs its position 6 km east from 30 s on;
    vessel 2 is far outside every sensor (nobody sees it). All off Lankaran, 10 s steps."""
    (d / "truth").mkdir(parents=True)
    t = np.arange(0, 120, 10.0)
    n = len(t)
    vid = np.repeat([0, 1, 2], n).astype(np.int32)
    tt = np.tile(t, 3)
    tab = pa.table({"vessel_id": pa.array(vid), "time": pa.array(((T0 + tt) * 1000).astype(np.int64), pa.timestamp("ms", "UTC")),
                    "lat": np.repeat([38.80, 38.90, 44.0], n), "lon": np.repeat([49.10, 49.10, 53.0], n),
                    "sog_kn": np.full(3 * n, 10.0, np.float32), "cog_deg": np.zeros(3 * n, np.float32),
                    "ais_on": np.concatenate([t < 60, np.ones(n, bool), np.ones(n, bool)]),
                    "mmsi": np.repeat([422000000, 422000001, 422000002], n)})
    pq.write_table(tab, d / "truth" / "positions.parquet")
    ev = {"kind": "ais_spoofing", "how": "position_offset", "start": iso_utc(T0 + 30), "end": iso_utc(T0 + 200),
          "vessels": [1], "mmsi": [422000001], "offset_m": [6000.0, 0.0], "lat": 38.9, "lon": 49.1}
    (d / "truth" / "events.jsonl").write_text(json.dumps(ev) + "\n")


def test_ais_on_is_fused_with_its_mmsi_ais_off_is_dark_without_and_unseen_vessels_are_absent(tmp_path: Path) -> None:
    write_truth(tmp_path)
    batches = list(truth_contacts(tmp_path, load_site(SITE), seed=1))
    assert len(batches) == 12 and all(len(np.unique(b["t"])) == 1 for b in batches)
    allb = ContactBatch.concat(batches)
    v0 = allb.take(np.flatnonzero(allb["contact_id"] == 0))
    on = v0["t"] < T0 + 60
    assert (v0["kind"][on] == ContactKind.FUSED).all() and (v0["mmsi"][on] == 422000000).all()
    assert (v0["kind"][~on] == ContactKind.RADAR_ONLY).all() and (v0["mmsi"][~on] == -1).all()
    assert np.isnan(v0["ais_age_s"][~on]).all()
    assert not (allb["contact_id"] == 2).any()
    assert np.abs(v0["lat"] - 38.80).max() < 0.001  # noise of metres, not kilometres


def test_a_spoofed_position_becomes_a_dark_track_and_an_ais_only_contact_offset_from_it(tmp_path: Path) -> None:
    write_truth(tmp_path)
    allb = ContactBatch.concat(list(truth_contacts(tmp_path, load_site(SITE), seed=1)))
    fake = allb.take(np.flatnonzero(allb["contact_id"] == 1 + SPOOF_ID_OFFSET))
    real = allb.take(np.flatnonzero(allb["contact_id"] == 1))
    assert len(fake) == 9 and (fake["kind"] == ContactKind.AIS_ONLY).all() and (fake["mmsi"] == 422000001).all()
    spoofed = real["t"] >= T0 + 30
    assert (real["kind"][spoofed] == ContactKind.RADAR_ONLY).all() and (real["mmsi"][spoofed] == -1).all()
    east_km = (fake["lon"] - 49.10) * 111.32 * np.cos(np.radians(38.9))
    assert np.allclose(east_km, 6.0, atol=0.1)
