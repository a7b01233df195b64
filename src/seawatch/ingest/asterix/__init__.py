"""ASTERIX CAT 010 / CAT 048: a vectorised decoder (format `asterix`) and an encoder for the simulator."""

from seawatch.ingest.asterix.decoder import AsterixDecoder, sensor_label

__all__ = ["AsterixDecoder", "sensor_label"]
