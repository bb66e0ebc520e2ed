"""Shared fixtures: every test gets its own warehouse home in tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

TESTS = Path(__file__).parent
KINDS = ("unit", "integration", "browser", "spark")

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked with the kind its folder says: ``pytest -m unit`` runs the fast
    ones, ``-m integration`` those that run the real pipeline, ``-m browser`` headless Chromium,
    ``-m spark`` the dbt project on Apache Spark (left out unless asked for: `make test-spark`)."""
    for item in items:
        kind = Path(item.fspath).relative_to(TESTS).parts[0]
        marked = {mark.name for mark in item.iter_markers()} & set(KINDS)
        if kind in KINDS and not marked:
            item.add_marker(kind)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty installation: IMDI_HOME, a pseudonym key, a fixed reference date."""
    monkeypatch.setenv("IMDI_HOME", str(tmp_path / "imdi"))
    monkeypatch.setenv("IMDI_PSEUDONYM_KEY", "test-key-not-secret")
    monkeypatch.setenv("IMDI_REFERENCE_DATE", "2020-06-30")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "imdi"


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
def browser(tmp_path: Path):
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            "Browser test needs Debian's Chromium and its driver, missing: "
            + ", ".join(missing)
            + ". Install with `apt-get install chromium chromium-driver` (see .ci/run)."
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chrome-profile'}",
        "--window-size=1280,1600",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    # Every request the page makes is logged, so tests can prove a page fetches nothing.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.implicitly_wait(0)
    driver.downloads = downloads
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "chrome-profile", ignore_errors=True)


# Hypothesis profiles for the scenario test (tests/integration/test_scenarios_property.py).
# "scenarios" is what `make test` runs: reproducible (derandomized), 16 generated examples
# besides its 9 named ones (25 in all); "deep" (`make test-deep`, `--hypothesis-profile=deep`) 200.
hypothesis_settings.register_profile(
    "scenarios",
    max_examples=16,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.register_profile(
    "deep",
    hypothesis_settings.get_profile("scenarios"),
    max_examples=200,
    derandomize=False,
)
