"""Contact updates made from a simulator's ground truth: detection measured without the tracker.

An idealised tracker's output: every vessel of `truth/positions.parquet` at every truth time step becomes a
contact update (contact id = vessel id) with a little Gaussian position noise —
- AIS on and heard (inside an AIS station's range of the site) and inside a radar's range: `FUSED` with
  its MMSI, name, type and length (from `truth/vessels.csv`);
- AIS heard, outside radar range: `AIS_ONLY`;
- AIS off (or not heard), inside radar range: `RADAR_ONLY` without any identity;
- neither: no update (nobody sees it).
`ais_age_s` follows the vessel's ITU-R M.1371 interval (Class A 10 / 6 / 2 s by speed, 180 s at ≤ 2 kn;
Class B 30 s, 180 s at ≤ 2 kn). During a `position_offset` spoofing window of `truth/events.jsonl` the
broadcast position is the truth + `offset_m`: the vessel is then a `RADAR_ONLY` contact at its true
position and an `AIS_ONLY` contact (id + 10,000,000) at the false one, as a fusion stage would see it.
Radar horizon, shadowing, missed detections and clutter are not modelled: this is the picture a perfect
tracker would hand to detection.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from seawatch.config.site import SiteConfig
from seawatch.detect.coverage import Coverage
from seawatch.geo import site_frame
from seawatch.model.contact import AIS_CLASS_A, AIS_CLASS_B, ContactBatch, ContactKind, TrackStatus
from seawatch.model.units import KN_TO_MPS

SPOOF_ID_OFFSET = 10_000_000
SHIP_TYPE = {"tanker": 80, "ferry": 60, "cargo": 70, "supply": 90, "crew": 90, "standby": 90, "fishing": 30,
             "small": 37, "gofast": 0}


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _vessels(truth: Path) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    p = truth / "vessels.csv"
    if p.exists():
        with p.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                out[int(row["vessel_id"])] = row
    return out


def _interval_s(ais_class: np.ndarray, sog_kn: np.ndarray) -> np.ndarray:
    a = np.where(sog_kn > 23, 2.0, np.where(sog_kn > 14, 6.0, 10.0))
    a = np.where(sog_kn <= 2, 180.0, a)
    b = np.where(sog_kn <= 2, 180.0, 30.0)
    return np.where(ais_class == 2, b, a)


def truth_contacts(truth_dir: str | Path, site: SiteConfig, *, noise_m: float = 10.0, seed: int = 0,
                   step_s: float | None = None) -> Iterator[ContactBatch]:
    """Yield one ContactBatch per truth time step (time-ordered). `truth_dir` is a sim output's truth/."""
    truth = Path(truth_dir)
    if (truth / "truth").is_dir():
        truth = truth / "truth"
    tab = pq.read_table(truth / "positions.parquet")
    t = tab.column("time").cast("int64").to_numpy() / 1000.0
    vid = tab.column("vessel_id").to_numpy().astype(np.int64)
    lat = tab.column("lat").to_numpy().astype(np.float64)
    lon = tab.column("lon").to_numpy().astype(np.float64)
    sog_kn = tab.column("sog_kn").to_numpy().astype(np.float64)
    cog = tab.column("cog_deg").to_numpy().astype(np.float64)
    ais_on = tab.column("ais_on").to_numpy(zero_copy_only=False).astype(bool)
    mmsi = tab.column("mmsi").to_numpy().astype(np.int64)
    order = np.lexsort((vid, t))
    t, vid, lat, lon, sog_kn, cog, ais_on, mmsi = (a[order] for a in (t, vid, lat, lon, sog_kn, cog, ais_on, mmsi))
    if step_s is not None:  # thin to a coarser step
        keep = np.isclose(np.mod(t - t[0], step_s), 0.0)
        t, vid, lat, lon, sog_kn, cog, ais_on, mmsi = (a[keep] for a in (t, vid, lat, lon, sog_kn, cog, ais_on, mmsi))

    vessels = _vessels(truth)
    nv = int(vid.max()) + 1 if len(vid) else 0
    v_class = np.zeros(nv, np.int64)
    v_type = np.full(nv, -1, np.int64)
    v_len = np.full(nv, np.nan)
    v_name = np.full(nv, None, dtype=object)
    v_call = np.full(nv, None, dtype=object)
    v_imo = np.full(nv, -1, np.int64)
    for i, row in vessels.items():
        if i < nv:
            v_class[i] = {"A": AIS_CLASS_A, "B": AIS_CLASS_B}.get(row.get("ais_class", ""), 0)
            v_type[i] = SHIP_TYPE.get(row.get("type", ""), -1)
            v_len[i] = float(row.get("length_m") or "nan")
            v_name[i] = row.get("name") or None
            v_call[i] = row.get("callsign") or None
            v_imo[i] = int(row["imo"]) if row.get("imo") else -1

    frame = site_frame(site)
    cov = Coverage(site, frame)
    rng = np.random.default_rng(seed)
    x, y = frame.to_xy(lat, lon)
    heard = ais_on & (mmsi > 0) & cov.ais(x, y)
    radar = cov.radar(x, y)
    x_n = x + rng.normal(0.0, noise_m, len(x))
    y_n = y + rng.normal(0.0, noise_m, len(y))
    lat_n, lon_n = frame.to_latlon(x_n, y_n)

    # position-offset spoofing windows
    spoof = np.zeros(len(t), bool)
    sx, sy = np.zeros(len(t)), np.zeros(len(t))
    ev_path = truth / "events.jsonl"
    if ev_path.exists():
        for line in ev_path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            ev = json.loads(line)
            if ev.get("kind") == "ais_spoofing" and ev.get("how") == "position_offset":
                s0, s1 = _epoch(ev["start"]), _epoch(ev["end"])
                m = np.isin(vid, ev["vessels"]) & (t >= s0) & (t <= s1)
                spoof |= m
                sx[m], sy[m] = ev["offset_m"][0], ev["offset_m"][1]

    iv = _interval_s(v_class[vid], sog_kn)
    phase = (vid * 7.31) % 180.0
    age = np.mod(t + phase, iv)

    # the real part of every vessel
    kind = np.zeros(len(t), np.uint8)
    ident = heard & ~spoof
    kind[ident & radar] = int(ContactKind.FUSED)
    kind[ident & ~radar] = int(ContactKind.AIS_ONLY)
    kind[~ident & radar] = int(ContactKind.RADAR_ONLY)
    seen = kind > 0
    # the false AIS part during spoofing
    fx, fy = x_n + sx, y_n + sy
    f_heard = spoof & heard & cov.ais(fx, fy)
    f_lat, f_lon = frame.to_latlon(fx, fy)

    def cols(sel: np.ndarray, fake: bool) -> dict[str, Any]:
        v = vid[sel]
        idd = ident[sel] if not fake else np.ones(int(sel.sum()), bool)
        return {
            "contact_id": v + (SPOOF_ID_OFFSET if fake else 0), "t": t[sel],
            "kind": np.full(int(sel.sum()), int(ContactKind.AIS_ONLY), np.uint8) if fake else kind[sel],
            "status": np.full(int(sel.sum()), int(TrackStatus.CONFIRMED), np.uint8),
            "lat": f_lat[sel] if fake else lat_n[sel], "lon": f_lon[sel] if fake else lon_n[sel],
            "sog_mps": sog_kn[sel] * KN_TO_MPS, "cog_deg": cog[sel], "heading_deg": cog[sel],
            "mmsi": np.where(idd, mmsi[sel], -1), "imo": np.where(idd, v_imo[v], -1),
            "name": np.where(idd, v_name[v], None), "callsign": np.where(idd, v_call[v], None),
            "ship_type": np.where(idd, v_type[v], -1), "length_m": np.where(idd, v_len[v], np.nan),
            "ais_age_s": np.where(idd, age[sel], np.nan),
            "ais_class": np.where(idd & (v_class[v] > 0), v_class[v], -1).astype(np.int8),
            "sensors": np.full(int(sel.sum()), None, dtype=object),
        }

    real = ContactBatch(cols(seen, False))
    fake = ContactBatch(cols(f_heard, True))
    both = ContactBatch.concat([real, fake]).sorted_by_time()
    bt = both["t"]
    if len(bt) == 0:
        return
    cuts = np.flatnonzero(np.diff(bt) > 0) + 1
    for part in np.split(np.arange(len(bt)), cuts):
        yield both.take(part)


def vessel_hours(truth_dir: str | Path) -> float:
    """Vessel-hours at sea in the truth (each position stands for one truth interval)."""
    truth = Path(truth_dir)
    if (truth / "truth").is_dir():
        truth = truth / "truth"
    tab = pq.read_table(truth / "positions.parquet", columns=["vessel_id", "time"])
    t = tab.column("time").cast("int64").to_numpy() / 1000.0
    if len(t) < 2:
        return 0.0
    step = float(np.median(np.diff(np.unique(t)))) if len(np.unique(t)) > 1 else 10.0
    return len(t) * step / 3600.0
