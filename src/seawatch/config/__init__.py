"""Site configuration: pydantic models of site.toml, strict, with errors that point at the key."""

from seawatch.config.loader import load_site, validate_site_dict
from seawatch.config.site import SensorConfig, SiteConfig

__all__ = ["SensorConfig", "SiteConfig", "load_site", "validate_site_dict"]
