"""Radar NMEA 0183 sentences: `$--TTM` (tracked target), `$--TLL` (target lat/lon) and `$--ZDA` (date).

The NMEA decoder (`seawatch.ingest.nmea`) hands every `$` sentence whose formatter is TTM, TLL or ZDA to a
`RadarSentenceParser`, after stripping any tag block. The parser verifies the checksum, decodes the fields
with `pynmea2`, and returns `RADAR_TRACK` observations:

- TTM: `track_number`, `range_m`, `bearing_deg` (true), `sog_mps`, `cog_deg` (true), target `name`, and
  lat/lon computed from the radar's position in the site file. Distances in N (nautical miles), K (km) or
  S (statute miles) become metres, speeds in kn, km/h or mph become m/s.
- TLL: `track_number`, lat/lon as given, `name`; range/bearing from the radar when its position is known.
- ZDA: sets the date for TTM/TLL times, which carry only hhmmss.ss. It yields no observation.

The caller (the NMEA decoder) counts the returned observations in `stats.observations`; this parser counts
only what it rejects or ignores.

Time of an observation: the tag block / logger time when there was one, else the sentence's own UTC time on
the latest ZDA date (midnight roll-over handled), else on `DecoderContext.date` when it is set, else the
time the bytes were received.

Sensor: `DecoderContext.sensor_id`, else the tag-block source if it names a site sensor, else the site's
only radar, else None (then a TTM has no lat/lon but keeps its range and bearing).

Rejects (counted, never raised): `bad_checksum`, `truncated` (no checksum, too few fields), `not_nmea`
(not an ASCII `$` sentence), `unsupported_type` (another formatter), `invalid_field` (bad number, relative
bearing: a shore radar has no heading to turn it into a true bearing, bad time or date). Valid sentences
that carry no observation are counted in `stats.ignored`: `zda`, and `ttm_lost` / `tll_lost` for targets
reported with status L (lost), whose position is stale.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import reduce
from operator import xor
from typing import Any

import numpy as np
import numpy.typing as npt
import pynmea2

from seawatch.geo import destination, inverse
from seawatch.ingest.base import DecoderContext
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.model.units import KN_TO_MPS, NM_TO_M

logger = logging.getLogger(__name__)

STATUTE_MILE_M = 1609.344
# TTM "speed/distance units": N = nautical miles & knots, K = km & km/h, S = statute miles & mph
DISTANCE_TO_M = {"N": NM_TO_M, "K": 1000.0, "S": STATUTE_MILE_M}
SPEED_TO_MPS = {"N": KN_TO_MPS, "K": 1000.0 / 3600.0, "S": STATUTE_MILE_M / 3600.0}
TTM_MIN_FIELDS = 10  # through the units field; name, status, reference, time, acquisition may be missing
TLL_MIN_FIELDS = 5  # through the longitude hemisphere
ZDA_MIN_FIELDS = 4  # time, day, month, year
_TIME_RE = re.compile(r"^(\d{2})(\d{2})(\d{2}(?:\.\d*)?)$")
HALF_DAY_S = 43_200.0
DAY_S = 86_400.0


class _Reject(Exception):
    """One sentence rejected for `reason` (internal control flow; never leaves this module)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nmea_checksum(body: str) -> int:
    """XOR of the characters between `$`/`!` and `*`."""
    return reduce(xor, body.encode("ascii"), 0)


def _number(text: str, required: bool = False) -> float:
    if not text:
        if required:
            raise _Reject("invalid_field")
        return math.nan
    try:
        v = float(text)
    except ValueError as err:
        raise _Reject("invalid_field") from err
    if not math.isfinite(v):
        raise _Reject("invalid_field")
    return v


def _time_of_day(text: str) -> float | None:
    """hhmmss(.ss) to seconds after midnight; None if empty; invalid -> reject."""
    if not text:
        return None
    m = _TIME_RE.match(text)
    if not m:
        raise _Reject("invalid_field")
    h, mi, s = int(m.group(1)), int(m.group(2)), float(m.group(3))
    if h > 23 or mi > 59 or s >= 61:
        raise _Reject("invalid_field")
    return h * 3600.0 + mi * 60.0 + s


