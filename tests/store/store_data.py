"""Small generated data for the store tests (imported by the test modules)."""

from __future__ import annotations

import numpy as np

from seawatch.model.contact import ContactBatch

T0 = 1_780_000_000.0  # 2026-05-28T20:26:40Z


def contacts(n_contacts: int, n_steps: int, t0: float = T0, dt: float = 2.0, seed: int = 1,
             first_id: int = 1) -> ContactBatch:
    """A time-ordered batch: contact i moves east from (40.0 + i/1000, 50.0) at 5 m/s; odd ids carry AIS."""
    rng = np.random.default_rng(seed)
    step = np.repeat(np.arange(n_steps), n_contacts)
    idx = np.tile(np.arange(n_contacts), n_steps)
    ids = first_id + idx
    mmsi = np.where(ids % 2 == 1, 273_000_000 + ids, -1)
    names = np.array([f"NEFT {i}" if i % 2 else None for i in ids.tolist()], dtype=object)
    return ContactBatch({
        "contact_id": ids, "t": t0 + step * dt, "kind": np.where(mmsi > 0, 1, 2), "status": 2,
        "lat": 40.0 + idx / 1000.0, "lon": 50.0 + step * dt * 5.0 / 85_000.0 + rng.normal(0, 1e-6, len(ids)),
        "sog_mps": 5.0, "cog_deg": 90.0, "mmsi": mmsi, "name": names,
    })
