"""Observations: what ingest produces, columnar for the hot path, with a dataclass view for tests and the API.

An `ObservationBatch` holds one numpy array per column, all of the same length. Every batch has every column
of `SCHEMA`; a column that does not apply to a row holds the column's *absent* marker (NaN for floats, -1 for
integers, None for strings). The dataclass view (`Observation`) turns absent markers into None, so that
"not available" never looks like a number.

Times are seconds since the Unix epoch, UTC (float64): `observed_at` is when the sensor saw it (tag block
`c:`, logger timestamp column, ZDA, ASTERIX time of day), `received_at` when seawatch got the bytes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Self, TypeVar

import numpy as np
import numpy.typing as npt


class Kind(IntEnum):
    """What an observation is."""

    AIS_POSITION = 1  # types 1, 2, 3, 18, 19, 27 (and 9: SAR aircraft)
    AIS_STATIC = 2  # types 5, 24, (19 carries both: emitted as position + static)
    AIS_BASE_STATION = 3  # types 4, 11
    AIS_ATON = 4  # type 21
    AIS_OTHER = 5  # every other decodable type (6, 7, 8, 10, 12, ...): counted, kept raw
    RADAR_PLOT = 10  # a single detection (range/bearing or lat/lon)
    RADAR_TRACK = 11  # a track reported by a radar (TTM/TLL, ASTERIX track)


# column name -> (numpy dtype, absent marker)
SCHEMA: dict[str, tuple[str, Any]] = {
    "kind": ("u1", 0),
    "observed_at": ("f8", np.nan),
    "received_at": ("f8", np.nan),
    "source": ("O", None),  # receiver / station id (tag block s:, feed address, file)
    "sensor": ("O", None),  # sensor id from the site file
    "msg_type": ("i2", -1),  # AIS message type; -1 for radar
    "mmsi": ("i8", -1),
    "lat": ("f8", np.nan),
    "lon": ("f8", np.nan),
    "sog_mps": ("f8", np.nan),
    "cog_deg": ("f8", np.nan),
    "heading_deg": ("f8", np.nan),
    "rot_deg_min": ("f8", np.nan),
    "nav_status": ("i2", -1),
    "position_accuracy": ("i1", -1),
    "range_m": ("f8", np.nan),
    "bearing_deg": ("f8", np.nan),
    "rcs_m2": ("f8", np.nan),
    "snr_db": ("f8", np.nan),
    "doppler_mps": ("f8", np.nan),
    "track_number": ("i8", -1),  # a radar's own track number (TTM, ASTERIX)
    "n_receivers": ("i2", 1),  # how many receivers heard this same message
    "receivers": ("O", None),  # tuple of receiver ids when more than one heard it
    "imo": ("i8", -1),
    "name": ("O", None),
    "callsign": ("O", None),
    "ship_type": ("i2", -1),
    "to_bow_m": ("i4", -1),
    "to_stern_m": ("i4", -1),
    "to_port_m": ("i4", -1),
    "to_starboard_m": ("i4", -1),
    "draught_m": ("f8", np.nan),
    "destination": ("O", None),
    "eta": ("O", None),  # "MM-DDTHH:MMZ" as broadcast (no year in AIS)
    "raw": ("O", None),  # the raw line(s) for evidence; kept only where the decoder is asked to
}

COLUMNS: tuple[str, ...] = tuple(SCHEMA)


class ColumnBatch:
    """A column store: one numpy array per column of the class's SCHEMA, all the same length.

    Columns not given hold their absent marker. Subclasses set SCHEMA, ROW (the frozen dataclass of one
    row, fields in SCHEMA order) and ENUMS (columns shown as an IntEnum in the row view)."""

    __slots__ = ("columns",)
    SCHEMA: ClassVar[dict[str, tuple[str, Any]]] = {}
    ROW: Any = None
    ENUMS: ClassVar[dict[str, Any]] = {}
    PRESENT_ALWAYS: tuple[str, ...] = ()  # int columns whose marker value is a real value, not "absent"

    def __init__(self, columns: Mapping[str, npt.ArrayLike], n: int | None = None) -> None:
        SCHEMA = self.SCHEMA
        dtypes = _dtypes(type(self))
        if not columns.keys() <= dtypes.keys():
            unknown = set(columns) - set(SCHEMA)
            raise KeyError(f"unknown {type(self).__name__} columns: {sorted(unknown)}")
        if n is None:
            n = len(next(iter(columns.values()))) if columns else 0  # type: ignore[arg-type]
        cols: dict[str, npt.NDArray[Any]] = {}
        ndarray = np.ndarray
        for name, (dtype, _absent) in SCHEMA.items():
            value = columns.get(name, _MISSING)
            if value is _MISSING:
                cols[name] = np.full(n, _absent, dtype=dtype)
                continue
            # a 1-D array of the column's dtype (the hot path's case) is taken as it is, as asarray would
            if type(value) is ndarray and value.dtype == dtypes[name] and value.ndim == 1:
                arr = value
            elif np.isscalar(value) or value is None:
                arr = np.full(n, value, dtype=dtype)
            else:
                arr = np.asarray(value, dtype=dtype)
            if len(arr) != n:
                raise ValueError(f"column {name} has {len(arr)} rows, expected {n}")
            cols[name] = arr
        self.columns = cols

    def __len__(self) -> int:
        return len(self.columns["kind"])

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.columns[name]

    @classmethod
    def empty(cls) -> Self:
        return cls({}, n=0)

    @classmethod
    def concat(cls, batches: Iterable[Self]) -> Self:
        parts = [b for b in batches if len(b)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls({name: np.concatenate([b.columns[name] for b in parts]) for name in cls.SCHEMA})

    def take(self, index: npt.ArrayLike) -> Self:
        idx = np.asarray(index)
        return type(self)({name: col[idx] for name, col in self.columns.items()})

    TIME_COLUMN = "observed_at"

    def sorted_by_time(self) -> Self:
        order = np.argsort(self.columns[self.TIME_COLUMN], kind="stable")
        return self.take(order)

    def to_arrow(self) -> Any:
        """A pyarrow Table; absent markers become nulls."""
        import pyarrow as pa

        arrays = {}
        for name, (dtype, absent) in self.SCHEMA.items():
            col = self.columns[name]
            if dtype == "O":
                if absent is None and name in self.TUPLE_COLUMNS:
                    arrays[name] = pa.array(col, type=pa.list_(pa.string()), from_pandas=True)  # tuples
                else:
                    arrays[name] = pa.array(col, type=pa.string(), from_pandas=True)
            elif dtype.startswith("f"):
                arrays[name] = pa.array(col, mask=np.isnan(col))
            elif name in self.PRESENT_ALWAYS:
                arrays[name] = pa.array(col)
            else:
                arrays[name] = pa.array(col, mask=col == absent)
        return pa.table(arrays)

    TUPLE_COLUMNS: tuple[str, ...] = ()

    def rows(self) -> Iterator[Any]:
        """The dataclass view, one ROW per row (for tests and the API, not the hot path)."""
        lists = {name: col.tolist() for name, col in self.columns.items()}
        for i in range(len(self)):
            values: dict[str, Any] = {}
            for name, (dtype, absent) in self.SCHEMA.items():
                v = lists[name][i]
                if dtype.startswith("f"):
                    v = None if math.isnan(v) else v  # NaN -> None
                elif dtype != "O" and name not in self.PRESENT_ALWAYS and v == absent:
                    v = None
                values[name] = v
            for name, enum in self.ENUMS.items():
                values[name] = enum(values[name])
            yield self.ROW(**values)

    def count_by(self, name: str) -> dict[Any, int]:
        keys, counts = np.unique(self.columns[name], return_counts=True)
        return {k.item() if hasattr(k, "item") else k: int(c) for k, c in zip(keys, counts)}


B = TypeVar("B", bound=ColumnBatch)

_MISSING: Any = object()


_DTYPES: dict[type, dict[str, np.dtype[Any]]] = {}


def _dtypes(cls: type) -> dict[str, np.dtype[Any]]:
    """Each column's numpy dtype, resolved once per class (the constructor compares against it per column)."""
    d = _DTYPES.get(cls)
    if d is None:
        d = _DTYPES[cls] = {name: np.dtype(dtype) for name, (dtype, _absent) in cls.SCHEMA.items()}  # type: ignore[attr-defined]
    return d


