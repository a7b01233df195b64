"""Radio and radar line of sight over the sea (the one place the horizon formula lives)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

K_EARTH_RADIUS_M = 4.0 / 3.0 * 6371000.0  # effective earth radius for VHF and microwave propagation


def radio_horizon_m(h1_m: Any, h2_m: Any) -> npt.NDArray[np.float64]:
    """Line-of-sight range between antennas at heights h1, h2 above the sea, 4/3 effective earth radius.

    d = sqrt(2 k R h1) + sqrt(2 k R h2), k = 4/3 — about 4.12 km × (√h1 + √h2) (h in metres), the standard
    radar/VHF horizon (e.g. Skolnik, Radar Handbook, ch. 26; ITU-R P.526 uses the same effective radius).
    """
    return np.sqrt(2 * K_EARTH_RADIUS_M * np.maximum(np.asarray(h1_m, dtype=np.float64), 0)) + \
        np.sqrt(2 * K_EARTH_RADIUS_M * np.maximum(np.asarray(h2_m, dtype=np.float64), 0))
