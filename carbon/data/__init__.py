"""Bundled data files (hourly grid series, provenance)."""
