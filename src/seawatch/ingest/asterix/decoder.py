"""ASTERIX CAT 010 / CAT 048 target reports -> radar plots and tracks (`seawatch.ingest` format `asterix`).

Input is a raw stream of ASTERIX data blocks (as received over UDP or recorded back to back in a `.ast`
file). Blocks are framed in Python (one step per block), records and items in numpy over all blocks at
once (see `records.py`), so a recording decodes at several hundred thousand target reports per second.

What comes out, per target report:
- `kind`: RADAR_TRACK when the report carries a track number (I/161), else RADAR_PLOT. CAT 010 status
  messages (start of update cycle, periodic/event status) are read and skipped: they are not observations.
- `observed_at`: the I/140 time of day (seconds since UTC midnight) on a UTC date: the `date` given
  (`DecoderContext.date`), else the UTC day of `received_at` that puts the first report nearest to it.
  Midnight rollover: a time of day that falls back by more than 12 h is on the next day (and one that jumps
  forward by more than 12 h, a late report from before midnight, on the previous day).
- `range_m`/`bearing_deg` from I/040 (polar; slant range taken as ground range: a coastal radar's
  elevation angle is negligible), or from I/042 (cartesian) when there is no polar position.
- `lat`/`lon` from I010/041 (WGS-84), else from the polar or cartesian position and the sensor position.
- `sog_mps`/`cog_deg` from I/200 (or I010/202), `heading_deg` from I010/270 orientation, `track_number`
  from I/161, `callsign` from I010/245 / I048/240.

Valid records that carry no observation are counted in `stats.ignored`: `asterix_status` (CAT 010
start-of-update-cycle and status messages) and `asterix_no_position` (a target report with no position at
all, e.g. the final report of a terminated track, which carries only its number and I/170 status).

Which sensor: `DecoderContext.sensor_id` when given (the sensor this feed belongs to); else the site radar
whose id is `sac<SAC>-sic<SIC>` (e.g. `sac0-sic7`); else the site's only radar; else the sensor is named
`sac<SAC>-sic<SIC>` and its position is unknown unless the decoder is built with `sensor_position`
(then range/bearing are kept and lat/lon stay NaN).

Bad input never raises: a block whose records do not frame exactly is a `bad_record` (with its bytes),
bytes between blocks that are not ASTERIX are one `bad_record` per run, blocks of other categories
(e.g. CAT 034 service messages) are `unsupported_type`, a cut-off last block is `truncated`, and a target
report without a time of day is `no_timestamp`.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.geo.frames import LocalFrame, destination
from seawatch.ingest.asterix.fields import decode_fields
from seawatch.ingest.asterix.framing import BlockFramer
from seawatch.ingest.asterix.records import frame_records
from seawatch.ingest.asterix.uap import UAPS
from seawatch.ingest.base import DecoderContext, register
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch

logger = logging.getLogger(__name__)

DAY_S = 86400.0
_HALF_DAY_S = 43200.0

_FIELDS = ("sac", "sic", "message_type", "tod_s", "rho_m", "theta_deg", "x_m", "y_m", "lat", "lon",
           "sog_mps", "cog_deg", "heading_deg", "track_number", "callsign")


def sensor_label(sac: int, sic: int) -> str:
    """The sensor id convention for an ASTERIX data source: `sac<SAC>-sic<SIC>`."""
    return f"sac{sac}-sic{sic}"


class AsterixDecoder:
    """Chunked decoder of an ASTERIX CAT 010 / CAT 048 block stream."""

    def __init__(self, ctx: DecoderContext, sensor_position: tuple[float, float] | None = None) -> None:
        self.ctx = ctx
        self.stats = ctx.stats if ctx.stats is not None else IngestStats()
        self._framer = BlockFramer(self.stats)
        self._buf = b""
        self._sensor_position = sensor_position
        self._sensors: dict[tuple[int, int], tuple[str, tuple[float, float] | None]] = {}
        self._day0: float | None = None  # epoch of the UTC midnight of the first report
        self._day_index = 0
        self._last_tod: float | None = None
        self._received_at = float("nan")
        self._source: str | None = None

    # -- the decoder contract ---------------------------------------------------------------------------
    def feed(self, data: bytes, received_at: float, source: str | None = None) -> ObservationBatch:
        self._received_at, self._source = received_at, source
        self._buf = self._buf + bytes(data) if self._buf else bytes(data)
        return self._decode(final=False)

    def flush(self) -> ObservationBatch:
        return self._decode(final=True)

    # -- internals ----------------------------------------------------------------------------------------
    def _decode(self, final: bool) -> ObservationBatch:
        buf = self._buf
        blocks, consumed = self._framer.frame(buf, final)
        self._buf = buf[consumed:]
        if not blocks.starts:
            return ObservationBatch.empty()
        arr = np.frombuffer(buf, dtype=np.uint8)
        starts = np.asarray(blocks.starts, dtype=np.int64)
        ends = np.asarray(blocks.ends, dtype=np.int64)
        cats = np.asarray(blocks.cats, dtype=np.int64)
        parts: list[dict[str, Any]] = []
        rec_starts: list[npt.NDArray[np.int64]] = []
        for cat, uap in UAPS.items():
            sel = np.flatnonzero(cats == cat)
            if not sel.size:
                continue
            table = frame_records(arr, starts[sel], ends[sel], uap)
            bad = np.flatnonzero(~table.block_ok)
            if bad.size:
                self.stats.reject_many("bad_record", [buf[starts[sel[i]]:ends[sel[i]]] for i in bad.tolist()])
            self.stats.lines += len(table.start)
            if len(table.start):
                parts.append(decode_fields(arr, table.offsets, cat))
                rec_starts.append(table.start)
        if not parts:
            return ObservationBatch.empty()
        fields = {k: np.concatenate([p[k] for p in parts]) for k in _FIELDS}
        if len(parts) > 1:  # both categories in one stream: back to stream order
            order = np.argsort(np.concatenate(rec_starts), kind="stable")
            fields = {k: v[order] for k, v in fields.items()}
        return self._observations(fields, buf)

    def _observations(self, f: dict[str, Any], buf: bytes) -> ObservationBatch:
        reports = f["message_type"] == 1
        n_status = int(len(reports) - np.count_nonzero(reports))
        if n_status:
            self.stats.ignored["asterix_status"] += n_status
        timed = reports & np.isfinite(f["tod_s"])
        untimed = np.flatnonzero(reports & ~timed)
        if untimed.size:
            self.stats.reject("no_timestamp", b"target report without I/140 time of day", n=int(untimed.size))
        placed = np.isfinite(f["rho_m"]) | np.isfinite(f["x_m"]) | np.isfinite(f["lat"])
        unplaced = int(np.count_nonzero(timed & ~placed))
        if unplaced:  # e.g. the last report of an ended track: number and status, no position
            self.stats.ignored["asterix_no_position"] += unplaced
        idx = np.flatnonzero(timed & placed)
        if not idx.size:
            return ObservationBatch.empty()
        f = {k: v[idx] for k, v in f.items()}
        n = len(idx)
        observed_at = self._times(f["tod_s"])
        lat, lon = f["lat"], f["lon"]
        rng, brg = f["rho_m"].copy(), f["theta_deg"].copy()
        cart = ~np.isfinite(rng) & np.isfinite(f["x_m"])
        if cart.any():
            rng[cart] = np.hypot(f["x_m"][cart], f["y_m"][cart])
            brg[cart] = np.degrees(np.arctan2(f["x_m"][cart], f["y_m"][cart])) % 360.0
        sensor = np.empty(n, dtype=object)
        pairs = f["sac"] * 256 + f["sic"]
        for pair in np.unique(pairs).tolist():
            rows = pairs == pair
            sensor_id, pos = self._sensor(pair >> 8, pair & 0xFF)
            sensor[rows] = sensor_id
            if pos is None:
                continue
            need = rows & ~np.isfinite(lat) & np.isfinite(rng)
            if need.any():
                polar = need & np.isfinite(f["rho_m"])
                if polar.any():
                    la, lo = destination(pos[0], pos[1], f["rho_m"][polar], f["theta_deg"][polar])
                    lat[polar], lon[polar] = la, lo
                xy = need & ~polar
                if xy.any():
                    la, lo = LocalFrame(pos[0], pos[1]).to_latlon(f["x_m"][xy], f["y_m"][xy])
                    lat[xy], lon[xy] = la, lo
        kind = np.where(f["track_number"] >= 0, int(Kind.RADAR_TRACK), int(Kind.RADAR_PLOT))
        n_tracks = int(np.count_nonzero(kind == int(Kind.RADAR_TRACK)))
        self.stats.observations[Kind.RADAR_TRACK.name.lower()] += n_tracks
        self.stats.observations[Kind.RADAR_PLOT.name.lower()] += n - n_tracks
        columns: dict[str, Any] = {
            "kind": kind,
            "observed_at": observed_at,
            "received_at": self._received_at,
            "source": self._source,
            "sensor": sensor,
            "lat": lat,
            "lon": lon,
            "sog_mps": f["sog_mps"],
            "cog_deg": f["cog_deg"],
            "heading_deg": f["heading_deg"],
            "range_m": rng,
            "bearing_deg": brg,
            "track_number": f["track_number"],
            "callsign": f["callsign"],
        }
        return ObservationBatch(columns, n=n)

    def _times(self, tod: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Time of day -> epoch seconds: the date, plus a day at each midnight rollover."""
        if self._day0 is None:
            self._day0 = self._first_day(float(tod[0]))
        prev = tod[0] if self._last_tod is None else self._last_tod
        step = np.diff(tod, prepend=prev)
        day = self._day_index + np.cumsum((step < -_HALF_DAY_S).astype(np.int64)
                                          - (step > _HALF_DAY_S).astype(np.int64))
        self._day_index = int(day[-1])
        self._last_tod = float(tod[-1])
        return self._day0 + day * DAY_S + tod

    def _first_day(self, tod: float) -> float:
        if self.ctx.date is not None:
            midnight = datetime.datetime.combine(self.ctx.date, datetime.time(), tzinfo=datetime.UTC)
            return midnight.timestamp()
        rec = self._received_at
        if not np.isfinite(rec):
            logger.warning("ASTERIX times of day without a date nor a receive time: using 1970-01-01")
            return 0.0
        midnight = np.floor(rec / DAY_S) * DAY_S
        candidates = midnight + np.array([-DAY_S, 0.0, DAY_S])
        return float(candidates[np.argmin(np.abs(candidates + tod - rec))])

    def _sensor(self, sac: int, sic: int) -> tuple[str, tuple[float, float] | None]:
        key = (sac, sic)
        if key not in self._sensors:
            self._sensors[key] = self._resolve_sensor(sac, sic)
        return self._sensors[key]

    def _resolve_sensor(self, sac: int, sic: int) -> tuple[str, tuple[float, float] | None]:
        site, label = self.ctx.site, sensor_label(sac, sic)
        chosen = None
        if site is not None:
            if self.ctx.sensor_id is not None:
                chosen = next((s for s in site.sensors if s.id == self.ctx.sensor_id), None)
            if chosen is None:
                chosen = next((s for s in site.sensors if s.id == label), None)
            if chosen is None and len(site.radars) == 1:
                chosen = site.radars[0]
        if chosen is not None:
            pos = (chosen.lat, chosen.lon) if chosen.lat is not None and chosen.lon is not None else None
            return chosen.id, pos if pos is not None else self._sensor_position
        if self._sensor_position is None:
            logger.warning("ASTERIX data source SAC %d SIC %d matches no site radar (name one '%s'): "
                           "positions are kept as range/bearing, without lat/lon", sac, sic, label)
        return self.ctx.sensor_id or label, self._sensor_position


@register("asterix")
def _make(ctx: DecoderContext) -> AsterixDecoder:
    return AsterixDecoder(ctx)
