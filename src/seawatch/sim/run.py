"""`seawatch sim`: one scenario to a directory of recordings and ground truth.

    DIR/ais.nmea                  !AIVDM with tag blocks, time-ordered
    DIR/plots-<radar id>.csv      one radar plots file per radar
    DIR/site.toml, zones.geojson, sea.geojson   the site to replay them with
    DIR/truth/events.jsonl        ground-truth events (kind, start, end, vessels, mmsi, lat, lon, ...)
    DIR/truth/positions.parquet   every vessel at sea every truth_interval_s
    DIR/truth/vessels.csv         who is who (vessel id, MMSI, name, type, role, ...)
    DIR/truth/summary.json        counts
"""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawatch.config import load_site
from seawatch.config.site import SiteConfig
from seawatch.model.units import iso_utc
from seawatch.sim.engine import World, build_world, make_ais, make_radars, run_world
from seawatch.sim.events import Trace, derive_events
from seawatch.sim.geometry import SEA_FILE, SITE_DIR, Sea
from seawatch.sim.live import LiveConfig, LiveSink, write_live_site
from seawatch.sim.scenario import Scenario
from seawatch.sim.writers import AisWriter, AsterixWriter, PlotsWriter, TruthWriter

logger = logging.getLogger(__name__)

BUILTIN_SITE = SITE_DIR / "site.toml"


@dataclass
class SimOutput:
    out_dir: Path
    summary: dict[str, Any]


def _platforms_and_border(site: SiteConfig) -> tuple[list[tuple[str, float, float, float]],
                                                      tuple[float, float, float] | None]:
    zp = site.zones_path()
    plats: list[tuple[str, float, float, float]] = []
    border = None
    if zp is None or not zp.exists():
        return plats, border
    for f in json.loads(zp.read_text(encoding="utf-8"))["features"]:
        p, g = f["properties"], f["geometry"]
        if p.get("kind") == "platform" and g["type"] == "Point":
            plats.append((p["id"], g["coordinates"][1], g["coordinates"][0], float(p.get("radius_m", 500))))
        if p.get("kind") == "border" and g["type"] == "LineString":
            (lo0, la0), (lo1, _) = g["coordinates"][0], g["coordinates"][-1]
            border = (la0, min(lo0, lo1), max(lo0, lo1))
    return plats, border