def _latlon(value: str, hemi: str, is_lat: bool) -> float:
    """NMEA ddmm.mmm / dddmm.mmm + hemisphere to signed degrees."""
    v = _number(value, required=True)
    if v < 0:
        raise _Reject("invalid_field")
    deg = math.floor(v / 100.0)
    minutes = v - deg * 100.0
    if minutes >= 60.0:
        raise _Reject("invalid_field")
    out = deg + minutes / 60.0
    if hemi not in (("N", "S") if is_lat else ("E", "W")) or out > (90.0 if is_lat else 180.0):
        raise _Reject("invalid_field")
    return -out if hemi in ("S", "W") else out


class RadarSentenceParser:
    """Decodes TTM/TLL/ZDA sentences into RADAR_TRACK observation batches (state: the latest ZDA date)."""

    def __init__(self, ctx: DecoderContext, stats: IngestStats) -> None:
        self.ctx = ctx
        self.stats = stats
        self._day_start: float | None = None  # 00:00 UTC of the latest ZDA date, epoch s
        self._zda_time: float | None = None  # the latest ZDA's own time, epoch s
        self._sensors: dict[str | None, tuple[str | None, float, float]] = {}

    # -- sensor of a source ------------------------------------------------------------------------------
    def sensor_for(self, source: str | None) -> tuple[str | None, float, float]:
        """(sensor id, lat, lon) for sentences from `source`; NaN position when unknown."""
        hit = self._sensors.get(source)
        if hit is not None:
            return hit
        site = self.ctx.site
        sid: str | None = self.ctx.sensor_id
        if sid is None and site is not None:
            if source is not None and any(s.id == source for s in site.sensors):
                sid = source
            elif len(site.radars) == 1:
                sid = site.radars[0].id
        lat = lon = math.nan
        if site is not None and sid is not None:
            try:
                s = site.sensor(sid)
            except KeyError:
                s = None
            if s is not None and s.lat is not None and s.lon is not None:
                lat, lon = s.lat, s.lon
        out = (sid, lat, lon)
        self._sensors[source] = out
        return out

    # -- the entry point -----------------------------------------------------------------------------------
    def parse(self, sentences: list[bytes], observed_at: list[float | None], received_at: float,
              source: str | None) -> ObservationBatch:
        rows: list[tuple[Any, ...]] = []
        for raw, t_obs in zip(sentences, observed_at):
            try:
                row = self._one(raw, t_obs, received_at)
            except _Reject as rej:
                self.stats.reject(rej.reason, raw)
                continue
            except Exception as err:  # noqa: BLE001 - a decoder never raises on bad input
                logger.debug("unexpected error decoding %r: %s", raw, err)
                self.stats.reject("invalid_field", raw)
                continue
            if row is not None:
                rows.append(row)
        if not rows:
            return ObservationBatch.empty()
        return self._batch(rows, received_at, source)

    def _batch(self, rows: list[tuple[Any, ...]], received_at: float, source: str | None) -> ObservationBatch:
        n = len(rows)
        cols = list(zip(*rows))
        is_ttm = np.array(cols[0], dtype=bool)
        t = np.array(cols[1], dtype=np.float64)
        track = np.array(cols[2], dtype=np.int64)
        rng, brg, sog, cog, lat, lon = (np.array(c, dtype=np.float64) for c in cols[3:9])
        name = np.array(cols[9], dtype=object)
        raw = np.array(cols[10], dtype=object)
        sensor, s_lat, s_lon = self.sensor_for(source)
        if math.isfinite(s_lat):
            i = np.flatnonzero(is_ttm)
            if len(i):
                lat[i], lon[i] = destination(s_lat, s_lon, rng[i], brg[i])
            i = np.flatnonzero(~is_ttm)
            if len(i):
                rng[i], brg[i] = inverse(s_lat, s_lon, lat[i], lon[i])
        columns: dict[str, Any] = {
            "kind": np.full(n, int(Kind.RADAR_TRACK)), "observed_at": t, "received_at": np.full(n, received_at),
            "source": source, "sensor": sensor, "track_number": track, "range_m": rng, "bearing_deg": brg,
            "sog_mps": sog, "cog_deg": cog, "lat": lat, "lon": lon, "name": name, "raw": raw}
        return ObservationBatch(columns, n=n)

    # -- one sentence --------------------------------------------------------------------------------------
    def _one(self, raw: bytes, t_obs: float | None, received_at: float) -> tuple[Any, ...] | None:
        try:
            text = bytes(raw).strip().decode("ascii")
        except UnicodeDecodeError as err:
            raise _Reject("not_nmea") from err
        if not text.startswith("$") or len(text) < 7:
            raise _Reject("not_nmea")
        star = text.rfind("*")
        if star < 0 or len(text) < star + 3:
            raise _Reject("truncated")
        try:
            expected = int(text[star + 1 : star + 3], 16)
        except ValueError as err:
            raise _Reject("bad_checksum") from err
        if nmea_checksum(text[1:star]) != expected:
            raise _Reject("bad_checksum")
        formatter = text[3:6]
        if formatter not in ("TTM", "TLL", "ZDA") or text[6:7] != ",":
            raise _Reject("unsupported_type" if text[6:7] == "," else "not_nmea")
        try:
            msg = pynmea2.parse(text[:star])  # checksum verified above; pynmea2 need not redo it
        except pynmea2.ParseError as err:
            raise _Reject("not_nmea") from err
        data: list[str] = [f.strip() for f in msg.data]
        if formatter == "ZDA":
            self._zda(data)
            return None
        if formatter == "TTM":
            return self._ttm(data, t_obs, received_at, text)
        return self._tll(data, t_obs, received_at, text)

    def _zda(self, data: list[str]) -> None:
        if len(data) < ZDA_MIN_FIELDS:
            raise _Reject("truncated")
        tod = _time_of_day(data[0])
        try:
            day, month, year = int(data[1]), int(data[2]), int(data[3])
        except ValueError as err:
            raise _Reject("invalid_field") from err
        if tod is None:
            raise _Reject("invalid_field")
        if year < 100:  # some devices send two digits
            year += 2000 if year < 70 else 1900
        try:
            day_start = datetime(year, month, day, tzinfo=UTC).timestamp()
        except ValueError as err:
            raise _Reject("invalid_field") from err
        self._day_start, self._zda_time = day_start, day_start + tod
        self.stats.ignored["zda"] += 1

    def _time(self, tod: float | None, t_obs: float | None, received_at: float) -> float:
        if t_obs is not None and math.isfinite(t_obs):
            return float(t_obs)
        if tod is not None and self._day_start is not None and self._zda_time is not None:
            t = self._day_start + tod
            if t - self._zda_time < -HALF_DAY_S:  # past midnight since the last ZDA
                t += DAY_S
            elif t - self._zda_time > HALF_DAY_S:  # a report from just before the ZDA's midnight
                t -= DAY_S
            return t
        if tod is not None and self.ctx.date is not None:  # the recording's day, given by the operator
            day = datetime(self.ctx.date.year, self.ctx.date.month, self.ctx.date.day, tzinfo=UTC)
            return day.timestamp() + tod
        return received_at

    def _ttm(self, d: list[str], t_obs: float | None, received_at: float, text: str) -> tuple[Any, ...] | None:
        if len(d) < TTM_MIN_FIELDS:
            raise _Reject("truncated")
        d = d + [""] * (15 - len(d))
        track = _number(d[0], required=True)
        dist = _number(d[1], required=True)
        brg = _number(d[2], required=True)
        if d[3] != "T":  # "R": relative to a heading a shore radar does not report
            raise _Reject("invalid_field")
        speed, course = _number(d[4]), _number(d[5])
        units = d[9] or "N"
        if units not in DISTANCE_TO_M or track != int(track) or not 0 <= track <= 999:
            raise _Reject("invalid_field")
        if dist < 0 or not 0 <= brg <= 360 or speed < 0 or not (math.isnan(course) or 0 <= course <= 360):
            raise _Reject("invalid_field")
        if d[6] not in ("T", ""):  # relative course: its reference heading is unknown; the speed stands
            course = math.nan
        tod = _time_of_day(d[13])
        if d[11] == "L":
            self.stats.ignored["ttm_lost"] += 1
            return None
        return (True, self._time(tod, t_obs, received_at), int(track), dist * DISTANCE_TO_M[units], brg % 360.0,
                speed * SPEED_TO_MPS[units], course % 360.0, math.nan, math.nan, d[10] or None, text)

    def _tll(self, d: list[str], t_obs: float | None, received_at: float, text: str) -> tuple[Any, ...] | None:
        if len(d) < TLL_MIN_FIELDS:
            raise _Reject("truncated")
        d = d + [""] * (9 - len(d))
        track = _number(d[0], required=True)
        if track != int(track) or not 0 <= track <= 999:
            raise _Reject("invalid_field")
        lat = _latlon(d[1], d[2], is_lat=True)
        lon = _latlon(d[3], d[4], is_lat=False)
        tod = _time_of_day(d[6])
        if d[7] == "L":
            self.stats.ignored["tll_lost"] += 1
            return None
        return (False, self._time(tod, t_obs, received_at), int(track), math.nan, math.nan, math.nan, math.nan,
                lat, lon, d[5] or None, text)


