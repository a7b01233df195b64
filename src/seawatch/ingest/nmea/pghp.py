"""`$PGHP` (Gatehouse) timestamp sentences, as in the Danish Maritime Authority feed.

`$PGHP,1,<year>,<month>,<day>,<hour>,<minute>,<second>,<millisecond>,<country>,<region>,<pss>,<online>,<cs>*hh`
gives the receive time of the AIS sentence on the next line (type 1 = time record).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt


def pghp_time(sentence: bytes) -> float:
    parts = sentence.split(b",")
    if len(parts) < 9 or parts[1] != b"1":
        return float("nan")
    try:
        y, mo, d, h, mi, s, ms = (int(p) for p in parts[2:9])
        return datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=UTC).timestamp()
    except ValueError:
        return float("nan")


def pghp_times(sentences: list[bytes]) -> npt.NDArray[np.float64]:
    return np.array([pghp_time(s) for s in sentences], dtype=np.float64)
