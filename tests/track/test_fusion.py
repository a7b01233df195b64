"""Radar–AIS fusion: association with hysteresis, contact kinds, identity events."""

from __future__ import annotations

import numpy as np

from seawatch.track.ais_state import AisSnapshot
from seawatch.track.fusion import AIS_ONLY_ID_OFFSET, ContactKind, FusionParams, RadarAisFusion
from seawatch.track.lifecycle import TrackStatus
from seawatch.track.tracker import TrackTable


def _tracks(t: float, ids: list[int], xy: list[tuple[float, float]], v: list[tuple[float, float]]) -> TrackTable:
    n = len(ids)
    x = np.column_stack([np.array(xy, float).reshape(n, 2), np.array(v, float).reshape(n, 2)])
    p = np.tile(np.diag([20.0**2, 20.0**2, 0.5**2, 0.5**2]), (n, 1, 1))
    return TrackTable(t, np.array(ids, np.int64), np.full(n, TrackStatus.CONFIRMED, np.int8), x, p)


def _ais(t: float, mmsi: list[int], xy: list[tuple[float, float]], v: list[tuple[float, float]]) -> AisSnapshot:
    n = len(mmsi)
    x = np.column_stack([np.array(xy, float).reshape(n, 2), np.array(v, float).reshape(n, 2)])
    p = np.tile(np.diag([15.0**2, 15.0**2, 0.3**2, 0.3**2]), (n, 1, 1))
    return AisSnapshot(t, np.array(mmsi, np.int64), x, p, np.zeros(n), np.full(n, t + 10.0))


def test_a_vessel_seen_by_radar_and_ais_becomes_one_fused_contact_after_three_updates() -> None:
    fu = RadarAisFusion()
    kinds = []
    for k in range(4):
        t = 2.0 * k
        c = fu.update(_tracks(t, [7], [(10.0 * t, 0.0)], [(10.0, 0.0)]),
                      _ais(t, [273_111_000], [(10.0 * t + 30.0, 5.0)], [(10.0, 0.2)]))
        kinds.append(sorted(ContactKind(int(k_)) for k_ in c.kind))
    assert kinds[0] == [ContactKind.RADAR_ONLY, ContactKind.AIS_ONLY]
    assert kinds[2] == [ContactKind.FUSED] and kinds[3] == [ContactKind.FUSED]
    # a fused contact is known by its MMSI, as its AIS-only contact was: the operator's contact keeps its id
    assert c.mmsi.tolist() == [273_111_000] and c.contact_id.tolist() == [AIS_ONLY_ID_OFFSET + 273_111_000]
    assert c.track_id.tolist() == [7]
    # the fused position lies between radar and AIS, nearer the (more precise) AIS
    assert 10.0 * 6.0 < c.x[0, 0] < 10.0 * 6.0 + 30.0
    assert c.x[0, 0] - 60.0 > 15.0


def test_the_association_event_is_recorded_once() -> None:
    fu = RadarAisFusion()
    events = []
    for k in range(6):
        c = fu.update(_tracks(k, [1], [(0.0, 0.0)], [(0.0, 0.0)]), _ais(k, [5], [(10.0, 0.0)], [(0.0, 0.0)]))
        events += c.events
    assert [(e.kind, e.track_id, e.mmsi) for e in events] == [("associated", 1, 5)]


def test_a_dark_target_stays_radar_only_and_ais_out_of_cover_is_not_suspicious() -> None:
    fu = RadarAisFusion(FusionParams(radar_cover=((0.0, 0.0, 20_000.0),)))
    for k in range(5):
        c = fu.update(_tracks(k, [3], [(1_000.0, 0.0)], [(8.0, 0.0)]),
                      _ais(k, [11, 12], [(5_000.0, 5_000.0), (40_000.0, 0.0)], [(0.0, 0.0), (0.0, 0.0)]))
    by_id = {int(i): (ContactKind(int(k)), bool(cov)) for i, k, cov in zip(c.contact_id, c.kind, c.in_radar_cover)}
    assert by_id[3] == (ContactKind.RADAR_ONLY, True)
    assert by_id[AIS_ONLY_ID_OFFSET + 11] == (ContactKind.AIS_ONLY, True)     # in cover, no radar track
    assert by_id[AIS_ONLY_ID_OFFSET + 12] == (ContactKind.AIS_ONLY, False)    # beyond the radar's reach


