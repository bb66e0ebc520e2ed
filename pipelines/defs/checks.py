"""The Great Expectations quality checks as Dagster asset checks, all in one step.

Every check is declared ``blocking=True`` so that publication waits for all of them; only an
ERROR-severity failure stops publication, a WARN is published and flagged. Dagster does not
itself stop a downstream asset on a failed check in every case (dagster #25112), so
``published_warehouse`` also reads the run's check results.
"""

# No `from __future__ import annotations` here: Dagster inspects the check functions' type
# hints (context, resources), which must be real objects, not strings.
from collections.abc import Iterator
from typing import Any

import dagster as dg

from pipelines.checks.rules import RULES, CheckOutcome, Rule
from pipelines.checks.runner import run_quality_checks
from pipelines.defs.resources import SettingsResource


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
        asset_key=dg.AssetKey(spec.asset),
        check_name=spec.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity(spec.severity),
        metadata=metadata,
        description=outcome.summary_nb,
    )


def _check_spec(rule: Rule) -> dg.AssetCheckSpec:
    spec = rule.spec
    others = [dg.AssetKey(table) for table in spec.reads if table != spec.asset]
    return dg.AssetCheckSpec(
        spec.name,
        asset=dg.AssetKey(spec.asset),
        additional_deps=others or None,
        # Blocking so that publication waits for every check; only an ERROR failure stops it.
        blocking=True,
        description=f"[{spec.severity}] {spec.rule}",
        metadata={"severity": spec.severity, "row_unit": spec.row_unit},
    )


@dg.multi_asset_check(
    name="quality_checks",
    specs=[_check_spec(rule) for rule in RULES],
    can_subset=True,
    description="The Great Expectations quality checks (docs/quality.md), in one step.",
)
def quality_checks_step(
    context: dg.AssetCheckExecutionContext, settings: SettingsResource
) -> Iterator[dg.AssetCheckResult]:
    names = [key.name for key in context.selected_asset_check_keys]
    for outcome in run_quality_checks(settings.get(), names, run_id=context.run.run_id):
        yield to_check_result(outcome)


quality_checks: list[dg.AssetChecksDefinition] = [quality_checks_step]
