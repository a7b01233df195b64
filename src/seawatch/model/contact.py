"""Contact updates: what tracking and fusion hand to detection, storage and the console.

A contact is one vessel as seawatch believes it: a radar track, an AIS vessel, or both fused. Each
update row is the contact's state at time `t` (seconds since the epoch, UTC). Columnar like
observations (`ColumnBatch`): absent = NaN / -1 / None; `rows()` gives `ContactUpdate` dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar

import numpy as np

from seawatch.model.observation import ColumnBatch


class ContactKind(IntEnum):
    FUSED = 1  # radar track + AIS
    RADAR_ONLY = 2  # dark: no AIS correlates
    AIS_ONLY = 3  # outside radar cover, or suspicious inside it


class TrackStatus(IntEnum):
    TENTATIVE = 1
    CONFIRMED = 2
    COASTING = 3
    LOST = 4


CONTACT_SCHEMA: dict[str, tuple[str, Any]] = {
    "contact_id": ("i8", -1),
    "t": ("f8", np.nan),
    "kind": ("u1", 0),
    "status": ("u1", 0),
    "lat": ("f8", np.nan),
    "lon": ("f8", np.nan),
    "sog_mps": ("f8", np.nan),
    "cog_deg": ("f8", np.nan),
    "heading_deg": ("f8", np.nan),
    "var_e_m2": ("f8", np.nan),  # position covariance in the local east/north frame
    "var_n_m2": ("f8", np.nan),
    "cov_en_m2": ("f8", np.nan),
    "radar_track_id": ("i8", -1),
    "mmsi": ("i8", -1),
    "name": ("O", None),
    "callsign": ("O", None),
    "imo": ("i8", -1),
    "ship_type": ("i2", -1),
    "length_m": ("f8", np.nan),
    "sensors": ("O", None),  # tuple of sensor ids that contributed to this update
    # the row's t minus its last AIS report's time (AIS and fused contacts): t - ais_age_s is that report's time on
    # every row that carries it (negative when a fused row dates from a radar scan before the report; a LOST row
    # repeats its contact's last row, AIS age and all)
    "ais_age_s": ("f8", np.nan),
    "ais_class": ("i1", -1),  # the transponder class its position reports show: AIS_CLASS_A / AIS_CLASS_B
    # its radar track's evidence (radar and fused contacts): the tracker's track score (ln of the likelihood ratio
    # "a vessel detected with a low Pd" over "clutter", summed over the scans of radars >= 10 km away; absent if no
    # such scan has covered it), the plots associated with it since it was born, and when it was born (its first
    # plot: before the tracker confirmed it and the contact was first shown)
    "track_score": ("f8", np.nan),
    "track_plots": ("i4", -1),
    "track_born_t": ("f8", np.nan),
}

AIS_CLASS_A = 1  # position reports of types 1-3 (and 27): a class A set (12.5 W, on the mast, SOLAS ships)
AIS_CLASS_B = 2  # types 18 and 19: a class B set (2-5 W, a low antenna: small craft)


@dataclass(frozen=True, slots=True)
class ContactUpdate:
    contact_id: int | None
    t: float | None
    kind: ContactKind
    status: TrackStatus
    lat: float | None = None
    lon: float | None = None
    sog_mps: float | None = None
    cog_deg: float | None = None
    heading_deg: float | None = None
    var_e_m2: float | None = None
    var_n_m2: float | None = None
    cov_en_m2: float | None = None
    radar_track_id: int | None = None
    mmsi: int | None = None
    name: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    length_m: float | None = None
    sensors: tuple[str, ...] | None = None
    ais_age_s: float | None = None
    ais_class: int | None = None
    track_score: float | None = None
    track_plots: int | None = None
    track_born_t: float | None = None


assert tuple(f.name for f in fields(ContactUpdate)) == tuple(CONTACT_SCHEMA)


class ContactBatch(ColumnBatch):
    """Contact updates, one row per contact per update."""

    __slots__ = ()
    SCHEMA = CONTACT_SCHEMA
    ROW = ContactUpdate
    ENUMS: ClassVar[dict[str, Any]] = {"kind": ContactKind, "status": TrackStatus}
    PRESENT_ALWAYS = ("kind", "status")
    TUPLE_COLUMNS = ("sensors",)
    TIME_COLUMN = "t"
