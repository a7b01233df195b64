"""Chunk sinks that write the recordings: AIS NMEA, radar plots CSV, truth positions."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from seawatch.ingest.asterix.encoder import encode_target_reports
from seawatch.ingest.plots import plots_table
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.model.units import MPS_TO_KN
from seawatch.sim.ais import CLASS_A, CLASS_B, AisModel, Knots
from seawatch.sim.aisnmea import payload_type1, payload_type18, position_lines, static_lines
from seawatch.sim.engine import ChunkSink, World
from seawatch.sim.geometry import displace
from seawatch.sim.identity import Identity
from seawatch.sim.radar import RadarModel


class AisWriter(ChunkSink):
    """Transmits, receives and writes `!AIVDM` lines in time order."""

    def __init__(self, world: World, model: AisModel, out: IO[bytes]) -> None:
        self.w, self.model, self.out = world, model, out
        self.idents: list[Identity] = [v.identity for v in world.vessels]
        n = len(self.idents)
        self.change_at = np.full(n, np.inf)
        self.alt_index = np.arange(n)
        for a in world.actors:
            if a.alt_identity is not None and a.spec.identity_change is not None:
                self.change_at[a.vessel_index] = world.t0 + a.spec.identity_change.at_s
                self.alt_index[a.vessel_index] = len(self.idents)
                self.idents.append(a.alt_identity)
        self.mmsi = np.array([i.mmsi for i in self.idents], np.int64)
        self.spoofs = [(a.vessel_index, world.t0 + s.from_s, world.t0 + s.to_s, s.offset_m[0], s.offset_m[1])
                       for a in world.actors for s in a.spec.spoof]
        self.station_ids = [s.id for s in model.stations]
        self.lines_written = 0
        self.position_reports = 0
        self.static_reports = 0
        self.last_received: tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]] = (np.zeros(0), np.zeros(0, np.int64))

    def _ident(self, t: npt.NDArray[np.float64], v: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.where(t >= self.change_at[v], self.alt_index[v], v)

    def chunk(self, kn: Knots) -> None:
        _times, entries = self.render(kn)
        if len(entries) == 0:
            return
        text = b"\n".join(entries.tolist()) + b"\n"
        self.out.write(text)
        self.lines_written += text.count(b"\n")

    def render(self, kn: Knots) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any]]:
        """(time, bytes) of every received message of the chunk, time-ordered; a multi-sentence message is
        one entry of newline-joined sentences."""
        rep = self.model.positions(kn)
        self.last_received = (rep.t, rep.vessel)  # for the truth writer (AIS visibility)
        lat, lon = rep.lat, rep.lon
        for v, a, b, de, dn in self.spoofs:
            m = (rep.vessel == v) & (rep.t >= a) & (rep.t < b)
            if m.any():
                lat[m], lon[m] = displace(lat[m], lon[m], np.full(int(m.sum()), de), np.full(int(m.sum()), dn))
        ident = self._ident(rep.t, rep.vessel)
        mmsi = self.mmsi[ident]
        epoch = np.floor(rep.t).astype(np.int64)
        second = epoch % 60
        cls = self.model.ais_class[rep.vessel]
        chunks: list[npt.NDArray[Any]] = []
        keys_t: list[npt.NDArray[np.float64]] = []
        keys_v: list[npt.NDArray[np.int64]] = []
        for st, sid in enumerate(self.station_ids):
            for c in (CLASS_A, CLASS_B):
                m = np.flatnonzero((rep.station == st) & (cls == c))
                if len(m) == 0:
                    continue
                if c == CLASS_A:
                    payload = payload_type1(mmsi[m], rep.status[m].astype(np.int64), rep.rot_dps[m], rep.sog_kn[m],
                                            lat[m], lon[m], rep.cog_deg[m], rep.heading_deg[m], second[m])
                else:
                    payload = payload_type18(mmsi[m], rep.sog_kn[m], lat[m], lon[m], rep.cog_deg[m],
                                             rep.heading_deg[m], second[m])
                lines = position_lines(sid, epoch[m], (rep.seq[m] % 2) == 1, payload)
                chunks.append(lines.astype(object))
                keys_t.append(rep.t[m])
                keys_v.append(rep.vessel[m])
        st_t, st_v, st_s = self.model.statics(kn)
        if len(st_t):
            st_ident = self._ident(st_t, st_v)
            texts = []
            for j, (t, v, s, i) in enumerate(zip(st_t.tolist(), st_v.tolist(), st_s.tolist(), st_ident.tolist())):
                cls_v = int(self.model.ais_class[v])
                texts.append(b"\n".join(static_lines(self.idents[i], cls_v, self.station_ids[s], int(t),
                                                     "AB"[j % 2], j % 10)))
            chunks.append(np.array(texts, dtype=object))
            keys_t.append(st_t)
            keys_v.append(st_v)
        self.position_reports += len(rep.t)
        self.static_reports += len(st_t)
        if not chunks:
            return np.zeros(0), np.zeros(0, dtype=object)
        allt = np.concatenate(keys_t)
        allv = np.concatenate(keys_v)
        lines_all = np.concatenate(chunks)
        order = np.lexsort((allv, allt))
        return allt[order], lines_all[order]


class PlotsWriter(ChunkSink):
    """One radar: detections and clutter to a plots CSV (DESIGN.md layout)."""

    def __init__(self, world: World, radar: RadarModel, path: Path, time_format: str = "epoch") -> None:
        self.w, self.radar, self.path = world, radar, path
        self.time_format = time_format
        self.out = path.open("wb")
        self.header_done = False
        self.rows = 0
        self.target_rows = 0
        self.detections_by_vessel = np.zeros(len(world.vessels), np.int64)

    def chunk(self, kn: Knots) -> None:
        p = self.radar.scan(kn, self.w.rcs_m2, self.w.height_m)
        self.radar.last_plots = p  # for an ASTERIX writer of the same radar, which runs after this one
        if len(p.time) == 0:
            return
        table = plots_table({"time": np.round(p.time, 3), "sensor": self.radar.id,
                             "range_m": np.round(p.range_m, 1), "bearing_deg": np.round(p.bearing_deg, 3),
                             "rcs_m2": np.round(p.rcs_m2, 2), "snr_db": np.round(p.snr_db, 1)},
                            time_format=self.time_format)
        if not self.header_done:
            self.out.write((",".join(table.column_names) + "\n").encode())
            self.header_done = True
        pv.write_csv(table, self.out, write_options=pv.WriteOptions(include_header=False, quoting_style="none"))
        self.rows += len(p.time)
        tv = p.vessel[p.vessel >= 0]
        self.target_rows += len(tv)
        np.add.at(self.detections_by_vessel, tv, 1)

    def close(self) -> None:
        if not self.header_done:
            self.out.write(b"time,sensor,range_m,bearing_deg,rcs_m2,snr_db\n")
        self.out.close()


class AsterixWriter(ChunkSink):
    """One radar's plots as ASTERIX target reports (CAT 048 or CAT 010), SAC 0 and SIC = `sic`."""

    def __init__(self, world: World, radar: RadarModel, path: Path, category: int, sic: int) -> None:
        self.w, self.radar, self.category, self.sic = world, radar, category, sic
        self.out = path.open("wb")
        self.records = 0

    def chunk(self, kn: Knots) -> None:
        p = self.radar.last_plots
        if p is None or len(p.time) == 0:
            return
        batch = ObservationBatch({"kind": np.full(len(p.time), Kind.RADAR_PLOT, np.uint8), "observed_at": p.time,
                                  "range_m": p.range_m, "bearing_deg": p.bearing_deg}, n=len(p.time))
        self.out.write(encode_target_reports(batch, category=self.category, sac=0, sic=self.sic,
                                             records_per_block=32))
        self.records += len(p.time)

    def close(self) -> None:
        self.out.close()


