"""Geodesy (pyproj), local metric frames, zone geometry."""

from seawatch.geo.frames import LocalFrame, destination, inverse

__all__ = ["LocalFrame", "destination", "inverse"]
