"""Unit conversions, in one place. Internally seawatch uses SI (m, s, m/s) and WGS84 degrees."""

from __future__ import annotations

from datetime import UTC, datetime

KN_TO_MPS = 1852.0 / 3600.0
MPS_TO_KN = 3600.0 / 1852.0
NM_TO_M = 1852.0
M_TO_NM = 1.0 / 1852.0


def kn_to_mps(speed_kn: float) -> float:
    return speed_kn * KN_TO_MPS


def mps_to_kn(speed_mps: float) -> float:
    return speed_mps * MPS_TO_KN


def epoch_to_datetime(epoch_s: float) -> datetime:
    """Seconds since the Unix epoch (UTC) to a timezone-aware UTC datetime."""
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def datetime_to_epoch(when: datetime) -> float:
    """A timezone-aware datetime to seconds since the epoch; naive datetimes are refused."""
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when!r}: seawatch only takes timezone-aware UTC times")
    return when.timestamp()


def iso_utc(epoch_s: float) -> str:
    """ISO-8601 UTC with a trailing Z, millisecond precision."""
    return epoch_to_datetime(epoch_s).isoformat(timespec="milliseconds").replace("+00:00", "Z")