def simulate(scn: Scenario, out_dir: Path, seed: int | None = None, duration_s: float | None = None,
             start_epoch: float | None = None, site_path: Path = BUILTIN_SITE, live: LiveConfig | None = None,
             on_live: Callable[[dict[str, int]], None] | None = None) -> SimOutput:
    """Run a scenario into out_dir. With `live`, the AIS and radar feeds are served over TCP in (scaled)
    real time instead of written to files (`on_live` gets the feeds' ports once they listen); the truth and
    a site file with the feeds as sources are still written."""
    if live is not None:
        return _simulate_live(scn, out_dir, seed, duration_s, start_epoch, site_path, live, on_live)
    site = load_site(site_path)
    sea = Sea.from_geojson(SEA_FILE)
    world = build_world(scn, site, sea, seed, duration_s, start_epoch)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(exist_ok=True)
    ais_model = make_ais(world)
    radars = make_radars(world)
    with (out_dir / "ais.nmea").open("wb") as ais_out:
        aisw = AisWriter(world, ais_model, ais_out)
        plotw = [PlotsWriter(world, r, out_dir / f"plots-{r.id}.csv", scn.output.plots_time) for r in radars]
        truthw = TruthWriter(world, aisw, radars)
        astw: list[AsterixWriter] = []
        if scn.output.asterix != "none":
            cat = 48 if scn.output.asterix == "cat048" else 10
            astw = [AsterixWriter(world, r, out_dir / f"asterix-{r.id}.ast", cat, i + 1) for i, r in enumerate(radars)]
        traces = run_world(world, [aisw, *plotw, *astw, truthw])
        for p in plotw:
            p.close()
        for a in astw:
            a.close()
    _copy_site(site_path, out_dir)
    summary = _write_truth(world, site, traces, truthw, out_dir, seed)
    summary.update({
        "ais_lines": aisw.lines_written, "ais_position_reports": aisw.position_reports,
        "ais_static_reports": aisw.static_reports,
        "radar_plots": {p.radar.id: p.rows for p in plotw},
        "radar_target_plots": {p.radar.id: p.target_rows for p in plotw},
        "asterix": {a.radar.id: f"sac0-sic{a.sic}" for a in astw},
    })
    (out_dir / "truth" / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return SimOutput(out_dir, summary)


def _simulate_live(scn: Scenario, out_dir: Path, seed: int | None, duration_s: float | None,
                   start_epoch: float | None, site_path: Path, cfg: LiveConfig,
                   on_live: Callable[[dict[str, int]], None] | None) -> SimOutput:
    site = load_site(site_path)
    world = build_world(scn, site, Sea.from_geojson(SEA_FILE), seed, duration_s, start_epoch)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(exist_ok=True)
    radars = make_radars(world)
    aisw = AisWriter(world, make_ais(world), io.BytesIO())
    sink = LiveSink(world, aisw, radars, cfg)
    try:
        _copy_site(site_path, out_dir)
        write_live_site(site_path, out_dir, cfg, [r.id for r in radars], sink.ports)
        if on_live is not None:
            on_live(sink.ports)
        truthw = TruthWriter(world, aisw, radars)
        traces = run_world(world, [sink, truthw])
    finally:
        sink.close()
    summary = _write_truth(world, site, traces, truthw, out_dir, seed)
    summary.update({"live_ports": sink.ports,
                    "live_messages": {s.name: n for s, n in zip(sink.servers, sink.sent)}})
    (out_dir / "truth" / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return SimOutput(out_dir, summary)


def _write_truth(world: World, site: SiteConfig, traces: dict[str, Trace], truthw: TruthWriter, out_dir: Path,
                 seed: int | None) -> dict[str, Any]:
    scn = world.scenario
    n_pos = truthw.write(out_dir / "truth" / "positions.parquet")
    plats, border = _platforms_and_border(site)
    mmsi_of = {a.name: world.vessels[a.vessel_index].identity.mmsi for a in world.actors}
    events = derive_events(world.actors, traces, mmsi_of, world.t0, world.t_end, border, plats)
    with (out_dir / "truth" / "events.jsonl").open("w", encoding="utf-8") as f:
        for ev in events:
            f.write(json.dumps(ev, ensure_ascii=False, sort_keys=False) + "\n")
    _write_vessels(world, out_dir / "truth" / "vessels.csv")
    return {
        "scenario": scn.scenario.name, "seed": scn.scenario.seed if seed is None else seed,
        "start": iso_utc(world.t0), "end": iso_utc(world.t_end), "sea_state": scn.scenario.sea_state,
        "vessels": len(world.vessels), "actors": [a.name for a in world.actors],
        "truth_positions": n_pos, "events": len(events),
    }


def _write_vessels(world: World, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["vessel_id", "mmsi", "imo", "name", "callsign", "flag", "type", "role", "length_m", "beam_m",
                    "ais_class", "rcs_m2"])
        cls = {0: "", 1: "A", 2: "B"}
        for i, v in enumerate(world.vessels):
            d = v.identity
            w.writerow([i, d.mmsi if world.ais_class[i] else "", d.imo or "", d.name, d.callsign, d.flag,
                        d.vtype, v.role, d.length_m, d.beam_m, cls[int(world.ais_class[i])],
                        round(float(world.rcs_m2[i]), 1)])


def _copy_site(site_path: Path, out_dir: Path) -> None:
    src = site_path.parent
    shutil.copyfile(site_path, out_dir / "site.toml")
    for name in ("zones.geojson", "sea.geojson", "ATTRIBUTION.md"):
        if (src / name).exists():
            shutil.copyfile(src / name, out_dir / name)
