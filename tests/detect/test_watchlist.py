"""watchlist: a listed vessel is one alert, whichever contacts carry it, by whatever it was matched."""

from __future__ import annotations

from detect_helpers import (
    AIS,
    DARK,
    FUSED,
    MID_SEA,
    caspian,
    end_of,
    leg,
    of_type,
    run,
)

from seawatch.config.site import WatchlistEntry
from seawatch.detect.engine import DetectionEngine


def test_a_vessel_listed_by_name_or_imo_keeps_its_one_alert_open_when_its_ais_goes_quiet() -> None:
    """The same contact, its AIS identity gone (dark): still the listed vessel, by whatever it was matched."""
    for entry in (WatchlistEntry(mmsi=423000011), WatchlistEntry(name="sea bird"), WatchlistEntry(imo=9074729)):
        e = DetectionEngine(caspian().model_copy(update={"watchlist": [entry]}), rules=("watchlist",))
        heard = leg(1, MID_SEA, duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000011, name="SEA BIRD",
                    imo=9074729)
        changes = run(e, heard, leg(1, end_of(heard), t0=310, duration_s=600, speed_kn=10, cog_deg=0, kind=DARK))
        assert [c["change"] for c in changes if c["change"] != "update"] == ["open"], entry


def test_a_blank_name_on_the_watchlist_matches_no_unnamed_vessel() -> None:
    site = caspian().model_copy(update={"watchlist": [WatchlistEntry(name="   ", callsign=" ", reason="typo")]})
    e = DetectionEngine(site, rules=("watchlist",))
    run(e, leg(1, MID_SEA, duration_s=120, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000011))
    assert of_type(e, "watchlist") == []


def test_a_listed_mmsi_raises_one_watchlist_alert() -> None:
    site = caspian().model_copy(update={"watchlist": [WatchlistEntry(mmsi=422000050, reason="sanctions")]})
    e = DetectionEngine(site, rules=("watchlist",))
    run(e, leg(50, MID_SEA, duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000050),
        leg(51, MID_SEA, duration_s=300, speed_kn=10, cog_deg=90, kind=FUSED, mmsi=422000051))
    wl = of_type(e, "watchlist")
    assert len(wl) == 1 and wl[0]["mmsi"] == [422000050] and "sanctions" in wl[0]["summary"]


def test_a_listed_vessel_whose_ais_goes_quiet_keeps_the_reason_and_name_of_its_watchlist_alert() -> None:
    """Matched by name, IMO or call sign, then dark: each refresh said "vessel ... — listed" with nothing matched
    (review stop 33); the alert keeps the entry it matched and the name AIS gave."""
    for entry in (WatchlistEntry(mmsi=423000011, reason="sanctions"), WatchlistEntry(name="sea bird", reason="sanctions"),
                  WatchlistEntry(imo=9074729, reason="sanctions"), WatchlistEntry(callsign="UBX9", reason="sanctions")):
        e = DetectionEngine(caspian().model_copy(update={"watchlist": [entry]}), rules=("watchlist",))
        heard = leg(1, MID_SEA, duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000011, name="SEA BIRD",
                    imo=9074729, callsign="UBX9")
        run(e, heard, leg(1, end_of(heard), t0=310, duration_s=600, speed_kn=10, cog_deg=0, kind=DARK))
        (a,) = of_type(e, "watchlist")
        assert a["summary"] == ("Watchlist: SEA BIRD (MMSI 423000011), dark (radar contact 1) is in the picture — "
                                "sanctions."), entry
        assert a["evidence"]["reason"] == "sanctions" and a["evidence"]["matched"], entry


def test_a_listed_vessel_that_goes_dark_or_changes_mmsi_on_its_radar_track_stays_one_watchlist_alert() -> None:
    """The pipeline names a fused contact by its MMSI (10_000_000_000 + MMSI), a dark one by its radar track id: a
    listed vessel that switches its AIS off, or takes another MMSI, goes on as another contact on the same track
    (review stop 34: its alert closed 10 min later, at the old contact's last update, and no other was raised)."""
    site = caspian().model_copy(update={"watchlist": [WatchlistEntry(mmsi=423000011, reason="sanctions")]})
    heard = leg(10_423_000_011, MID_SEA, duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000011,
                radar_track_id=7, name="SEA BIRD")
    dark = leg(7, end_of(heard), t0=310, duration_s=1800, speed_kn=10, cog_deg=0, kind=DARK, radar_track_id=7)
    renamed = leg(10_423_999_011, end_of(heard), t0=310, duration_s=1800, speed_kn=10, cog_deg=0, kind=FUSED,
                  mmsi=423999011, radar_track_id=7, name="NEW HORIZON")
    later = leg(99, (38.50, 50.50), t0=2800, duration_s=30, speed_kn=10, cog_deg=0, kind=AIS, mmsi=273000099)
    for after, now in ((dark, "dark (radar contact 7)"), (renamed, "now transmitting MMSI 423999011")):
        e = DetectionEngine(site, rules=("watchlist",))
        changes = run(e, heard, after)
        assert [c["change"] for c in changes if c["change"] != "update"] == ["open"]
        (a,) = of_type(e, "watchlist")
        assert a["end"] is None and set(a["track_ids"]) == {10_423_000_011, int(after["contact_id"][0])}
        assert a["summary"] == f"Watchlist: SEA BIRD (MMSI 423000011), {now} is in the picture — sanctions."
        run(e, later)   # the vessel unseen for the stale time: its alert ends with its last contact's last update
        (a,) = of_type(e, "watchlist")
        assert a["end"] == "2026-06-12T16:35:10.000Z"   # T0 + 2110 s


def test_a_watchlisted_mmsi_heard_elsewhere_since_is_not_carried_by_a_track_it_was_once_fused_with() -> None:
    """A moment's wrong fusion: the listed vessel is heard 20 km away since, so the track is not it."""
    site = caspian().model_copy(update={"watchlist": [WatchlistEntry(mmsi=423000011, reason="sanctions")]})
    e = DetectionEngine(site, rules=("watchlist",))
    listed = leg(10_423_000_011, (39.30, 50.30), t0=40, duration_s=1200, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000011)
    wrong = leg(10_423_000_011, MID_SEA, t0=0, duration_s=30, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000011,
                radar_track_id=9)
    other = leg(9, end_of(wrong), t0=60, duration_s=1100, speed_kn=10, cog_deg=90, kind=DARK, radar_track_id=9)
    run(e, wrong, listed, other)
    (a,) = of_type(e, "watchlist")
    assert 9 not in a["track_ids"]
