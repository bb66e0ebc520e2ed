"""Shared fixtures: every test gets its own warehouse home in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty installation: IMDI_HOME, a pseudonym key, a fixed reference date."""
    monkeypatch.setenv("IMDI_HOME", str(tmp_path / "imdi"))
    monkeypatch.setenv("IMDI_PSEUDONYM_KEY", "test-key-not-secret")
    monkeypatch.setenv("IMDI_REFERENCE_DATE", "2020-06-30")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "imdi"
