"""Scenario files: small TOML documents (user-writable) that set the day, the sea, the background traffic and
the scripted actors whose behaviour is the ground truth. See docs/simulator.md for the format."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from seawatch.config.loader import format_validation_error
from seawatch.errors import ConfigError

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

EventKind = Literal["rendezvous", "dark_target", "ais_gap", "high_speed", "border_crossing", "shore_approach",
                    "zone_entry", "zone_loiter", "loitering", "ais_spoofing"]
StatusName = Literal["under_way", "at_anchor", "moored", "fishing"]
STATUS_CODES = {"under_way": 0, "at_anchor": 1, "moored": 5, "fishing": 7}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_duration_s(value: str | float) -> float:
    """'90', '90s', '15m', '2h', '1d', '1h30m' -> seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    text = value.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([dhms])", text)
    if not parts or "".join(f"{a}{b}" for a, b in parts) != text.replace(" ", ""):
        raise ValueError(f"not a duration: {value!r} (use seconds or e.g. 90s, 15m, 2h, 1d, 1h30m)")
    mult = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
    return sum(float(a) * mult[b] for a, b in parts)


def parse_time(value: str) -> float:
    """ISO-8601 (a zone-less time is UTC) -> epoch seconds."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as err:
        raise ValueError(f"not an ISO-8601 time: {value!r}") from err
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


class ScenarioSection(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    start: str = "2026-06-12T00:00:00Z"
    duration: str | float = "24h"
    seed: int = Field(default=1, ge=0)
    sea_state: float = Field(default=2.0, ge=0, le=6, description="Douglas sea state")
    time_step_s: float = Field(default=5.0, ge=0.5, le=30)

    @field_validator("start")
    @classmethod
    def _start(cls, v: str) -> str:
        parse_time(v)
        return v

    @field_validator("duration")
    @classmethod
    def _duration(cls, v: str | float) -> str | float:
        if parse_duration_s(v) <= 0:
            raise ValueError("duration must be positive")
        return v


class TrafficSection(_Strict):
    tanker: int = Field(default=40, ge=0)
    ferry: int = Field(default=12, ge=0)
    cargo: int = Field(default=45, ge=0)
    anchored: int = Field(default=25, ge=0)
    field: int = Field(default=46, ge=0, le=46, description="vessels of the (fixed) field service fleet")
    fishing: int = Field(default=90, ge=0)
    small: int = Field(default=50, ge=0)
    scale: float = Field(default=1.0, ge=0, le=100, description="multiplies every count but `field`")

    def counts(self) -> dict[str, int]:
        c = {k: round(getattr(self, k) * self.scale) for k in
             ("tanker", "ferry", "cargo", "anchored", "fishing", "small")}
        c["field"] = self.field
        return c


class AisSection(_Strict):
    loss: float = Field(default=0.05, ge=0, le=1, description="message loss inside the radio horizon")
    duplicates: bool = Field(default=False, description="one line per receiving station, not one per message")


class OutputSection(_Strict):
    plots_time: Literal["iso", "epoch"] = "epoch"
    truth_interval_s: float = Field(default=10.0, gt=0)
    asterix: Literal["none", "cat048", "cat010"] = Field(
        default="none", description="also write each radar's plots as ASTERIX (SAC 0, SIC = radar number)")


class Leg(_Strict):
    to: tuple[float, float] = Field(description="[lat, lon] of the waypoint")
    speed_kn: float = Field(ge=0, le=60)
    dwell_s: float = Field(default=0.0, ge=0)
    wait_until_s: float | None = Field(default=None, ge=0, description="dwell until this time after the start")
    ais: bool | None = Field(default=None, description="transponder on during this leg (default: the actor's)")
    status: StatusName = "under_way"
    dwell_status: StatusName = "under_way"
    events: list[EventKind] = Field(default_factory=list)
    group: str | None = Field(default=None, description="rendezvous: legs of one meeting share a group")


class Spoof(_Strict):
    from_s: float = Field(ge=0)
    to_s: float = Field(gt=0)
    offset_m: tuple[float, float] = Field(description="[east, north] metres added to the broadcast position")


class IdentityChange(_Strict):
    at_s: float = Field(ge=0)
    mmsi: int = Field(ge=100_000_000, le=999_999_999)
    name: str = Field(min_length=1, max_length=20)


class Actor(_Strict):
    name: str = Field(min_length=1)
    type: Literal["tanker", "ferry", "cargo", "supply", "crew", "standby", "fishing", "small", "gofast"]
    flag: Literal["AZ", "IR", "RU", "KZ", "TM"] = "AZ"
    ais: bool = Field(default=True, description="has a transponder that is on unless a leg says otherwise")
    ais_class: Literal["A", "B"] | None = None
    rcs_m2: float | None = Field(default=None, gt=0)
    start: tuple[float, float]
    appear_s: float = Field(default=0.0, ge=0, description="on the sea (visible) from this time after the start")
    start_speed_kn: float | None = Field(default=None, ge=0)
    vanish_at_end: bool = False
    legs: list[Leg] = Field(min_length=1)
    mmsi: int | None = Field(default=None, ge=100_000_000, le=999_999_999)
    mmsi_of: str | None = Field(default=None, description="broadcast the MMSI of another actor (a clone)")
    name_of: str | None = None
    spoof: list[Spoof] = Field(default_factory=list)
    identity_change: IdentityChange | None = None


class Scenario(_Strict):
    scenario: ScenarioSection
    traffic: TrafficSection = TrafficSection()
    ais: AisSection = AisSection()
    output: OutputSection = OutputSection()
    actors: list[Actor] = Field(default_factory=list)

    path: Path | None = Field(default=None, exclude=True)

    @property
    def start_epoch(self) -> float:
        return parse_time(self.scenario.start)

    @property
    def duration_s(self) -> float:
        return parse_duration_s(self.scenario.duration)


def _allowed(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the scenario model accepts where an unknown key was found."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        ann = field.annotation if field is not None else None
        inner = [a for a in (ann, *getattr(ann, "__args__", ())) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not inner:
            return []
        model = inner[0]
    return sorted(k for k in model.model_fields if k != "path")


def builtin_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name (e.g. `astara-gofast`) or a scenario TOML file."""
    p = Path(name_or_path)
    if not p.exists():
        cand = SCENARIO_DIR / f"{name_or_path}.toml"
        if not cand.exists():
            raise ConfigError(f"no scenario file {name_or_path!r} and no built-in scenario of that name; "
                              f"built-in: {', '.join(builtin_scenarios())}")
        p = cand
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{p}: cannot read scenario: {err}") from err
    try:
        scn = Scenario.model_validate(data)
    except ValidationError as err:
        text = format_validation_error(err, data, str(p)).replace("site configuration", "scenario")
        hints = [f"  allowed keys in {'.'.join(str(x) for x in e['loc'][:-1] if isinstance(x, str)) or 'the file'}: "
                 f"{', '.join(_allowed(e['loc']))}" for e in err.errors() if e["type"] == "extra_forbidden"]
        raise ConfigError("\n".join([text, *dict.fromkeys(hints)])) from err
    names = [a.name for a in scn.actors]
    for a in scn.actors:
        for ref in (a.mmsi_of, a.name_of):
            if ref is not None and ref not in names:
                raise ConfigError(f"{p}: actor '{a.name}' refers to unknown actor '{ref}'")
    if len(set(names)) != len(names):
        raise ConfigError(f"{p}: actor names must be unique")
    return scn.model_copy(update={"path": p})
