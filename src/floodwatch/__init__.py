"""floodwatch: find and govern organised online manipulation across platforms."""

__version__ = "0.1.0"
