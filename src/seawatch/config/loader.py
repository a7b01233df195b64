"""Reading site.toml: TOML syntax and validation errors become ConfigError naming file, key, value, fix."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from seawatch.config.site import SiteConfig
from seawatch.errors import ConfigError


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _value_at(data: Any, loc: tuple[int | str, ...]) -> Any:
    cur = data
    for part in loc:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model at loc's parent accepts, for 'extra key' errors."""
    model: Any = SiteConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        for cand in candidates:
            inner = getattr(cand, "__args__", ())
            for c in (cand, *inner):
                if isinstance(c, type) and hasattr(c, "model_fields"):
                    model = c
                    break
            else:
                continue
            break
        else:
            return []
    return sorted(k for k in model.model_fields if k != "path")


def format_validation_error(err: ValidationError, data: Any, source: str) -> str:
    lines = [f"{source}: invalid site configuration ({err.error_count()} problem(s))"]
    for e in err.errors():
        loc = tuple(e["loc"])
        key = _key_path(loc)
        if e["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc)
            fix = f"remove it or fix its spelling; allowed keys here: {', '.join(allowed)}" if allowed \
                else "remove it"
            lines.append(f"  - key '{key}' = {e['input']!r}: unknown key; {fix}")
        elif e["type"] == "missing":
            lines.append(f"  - key '{key}': required but missing; add it")
        else:
            value = _value_at(data, loc) if loc else None
            shown = value if value is not None else e.get("input")
            if isinstance(shown, dict):
                shown = "{...}"
            lines.append(f"  - key '{key}' = {shown!r}: {e['msg']}")
    return "\n".join(lines)


def validate_site_dict(data: dict[str, Any], source: str = "<site>", path: Path | None = None) -> SiteConfig:
    try:
        cfg = SiteConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, data, source)) from err
    return cfg.model_copy(update={"path": path}) if path is not None else cfg


def load_site(path: str | Path) -> SiteConfig:
    """Read and validate a site file. Raises ConfigError with file, key, value and the fix."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{p}: cannot read site file: {err.strerror}") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{p}: not valid TOML: {err}") from err
    cfg = validate_site_dict(data, source=str(p), path=p.resolve())
    zp = cfg.zones_path()
    if zp is not None and not zp.exists():
        raise ConfigError(f"{p}: key 'zones.file' = {cfg.zones.file!r}: file {zp} does not exist; "  # type: ignore[union-attr]
                          "give a GeoJSON FeatureCollection path relative to the site file")
    return cfg
