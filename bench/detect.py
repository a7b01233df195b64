"""Detection figures: the per-type table on every simulator scenario, and ms per update cycle vs contacts.

    python bench/detect.py                       # every scenario (simulated into --sims if missing) + scaling
    python bench/detect.py --scenarios astara-gofast --no-scale
    python bench/detect.py --scale-only --sizes 1000 10000 100000

Contacts come from the truth (`seawatch.eval.truth_contacts`: an ideal tracker) — the lead switches this
to the full pipeline (ingest -> track -> detect) when tracking lands. Timing is process CPU time (robust
when other jobs share the cores); medians over the timed cycles.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from seawatch.config.loader import load_site
from seawatch.detect.alerts import write_alerts_jsonl
from seawatch.detect.engine import DetectionEngine
from seawatch.eval.alerts import format_table, load_truth, score_alerts
from seawatch.eval.truth_contacts import truth_contacts
from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus
from seawatch.model.units import KN_TO_MPS

SCENARIOS = ("caspian-day", "astara-gofast", "cigarette-run", "platform-intrusion", "spoofing", "storm")
SITE = Path(__file__).resolve().parents[1] / "src" / "seawatch" / "sites" / "caspian" / "site.toml"


def run_scenario(name: str, sims: Path, step_s: float | None) -> dict:
    out = sims / name
    if not (out / "truth" / "positions.parquet").exists():
        print(f"simulating {name} into {out} ...", flush=True)
        subprocess.run([str(Path(sys.executable).parent / "seawatch"), "sim", "--scenario", name, "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
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
        times = []
        for b in batches[1:]:
            c0 = time.process_time()
            eng.process(b)
            times.append(time.process_time() - c0)
        ms = float(np.median(times)) * 1000
        per = ms * 1000 / n
        base = base or per
        print(f"{n:>9,} {ms:>22.1f} {per:>11.2f}", flush=True)


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
    a = ap.parse_args()
    results = {}
    if not a.scale_only:
        for name in a.scenarios:
            results[name] = run_scenario(name, Path(a.sims), a.step)
        if a.json:
            Path(a.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if not a.no_scale:
        scaling(a.sizes, a.cycles)


if __name__ == "__main__":
    main()
