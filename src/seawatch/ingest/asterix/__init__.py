"""ASTERIX CAT 010 / CAT 048: a vectorised decoder (format `asterix`) and an encoder for the simulator."""

from seawatch.ingest.asterix.decoder import AsterixDecoder, sensor_label
from seawatch.ingest.asterix.encoder import encode_target_reports

__all__ = ["AsterixDecoder", "encode_target_reports", "sensor_label"]
