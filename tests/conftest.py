"""Shared pytest setup: hermetic cache and builtin Amaranth yosys for every test."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("AMARANTH_USE_YOSYS", "builtin")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own carbonflow cache, so no test depends on a warm cache."""
    root = tmp_path_factory.getbasetemp() / "carbonflow-cache"
    monkeypatch.setenv("CARBONFLOW_CACHE", str(root))