# -- encoding (the simulator's radar emitter and the tests use it) ------------------------------------------

def _fmt(v: float, decimals: int) -> str:
    return "" if not math.isfinite(v) else f"{v:.{decimals}f}"


def _hhmmss(epoch_s: float) -> str:
    if not math.isfinite(epoch_s):
        return ""
    cs = round((epoch_s % DAY_S) * 100.0) % int(DAY_S * 100)
    h, rest = divmod(cs, 360_000)
    m, rest = divmod(rest, 6_000)
    return f"{h:02d}{m:02d}{rest // 100:02d}.{rest % 100:02d}"


def _ddmm(value: float, is_lat: bool) -> tuple[str, str]:
    hemi = ("N" if value >= 0 else "S") if is_lat else ("E" if value >= 0 else "W")
    e5 = round(abs(value) * 60.0 * 1e5)  # 1e-5 minute: 2 cm
    deg, rest = divmod(e5, 60 * 100_000)
    width = 2 if is_lat else 3
    return f"{deg:0{width}d}{rest // 100_000:02d}.{rest % 100_000:05d}", hemi


def _arrays(n_like: Any, *values: Any) -> list[npt.NDArray[Any]]:
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (n_like, *values)))
    return [np.atleast_1d(a) for a in arrs]


def _names(names: Sequence[str | None] | str | None, n: int) -> list[str]:
    if names is None or isinstance(names, str):
        return [names or ""] * n
    return [s or "" for s in names]


