"""Detection figures: the per-type table on every simulator scenario, and ms per update cycle vs contacts.

    python bench/detect.py                       # every scenario (simulated into --sims if missing) + scaling
    python bench/detect.py --scenarios astara-gofast --no-scale
    python bench/detect.py --scale-only --sizes 1000 10000 100000

Contacts come from the truth (`seawatch.eval.truth_contacts`: an ideal tracker), or with `--pipeline`
from the full `seawatch replay` (ingest -> tracking + fusion -> detection) of each scenario's recordings,
which also scores the tracks (`seawatch.eval.tracks`). `--duration` simulates shorter versions (into
their own directories). Timing is process CPU time (robust when other jobs share the cores); medians
over the timed cycles.

    python bench/detect.py --pipeline --duration 2h --no-scale
    python bench/detect.py --pipeline --duration 2h --no-scale --sim-seed 1   # the scenarios with another seed
    python bench/detect.py --florida-only --pipeline       # the real Florida day through seawatch replay (~10 s CPU)
    python bench/detect.py --san-pedro-only                # the real San Pedro Bay day (LA / Long Beach), the same way
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from real_sites import polygon  # bench/real_sites.py

from seawatch.config.loader import load_site
from seawatch.detect.alerts import write_alerts_jsonl
from seawatch.detect.engine import DetectionEngine
from seawatch.eval.alerts import format_table, load_truth, score_alerts
from seawatch.eval.truth_contacts import truth_contacts
from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus
from seawatch.model.units import KN_TO_MPS

SCENARIOS = ("caspian-day", "astara-gofast", "cigarette-run", "platform-intrusion", "spoofing", "storm")
SITE = Path(__file__).resolve().parents[1] / "src" / "seawatch" / "sites" / "caspian" / "site.toml"


def simulated(name: str, sims: Path, duration: str | None, seed: int | None = None) -> Path:
    """The scenario simulated into sims (once): its own seed, or `seed` (a directory of its own)."""
    out = sims / "-".join([name, *([duration] if duration else []), *([f"seed{seed}"] if seed is not None else [])])
    if not (out / "truth" / "positions.parquet").exists():
        print(f"simulating {name} into {out} ...", flush=True)
        cmd = [sys.executable, "-m", "seawatch.cli", "sim", "--scenario", name, "--out", str(out)]
        cmd += (["--duration", duration] if duration else []) + (["--seed", str(seed)] if seed is not None else [])
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out


def run_pipeline(name: str, sims: Path, duration: str | None, seed: int | None = None) -> dict:
    """The scenario through `seawatch replay` (tracking, fusion, detection), alerts and tracks scored."""
    from seawatch.eval.tracks import evaluate_tracks, format_tracks_table
    from seawatch.replay import ReplayOptions, run_replay

    out = simulated(name, sims, duration, seed)
    site = load_site(out / "site.toml")
    inputs = [out / "ais.nmea", *sorted(out.glob("plots-*.csv"))]
    cpu0 = time.process_time()
    r = run_replay(site, ReplayOptions(inputs=inputs, tracks_out=out / "pipeline-tracks.parquet",
                                       alerts_out=out / "pipeline-alerts.jsonl"))
    cpu = time.process_time() - cpu0
    res = score_alerts(load_truth(out), r.alerts)
    print(format_table(res, f"== {name} through the pipeline: {r.n_obs:,} observations, {r.n_contact_updates:,} "
                            f"contact updates, CPU {cpu:.1f} s ({r.n_obs / max(cpu, 1e-9):,.0f} observations/s)"))
    print(format_tracks_table(evaluate_tracks(out, out / "pipeline-tracks.parquet")))
    print(flush=True)
    return res


def run_scenario(name: str, sims: Path, step_s: float | None, duration: str | None = None,
                 seed: int | None = None) -> dict:
    out = simulated(name, sims, duration, seed)
    site = load_site(out / "site.toml")
    eng = DetectionEngine(site)
    cpu0 = time.process_time()
    rows = 0
    for b in truth_contacts(out, site, step_s=step_s):
        eng.process(b)
        rows += len(b)
    cpu = time.process_time() - cpu0
    alerts = eng.finish()
    write_alerts_jsonl(out / "alerts.jsonl", alerts)
    res = score_alerts(load_truth(out), alerts)
    print(format_table(res, f"== {name}: {eng.cycles} cycles, {rows} contact updates, detection CPU {cpu:.1f} s "
                            f"({rows / max(cpu, 1e-9):,.0f} updates/s); alerts in {out / 'alerts.jsonl'}"))
    print(flush=True)
    return res


def synthetic_batch(n: int, t: float, rng: np.random.Generator, lat0: float, lon0: float) -> ContactBatch:
    """n contacts spread over ~200 x 200 km around (lat0, lon0): 10 % dark, speeds 0-30 kn."""
    ids = np.arange(n, dtype=np.int64)
    r = np.random.default_rng(12345)  # the same vessels every cycle
    lat = lat0 + r.uniform(-0.9, 0.9, n)
    lon = lon0 + r.uniform(-1.2, 1.2, n)
    sog = r.uniform(0, 30, n) * KN_TO_MPS
    cog = r.uniform(0, 360, n)
    dt = t  # move along the course
    lat = lat + np.cos(np.radians(cog)) * sog * dt / 111_000.0
    lon = lon + np.sin(np.radians(cog)) * sog * dt / (111_000.0 * np.cos(np.radians(lat0)))
    dark = r.uniform(size=n) < 0.1
    kind = np.where(dark, int(ContactKind.RADAR_ONLY), int(ContactKind.FUSED)).astype(np.uint8)
    mmsi = np.where(dark, -1, 423_000_000 + ids)
    lat = lat + rng.normal(0, 1e-4, n)
    return ContactBatch({"contact_id": ids, "t": np.full(n, 1.78e9 + t), "kind": kind,
                         "status": np.full(n, int(TrackStatus.CONFIRMED), np.uint8), "lat": lat, "lon": lon,
                         "sog_mps": sog, "cog_deg": cog, "mmsi": mmsi, "ais_age_s": np.where(dark, np.nan, 5.0)})


def scaling(sizes: list[int], cycles: int) -> None:
    site = load_site(SITE)
    print(f"{'contacts':>9} {'ms/cycle (median CPU)':>22} {'µs/contact':>11}")
    base = None
    for n in sizes:
        eng = DetectionEngine(site)
        rng = np.random.default_rng(1)
        batches = [synthetic_batch(n, 10.0 * k, rng, 39.6, 49.8) for k in range(cycles + 1)]
        eng.process(batches[0])  # warm-up: slots allocated, caches built
        eng.flush()
        times = []
        for b in batches[1:]:
            c0 = time.process_time()
            eng.process(b)
            eng.flush()  # one update cycle per batch
            times.append(time.process_time() - c0)
        ms = float(np.median(times)) * 1000
        per = ms * 1000 / n
        base = base or per
        print(f"{n:>9,} {ms:>22.1f} {per:>11.2f}", flush=True)


FLORIDA_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "marinecadastre-2020-01-01" / \
    "florida_straits_2020-01-01.csv.gz"
# Florida Straits zones (approximate, for this benchmark, written from charts and checked against where the
# day's traffic runs: the beach is the gap between the Intracoastal Waterway's traffic and the sea's):
# - ports of Miami, Port Everglades, Bimini (Alice Town) and Freeport as 3 km discs;
# - the US–Bahamas boundary simplified to the median line of the Straits (US side = left walking north);
# - the land as polygons (DESIGN.md: a `coast` may be a land Polygon): South Florida's mainland and its barrier
#   islands as one mass from Key Largo's north end to Lake Worth, its sea edge the Atlantic beach and, around
#   Biscayne Bay (left open water), the bay's mainland shore; the canals, rivers and the Intracoastal Waterway
#   behind the beach fall inside it (inland waters). Key Biscayne, Elliott Key, Key Largo, North and South
#   Bimini and Cat Cay as islands. Resolution ~300 m: good for "near the shore" and "landward of the beach",
#   not for navigation.
_FL_MAINLAND = [  # (lat, lon): the Atlantic beach southwards, Biscayne Bay's shore, closed through the Everglades
    (26.70, -80.032), (26.60, -80.036), (26.545, -80.044), (26.50, -80.050), (26.45, -80.058), (26.40, -80.066),
    (26.336, -80.072), (26.30, -80.076), (26.257, -80.083), (26.20, -80.092), (26.15, -80.098), (26.093, -80.108),
    (26.05, -80.113), (26.00, -80.117), (25.95, -80.120), (25.905, -80.122), (25.85, -80.121), (25.80, -80.123),
    (25.77, -80.129), (25.765, -80.134), (25.775, -80.142), (25.80, -80.143), (25.85, -80.135),
    (25.895, -80.135),  # the north end of Biscayne Bay (Oleta River mouth) ...
    (25.89, -80.160), (25.85, -80.180), (25.80, -80.186), (25.775, -80.187), (25.76, -80.192), (25.745, -80.205),
    (25.727, -80.232), (25.70, -80.252), (25.68, -80.264), (25.64, -80.290), (25.60, -80.305), (25.55, -80.322),
    (25.50, -80.330), (25.45, -80.335), (25.40, -80.345), (25.35, -80.368), (25.30, -80.385), (25.27, -80.41),
    (25.10, -80.60), (25.10, -80.75), (26.70, -80.75)]
_FL_ISLANDS = {  # name: (lat, lon) outline
    "Key Biscayne and Virginia Key": [(25.757, -80.150), (25.740, -80.140), (25.700, -80.152), (25.667, -80.156),
                                      (25.663, -80.168), (25.690, -80.172), (25.725, -80.167), (25.750, -80.165)],
    "Elliott Key": [(25.480, -80.188), (25.455, -80.182), (25.400, -80.198), (25.390, -80.212), (25.420, -80.207)],
    "Key Largo": [(25.315, -80.272), (25.300, -80.268), (25.200, -80.350), (25.100, -80.430), (25.000, -80.510),
                  (25.000, -80.540), (25.110, -80.450), (25.220, -80.370), (25.310, -80.290)],
    "North Bimini": [(25.775, -79.262), (25.760, -79.258), (25.720, -79.282), (25.705, -79.300), (25.712, -79.304),
                     (25.740, -79.292), (25.770, -79.270)],
    "South Bimini": [(25.710, -79.290), (25.695, -79.280), (25.680, -79.290), (25.690, -79.315), (25.705, -79.310)],
    "Cat Cay": [(25.575, -79.270), (25.550, -79.273), (25.545, -79.282), (25.575, -79.278)]}


def _land(fid: str, name: str, outline: list[tuple[float, float]]) -> dict:
    return polygon(fid, name, "coast", outline)


FLORIDA_ZONES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": pid, "name": name, "kind": "port", "radius_m": radius},
     "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    for pid, name, lat, lon, radius in (("port-miami", "PortMiami", 25.7743, -80.1705, 3000),
                                        ("port-everglades", "Port Everglades", 26.0920, -80.1190, 3000),
                                        ("bimini", "Bimini (Alice Town)", 25.7270, -79.2980, 3000),
                                        ("freeport", "Freeport, Grand Bahama", 26.5150, -78.7700, 3000))] + [
    {"type": "Feature", "properties": {"id": "border-us-bs", "name": "US–Bahamas boundary (simplified median line)",
                                       "kind": "border", "inside": "left"},
     "geometry": {"type": "LineString", "coordinates": [[-79.66, 24.90], [-79.62, 25.60], [-79.55, 26.70]]}},
    _land("land-fl", "South Florida mainland and barrier islands", _FL_MAINLAND)] + [
    _land("land-" + name.lower().replace(" ", "-"), name, outline) for name, outline in _FL_ISLANDS.items()]}
FLORIDA_SITE = """[site]
name = "Florida Straits (benchmark)"
lat = 25.8
lon = -79.8