RADAR_WINDOW_S = 30.0
AIS_WINDOW_S = 180.0


class TruthWriter(ChunkSink):
    """Every vessel at sea, every `truth_interval_s`: truth/positions.parquet."""

    def __init__(self, world: World, ais: AisWriter, radars: list[RadarModel] | None = None) -> None:
        """The `mmsi` column is what the vessel broadcasts at that time (-1 without a transponder).
        With `radars` (whose `last_plots` are this chunk's, i.e. this sink runs after the radar writers),
        `radar_plots_30s` counts the radar plots of the vessel, all radars together, in the 30 s up to
        that time, and `ais_reports_180s` its AIS position reports received in the 180 s up to that time:
        how visible it was to the sensors, for the tracking evaluation."""
        self.w = world
        self.ais = ais
        self.radars = radars or []
        self.stride = max(1, round(world.scenario.output.truth_interval_s / world.dt))
        self.parts: list[pa.RecordBatch] = []
        self.step = 0
        self._plots = (np.zeros(0), np.zeros(0, np.int64))  # (time, vessel) of recent target plots
        self._ais = (np.zeros(0), np.zeros(0, np.int64))  # (time, vessel) of recent received AIS positions

    def _collect(self, kn: Knots) -> None:
        """Keep the target plots (truth vessel known) and the received AIS position reports of the last
        window before this chunk and in it (the AIS writer and the radar writers ran before this sink)."""
        times, vessels = [self._plots[0]], [self._plots[1]]
        for r in self.radars:
            p = r.last_plots
            if p is not None and len(p.time):
                own = p.vessel >= 0
                times.append(p.time[own])
                vessels.append(p.vessel[own])
        pt, pv_ = np.concatenate(times), np.concatenate(vessels)
        keep = pt > kn.t0 - RADAR_WINDOW_S
        self._plots = (pt[keep], pv_[keep])
        at = np.concatenate([self._ais[0], self.ais.last_received[0]])
        av = np.concatenate([self._ais[1], self.ais.last_received[1]])
        keep = at > kn.t0 - AIS_WINDOW_S
        self._ais = (at[keep], av[keep])
        self.ais.last_received = (np.zeros(0), np.zeros(0, np.int64))

    @staticmethod
    def _counts(events: tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]], window_s: float,
                t: npt.NDArray[np.float64], v: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """How many events of vessel v[i] fall in (t[i] - window_s, t[i]]."""
        et, ev = events
        if len(t) == 0 or len(et) == 0:
            return np.zeros(len(t), np.int64)
        # one sorted key per event: vessel major, time minor (relative times keep the float precision)
        t_ref = min(float(t.min()), float(et.min()))
        span = float(max(t.max(), et.max()) - t_ref) + 4 * window_s
        key = np.sort(ev * span + (et - t_ref + 2 * window_s))
        q = v * span + (t - t_ref + 2 * window_s)
        return np.searchsorted(key, q, side="right") - np.searchsorted(key, q - window_s, side="right")

    def chunk(self, kn: Knots) -> None:
        self._collect(kn)
        ks = np.arange(kn.n_steps)
        ks = ks[(self.step + ks) % self.stride == 0]
        self.step += kn.n_steps
        if len(ks) == 0:
            return
        pres = kn.present[ks]
        kk, vv = np.nonzero(pres)
        k = ks[kk]
        t_ms = np.round((kn.t0 + k * kn.dt) * 1000).astype(np.int64)
        self.parts.append(pa.record_batch({
            "vessel_id": pa.array(vv.astype(np.int32)),
            "time": pa.array(t_ms, type=pa.timestamp("ms", tz="UTC")),
            "lat": pa.array(np.round(kn.lat[k, vv], 6)),
            "lon": pa.array(np.round(kn.lon[k, vv], 6)),
            "sog_kn": pa.array((kn.sog_mps[k, vv] * MPS_TO_KN).astype(np.float32)),
            "cog_deg": pa.array(kn.cog_deg[k, vv].astype(np.float32)),
            "ais_on": pa.array(kn.ais_on[k, vv] & (self.w.ais_class[vv] > 0)),
            "mmsi": pa.array(np.where(self.w.ais_class[vv] > 0,
                                      self.ais.mmsi[self.ais._ident(kn.t0 + k * kn.dt, vv)], -1)),
            "radar_plots_30s": pa.array(self._counts(self._plots, RADAR_WINDOW_S, kn.t0 + k * kn.dt,
                                                     vv.astype(np.int64)).astype(np.int16)),
            "ais_reports_180s": pa.array(self._counts(self._ais, AIS_WINDOW_S, kn.t0 + k * kn.dt,
                                                      vv.astype(np.int64)).astype(np.int16)),
        }))

    def write(self, path: Path) -> int:
        if self.parts:
            table = pa.Table.from_batches(self.parts).sort_by([("vessel_id", "ascending"), ("time", "ascending")])
        else:
            table = pa.table({"vessel_id": pa.array([], pa.int32())})
        pq.write_table(table, path, compression="zstd")
        return table.num_rows
