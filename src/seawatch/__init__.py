"""seawatch — maritime surveillance: coastal radar and AIS fused into one live picture."""

__version__ = "0.1.0"
