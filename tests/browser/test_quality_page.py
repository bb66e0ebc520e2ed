"""The quality page (<quality>/index.html) opens on a machine without network: headless
Chromium with the network switched off loads it, the tables are visible, and no request leaves
the machine. Results are written as the checks write them (results.json, then the page)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.checks.pages import quality_page, write_quality_page
from pipelines.checks.results import merge_results
from pipelines.settings import Paths

pytestmark = pytest.mark.browser

RESULTS = [
    {
        "check_name": "followup_code_lists",
        "asset": "fct_followup_status",
        "severity": "ERROR",
        "passed": True,
        "description_nb": "Bare koder fra kodelistene.",
        "details": {"summary_nb": "OK: 3039 deltaker × tidspunkt kontrollert.",
                    "row_unit": "deltaker × tidspunkt", "checked_rows": 3039, "failing_rows": 0,
                    "thresholds": {}, "figures": {}, "sample": [], "failed_expectations": []},
    },
    {
        "check_name": "followup_coverage_floor",
        "asset": "fct_followup_status",
        "severity": "WARN",
        "passed": False,
        "description_nb": "Minst 50 % av forfalte oppfølginger har kjent status.",
        "details": {
            "summary_nb": "2 av 42 program × tidspunkt bryter regelen.",
            "row_unit": "program × tidspunkt", "checked_rows": 42, "failing_rows": 2,
            "thresholds": {"coverage_floor_pct": 50.0},
            "figures": {"late_followups": 312},
            "sample": [
                {"programme_id": "KOMP08", "horizon_months": 12, "coverage_pct": 41.3},
                {"programme_id": "NETT07", "horizon_months": 12, "coverage_pct": 49.3},
            ],
            "failed_expectations": [{"expectation": "expect_column_values_to_be_between",
                                     "column": "coverage_pct", "unexpected_count": 2}],
        },
    },
    {
        "check_name": "programme_register_complete",
        "asset": "dim_programmes",
        "severity": "ERROR",
        "passed": False,
        "description_nb": "Alle programmer finnes i programregisteret.",
        "details": {
            "summary_nb": "1 av 47 program × tilskuddsår bryter regelen.",
            "row_unit": "program × tilskuddsår", "checked_rows": 47, "failing_rows": 1,
            "thresholds": {},
            "figures": {"programmes_not_in_register": ["MENTOR-X"]},
            "sample": [{"participant_key": "0123456789abcdef0123456789abcdef"}],
            "failed_expectations": [],
        },
    },
]  # fmt: skip


# dbt's run_results.json of the last build: three tests (invariants), one failed on 2 rows.
RUN_RESULTS = {
    "metadata": {"generated_at": "2026-12-02T07:00:00Z"},
    "results": [
        {"unique_id": "model.imdi_outcomes.fct_attainment", "status": "success"},
        {"unique_id": "test.imdi_outcomes.unique_key_fct_attainment.abc", "status": "pass",
         "failures": 0, "message": None},
        {"unique_id": "test.imdi_outcomes.not_null_stg_x_programme_id.def", "status": "pass",
         "failures": 0, "message": None},
        {"unique_id": "test.imdi_outcomes.accepted_values_stg_status.123", "status": "fail",
         "failures": 2, "message": "Got 2 results, configured to fail if != 0"},
    ],
}  # fmt: skip


@pytest.fixture
def page(tmp_path: Path) -> Path:
    paths = Paths(tmp_path / "imdi").ensure()
    merge_results(paths, RESULTS)
    paths.dbt_target.mkdir(parents=True, exist_ok=True)
    (paths.dbt_target / "run_results.json").write_text(json.dumps(RUN_RESULTS), encoding="utf-8")
    return write_quality_page(paths)


def test_page_is_written_beside_the_results(page: Path, tmp_path: Path) -> None:
    assert page == quality_page(Paths(tmp_path / "imdi"))
    text = page.read_text(encoding="utf-8")
    assert (
        "http://" not in text
        and "https://" not in text
        and "//" not in text.replace("<!DOCTYPE", "").split("<body>", 1)[1].replace("</", "")
    )
    assert "<script" not in text.lower() and "<link" not in text.lower() and "src=" not in text
    # pseudonyms are shortened, never shown whole
    assert "0123456789abcdef0123456789abcdef" not in text and "01234567…" in text


def test_page_opens_offline_with_every_check_visible(page: Path, browser) -> None:
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    browser.get_log("performance")  # drop what the browser did before (its new-tab page)
    browser.get(page.as_uri())
    requests = [
        json.loads(entry["message"])["message"]["params"]["request"]["url"]
        for entry in browser.get_log("performance")
        if '"Network.requestWillBeSent"' in entry["message"]
    ]
    assert requests, "the page load itself is a request"
    assert all(url.startswith(("file://", "data:")) for url in requests), requests

    index = browser.find_element("id", "index")
    assert index.is_displayed() and index.size["height"] > 50
    rows = index.find_elements("css selector", "tbody tr")
    assert [r.get_attribute("data-check") for r in rows] == [
        "programme_register_complete",  # failed first, then warned, then passed
        "followup_coverage_floor",
        "followup_code_lists",
    ]
    assert [r.get_attribute("data-outcome") for r in rows] == ["failed", "warned", "passed"]
    texts = [r.text for r in rows]
    assert "feilet – stopper publisering" in texts[0] and "advarsel" in texts[1]
    assert "bestått" in texts[2] and "3039" in texts[2]
    invariants = browser.find_element("id", "invariants")
    assert invariants.is_displayed()
    assert "2 av 3" in invariants.text and "1 feilet" in invariants.text  # the model is no test
    failing = browser.find_element("xpath", "//h2[@id='invarianter']/following::table[1]")
    assert "accepted_values_stg_status" in failing.text and "unique_key" not in failing.text
    counts = browser.find_element("id", "counts").text
    assert "1 bestått" in counts and "1 advarsel" in counts and "1 feilet" in counts

    # one section per check, reachable from the index, with its sample rows as a visible table
    section = browser.find_element("id", "followup_coverage_floor")
    browser.execute_script("arguments[0].scrollIntoView();", section)
    assert section.is_displayed()
    tables = section.find_elements("css selector", "table")
    assert tables and all(t.is_displayed() for t in tables)
    assert "KOMP08" in tables[0].text and "41,3" in tables[0].text  # decimal comma
    assert "Laveste dekning (%)" in section.text and "50" in section.text
    assert "MENTOR-X" in browser.find_element("id", "programme_register_complete").text
    link = rows[1].find_element("css selector", "a")
    assert link.get_attribute("href").endswith("#followup_coverage_floor")
