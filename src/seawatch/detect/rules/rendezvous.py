"""rendezvous: two contacts (AIS or dark) close together, both slow, for a while, away from harbours.

Defaults: <= 500 m apart and both < 2 kn for >= 30 min (Global Fishing Watch uses 500 m / 2 h for
encounters, Ai2 Skylight 250 m / 30 min; a coastal radar picture supports the faster call), at least
10 km from the centre of every port and anchorage. Pairs come from a cKDTree over the slow, recently updated contacts
(never all pairs). Hysteresis: a pair stays together up to `stay_distance_m` and `stay_speed_kn`.
Two vessels both authorised at the same platform (supply boat and standby vessel), and two AIS-identified
fishing, sailing or pleasure craft (ship types 30, 36, 37: they raft up and fish side by side) are not a
rendezvous; nor are contacts within `coast_margin_m` of the shore or at a learned anchorage.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.spatial import cKDTree

from seawatch.detect.core import Cycle, Rule
from seawatch.model.units import MPS_TO_KN


class Rendezvous(Rule):
    type = "rendezvous"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "enabled": True,
        "distance_m": 500.0,
        "speed_kn": 2.0,
        "min_duration_s": 1800.0,
        "stay_distance_m": 750.0,
        "stay_speed_kn": 3.0,
        "clear_s": 300.0,
        "harbour_distance_m": 10_000.0,
        "fresh_s": 60.0,
        "coast_margin_m": 1500.0,  # moored at a berth or a beach not in the zones file
        "exempt_ship_types": [30, 36, 37],  # two identified fishing/sailing/pleasure craft rafted together
    }

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.pairs: dict[tuple[int, int], list[float]] = {}  # (id a, id b) -> [since, last together, min d]
        self._exempt: set[int] = set()

    def process(self, cyc: Cycle) -> None:
        p = self.p
        mem = self.engine.memory
        now = cyc.now
        n = mem.n
        kn = np.nan_to_num(mem.f["sog_mps"][:n], nan=99.0) * MPS_TO_KN
        cand = np.flatnonzero((mem.f["last_t"][:n] >= now - p["fresh_s"]) & (kn < p["stay_speed_kn"]))
        together: dict[tuple[int, int], tuple[float, bool, int, int]] = {}
        if len(cand) >= 2:
            x, y = mem.f["x"][cand], mem.f["y"][cand]
            z = self.engine.zones
            if z is not None:
                ok = ~z.centres_within(x, y, ("port", "anchorage"), p["harbour_distance_m"])
                ok &= ~z.coast_within(x, y, p["coast_margin_m"])
                cand, x, y = cand[ok], x[ok], y[ok]
            ok2 = ~self.engine.anchorages.contains(x, y)
            cand, x, y = cand[ok2], x[ok2], y[ok2]
            if len(cand) >= 2:
                tree = cKDTree(np.column_stack([x, y]))
                pr = tree.query_pairs(p["stay_distance_m"], output_type="ndarray")
                if len(pr):
                    ia, ib = cand[pr[:, 0]], cand[pr[:, 1]]
                    d = np.hypot(x[pr[:, 0]] - x[pr[:, 1]], y[pr[:, 0]] - y[pr[:, 1]])
                    close = (d <= p["distance_m"]) & (kn[ia] < p["speed_kn"]) & (kn[ib] < p["speed_kn"])
                    ids = mem.i["contact_id"]
                    exempt = self._exempt_slots(cyc)
                    for a, b, dd, c in zip(ia, ib, d, close):
                        ka, kb = int(ids[a]), int(ids[b])
                        if (self._same_vessel(int(a), int(b)) or self._co_authorised(int(a), int(b))
                                or (int(a) in exempt and int(b) in exempt)):
                            continue
                        key = (ka, kb) if ka < kb else (kb, ka)
                        together[key] = (float(dd), bool(c), int(a), int(b))
        for key, (dd, c, a, b) in together.items():
            st = self.pairs.get(key)
            if st is None:
                if not c:
                    continue
                st = self.pairs[key] = [now, now, dd]
            st[1] = now
            st[2] = min(st[2], dd)
            alert = self.book.get(self.type, key)
            if alert is None and now - st[0] >= p["min_duration_s"]:
                self._open(key, a, b, dd, st, now)
            elif alert is not None and now - alert.last_t >= 20.0:
                self._update(key, a, b, dd, st, now)
        for key, st in list(self.pairs.items()):
            if key in together:
                continue
            if now - st[1] >= p["clear_s"] or self.book.get(self.type, key) is None:
                del self.pairs[key]
                self.book.close(self.type, key, st[1], {"together_s": st[1] - st[0]})

    def _exempt_slots(self, cyc: Cycle) -> set[int]:
        """Slots of contacts identified by AIS now with an exempt ship type."""
        types = np.array([int(v) for v in self.p["exempt_ship_types"]], np.int64)
        st = np.asarray(cyc.ship_type, np.int64)
        rows = (cyc.mmsi > 0) & np.isin(st, types)
        self._exempt.update(cyc.slot[rows].tolist())
        self._exempt.difference_update(cyc.slot[~rows].tolist())
        return self._exempt

    def _same_vessel(self, a: int, b: int) -> bool:
        m = self.engine.memory.i["last_mmsi"]
        return bool(m[a] > 0 and m[a] == m[b])

    def _co_authorised(self, a: int, b: int) -> bool:
        z = self.engine.zones
        m = self.engine.memory.i["last_mmsi"]
        ma, mb = int(m[a]), int(m[b])
        if z is None or ma <= 0 or mb <= 0:
            return False
        return any(ma in s and mb in s for s in z.authorized.values() if s)

    def _text(self, key: tuple[int, int], a: int, b: int, dd: float, st: list[float], now: float) -> dict[str, Any]:
        mem = self.engine.memory
        lat = float((mem.f["lat"][a] + mem.f["lat"][b]) / 2)
        lon = float((mem.f["lon"][a] + mem.f["lon"][b]) / 2)
        dark = [int(mem.i["kind"][s]) == 2 for s in (a, b)]
        who = " and ".join(("dark contact " if dk else "") + str(int(mem.i["contact_id"][s]))
                           for s, dk in zip((a, b), dark))
        dur = now - st[0]
        return {"lat": lat, "lon": lon, "mmsi": [int(mem.i["last_mmsi"][s]) for s in (a, b)],
                "severity": "critical" if all(dark) else "high" if any(dark) else "medium",
                "summary": f"Rendezvous: {who} together {dd:.0f} m apart, both slow, for {dur / 60:.0f} min "
                           "away from any port or anchorage.",
                "evidence": {"distance_m": dd, "min_distance_m": st[2], "together_since_t": st[0],
                             "together_s": dur, "speeds_kn": [float(np.nan_to_num(mem.f["sog_mps"][s]) * MPS_TO_KN)
                                                             for s in (a, b)], "dark": dark}}

    def _open(self, key: tuple[int, int], a: int, b: int, dd: float, st: list[float], now: float) -> None:
        d = self._text(key, a, b, dd, st, now)
        self.book.open(self.type, key, now, severity=d["severity"], lat=d["lat"], lon=d["lon"], track_ids=list(key),
                       mmsi=d["mmsi"], zone=None, summary=d["summary"], evidence=d["evidence"])

    def _update(self, key: tuple[int, int], a: int, b: int, dd: float, st: list[float], now: float) -> None:
        d = self._text(key, a, b, dd, st, now)
        self.book.update(self.type, key, now, severity=d["severity"], lat=d["lat"], lon=d["lon"], mmsi=d["mmsi"],
                         summary=d["summary"], evidence=d["evidence"])
