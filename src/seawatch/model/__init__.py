"""Messages shared by every stage: observations (columnar batches + dataclass view), units."""

from seawatch.model.observation import Kind, Observation, ObservationBatch

__all__ = ["Kind", "Observation", "ObservationBatch"]
