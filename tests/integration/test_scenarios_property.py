"""Every valid upload publishes: whole scenarios generated from the contracts go through the
public path and the real update job, and the published figures are what the scenario says.

Public path: ``pipelines.ingest.upload.receive`` (what `imdi upload` and the portal call; it
lands through ``land_bytes``, as the drop-folder sensor does), then ``run_update`` (the
update_warehouse job, in this process) and ``run_report`` (the quarterly report job). Real
Dagster, dbt, DuckDB and Great Expectations in a temporary IMDI_HOME.

The files of a scenario arrive in two batches, in order of arrival, each published by its own
run: the second run keeps what the first built and recomputes what the rest touches (the
incremental models and their scoped tests, docs/quality.md), and must publish what the scenario
says all the same.

Every example starts from an empty IMDI_HOME: only dbt's target folder (its partial-parsing
state; no data) is carried over, at the same path, so dbt does not parse the project again.
Expected figures are computed from the scenario in plain Python (tests/scenarios/model.py).
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings

from pipelines.checks.gate import explain_failed_update
from pipelines.contracts import HORIZONS
from pipelines.defs.run import run_report, run_update
from pipelines.ingest.upload import Limits, receive
from pipelines.quarters import quarter_label, quarter_start
from pipelines.settings import Settings
from tests.scenarios import named
from tests.scenarios.files import register_bytes, upload_bytes
from tests.scenarios.model import Scenario, expected_groups, share
from tests.scenarios.strategies import scenarios

pytestmark = pytest.mark.integration

PROFILE = "deep" if hypothesis_settings.get_current_profile_name() == "deep" else "scenarios"
COUNTS = ("participants", "reported", "known_status", "overdue", "n_employed", "n_unemployed")


class Bench:
    """One IMDI_HOME path and one ephemeral Dagster instance for the module; every example
    empties the home first (keeping dbt's target folder only)."""

    def __init__(self, home: Path):
        self.home = home
        self.instance = dg.DagsterInstance.ephemeral()

    def fresh(self, reference: date) -> Settings:
        settings = Settings.from_env(home=self.home, reference_date=reference)
        target = settings.paths.dbt_target
        kept = self.home.parent / "dbt_target"
        if target.exists():
            shutil.rmtree(kept, ignore_errors=True)
            shutil.move(target, kept)
        shutil.rmtree(self.home, ignore_errors=True)
        settings.paths.ensure()
        if kept.exists():
            shutil.move(kept, target)
        return settings

    def land(self, settings: Settings, scenario: Scenario, part: int | None = None) -> None:
        """Every file through the public upload path; each must be accepted without an error,
        so a generator bug is never taken for a pipeline bug. ``part`` 0 or 1: only the files
        received in the first or the second half, in order of arrival."""
        limits = Limits.of(settings)
        files = []
        if scenario.register:
            data = register_bytes(
                scenario.register, scenario.register_dialect, scenario.register_spelling
            )
            files.append(("register", data, None, scenario.register_received_at, None))
        for programme in scenario.programmes:
            people = {p.ref: p for p in programme.participants}
            for upload in programme.uploads:
                data = upload_bytes(upload, people)
                files.append(
                    (upload.name, data, programme.programme_id, upload.received_at, upload)
                )
        if part is not None:
            files.sort(key=lambda f: f[3])
            half = len(files) // 2
            files = files[:half] if part == 0 else files[half:]
        for name, data, claimed, received_at, upload in files:
            received = receive(
                settings.paths,
                data,
                name,
                "cli",
                limits,
                claimed_programme_id=claimed,
                received_at=received_at,
            )
            result = received.result
            errors = result.issues[result.issues["severity"] == "error"]
            assert received.landing is not None and received.landing.is_new, name
            assert (result.outcome, len(errors)) == ("accepted", 0), (
                f"{name} ({upload.dialect if upload else scenario.register_dialect}) not "
                f"accepted: {errors.to_dict('records')[:5]}"
            )
            rows = len(upload.rows) if upload else len(scenario.register)
            assert result.rows_total == len(result.accepted) == rows, name

    def update(self, settings: Settings) -> str:
        """The update job; the id of its run. Fails with the lines `imdi run` would print
        (each failed blocking check: dbt test, model, programme, figure, value), then the
        failed warnings and steps."""
        started = time.time()
        ok = run_update(settings, self.instance)
        run = self.instance.get_runs(limit=1)[0]
        if not ok:
            explained = explain_failed_update(settings.paths, ok.failed_steps, started, None)
            failed_checks = []
            results = settings.paths.quality / "results.json"
            if results.exists():
                failed_checks = [
                    (e["check_name"], e["severity"], e["details"].get("summary_nb"))
                    for e in json.loads(results.read_text(encoding="utf-8"))
                    if not e["passed"]
                ]
            failed_steps = [
                (event.step_key, event.message)
                for event in self.instance.all_logs(run.run_id)
                if event.dagster_event is not None and event.dagster_event.is_failure
            ]
            pytest.fail(
                "not published:\n"
                + "\n".join(explained)
                + f"\nfailed checks {failed_checks}; steps {failed_steps}"
            )
        return run.run_id


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("scenarios")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMDI_HOME", str(root / "imdi"))
        patch.setenv("IMDI_PSEUDONYM_KEY", "test-key-not-secret")
        for name in ("IMDI_REFERENCE_DATE", "DAGSTER_HOME", "IMDI_COVERAGE_FLOOR"):
            patch.delenv(name, raising=False)
        yield Bench(root / "imdi")


def publish(
    bench: Bench, scenario: Scenario, in_two_runs: bool = False
) -> tuple[Settings, dict[str, list[dict]]]:
    """Land the scenario, run the update job; the published marts (read-only) by table.
    ``in_two_runs``: the first half of the files (by arrival) is landed and published first, so
    the second run keeps what it can and recomputes what the rest touches (the incremental
    models, docs/quality.md); what it publishes must be what one run publishes."""
    settings = bench.fresh(scenario.reference_date)
    if in_two_runs:
        bench.land(settings, scenario, part=0)
        bench.update(settings)
        bench.land(settings, scenario, part=1)
    else:
        bench.land(settings, scenario)
    started = datetime.now().timestamp()
    run_id = bench.update(settings)
    paths = settings.paths
    assert paths.published.exists()
    assert paths.published.stat().st_mtime >= started - 1
    info = json.loads((paths.published.parent / "published.json").read_text(encoding="utf-8"))
    assert info["run_id"] == run_id  # written by this run
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        tables = {}
        for table in ("fct_attainment", "fct_followup_status"):
            cursor = con.execute(f"select * from main.{table}")  # noqa: S608 - fixed names
            names = [d[0] for d in cursor.description]
            tables[table] = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    return settings, tables


def check_published(scenario: Scenario, tables: dict[str, list[dict]]) -> None:
    attainment = tables["fct_attainment"]
    for row in attainment:
        where = (row["programme_id"], row["grant_year"], row["cohort"], row["horizon_months"])
        for column, value in row.items():
            if (column.startswith("pct_") or column == "coverage_pct") and value is not None:
                assert 0 <= value <= 100, (where, column, value)
            if column.startswith("n_"):
                assert 0 <= value <= row["participants"], (where, column, value)

    expected = expected_groups(scenario, HORIZONS)
    published = {
        (r["programme_id"], r["grant_year"], r["cohort"], r["horizon_months"]): r
        for r in attainment
    }
    assert set(published) == set(expected)
    for key, group in expected.items():
        row = published[key]
        shown = {c: row[c] for c in (*COUNTS, "n_unknown", "n_employed_with_evidence")}
        computed = {
            c: getattr(group, c) for c in (*COUNTS, "n_unknown", "n_employed_with_evidence")
        }
        assert shown == computed, key
        sources = [c.removeprefix("n_employed_source_") for c in row if "_source_" in c]
        by_source = {source: row[f"n_employed_source_{source}"] for source in sources}
        assert by_source == {s: group.employed_by_source[s] for s in sources}, key
        assert sum(by_source.values()) == group.n_employed, key
        shares = {
            "coverage_pct": share(group.known_status, group.participants),
            "pct_employed_of_all": share(group.n_employed, group.participants),
            "pct_employed_of_known": share(group.n_employed, group.known_status),
            "pct_unknown_of_all": share(group.n_unknown, group.participants),
        }
        for column, value in shares.items():
            published_value = None if row[column] is None else float(row[column])
            assert published_value == value, (key, column, published_value, value)

    # The status counts of each group add up to its participants, as fct_followup_status has
    # them and as the scenario has them.
    by_status: dict[tuple, Counter] = {}
    for r in tables["fct_followup_status"]:
        if r["is_due"] or r["follow_up_state"] == "reported":
            key = (r["programme_id"], r["grant_year"], r["cohort"], r["horizon_months"])
            by_status.setdefault(key, Counter())[r["status"]] += 1
    assert set(by_status) == set(published)
    for key, counts in by_status.items():
        assert sum(counts.values()) == published[key]["participants"], key
        assert counts == expected[key].statuses, key


def check_report(bench: Bench, settings: Settings, scenario: Scenario) -> None:
    quarter = quarter_start(scenario.reference_date)
    assert run_report(settings, quarter.isoformat(), bench.instance), "report job failed"
    folder = settings.paths.reports / quarter_label(quarter)
    assert (folder / "kvartalsrapport.html").stat().st_size > 0
    workbook = openpyxl.load_workbook(folder / "kvartalsrapport.xlsx", read_only=True)
    assert workbook.sheetnames
    workbook.close()


def _named(builder):
    return example(scenario=builder())


@hypothesis_settings(hypothesis_settings.get_profile(PROFILE))
@given(scenario=scenarios())
@_named(named.issue_story)
@_named(named.nobody_answered)
@_named(named.all_unknown)
@_named(named.only_6_months)
@_named(named.single_participant)
@_named(named.dropped_out_and_withdrawn)
@_named(named.self_employed_and_moved_abroad)
@_named(named.not_in_register)
@_named(named.correction_at_quarter_end)
def test_every_valid_scenario_publishes_what_it_says(bench: Bench, scenario: Scenario) -> None:
    # The files arrive in two batches, each published: the second run is incremental.
    settings, tables = publish(bench, scenario, in_two_runs=True)
    check_published(scenario, tables)
    check_report(bench, settings, scenario)


def test_issue_story_low_response_publishes_hand_computed_figures(bench: Bench) -> None:
    scenario = named.issue_story()
    assert scenario.reference_date == date(2020, 12, 31)
    _, tables = publish(bench, scenario)
    (six,) = [
        r
        for r in tables["fct_attainment"]
        if (r["programme_id"], r["horizon_months"]) == ("LAVSVAR", 6)
    ]
    figures = {
        c: six[c]
        for c in (
            "grant_year",
            "participants",
            "known_status",
            "n_employed",
            "coverage_pct",
            "pct_employed_of_all",
            "pct_employed_of_known",
        )
    }
    assert figures == {
        "grant_year": 2018,  # blank in the file: the register's 2018 = the start year
        "participants": 10,  # all 10 due on 30.05.2019 <= 31.12.2020
        "known_status": 2,  # 2 answered; the 8 sent as unknown are not known
        "n_employed": 1,
        "coverage_pct": 20.0,  # 100 * 2 / 10
        "pct_employed_of_all": 10.0,  # 100 * 1 / 10
        "pct_employed_of_known": 50.0,  # 100 * 1 / 2
    }
    assert "pct_unknown_of_known" not in six  # 100 * 8 / 2 = 400 % is not a share
