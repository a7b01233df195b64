"""Messages shared by every stage: observations and contact updates (columnar + dataclass views), units."""

from seawatch.model.contact import ContactBatch, ContactKind, ContactUpdate, TrackStatus
from seawatch.model.observation import ColumnBatch, Kind, Observation, ObservationBatch

__all__ = ["ColumnBatch", "ContactBatch", "ContactKind", "ContactUpdate", "Kind", "Observation", "ObservationBatch",
           "TrackStatus"]
