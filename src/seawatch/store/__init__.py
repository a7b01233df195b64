"""History and storage: one interface (`Store`), an embedded back-end and a PostgreSQL/PostGIS one.

`open_store("DIR")` or `open_store("sqlite:///DIR")` (`sqlite:////abs/dir` for an absolute path) opens the embedded store (SQLite WAL + daily Parquet,
queried with DuckDB); `open_store("postgresql://user@host:port/db")` the PostgreSQL + PostGIS one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seawatch.store.base import BBox, Checkpoint, Retention, Store, User, UserExistsError

__all__ = ["BBox", "Checkpoint", "Retention", "Store", "User", "UserExistsError", "open_store", "site_store_url"]


def open_store(url_or_dir: str | Path, retention: Retention | None = None, **options: Any) -> Store:
    """Open (creating and migrating if needed) the store at a directory or URL."""
    text = str(url_or_dir)
    if text.startswith(("postgresql://", "postgres://")):
        from seawatch.store.postgres import PostgresStore

        return PostgresStore(text, retention, **options)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///"):]  # as SQLAlchemy: sqlite:///rel/dir, sqlite:////abs/dir
    elif "://" in text:
        from seawatch.errors import ConfigError

        raise ConfigError(f"storage URL {text!r}: use a directory, sqlite:///DIR or postgresql://...")
    from seawatch.store.embedded import EmbeddedStore

    return EmbeddedStore(text, retention, **options)


def site_store_url(storage: Any, base_dir: str | Path | None = None) -> str:
    """The store URL of a site file's `[storage]` section (`backend`, `dir`, `dsn`); a relative `dir` is
    taken from `base_dir` (the site file's directory) when given."""
    from seawatch.errors import ConfigError

    if storage.backend == "postgresql":
        if not storage.dsn:
            raise ConfigError("[storage] backend = \"postgresql\" needs dsn = \"postgresql://user@host/db\"")
        return str(storage.dsn)
    path = Path(storage.dir)
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    return str(path)