def encode_ttm(track_number: Any, range_m: Any, bearing_deg: Any, sog_mps: Any = math.nan,
               cog_deg: Any = math.nan, *, times: Any = math.nan, talker: str = "RA", units: str = "N",
               names: Sequence[str | None] | str | None = None, status: str = "T",
               acquisition: str = "A") -> list[str]:
    """TTM sentences (no CR/LF) for arrays of tracks: true bearing/course, distance and speed in `units`.

    NaN speed, course or time leave the field empty. Range resolution 0.001 unit (1.9 m in N), bearing and
    course 0.01 deg, speed 0.01 unit, time 0.01 s (UTC time of day of `times`, epoch s).
    """
    if units not in DISTANCE_TO_M:
        raise ValueError(f"units must be one of N, K, S, not {units!r}")
    tn, r, b, s, c, t = _arrays(track_number, range_m, bearing_deg, sog_mps, cog_deg, times)
    dist = r / DISTANCE_TO_M[units]
    speed = s / SPEED_TO_MPS[units]
    label = _names(names, len(tn))
    out = []
    for i in range(len(tn)):
        fields = (f"{int(tn[i]):02d}", _fmt(dist[i], 3), _fmt(b[i] % 360.0, 2), "T", _fmt(speed[i], 2),
                  _fmt(c[i] % 360.0, 2), "T", "", "", units, label[i], status, "", _hhmmss(t[i]), acquisition)
        out.append(str(pynmea2.TTM(talker, "TTM", fields)))
    return out


def encode_tll(track_number: Any, lat: Any, lon: Any, *, times: Any = math.nan, talker: str = "RA",
               names: Sequence[str | None] | str | None = None, status: str = "T") -> list[str]:
    """TLL sentences (no CR/LF) for arrays of target positions (WGS84 degrees, 1e-5 minute resolution)."""
    tn, la, lo, t = _arrays(track_number, lat, lon, times)
    label = _names(names, len(tn))
    out = []
    for i in range(len(tn)):
        lat_s, ns = _ddmm(float(la[i]), True)
        lon_s, ew = _ddmm(float(lo[i]), False)
        fields = (f"{int(tn[i]):02d}", lat_s, ns, lon_s, ew, label[i], _hhmmss(t[i]), status, "")
        out.append(str(pynmea2.TLL(talker, "TLL", fields)))
    return out


def encode_zda(epoch_s: float, talker: str = "RA") -> str:
    """A ZDA sentence (UTC, zone 00:00) for the given time."""
    epoch_s = round(epoch_s * 100.0) / 100.0  # the date of the time as written (0.01 s)
    d = datetime.fromtimestamp(epoch_s, tz=UTC)
    fields = (_hhmmss(epoch_s), f"{d.day:02d}", f"{d.month:02d}", f"{d.year:04d}", "00", "00")
    return str(pynmea2.ZDA(talker, "ZDA", fields))