def test_identities_do_not_flicker_when_two_vessels_pass_close() -> None:
    fu = RadarAisFusion()
    owners: dict[int, set[int]] = {1: set(), 2: set()}
    for k in range(40):
        t = 2.0 * k
        # two vessels on parallel opposite courses passing 60 m apart at t = 40 s
        a, b = (-400.0 + 10.0 * t, 0.0), (400.0 - 10.0 * t, 60.0)
        c = fu.update(_tracks(t, [1, 2], [a, b], [(10.0, 0.0), (-10.0, 0.0)]),
                      _ais(t, [100, 200], [(a[0] + 15, a[1] - 10), (b[0] - 15, b[1] + 10)],
                           [(10.0, 0.0), (-10.0, 0.0)]))
        if k >= 3:
            for tid, m in zip(c.track_id.tolist(), c.mmsi.tolist()):
                if tid in owners:
                    owners[tid].add(m)
    assert owners == {1: {100}, 2: {200}}


def test_an_ais_jump_away_from_its_radar_track_is_a_conflict_then_a_dissociation() -> None:
    fu = RadarAisFusion()
    kinds = []
    for k in range(15):
        ais_xy = (0.0, 0.0) if k < 6 else (3_000.0, 0.0)      # the AIS position jumps 3 km
        c = fu.update(_tracks(k, [9], [(0.0, 0.0)], [(0.0, 0.0)]), _ais(k, [77], [ais_xy], [(0.0, 0.0)]))
        kinds += [e.kind for e in c.events]
    assert kinds == ["associated", "ais_far_from_track", "dissociated"]


def test_one_ais_held_by_two_radar_tracks_is_recorded() -> None:
    fu = RadarAisFusion()
    found = []
    for k in range(12):
        if k < 5:      # track 1 sits on the vessel
            tr = _tracks(k, [1], [(0.0, 0.0)], [(0.0, 0.0)])
        else:          # track 1 wanders off; a new track 2 appears on the vessel
            tr = _tracks(k, [1, 2], [(800.0, 0.0), (5.0, 0.0)], [(0.0, 0.0), (0.0, 0.0)])
        c = fu.update(tr, _ais(k, [42], [(0.0, 0.0)], [(0.0, 0.0)]))
        found += [(e.kind, e.track_id) for e in c.events if e.kind == "ais_on_two_tracks"]
    assert sorted(found) == [("ais_on_two_tracks", 1), ("ais_on_two_tracks", 2)]


def test_lost_radar_tracks_drop_out_of_the_bookkeeping() -> None:
    fu = RadarAisFusion()
    fu.update(_tracks(0, [1, 2, 3], [(0, 0), (1e4, 0), (2e4, 0)], [(0, 0)] * 3), _ais(0, [], [], []))
    fu.update(_tracks(1, [3], [(2e4, 0)], [(0, 0)]), _ais(1, [], [], []))
    assert fu.tid.tolist() == [3]


def test_a_fused_contact_keeps_its_id_when_a_new_radar_track_takes_over() -> None:
    fu = RadarAisFusion()
    ids = []
    for k in range(12):
        t = 2.0 * k
        track = 7 if k < 5 else 8   # the radar track is lost and re-initiated on the same vessel
        c = fu.update(_tracks(t, [track], [(10.0 * t, 0.0)], [(10.0, 0.0)]),
                      _ais(t, [273_111_000], [(10.0 * t + 20.0, 0.0)], [(10.0, 0.0)]))
        ids.append(sorted(int(i) for i in c.contact_id))
    vessel = AIS_ONLY_ID_OFFSET + 273_111_000
    assert ids[4] == [vessel] and ids[-1] == [vessel]
    # while the new track is not yet identified it is a dark contact beside the vessel's AIS contact
    assert all(vessel in row for row in ids)


