"""Where sensor bytes come from: files (plain or .gz), TCP client, TCP server, UDP listener."""

from seawatch.ingest.sources.base import Chunk, Source, SourceStats, open_source, parse_source_url
from seawatch.ingest.sources.file import read_chunks, sniff

__all__ = [
           "Chunk",
           "Source",
           "SourceStats",
           "open_source",
           "parse_source_url",
           "read_chunks",
           "sniff",
]
