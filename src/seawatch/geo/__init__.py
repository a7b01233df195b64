"""Geodesy (pyproj), local metric frames, zone geometry."""

from seawatch.geo.frames import LocalFrame, destination, inverse, site_frame

__all__ = ["LocalFrame", "destination", "inverse", "site_frame"]
