"""Where sensor bytes come from: files (plain or .gz), TCP client, TCP server, UDP listener."""

from seawatch.ingest.sources.file import open_bytes, read_chunks, sniff

__all__ = ["open_bytes", "read_chunks", "sniff"]
