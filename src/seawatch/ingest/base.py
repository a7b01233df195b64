"""The decoder contract every input format implements, and the registry that builds them.

A decoder turns bytes into `ObservationBatch`es. It is fed arbitrary chunks (it buffers a partial
trailing line or record itself), never raises on bad input (it counts it in `stats`), and gives back
what it still holds on `flush()` (end of file or connection).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from seawatch.errors import InputFormatError
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import ObservationBatch

if TYPE_CHECKING:
    from seawatch.config.site import SiteConfig


class Decoder(Protocol):
    stats: IngestStats

    def feed(self, data: bytes, received_at: float, source: str | None = None) -> ObservationBatch:
        """Decode what is complete in `data` (plus what was buffered); keep the incomplete tail."""
        ...

    def flush(self) -> ObservationBatch:
        """End of input: decode or reject whatever is still buffered."""
        ...


@dataclass(frozen=True)
class DecoderContext:
    """What a decoder may need to know: the site (sensor positions), which sensor it serves, limits."""

    site: SiteConfig | None = None
    sensor_id: str | None = None
    stats: IngestStats | None = None
    date: datetime.date | None = None  # UTC day of sensor times that carry only a time of day (ASTERIX)


DecoderFactory = Callable[[DecoderContext], Decoder]
_REGISTRY: dict[str, DecoderFactory] = {}


def register(fmt: str) -> Callable[[DecoderFactory], DecoderFactory]:
    def deco(factory: DecoderFactory) -> DecoderFactory:
        _REGISTRY[fmt] = factory
        return factory

    return deco


def make_decoder(fmt: str, ctx: DecoderContext) -> Decoder:
    # import the format modules so they register themselves
    from seawatch.ingest import formats  # noqa: F401

    try:
        factory = _REGISTRY[fmt]
    except KeyError as err:
        raise InputFormatError(
            f"format {fmt!r} is not supported; supported: {', '.join(sorted(_REGISTRY))}") from err
    return factory(ctx)


def registered_formats() -> list[str]:
    from seawatch.ingest import formats  # noqa: F401

    return sorted(_REGISTRY)