@dataclass(frozen=True, slots=True)
class Observation:
    """One observation, absent values as None. Mirrors SCHEMA column for column."""

    kind: Kind
    observed_at: float | None
    received_at: float | None
    source: str | None = None
    sensor: str | None = None
    msg_type: int | None = None
    mmsi: int | None = None
    lat: float | None = None
    lon: float | None = None
    sog_mps: float | None = None
    cog_deg: float | None = None
    heading_deg: float | None = None
    rot_deg_min: float | None = None
    nav_status: int | None = None
    position_accuracy: int | None = None
    range_m: float | None = None
    bearing_deg: float | None = None
    rcs_m2: float | None = None
    snr_db: float | None = None
    doppler_mps: float | None = None
    track_number: int | None = None
    n_receivers: int = 1
    receivers: tuple[str, ...] | None = None
    imo: int | None = None
    name: str | None = None
    callsign: str | None = None
    ship_type: int | None = None
    to_bow_m: int | None = None
    to_stern_m: int | None = None
    to_port_m: int | None = None
    to_starboard_m: int | None = None
    draught_m: float | None = None
    destination: str | None = None
    eta: str | None = None
    raw: str | None = None


assert tuple(f.name for f in fields(Observation)) == COLUMNS, "Observation and SCHEMA must match"


class ObservationBatch(ColumnBatch):
    """A column store of observations (SCHEMA above)."""

    __slots__ = ()
    SCHEMA = SCHEMA
    ROW = Observation
    ENUMS: ClassVar[dict[str, Any]] = {"kind": Kind}
    PRESENT_ALWAYS = ("kind", "n_receivers")
    TUPLE_COLUMNS = ("receivers",)