def test_one_mmsi_on_two_tracks_gives_its_id_to_the_older_track_only() -> None:
    fu = RadarAisFusion()
    for k in range(6):
        c = fu.update(_tracks(k, [4, 9], [(0.0, 0.0), (0.0, 40.0)], [(0.0, 0.0), (0.0, 0.0)]),
                      _ais(k, [5], [(0.0, 20.0)], [(0.0, 0.0)]))
    ids = c.contact_id.tolist()
    assert len(set(ids)) == len(ids)
    assert AIS_ONLY_ID_OFFSET + 5 in ids


def test_of_several_tracks_on_one_mmsi_the_lowest_track_id_carries_the_vessels_contact_id() -> None:
    from seawatch.track.fusion import _radar_contact_ids

    ids = _radar_contact_ids(np.array([9, 4, 6]), np.array([5, 5, -1]))
    assert ids.tolist() == [9, AIS_ONLY_ID_OFFSET + 5, 6]


def test_a_vessel_that_changes_mmsi_takes_the_new_identity_once_the_old_one_is_overdue() -> None:
    fu = RadarAisFusion()
    got = {}
    for k in range(40):
        t = 5.0 * k
        trk = _tracks(t, [7], [(0.0, 0.0)], [(0.0, 0.0)])
        mmsi, xs, age, nxt = [111], [(0.0, 0.0)], [max(t - 20.0, 0.0)], [min(t, 20.0) + 10.0]
        if t >= 30.0:   # silent under 111 since 20 s; broadcasting as 222 from 30 s
            mmsi, xs, age, nxt = [111, 222], [(0.0, 0.0), (0.0, 0.0)], age + [0.0], nxt + [t + 10.0]
        n = len(mmsi)
        x = np.column_stack([np.array(xs), np.zeros((n, 2))])
        p = np.tile(np.diag([15.0**2, 15.0**2, 0.3**2, 0.3**2]), (n, 1, 1))
        c = fu.update(trk, AisSnapshot(t, np.array(mmsi, np.int64), x, p, np.array(age), np.array(nxt)))
        got[t] = int(c.mmsi[c.track_id == 7][0])
    assert got[15.0] == 111
    assert got[195.0] == 222
    switched = min(t for t, m in got.items() if m == 222)
    assert switched <= 20.0 + 30.0 + 20.0 + 5 * 5.0 + 3 * 5.0   # overdue, then break + confirm updates


def _moored_ais(t: float, spots: dict[int, tuple[float, float]], first_report_s: dict[int, float]) -> AisSnapshot:
    """Class B boats at anchor: a report every 180 s, dead-reckoned in between with the AIS state's
    nearly-constant-velocity growth (position sigma 30 m at the report, ~200 m two minutes later)."""
    mmsi = sorted(spots)
    age = np.array([(t - first_report_s[m]) % 180.0 for m in mmsi])
    x = np.column_stack([np.array([spots[m] for m in mmsi], float), np.zeros((len(mmsi), 2))])
    pos_var = 30.0**2 + 0.05 * age**3 / 3.0
    p = np.zeros((len(mmsi), 4, 4))
    p[:, 0, 0] = p[:, 1, 1] = pos_var
    p[:, 2, 2] = p[:, 3, 3] = 0.3**2 + 0.05 * age
    return AisSnapshot(t, np.array(mmsi, np.int64), x, p, age, t - age + 180.0)


def test_when_the_radar_tracks_of_two_moored_boats_swap_each_contact_takes_back_its_own_mmsi() -> None:
    # two fishing boats at anchor 94 m apart; at 600 s their radar tracks swap places (in the simulator's
    # platform-intrusion recording this left each boat with the other's MMSI for 83 minutes)
    spots = {111: (0.0, 0.0), 222: (60.0, 72.0)}
    fu = RadarAisFusion()
    owner: dict[float, dict[int, int]] = {}
    for k in range(320):
        t = 5.0 * k
        on_111, on_222 = (1, 2) if t < 600.0 else (2, 1)
        tr = _tracks(t, [on_111, on_222], [(5.0, -4.0), (56.0, 75.0)], [(0.0, 0.0), (0.0, 0.0)])
        c = fu.update(tr, _moored_ais(t, spots, {111: 0.0, 222: 90.0}))
        owner[t] = {int(m): int(tid) for m, tid in zip(c.mmsi, c.track_id) if m >= 0 and tid >= 0}
    assert owner[595.0] == {111: 1, 222: 2}
    # after the swap the evidence turns within a few AIS reports (3 min each), not never
    assert owner[600.0 + 3 * 180.0] == {111: 2, 222: 1}
    assert owner[1595.0] == {111: 2, 222: 1}
    changes = [t for t in sorted(owner) if t >= 100.0 and owner[t] != owner[t - 5.0]]
    assert len(changes) == 1   # one clean change back, no flicker on the way


