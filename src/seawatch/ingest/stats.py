"""Counters for ingest: accepted observations and rejects by reason, with a bounded sample of bad input.

Every rejected line or record is counted under one reason, logged once per reason with the offending
bytes, and a bounded sample of rejected raw input is kept for diagnosis.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

# The reasons, documented in docs/ingest.md. Add new ones here, nowhere else.
REASONS: dict[str, str] = {
    "bad_checksum": "NMEA checksum does not match",
    "not_nmea": "line is not an NMEA sentence nor a known logger layout",
    "truncated": "sentence or CSV row cut short (missing fields or checksum) or payload bit count wrong for its type",
    "bad_tag_block": "NMEA 4.0 tag block malformed or its checksum wrong",
    "orphan_fragment": "fragment of a multi-part message without its first part / mismatched group",
    "expired_fragment": "multi-part group never completed within the timeout",
    "unsupported_type": "sentence or message type seawatch does not decode",
    "invalid_field": "a field out of its allowed range (e.g. invalid MMSI, bad time)",
    "wrong_length": "AIS payload bit count is not the one its message type defines (aiscat quality flag)",
    "duplicate": "the same message heard again (another receiver or a repeat) within the dedup window",
    "out_of_order": "older than the reorder window allows",
    "from_the_future": "live: stamped more than ingest.max_ahead_s after it was received (a receiver's clock is wrong)",
    "no_timestamp": "no time could be given to the observation",
    "bad_record": "binary or CSV record that cannot be decoded",
    "bad_file": "an input file cut short or corrupt (a gzip without its end), or empty: what came before is kept",
}


@dataclass
class IngestStats:
    """Counts for one ingest run. Cheap to update in bulk (`add_rejects(reason, n)`)."""

    sample_size: int = 100
    lines: int = 0
    observations: Counter[str] = field(default_factory=Counter)  # by kind name
    msg_types: Counter[int] = field(default_factory=Counter)  # AIS message types accepted
    rejects: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)  # valid input that carries no observation
    samples: list[tuple[str, bytes]] = field(default_factory=list)
    _logged: set[str] = field(default_factory=set)

    def reject(self, reason: str, raw: bytes | str, n: int = 1) -> None:
        if reason not in REASONS:
            raise KeyError(f"unknown reject reason {reason!r}; add it to seawatch.ingest.stats.REASONS")
        self.rejects[reason] += n
        data = raw.encode("utf-8", "replace") if isinstance(raw, str) else bytes(raw)
        data = data[:512]
        if len(self.samples) < self.sample_size:
            self.samples.append((reason, data))
        if reason not in self._logged:
            self._logged.add(reason)
            logger.warning("rejected input (%s: %s), first occurrence: %r — further ones are counted",
                           reason, REASONS[reason], data)

    def reject_many(self, reason: str, raws: list[bytes]) -> None:
        if not raws:
            return
        if reason not in REASONS:
            raise KeyError(f"unknown reject reason {reason!r}")
        self.rejects[reason] += len(raws)
        room = self.sample_size - len(self.samples)
        for raw in raws[: max(room, 0)]:
            self.samples.append((reason, bytes(raw[:512])))
        if reason not in self._logged:
            self._logged.add(reason)
            logger.warning("rejected input (%s: %s), first occurrence: %r — further ones are counted",
                           reason, REASONS[reason], bytes(raws[0][:512]))

    def merge(self, other: IngestStats) -> None:
        self.lines += other.lines
        self.observations.update(other.observations)
        self.msg_types.update(other.msg_types)
        self.rejects.update(other.rejects)
        self.ignored.update(other.ignored)
        room = self.sample_size - len(self.samples)
        self.samples.extend(other.samples[: max(room, 0)])

    @property
    def total_rejects(self) -> int:
        return sum(self.rejects.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "observations": dict(sorted(self.observations.items())),
            "ais_msg_types": {str(k): v for k, v in sorted(self.msg_types.items())},
            "rejects": dict(sorted(self.rejects.items())),
            "ignored": dict(sorted(self.ignored.items())),
            "reject_samples": [{"reason": r, "raw": d.decode("latin-1")} for r, d in self.samples[:20]],
        }
