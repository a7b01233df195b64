"""The wheel ships the console's own files and only the npm files it serves, not `node_modules` whole."""

from __future__ import annotations

import tomllib
from pathlib import Path

from seawatch.serve.app import VENDOR, WEB_DIR

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
PACKAGE = WEB_DIR.parent.parent  # src/seawatch


def shipped_globs() -> list[str]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["seawatch"]


def is_shipped(path: Path) -> bool:
    rel = path.relative_to(PACKAGE)
    return any(rel.full_match(g) if hasattr(rel, "full_match") else rel.match(g) for g in shipped_globs())


def test_every_file_the_console_serves_from_npm_is_in_the_package_data() -> None:
    for name, path in VENDOR.items():
        assert is_shipped(path), f"/vendor/{name} ({path}) would be missing from the wheel"


def test_the_console_pages_ship_and_the_rest_of_node_modules_does_not() -> None:
    assert is_shipped(WEB_DIR / "index.html")
    assert is_shipped(WEB_DIR / "static" / "js" / "main.js")
    for other in ("maplibre-gl/src/index.ts", "maplibre-gl/dist/maplibre-gl-dev.js", "world-atlas/countries-10m.json",
                  ".package-lock.json"):
        assert not is_shipped(WEB_DIR / "node_modules" / other), other
    assert not any("node_modules/**" in g or g.endswith("web/**/*") for g in shipped_globs())
