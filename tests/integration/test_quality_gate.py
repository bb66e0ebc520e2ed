"""Publication is gated by the checks: broken data never reaches the published copy.

Real Dagster runs, real dbt, real Great Expectations, in tmp_path.
"""

from __future__ import annotations

import json

import dagster as dg
import pytest

from pipelines.ingest.landing import land_bytes
from pipelines.settings import Settings
from tests import fixture_files as ff
from tests.helpers import FOLLOWUP_HEADER_NB, csv_bytes, followup_row

pytestmark = pytest.mark.integration


def run_update() -> dg.ExecuteInProcessResult:
    from pipelines.defs.definitions import defs

    return defs.resolve_job_def("update_warehouse").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def results(paths) -> dict[str, dict]:
    entries = json.loads((paths.quality / "results.json").read_text(encoding="utf-8"))
    return {entry["check_name"]: entry for entry in entries}


def test_warning_is_published_and_flagged_blocking_failure_keeps_the_last_good_copy(
    home, monkeypatch
):
    paths = Settings.from_env().paths.ensure()
    # Coverage at 12 months is 6 of 10 in the fixture: below a 95 % floor, a warning only.
    monkeypatch.setenv("IMDI_COVERAGE_FLOOR", "95")
    for name, make, when in ff.FIRST_BATCH:
        land_bytes(paths, make(), name, "cli", received_at=when)
    first = run_update()
    assert first.success
    assert paths.published.exists()
    coverage = results(paths)["followup_coverage_floor"]
    assert (coverage["severity"], coverage["passed"]) == ("WARN", False)
    assert (paths.quality / "data_docs" / "index.html").exists()
    good_copy = paths.published.read_bytes()

    # A programme that is not in IMDi's register uploads follow-ups: a blocking check fails.
    unknown = csv_bytes([FOLLOWUP_HEADER_NB, followup_row("X1", programme="UKJENT-PROGRAM")])
    land_bytes(paths, unknown, "ukjent.csv", "cli", received_at=ff.arrived(2020, 2, 1))
    second = run_update()
    assert not second.success
    register = results(paths)["programme_register_complete"]
    assert (register["severity"], register["passed"]) == ("ERROR", False)
    assert paths.published.read_bytes() == good_copy  # analysts keep the last good copy
    published_steps = [
        e for e in second.all_events if e.is_step_success and e.step_key == "published_warehouse"
    ]
    assert published_steps == []
