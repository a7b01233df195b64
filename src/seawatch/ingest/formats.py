"""Imports every format module so that each registers its decoder (see base.register)."""

from __future__ import annotations

import importlib
import logging

logger = logging.getLogger(__name__)

FORMAT_MODULES = (
    "seawatch.ingest.nmea.decoder",
    "seawatch.ingest.radar_nmea",
    "seawatch.ingest.plots",
    "seawatch.ingest.asterix",
    "seawatch.ingest.ais_csv",
)

for _mod in FORMAT_MODULES:
    try:
        importlib.import_module(_mod)
    except ModuleNotFoundError as err:  # a format module not written yet
        if err.name != _mod:
            raise
        logger.debug("format module %s not available", _mod)
