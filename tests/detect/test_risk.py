"""The per-contact risk score (detect/risk.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from detect_helpers import (
    coastal_site,
    leg,
    run,
)

from seawatch.detect.engine import DetectionEngine


def test_a_contact_of_unknown_course_is_not_taken_for_one_heading_for_the_shore(tmp_path: Path) -> None:
    """Two dark contacts side by side 5 km south of the land, 12 kn east along the shore; the second's course is
    unknown (NaN: AIS COG 'not available' reads NaN). The risk model cast its shore ray due north (NaN -> 0 deg)."""
    site = coastal_site(tmp_path)
    e = DetectionEngine(site)
    a = leg(1, (38.255, 48.88), duration_s=120, speed_kn=12, cog_deg=90, site=site)
    b = leg(2, (38.255, 48.881), duration_s=120, speed_kn=12, cog_deg=90, site=site)
    b["cog_deg"][:] = np.nan
    run(e, a, b)
    e.flush()
    risk = e.risk_scores()
    assert risk[2] == pytest.approx(risk[1])   # was 0.4375 against 0.25
