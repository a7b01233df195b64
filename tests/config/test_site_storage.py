"""The site file's `[storage]` section and its retention sub-table `[storage.retention]`."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawatch.config.loader import validate_site_dict
from seawatch.config.site import RetentionSection
from seawatch.errors import ConfigError
from seawatch.store.keeper import retention_of

REPO = Path(__file__).resolve().parents[2]
SITE_FILES = [REPO / "src/seawatch/sites/caspian/site.toml", *sorted((REPO / "tests/fixtures").rglob("*site*.toml"))]


def site(**storage: object) -> dict[str, object]:
    return {"site": {"name": "test"}, "sensors": [{"id": "ais", "kind": "ais"}], "storage": storage}


@pytest.mark.parametrize("path", SITE_FILES, ids=lambda p: p.name)
def test_every_site_file_in_the_repository_still_loads_with_the_default_retention(path: Path) -> None:
    from seawatch.config import load_site

    cfg = load_site(path)
    assert cfg.storage.retention == RetentionSection()


def test_the_default_retention_keeps_raw_30_days_positions_a_year_alerts_and_audit_forever() -> None:
    r = retention_of(validate_site_dict(site(), source="t").storage.retention)
    assert (r.raw_days, r.positions_days, r.alerts_days, r.audit_days, r.live_days) == (30, 365, None, None, 2)


def test_retention_days_per_kind_and_forever_are_read_from_the_site_file() -> None:
    cfg = validate_site_dict(site(retention={"raw_days": 7, "positions_days": "forever", "alerts_days": 3650,
                                             "live_days": 0.5}), source="t")
    r = retention_of(cfg.storage.retention)
    assert (r.raw_days, r.positions_days, r.alerts_days, r.audit_days, r.live_days) == (7, None, 3650, None, 0.5)


@pytest.mark.parametrize("bad", [{"raw_days": 0}, {"positions_days": -1}, {"alerts_days": "never"},
                                 {"audit_days": None}, {"live_days": 400}, {"keep_days": 3}])
def test_a_wrong_retention_value_or_an_unknown_key_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises((ConfigError, ValueError)):
        validate_site_dict(site(retention=bad), source="t")
