"""Dataset-level quality checks (Great Expectations 1.x) as Dagster asset checks.

Each check reads its tables from the working DuckDB file (read-only, under the writer lock,
closed before validating), hands the frames to a plain rule function in
``pipelines.checks.rules``, rebuilds the Data Docs site under ``<quality>/data_docs``, merges
its outcome into ``<quality>/results.json`` and returns an ``AssetCheckResult``.

All checks are declared ``blocking=True`` so that downstream assets (publication) wait for them;
only an ERROR-severity failure stops publication, a WARN is published and flagged. Dagster does
not itself stop a downstream asset on a failed check in every case (dagster #25112), so
``published_warehouse`` also reads the run's check results.

The lead wires them in with ``from pipelines.checks.quality import quality_checks``.
"""

# No `from __future__ import annotations` here: Dagster inspects the check functions' type
# hints (context, resources), which must be real objects, not strings, in a closure.
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from pipelines.checks.gx_session import session_for
from pipelines.checks.results import merge_result, quality_lock
from pipelines.checks.rules import RULES, CheckOutcome, Rule
from pipelines.config import Paths
from pipelines.publish import writer_lock
from pipelines.resources import WarehouseResource

RULES_BY_NAME: dict[str, Rule] = {rule.spec.name: rule for rule in RULES}


def read_tables(paths: Paths, tables: Sequence[str]) -> list[pd.DataFrame]:
    """The tables as pandas frames, read from the working file without blocking it for long.

    GE validates the frames, not a SQL datasource: GE's SQL path on DuckDB reports every
    expectation as N/A (great_expectations #10738, #11579).
    """
    with writer_lock(paths):
        con = duckdb.connect(str(paths.warehouse), read_only=True)
        try:
            return [con.table(table).df() for table in tables]
        finally:
            con.close()


def run_quality_check(name: str, paths: Paths, run_id: str | None = None) -> CheckOutcome:
    """Run one check against the warehouse: validate, rebuild Data Docs, update results.json."""
    rule = RULES_BY_NAME[name]
    frames = read_tables(paths, rule.spec.reads)
    with quality_lock(paths):
        session = session_for(paths.quality)
        with session.run_named(run_id):
            outcome = rule.evaluate(*frames, session=session)
        outcome.docs_index = session.build_docs()
        outcome.docs_page = session.docs_page(name)
        checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        merge_result(paths, outcome.to_record(checked_at, run_id), known_checks=RULES_BY_NAME)
    return outcome


def _markdown_table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = ("" if row[c] is None else str(row[c]).replace("|", "/") for c in columns)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def to_check_result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    """The outcome as Dagster shows it: counts, a small sample and links to the Data Docs."""
    spec = outcome.spec
    metadata: dict[str, Any] = {
        "failing_rows": dg.MetadataValue.int(outcome.failing_rows),
        "checked_rows": dg.MetadataValue.int(outcome.checked_rows),
        "row_unit": dg.MetadataValue.text(spec.row_unit),
        "rule": dg.MetadataValue.text(spec.rule),
        "description_nb": dg.MetadataValue.text(outcome.description_nb),
        "expectations_evaluated": dg.MetadataValue.int(outcome.expectations_evaluated),
    }
    if outcome.sample:
        metadata["sample"] = dg.MetadataValue.md(_markdown_table(outcome.sample))
    if outcome.failed_expectations:
        metadata["failed_expectations"] = dg.MetadataValue.json(outcome.failed_expectations)
    for key, value in outcome.thresholds.items():
        metadata[key] = value
    for key, value in outcome.figures.items():
        metadata[key] = dg.MetadataValue.json(value) if isinstance(value, list | dict) else value
    if outcome.docs_index is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(outcome.docs_index))
    if outcome.docs_page is not None:
        metadata["data_docs_page"] = dg.MetadataValue.url(outcome.docs_page.as_uri())
    return dg.AssetCheckResult(
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity(spec.severity),
        metadata=metadata,
        description=outcome.summary_nb,
    )


def _asset_check(rule: Rule) -> dg.AssetChecksDefinition:
    spec = rule.spec
    others = [dg.AssetKey(table) for table in spec.reads if table != spec.asset]

    @dg.asset_check(
        name=spec.name,
        asset=dg.AssetKey(spec.asset),
        additional_deps=others or None,
        # Blocking so that publication waits for every check; only an ERROR failure stops it.
        blocking=True,
        description=f"[{spec.severity}] {spec.rule}",
        metadata={"severity": spec.severity, "row_unit": spec.row_unit},
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        outcome = run_quality_check(spec.name, warehouse.paths, run_id=context.run.run_id)
        return to_check_result(outcome)

    return _check


quality_checks: list[dg.AssetChecksDefinition] = [_asset_check(rule) for rule in RULES]