[[sensors]]            # the recording's extent (25.0-26.6 N, 80.6-79.0 W) as one reception circle: a vessel
id = "ais"             # leaving the extracted box has left "coverage", it has not gone dark
kind = "ais"
lat = 25.8
lon = -79.8
range_m = 80000

[zones]
file = "zones.geojson"
"""


def florida(csv_path: Path, samples: int, seed: int) -> None:
    """The real 24 h of the Florida Straits as AIS-only contacts (one per MMSI, one cycle per minute)."""
    import tempfile

    import pyarrow.csv as pacsv

    if not csv_path.exists():
        print(f"Florida Straits recording not found at {csv_path}; skipped")
        return
    tab = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types={"IMO": "string"}))
    t = np.array([np.datetime64(v, "s").astype(np.int64) for v in tab.column("BaseDateTime").to_pylist()],
                 np.float64)
    mmsi = tab.column("MMSI").to_numpy().astype(np.int64)
    vt = tab.column("VesselType").to_numpy(zero_copy_only=False)
    vtype = np.where(np.isnan(vt.astype(float)), -1, vt.astype(float)).astype(np.int64)
    sog = tab.column("SOG").to_numpy().astype(float)
    cog = tab.column("COG").to_numpy().astype(float)
    cog = np.where((cog < 0) | (cog >= 360), np.nan, cog)
    order = np.lexsort((mmsi, t))
    n = len(t)
    cols = {"contact_id": mmsi, "t": t, "kind": np.full(n, int(ContactKind.AIS_ONLY), np.uint8),
            "status": np.full(n, int(TrackStatus.CONFIRMED), np.uint8), "lat": tab.column("LAT").to_numpy(),
            "lon": tab.column("LON").to_numpy(), "sog_mps": np.where(sog > 102.2, np.nan, sog) * KN_TO_MPS,
            "cog_deg": cog, "mmsi": mmsi, "ship_type": vtype, "ais_age_s": np.zeros(n),
            "name": np.array(tab.column("VesselName").to_pylist(), dtype=object)}
    batch = ContactBatch(cols).take(order)
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "zones.geojson").write_text(json.dumps(FLORIDA_ZONES), encoding="utf-8")
        (Path(d) / "site.toml").write_text(FLORIDA_SITE, encoding="utf-8")
        site = load_site(Path(d) / "site.toml")
        eng = DetectionEngine(site, cycle_s=60.0)
        bt = batch["t"]
        cpu0 = time.process_time()
        bins = np.floor((bt - bt[0]) / 60.0)
        for part in np.split(np.arange(len(bt)), np.flatnonzero(np.diff(bins)) + 1):
            eng.process(batch.take(part))
        cpu = time.process_time() - cpu0
        alerts = eng.finish()
    print(f"== Florida Straits 2020-01-01 (real, {n:,} positions, {len(np.unique(mmsi))} vessels, "
          f"{vessel_hours(bt, batch['mmsi']):,.0f} vessel-hours), AIS-only contacts: detection CPU {cpu:.1f} s "
          f"({n / cpu:,.0f} updates/s)")
    alert_table(alerts, vessel_hours(bt, batch["mmsi"]), samples, seed)


def vessel_hours(t: np.ndarray, mmsi: np.ndarray) -> float:
    """Each report covers the time to the next one of its vessel, at most 10 min."""
    o = np.lexsort((t, mmsi))
    gaps = np.diff(t[o])
    same = mmsi[o][1:] == mmsi[o][:-1]
    return float(np.minimum(gaps[same], 600.0).sum()) / 3600.0


def alert_table(alerts: list[dict], vh: float, samples: int, seed: int) -> None:
    """Alerts by type (and severity) per 1,000 vessel-hours, then a seeded random sample for review."""
    by: dict[str, list[dict]] = {}
    for a in alerts:
        by.setdefault(a["type"], []).append(a)
    for k in sorted(by):
        sev = ", ".join(f"{s} {sum(a['severity'] == s for a in by[k])}" for s in ("critical", "high", "medium", "low")
                        if any(a["severity"] == s for a in by[k]))
        print(f"  {k:<16} {len(by[k]):>5} alerts  {len(by[k]) / (vh / 1000):8.1f} per 1,000 vessel-hours  ({sev})")
    print(f"  {'all':<16} {len(alerts):>5} alerts  {len(alerts) / (vh / 1000):8.1f} per 1,000 vessel-hours")
    rng = np.random.default_rng(seed)
    pick = [alerts[i] for i in sorted(rng.choice(len(alerts), min(samples, len(alerts)), replace=False))] \
        if alerts else []
    print(f"  a random sample of {len(pick)} for review (seed {seed}):")
    for a in pick:
        print(f"   {a['type']:<15} {a['severity']:<6} {a['start'][11:19]}–{(a['end'] or 'open')[11:19]} "
              f"{a['lat']:.4f},{a['lon']:.4f} {a['summary']}")


def real_pipeline(label: str, csv_path: Path, zones: dict, site_toml: str, samples: int, seed: int,
                  out: Path) -> None:
    """A real day of AIS (MarineCadastre CSV) through `seawatch replay` (ingest, AIS state, fusion, detection)."""
    import pyarrow.csv as pacsv

    from seawatch.replay import ReplayOptions, run_replay

    if not csv_path.exists():
        print(f"{label} recording not found at {csv_path}; skipped")
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / "zones.geojson").write_text(json.dumps(zones), encoding="utf-8")
    (out / "site.toml").write_text(site_toml, encoding="utf-8")
    site = load_site(out / "site.toml")
    cpu0 = time.process_time()
    r = run_replay(site, ReplayOptions(inputs=[csv_path], tracks_out=out / "tracks.parquet",
                                       alerts_out=out / "alerts.jsonl"))
    cpu = time.process_time() - cpu0
    tab = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(include_columns=["MMSI", "BaseDateTime"]))
    t = tab.column("BaseDateTime").cast("timestamp[s]").cast("int64").to_numpy().astype(np.float64)
    mmsi = tab.column("MMSI").to_numpy().astype(np.int64)
    vh = vessel_hours(t, mmsi)
    print(f"== {label} through seawatch replay ({r.n_obs:,} observations, "
          f"{len(np.unique(mmsi))} vessels, {vh:,.0f} vessel-hours): CPU {cpu:.1f} s; alerts in {out / 'alerts.jsonl'}")
    alert_table(list(r.alerts), vh, samples, seed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sims", default="/tmp/seawatch-bench-sims", help="where scenario outputs are (or go)")
    ap.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    ap.add_argument("--step", type=float, default=None, help="thin truth to this step (s); default every 10 s")
    ap.add_argument("--sizes", nargs="*", type=int, default=[1000, 10_000, 100_000])
    ap.add_argument("--cycles", type=int, default=5)
    ap.add_argument("--no-scale", action="store_true")
    ap.add_argument("--scale-only", action="store_true")
    ap.add_argument("--json", help="write every scenario's scores here")
    ap.add_argument("--florida", action="store_true", help="also run the real Florida Straits day")
    ap.add_argument("--florida-only", action="store_true")
    ap.add_argument("--san-pedro-only", action="store_true",
                    help="only the real San Pedro Bay day (Los Angeles and Long Beach; bench/real_sites.py), "
                         "through seawatch replay")
    ap.add_argument("--samples", type=int, default=20, help="real-traffic alerts printed for review")
    ap.add_argument("--seed", type=int, default=1, help="of the real-traffic review sample")
    ap.add_argument("--florida-out", default="/tmp/seawatch-florida", help="Florida replay output (with --pipeline)")
    ap.add_argument("--san-pedro-out", default="/tmp/seawatch-san-pedro", help="San Pedro Bay replay output")
    ap.add_argument("--pipeline", action="store_true", help="scenarios through seawatch replay, not ideal tracks")
    ap.add_argument("--duration", help="simulate shorter scenarios (e.g. 2h)")
    ap.add_argument("--sim-seed", type=int, help="simulate the scenarios with this seed, not their own (the rules "
                                                  "were tuned on their own: other seeds show how well they carry over)")
    a = ap.parse_args()
    results = {}
    if a.san_pedro_only:
        from real_sites import SAN_PEDRO_CSV, SAN_PEDRO_SITE, SAN_PEDRO_ZONES  # bench/real_sites.py
        real_pipeline("San Pedro Bay 2020-01-01", SAN_PEDRO_CSV, SAN_PEDRO_ZONES, SAN_PEDRO_SITE, a.samples, a.seed,
                      Path(a.san_pedro_out))
        return
    if a.florida or a.florida_only:
        if a.pipeline:
            real_pipeline("Florida Straits 2020-01-01", FLORIDA_CSV, FLORIDA_ZONES, FLORIDA_SITE, a.samples, a.seed,
                          Path(a.florida_out))
        else:
            florida(FLORIDA_CSV, a.samples, a.seed)
        if a.florida_only:
            return
    if not a.scale_only:
        for name in a.scenarios:
            results[name] = (run_pipeline(name, Path(a.sims), a.duration, a.sim_seed) if a.pipeline
                             else run_scenario(name, Path(a.sims), a.step, a.duration, a.sim_seed))
        if a.json:
            Path(a.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if not a.no_scale:
        scaling(a.sizes, a.cycles)


if __name__ == "__main__":
    main()