def test_a_moored_boat_keeps_its_mmsi_while_a_neighbours_report_is_fresher() -> None:
    # between reports a boat's dead-reckoned AIS covariance grows so large that its neighbour's fresh
    # report 70 m away looks as good for one update: the identities must not follow the report cycle
    spots = {111: (0.0, 0.0), 222: (0.0, 70.0)}
    fu = RadarAisFusion()
    seen: set[tuple[int, int]] = set()
    for k in range(300):
        t = 5.0 * k
        c = fu.update(_tracks(t, [1, 2], [(3.0, 2.0), (-2.0, 68.0)], [(0.0, 0.0), (0.0, 0.0)]),
                      _moored_ais(t, spots, {111: 0.0, 222: 170.0}))
        if k >= 5:
            seen |= {(int(tid), int(m)) for m, tid in zip(c.mmsi, c.track_id) if m >= 0 and tid >= 0}
    assert seen == {(1, 111), (2, 222)}


def test_without_confirmed_radar_tracks_every_fresh_ais_vessel_is_an_ais_only_contact_and_old_pairs_are_forgotten() -> None:
    fu = RadarAisFusion()
    for k in range(3):   # a radar track and a vessel paired for a while ...
        t = 2.0 * k
        fu.update(_tracks(t, [7], [(10.0 * t, 0.0)], [(10.0, 0.0)]), _ais(t, [273_111_000], [(10.0 * t, 5.0)],
                                                                         [(10.0, 0.0)]))
    assert len(fu.evidence) == 1 and fu.assoc.tolist() == [273_111_000]
    # ... then the radar picture is empty: the vessel is an AIS-only contact, the pair is gone
    ais = _ais(10.0, [273_111_000, 273_222_000], [(100.0, 5.0), (5_000.0, 0.0)], [(10.0, 0.0), (0.0, 0.0)])
    c = fu.update(_tracks(10.0, [], [], []), ais)
    assert c.kind.tolist() == [ContactKind.AIS_ONLY, ContactKind.AIS_ONLY]
    assert c.contact_id.tolist() == [AIS_ONLY_ID_OFFSET + 273_111_000, AIS_ONLY_ID_OFFSET + 273_222_000]
    assert c.track_id.tolist() == [-1, -1] and c.events == []
    np.testing.assert_array_equal(c.x, ais.x)
    assert len(fu.evidence) == 0 and len(fu.tid) == 0


def test_an_ais_only_site_makes_one_contact_per_fresh_vessel_and_leaves_stale_ones_out() -> None:
    fu = RadarAisFusion(FusionParams(radar_cover=((0.0, 0.0, 1_000.0),)))
    ais = _ais(50.0, [273_111_000, 273_222_000, 273_333_000], [(100.0, 5.0), (5_000.0, 0.0), (0.0, 900.0)],
               [(10.0, 0.0), (0.0, 0.0), (0.0, 1.0)])
    ais = AisSnapshot(ais.time_s, ais.mmsi, ais.x, ais.P, np.array([0.0, 700.0, 30.0]), ais.expected_next_s)
    c = fu.update(_tracks(50.0, [], [], []), ais)
    assert c.contact_id.tolist() == [AIS_ONLY_ID_OFFSET + 273_111_000, AIS_ONLY_ID_OFFSET + 273_333_000]
    assert c.kind.dtype == np.int8 and c.kind.tolist() == [ContactKind.AIS_ONLY] * 2
    assert c.track_id.tolist() == [-1, -1] and c.mmsi.tolist() == [273_111_000, 273_333_000]
    np.testing.assert_array_equal(c.x, ais.x[[0, 2]])
    np.testing.assert_array_equal(c.P, ais.P[[0, 2]])
    assert c.in_radar_cover.tolist() == [True, True] and c.events == [] and len(fu.tid) == 0
