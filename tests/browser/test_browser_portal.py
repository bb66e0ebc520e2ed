"""A programme leader's round trip in a real browser (headless Chromium via Selenium).

Sign in with a token, download the template, fill it in, upload it through the file input, read
the receipt, let the warehouse update, and see the follow-up counted as received. Uses Debian's
/usr/bin/chromium and /usr/bin/chromedriver (installed by .ci/run); never skipped.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.ingest.landing import land_bytes
from pipelines.portal.tokens import TokenStore
from pipelines.settings import Settings
from tests.helpers import fill_template

pytestmark = pytest.mark.browser

PROGRAMME = "MENTOR-OSLO"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def portal_url(home: Path):
    import uvicorn

    from pipelines.portal.app import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Settings.from_env()), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _wait(condition, timeout: float = 20, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"Timed out waiting for {what}")


def _fill(template: Path, target: Path) -> None:
    """What a leader types: drop-down labels, dates as Excel dates."""
    rows = [
        {
            "participant_ref": "007",
            "horizon_months": "ved programslutt",
            "observed_on": datetime(2018, 11, 30),
            "status": "i jobb",
            "job_relevance": "relevant",
            "position_pct": 100,
            "contract_type": "fast",
        },
        {
            "participant_ref": "007",
            "horizon_months": "6 måneder etter",
            "observed_on": datetime(2019, 5, 31),
            "status": "i jobb",
            "job_relevance": "relevant",
            "position_pct": 100,
            "contract_type": "fast",
        },
    ]
    fill_template(template, rows, PROGRAMME).save(target)


def _text(driver, css: str) -> str:
    return driver.find_element("css selector", css).text


def test_leader_signs_in_fills_the_template_uploads_and_sees_it_received(
    home, portal_url, browser, tmp_path
):
    from pipelines.defs.run import run_update
    from tests.fixture_files import register_xlsx

    paths = Settings.from_env().paths.ensure()
    land_bytes(paths, register_xlsx(), "register.xlsx", "cli")  # IMDi's register of programmes
    token, _ = TokenStore(paths).issue(PROGRAMME)

    browser.get(portal_url + "/")
    assert "/logg-inn" in browser.current_url
    browser.find_element("id", "token").send_keys("feil-kode")
    browser.find_element("id", "sign-in").click()
    _wait(lambda: browser.find_elements("id", "error"), what="the sign-in error")
    assert "Opplastingskoden er ikke gyldig" in _text(browser, "#error")
    browser.find_element("id", "token").send_keys(token)
    browser.find_element("id", "sign-in").click()
    _wait(lambda: browser.current_url.endswith("/oversikt"), what="the overview")
    assert _text(browser, "#programme-id") == PROGRAMME

    browser.find_element("id", "template-link").click()
    downloaded = browser.downloads / f"oppfolging-{PROGRAMME}.xlsx"
    _wait(downloaded.exists, what="the template download")
    _wait(lambda: not list(browser.downloads.glob("*.crdownload")), what="download to finish")
    filled = tmp_path / "utfylt.xlsx"
    _fill(downloaded, filled)

    browser.find_element("id", "file").send_keys(str(filled))
    browser.find_element("id", "upload-button").click()
    _wait(lambda: browser.find_elements("id", "summary"), what="the receipt")
    assert _text(browser, "#outcome") == "godkjent"
    assert _text(browser, "#rows-accepted") == "2"
    assert _text(browser, "#rows-rejected") == "0"
    assert "Nye oppfølginger: 2" in _text(browser, "#change-counts")
    assert "venter på innlesing" in _text(browser, "#ingest-state")
    # The CSV receipt is a plain link: it downloads with Norwegian headers.
    browser.find_element("id", "receipt-csv").click()
    receipt = _wait(lambda: list(browser.downloads.glob("kvittering-*.csv")), what="CSV receipt")
    assert receipt[0].read_text(encoding="utf-8-sig").startswith("Rad;Kolonne;Verdi")

    assert run_update(Settings.from_env()), "the update_warehouse job failed"

    browser.get(portal_url + "/oversikt")
    uploads = _text(browser, "#uploads")
    assert "utfylt.xlsx" in uploads and "godkjent" in uploads
    followups = browser.find_elements("css selector", "#followups tbody tr")
    cells = {
        tuple(td.text for td in row.find_elements("tag name", "td"))[1]: [
            td.text for td in row.find_elements("tag name", "td")
        ]
        for row in followups
    }
    # One participant, horizons 0 and 6 received; 12 months is overdue at 30.06.2020.
    assert cells["ved programslutt"][3] == "1"
    assert cells["6 måneder etter"][3] == "1"
    assert cells["12 måneder etter"][3] == "0" and cells["12 måneder etter"][4] == "1"
    browser.save_screenshot(str(tmp_path / "oversikt.png"))
    assert io.BytesIO(Path(tmp_path / "oversikt.png").read_bytes()).getbuffer().nbytes > 0
