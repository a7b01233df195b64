"""The store interface: what ingest, tracking, detection and the console call to keep and find history.

Two back-ends implement it (`EmbeddedStore`: SQLite WAL + daily Parquet + DuckDB; `PostgresStore`:
PostgreSQL + PostGIS). Every write is a batch and idempotent (replaying the same input twice adds nothing
twice); every write that matters as evidence (alerts, operator actions) is durable once the call returns.

Positions are contact updates (`ContactBatch`) or AIS observations (`ObservationBatch`) normalised to
`POSITION_COLUMNS` (see `seawatch.store.positions`). Times are float seconds since the epoch, UTC.
A bounding box is `(lon_min, lat_min, lon_max, lat_max)` in WGS84 degrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pyarrow as pa

    from seawatch.model.contact import ContactBatch
    from seawatch.model.observation import ObservationBatch

from seawatch.errors import SeawatchError

BBox = tuple[float, float, float, float]


class UserExistsError(SeawatchError, ValueError):
    """A user name is taken once."""

ALERT_STATES = ("open", "updated", "closed")
SEVERITIES = ("low", "medium", "high", "critical")
ROLES = ("viewer", "operator", "supervisor", "admin")
ACTIONS = ("acknowledge", "assign", "comment", "classify", "escalate", "close", "reopen",
           "login", "logout", "user", "zones", "site")


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of record is kept, in days (None = forever)."""

    raw_days: float | None = 30.0
    positions_days: float | None = 365.0
    alerts_days: float | None = None
    audit_days: float | None = None
    live_days: float = 2.0  # embedded: positions older than this move from SQLite to the Parquet archive


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a replay or a live feed stopped: resume from `offset` bytes into `file`, or after `last_t`."""

    name: str
    file: str | None = None
    offset: int = 0
    last_t: float | None = None
    updated_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class User:
    name: str
    password_hash: str  # produced and checked by the console (serve/auth); the store only keeps it
    role: str
    created_at: float
    disabled: bool = False


@runtime_checkable
class Store(Protocol):
    """One interface, two back-ends. All methods are synchronous and thread-confined to their caller."""

    url: str

    # --- writes -------------------------------------------------------------------------------------
    def write_positions(self, batch: ContactBatch | ObservationBatch | pa.Table,
                        checkpoint: Checkpoint | None = None) -> int:
        """Store a batch of positions (one transaction); rows already stored (same id, t) are skipped.
        With `checkpoint`, the checkpoint is saved in the same transaction. Returns the rows given."""

    def write_raw(self, lines: Sequence[bytes | str], received_at: Any, source: str) -> int:
        """Keep raw sensor lines (compressed chunk) for evidence and re-processing. `received_at` is one
        float for all lines or one per line. The same chunk written twice is kept once."""

    def upsert_alerts(self, alerts: Iterable[dict[str, Any]]) -> int:
        """Insert or update alerts by `id` (DESIGN.md Alerts JSONL schema); durable when it returns.
        Each distinct version is also appended to the alert's history."""

    def record_action(self, user: str, action: str, alert_id: str | None = None,
                      payload: dict[str, Any] | None = None, *, t: float | None = None,
                      action_id: str | None = None) -> str:
        """Append an operator action to the audit log and apply it to the alert (acknowledge, assign,
        classify, close, reopen); durable (fsync) when it returns. Returns the action id; an action id
        already recorded is not recorded twice."""

    def create_user(self, name: str, password_hash: str, role: str = "operator") -> User: ...

    def get_user(self, name: str) -> User | None: ...

    def list_users(self) -> list[User]: ...

    def update_user(self, name: str, *, password_hash: str | None = None, role: str | None = None,
                    disabled: bool | None = None) -> User: ...

    def record_config(self, kind: str, document: dict[str, Any] | str, user: str | None = None,
                      t: float | None = None) -> int:
        """Keep a version of the zones (`kind="zones"`) or the site file (`kind="site"`); returns the
        version number (unchanged document = same version)."""

    def config_at(self, kind: str, t: float | None = None) -> dict[str, Any] | None:
        """The version of `kind` in force at `t` (latest if None): {version, t, user, document}."""

    def save_checkpoint(self, checkpoint: Checkpoint) -> None: ...

    def load_checkpoint(self, name: str) -> Checkpoint | None: ...

    # --- queries ------------------------------------------------------------------------------------
    def track(self, *, contact_id: int | None = None, mmsi: int | None = None,
              t0: float | None = None, t1: float | None = None) -> pa.Table:
        """One contact's (or every contact of one MMSI) positions in [t0, t1], sorted by (t, id)."""

    def bbox_at(self, bbox: BBox, t: float, tolerance_s: float = 60.0) -> pa.Table:
        """Each contact's last position in [t - tolerance_s, t] that lies in the box (replay scrubbing)."""

    def bbox_between(self, bbox: BBox, t0: float, t1: float) -> pa.Table:
        """Every position in the box in [t0, t1], sorted by (id, t)."""

    def alerts(self, *, type: str | None = None, zone: str | None = None, severity: str | None = None,
               state: str | None = None, t0: float | None = None, t1: float | None = None,
               limit: int = 1000) -> list[dict[str, Any]]:
        """Alerts whose [start, end] overlaps [t0, t1], newest first, with their lifecycle fields."""

    def last_alert_number(self) -> int:
        """The highest number among the stored alerts' ids, 0 if none."""

    def open_alert_docs(self) -> list[dict[str, Any]]:
        """The stored alerts still open (end null), as the engine wrote them."""

    def alert(self, alert_id: str) -> dict[str, Any] | None: ...

    def alert_history(self, alert_id: str) -> list[dict[str, Any]]: ...

    def search_vessels(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        """Full text on vessel names and callsigns, prefix on MMSI digits."""

    def audit(self, t0: float | None = None, t1: float | None = None, user: str | None = None,
              alert_id: str | None = None) -> list[dict[str, Any]]: ...

    def raw(self, source: str | None = None, t0: float | None = None,
            t1: float | None = None) -> list[tuple[float, bytes]]: ...

    def count_positions(self) -> int: ...

    # --- housekeeping -------------------------------------------------------------------------------
    def apply_retention(self, now: float) -> dict[str, int]:
        """Delete what is older than the retention per kind; returns rows (or files) removed per kind."""

    def integrity_check(self) -> str:
        """'ok' when the database checks out (SQLite `PRAGMA integrity_check`, PostgreSQL amcheck)."""

    def disk_bytes(self) -> int:
        """Bytes the positions take on disk (embedded: the whole store directory)."""

    def close(self) -> None: ...
