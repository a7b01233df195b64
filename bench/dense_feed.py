"""A generated dense AIS feed for `bench/pipeline.py --dense N`: N vessels at once, as tag-blocked NMEA.

The issue's throughput target (100k positions/s) is argued from the whole world's AIS (~20k sentences/s).
The two recordings of `bench/pipeline.py` are sparse (the Florida day is 3.4 positions per second of data),
so their cost is the fixed work of each 5 s update cycle, not the positions. This feed is the other end:
N vessels in one picture, each reporting as M.1371 asks of a Class A set (every 10 s under way below
14 kn, 6 s at 14-23 kn, 3 min at anchor), on straight courses at 4-22 kn (10 % at anchor) over a
600 x 600 km sea — a dense regional picture such as a national AIS network's. No vessel goes dark, meets,
or speeds, so the alerts out are what the rules make of honest traffic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seawatch.sim.aisnmea import payload_type1, position_lines

LAT0, LON0 = 36.0, 20.0          # a central Mediterranean sea box (the site has no zones: shore rules stay quiet)
HALF_M = 300_000.0
M_PER_DEG_LAT = 111_320.0
EPOCH0 = 1_780_000_000          # 2026-05-28, an arbitrary UTC second

# flag states' maritime identification digits (ITU), the MMSI's first three: unallocated ones are spoofing
MIDS = np.array([209, 210, 212, 215, 219, 220, 224, 229, 230, 232, 235, 236, 237, 238, 240, 241, 244, 245, 247,
                 248, 249, 250, 255, 256, 257, 259, 261, 263, 265, 266, 271, 272, 273, 275, 304, 305, 308, 309,
                 311, 312, 314, 316, 338, 341, 351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373, 374, 412,
                 413, 414, 416, 419, 422, 431, 440, 441, 447, 470, 477, 503, 525, 533, 538, 548, 563, 564, 565,
                 566, 572, 574, 577, 636], dtype=np.int64)

SITE = f"""[site]
name = "dense generated feed (benchmark)"
lat = {LAT0}
lon = {LON0}

[[sensors]]
id = "ais"
kind = "ais"
lat = {LAT0}
lon = {LON0}
range_m = 450000
"""


def generate(path: Path, n_vessels: int, duration_s: int, seed: int = 11) -> int:
    """Write the feed to `path` in time order; returns the number of position sentences."""
    rng = np.random.default_rng(seed)
    mid = rng.choice(MIDS, n_vessels)
    mmsi = mid * 1_000_000 + rng.choice(1_000_000, n_vessels, replace=False)  # unique even when MIDs repeat
    anchored = rng.random(n_vessels) < 0.10
    sog_kn = np.where(anchored, 0.0, rng.uniform(4.0, 22.0, n_vessels))
    cog = rng.uniform(0.0, 360.0, n_vessels)
    x0 = rng.uniform(-HALF_M, HALF_M, n_vessels)
    y0 = rng.uniform(-HALF_M, HALF_M, n_vessels)
    period = np.where(anchored, 180, np.where(sog_kn < 14.0, 10, 6)).astype(np.int64)
    phase = rng.integers(0, period)
    # every report of every vessel: (vessel, second)
    counts = (duration_s - phase + period - 1) // period
    vessel = np.repeat(np.arange(n_vessels), counts)
    k = np.arange(len(vessel)) - np.repeat(np.cumsum(counts) - counts, counts)
    sec = phase[vessel] + k * period[vessel]
    order = np.argsort(sec, kind="stable")
    vessel, sec = vessel[order], sec[order]
    v_mps = sog_kn[vessel] * 1852.0 / 3600.0
    c = np.radians(cog[vessel])
    x = x0[vessel] + v_mps * np.sin(c) * sec
    y = y0[vessel] + v_mps * np.cos(c) * sec
    lat = LAT0 + y / M_PER_DEG_LAT
    lon = LON0 + x / (M_PER_DEG_LAT * np.cos(np.radians(LAT0)))
    epoch = EPOCH0 + sec
    payload = payload_type1(mmsi[vessel], np.where(anchored[vessel], 1, 0).astype(np.int64),
                            np.zeros(len(vessel)), sog_kn[vessel], lat, lon, cog[vessel], cog[vessel],
                            (epoch % 60).astype(np.int64))
    lines = position_lines("dense", epoch.astype(np.int64), (k[order] % 2).astype(bool), payload)
    with path.open("wb") as f:
        step = 1_000_000
        for a in range(0, len(lines), step):
            f.write(b"\n".join(lines[a:a + step].tolist()) + b"\n")
    return len(lines)
