"""Association evidence over AIS reports: folded per report, prior for new pairs, forgetting."""

from __future__ import annotations

import numpy as np

from seawatch.track.evidence import EvidenceParams, PairEvidence

I = np.int64


def _one(ev: PairEvidence, t: float, d2: float, report_s: float, track: int = 1, mmsi: int = 5) -> float:
    return float(ev.update(t, np.array([track], I), np.array([mmsi], I), np.array([d2]), np.array([report_s]),
                           np.array([track], I))[0])


def test_a_new_pair_starts_halfway_from_the_prior_toward_its_first_distance() -> None:
    ev = PairEvidence(EvidenceParams(prior_d2=10.0, min_keep=0.5))
    assert _one(ev, 0.0, 2.0, 0.0) == 6.0


def test_a_pair_changes_only_when_its_vessel_has_reported_again() -> None:
    ev = PairEvidence(EvidenceParams(prior_d2=10.0, min_keep=0.5, tau_s=30.0))
    first = _one(ev, 0.0, 0.0, 0.0)
    # the same report dead-reckoned 5 and 10 s later: no new information, whatever the distance says
    assert _one(ev, 5.0, 9.0, 0.0) == first
    assert _one(ev, 10.0, 0.0, 0.0) == first
    # a report 180 s later: the history keeps min_keep, the report gets the rest
    assert _one(ev, 180.0, 2.0, 180.0) == 0.5 * first + 0.5 * 2.0
    # reports 2 s apart are averaged over the window (tau_s), not replaced
    v = _one(ev, 182.0, 0.0, 182.0)
    keep = np.exp(-2.0 / 30.0)
    assert np.isclose(v, keep * (0.5 * first + 1.0) + (1 - keep) * 0.0)


def test_pairs_of_lost_tracks_and_pairs_long_outside_the_gate_are_forgotten() -> None:
    ev = PairEvidence(EvidenceParams(forget_s=60.0))
    ev.update(0.0, np.array([1, 2], I), np.array([5, 6], I), np.zeros(2), np.zeros(2), np.array([1, 2], I))
    assert len(ev) == 2
    ev.update(10.0, np.empty(0, I), np.empty(0, I), np.empty(0), np.empty(0), np.array([1], I))   # track 2 lost
    assert (ev.key >> 32).tolist() == [1]
    ev.update(50.0, np.empty(0, I), np.empty(0, I), np.empty(0), np.empty(0), np.array([1], I))
    assert len(ev) == 1          # outside the gate for 50 s: kept
    ev.update(61.0, np.empty(0, I), np.empty(0, I), np.empty(0), np.empty(0), np.array([1], I))
    assert len(ev) == 0
