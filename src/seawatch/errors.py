"""The one exception hierarchy of seawatch. Everything raised on purpose derives from SeawatchError."""

from __future__ import annotations


class SeawatchError(Exception):
    """Root of every error seawatch raises on purpose."""


class ConfigError(SeawatchError):
    """A site file or setting is invalid. The message names file, key, value and the fix."""


class InputFormatError(SeawatchError):
    """Input whose format cannot be detected or is not supported."""


class SourceError(SeawatchError):
    """A sensor source (file, socket) cannot be opened or read."""


class NotYetAvailableError(SeawatchError):
    """A command or feature that a later part of the roadmap delivers."""


class OutputError(SeawatchError):
    """An output (a replay's tracks file) could not be written, or was written to after it was closed."""
