"""Tracking: the radar multi-target tracker (Kalman / IMM filters, gating, GNN assignment, lifecycle).

The public entry point is `RadarTracker`; see docs/tracking.md.
"""

from seawatch.track.feed import RadarFeed
from seawatch.track.lifecycle import TrackStatus
from seawatch.track.tracker import MeasurementNoise, RadarTracker, TrackerParams, TrackTable

__all__ = ["MeasurementNoise", "RadarFeed", "RadarTracker", "TrackStatus", "TrackTable", "TrackerParams"]
