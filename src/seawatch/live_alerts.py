"""A live run (`seawatch run`, the demo) starting on a store that an earlier run wrote alerts into.

Alert ids are the store's keys (`ais_gap-000001`, numbered in one sequence per engine): a restarted engine
counting from 1 again overwrote the earlier run's alerts with its own, and the alerts that run left open stayed
open for ever. At start the engine numbers its alerts after the store's highest, and the alerts left open are
closed at their last update (evidence `updated_t`; `closed_by`: the engine that followed the behaviour stopped; a behaviour
that goes on is raised again by the new run as a new alert). A replay is not a live run: replaying the same
recording into a store again writes the same ids (nothing twice).
"""

from __future__ import annotations

import logging
from typing import Any

from seawatch.model.units import iso_utc
from seawatch.store.records import to_epoch

logger = logging.getLogger(__name__)

CLOSED_AT_RESTART = "restart: the run that raised it stopped before the behaviour ended"


def take_over(store: Any, engine: Any) -> tuple[int, int]:
    """Number the engine's alerts after the store's and close the alerts an earlier run left open; returns
    (the last number taken over, alerts closed)."""
    last = int(store.last_alert_number())
    engine.book.number_after(last)
    left = store.open_alert_docs()
    closed = []
    for doc in left:
        a = dict(doc)
        ev = dict(a.get("evidence") or {})
        start = to_epoch(a.get("start")) or 0.0
        # its last update (evidence updated_t; position_t, when lat/lon were last moved, in older stores)
        seen = [float(v) for v in (ev.get("updated_t"), ev.get("position_t")) if isinstance(v, (int, float))]
        a["end"] = iso_utc(max([start, *seen]))
        ev["closed_by"] = CLOSED_AT_RESTART
        a["evidence"] = ev
        closed.append(a)
    if closed:
        store.upsert_alerts(closed)
        logger.warning("closed %d alert(s) an earlier run left open (%s)", len(closed),
                       ", ".join(a["id"] for a in closed[:10]))
    return last, len(closed)
