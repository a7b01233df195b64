"""`[rules.<type>]` in the site file: a setting that no rule reads, or a value no rule can use, stops the start
with an error naming the file, the key, the value and the fix (not a rule that silently keeps its default)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from seawatch.config import load_site
from seawatch.detect.engine import DetectionEngine
from seawatch.detect.rules import RULES
from seawatch.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
CASPIAN = REPO / "src/seawatch/sites/caspian/site.toml"


def site_with(tmp_path: Path, rules_toml: str) -> Path:
    """The built-in Caspian site file, copied next to its zones, with `rules_toml` appended."""
    text = CASPIAN.read_text()
    for name in re.findall(r'file\s*=\s*"([^"]+)"', text):
        (tmp_path / name).write_bytes((CASPIAN.parent / name).read_bytes())
    path = tmp_path / "site.toml"
    path.write_text(text + "\n" + rules_toml + "\n")
    return path


def start_error(tmp_path: Path, rules_toml: str) -> str:
    site = load_site(site_with(tmp_path, rules_toml))
    with pytest.raises(ConfigError) as err:
        DetectionEngine(site)
    return str(err.value)


def test_a_misspelt_rule_section_is_refused_naming_the_file_and_the_rules(tmp_path: Path) -> None:
    msg = start_error(tmp_path, "[rules.loitring]\nmin_duration_s = 600")
    assert str(tmp_path / "site.toml") in msg
    assert "[rules.loitring]" in msg and "loitering" in msg and "fusion" in msg


def test_an_unknown_key_is_refused_with_the_keys_the_rule_knows(tmp_path: Path) -> None:
    msg = start_error(tmp_path, "[rules.loitering]\nmax_speed_kn = 2")
    assert "'rules.loitering.max_speed_kn'" in msg and "speed_kn" in msg and str(tmp_path) in msg


@pytest.mark.parametrize(("toml", "fix"), [
    ("[rules.loitering]\nmin_duration_s = -60", "give a number >= 0 (default 3600)"),
    ("[rules.loitering]\nmin_duration_s = nan", "give a number >= 0"),
    ("[rules.loitering]\nmin_duration_s = \"1h\"", "give a number >= 0"),
    ("[rules.loitering]\nenabled = 1", "give true or false"),
    ("[rules.ais_gap]\nreception_min_long = 2.5", "give a whole number >= 0 (default 2)"),
    ("[rules.dark_target]\ncoverage_fraction = 1.5", "give a share between 0 and 1 (default 0.95)"),
    ("[rules.loitering]\nexempt_ship_types = [\"30\"]", "give a list like the default [30, 36, 37]"),
])
def test_a_value_no_rule_can_use_is_refused_with_its_key_value_and_fix(tmp_path: Path, toml: str, fix: str) -> None:
    msg = start_error(tmp_path, toml)
    key, _value = toml.split("\n")[1].split(" = ")
    assert f"'rules.{toml[7:toml.index(']')]}.{key}'" in msg
    assert fix in msg and str(tmp_path / "site.toml") in msg


def test_good_values_are_taken_as_given_and_integers_stay_integers(tmp_path: Path) -> None:
    site = load_site(site_with(tmp_path, "[rules.ais_gap]\nreception_min_long = 3\nmin_gap_s = 240\n"
                                         "[rules.loitering]\nexempt_ship_types = [30]\nenabled = false"))
    engine = DetectionEngine(site)
    gap = next(r for r in engine.rules if r.type == "ais_gap")
    assert gap.p["reception_min_long"] == 3 and isinstance(gap.p["reception_min_long"], int)
    assert gap.p["min_gap_s"] == 240.0
    assert "loitering" not in [r.type for r in engine.rules]


def test_every_rule_default_passes_its_own_check() -> None:
    """A default that the check would refuse (a negative margin, a share above 1) would make that setting
    impossible to write back into a site file."""
    from seawatch.config.site import _checked

    for name, cls in RULES.items():
        for key, default in cls.DEFAULTS.items():
            value: Any = _checked("t", f"rules.{name}.{key}", default, default)
            assert value == default


def test_check_config_refuses_what_a_start_would_refuse(tmp_path: Path, capsys: Any) -> None:
    """`seawatch check-config` said OK for a site whose [rules.loitring] the engine then refused at start."""
    from seawatch.cli import main

    assert main(["check-config", str(site_with(tmp_path, ""))]) == 0
    assert "OK" in capsys.readouterr().out
    for bad, says in [("[rules.loitring]\nmin_duration_s = 600", "[rules.loitring]"),
                      ("[rules.fusion]\nduplicate_s = -1", "rules.fusion.duplicate_s")]:
        d = tmp_path / str(abs(hash(bad)))
        d.mkdir()
        assert main(["check-config", str(site_with(d, bad))]) == 2
        assert says in capsys.readouterr().err
