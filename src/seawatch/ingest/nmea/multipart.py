"""Reassembly of multi-part AIS messages (e.g. type 5 over two sentences).

Groups are keyed by receiver (tag block `s:` or feed), sequential message id and channel, so interleaved
groups and fragments from different receivers never mix. A tag block group (`g:2-2-1234`) lets a
fragment without its own `s:`/`c:` inherit them from the first fragment. A fragment that does not
continue an open group is an orphan; a group not completed within the timeout expires. Both are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seawatch.ingest.stats import IngestStats


@dataclass
class _Group:
    count: int
    started_at: float
    observed_at: float
    source: str
    channel: bytes
    payloads: list[bytes] = field(default_factory=list)
    raws: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class Complete:
    payload: bytes
    fill: int
    channel: bytes
    observed_at: float
    source: str
    raw: bytes


class Reassembler:
    def __init__(self, stats: IngestStats, timeout_s: float = 10.0) -> None:
        self.stats = stats
        self.timeout_s = timeout_s
        self.open: dict[tuple[str, int, bytes, int], _Group] = {}

    def add(self, *, source: str, seq: int, channel: bytes, count: int, number: int, payload: bytes,
            fill: int, observed_at: float, raw: bytes) -> Complete | None:
        key = (source, seq, channel, count)
        group = self.open.get(key)
        if number == 1:
            if group is not None:  # a new message started before the previous one completed
                self.stats.reject_many("orphan_fragment", group.raws)
            group = _Group(count, observed_at, observed_at, source, channel)
            self.open[key] = group
        elif group is None or len(group.payloads) != number - 1:
            self.stats.reject("orphan_fragment", raw)
            if group is not None:
                self.stats.reject_many("orphan_fragment", group.raws)
                del self.open[key]
            return None
        group.payloads.append(payload)
        group.raws.append(raw)
        if number < count:
            return None
        del self.open[key]
        return Complete(payload=b"".join(group.payloads), fill=fill, channel=channel,
                        observed_at=group.observed_at, source=group.source, raw=b"\n".join(group.raws))

    def expire(self, now: float) -> None:
        """Reject groups older than the timeout (in event time)."""
        old = [k for k, g in self.open.items() if now - g.started_at > self.timeout_s]
        for k in old:
            self.stats.reject_many("expired_fragment", self.open.pop(k).raws)

    def flush(self) -> None:
        for g in self.open.values():
            self.stats.reject_many("expired_fragment", g.raws)
        self.open.clear()
