"""Anniversary and commemoration calendar service."""

__version__ = "0.1.0"
