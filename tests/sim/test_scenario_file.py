"""Scenario files: user-written TOML, strictly validated, with errors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawatch.errors import ConfigError
from seawatch.sim.scenario import load_scenario, parse_duration_s


def test_durations_read_as_people_write_them() -> None:
    assert [parse_duration_s(v) for v in ("90", "90s", "15m", "2h", "1d", "1h30m", 42)] == \
        [90, 90, 900, 7200, 86400, 5400, 42]
    with pytest.raises(ValueError):
        parse_duration_s("2 fortnights")


def test_a_misspelt_key_is_refused_with_the_keys_allowed_there(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text('[scenario]\nname = "x"\n[[actors]]\nname = "a"\ntype = "cargo"\nstart = [40.2, 50.0]\n'
                 'legs = [{ to = [40.1, 50.1], speed_kn = 3, dwel_s = 5 }]\n')
    with pytest.raises(ConfigError) as err:
        load_scenario(p)
    msg = str(err.value)
    assert "actors[0].legs[0].dwel_s" in msg and "dwell_s" in msg.split("allowed keys in actors.legs:")[1]


def test_an_unknown_scenario_name_lists_the_builtin_ones() -> None:
    with pytest.raises(ConfigError, match="astara-gofast"):
        load_scenario("no-such-scenario")


def test_a_clone_must_name_an_existing_actor(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text('[scenario]\nname = "x"\n[[actors]]\nname = "a"\ntype = "cargo"\nmmsi_of = "ghost"\n'
                 'start = [40.2, 50.0]\nlegs = [{ to = [40.1, 50.1], speed_kn = 3 }]\n')
    with pytest.raises(ConfigError, match="ghost"):
        load_scenario(p)
