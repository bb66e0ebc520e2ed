"""The Great Expectations quality checks as Dagster asset checks.

The flagging (WARN) checks run after publication, on the published copy: a WARN is published
and flagged anyway, so waiting for it would only delay the analysts' copy (at 1 M participants
by ~12 s, docs/benchmarks.md). A blocking (ERROR) rule - none today; the invariants that hold
publication back are dbt tests (docs/quality.md) - would run before publication, on the working
file, declared ``blocking=True``; ``published_warehouse`` reads the run's check results itself,
since Dagster does not stop a downstream asset on a failed check in every case (dagster #25112).
"""

# No `from __future__ import annotations` here: Dagster inspects the check functions' type
# hints (context, resources), which must be real objects, not strings.
from collections.abc import Iterator
from typing import Any

import dagster as dg

from pipelines.checks.rules import BLOCKING_RULES, FLAGGING_RULES, CheckOutcome, Rule
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


PUBLISHED = dg.AssetKey("published_warehouse")


def _check_spec(rule: Rule) -> dg.AssetCheckSpec:
    spec = rule.spec
    blocking = spec.severity == "ERROR"
    others = [dg.AssetKey(table) for table in spec.reads if table != spec.asset]
    # A flagging check waits for publication (it reads the published copy); a blocking one is
    # waited for by publication.
    deps = others if blocking else [*others, PUBLISHED]
    return dg.AssetCheckSpec(
        spec.name,
        asset=dg.AssetKey(spec.asset),
        additional_deps=deps or None,
        blocking=blocking,
        description=f"[{spec.severity}] {spec.rule}",
        metadata={"severity": spec.severity, "row_unit": spec.row_unit},
    )


def _quality_step(name: str, rules: tuple[Rule, ...], published: bool) -> dg.AssetChecksDefinition:
    """One step that runs ``rules`` in one GE session and reports each as an asset check."""

    @dg.multi_asset_check(
        name=name,
        specs=[_check_spec(rule) for rule in rules],
        can_subset=True,
        description="The Great Expectations quality checks (docs/quality.md), in one step"
        + (", on the published copy." if published else ", before publication."),
    )
    def _step(
        context: dg.AssetCheckExecutionContext, settings: SettingsResource
    ) -> Iterator[dg.AssetCheckResult]:
        names = [key.name for key in context.selected_asset_check_keys]
        outcomes = run_quality_checks(
            settings.get(), names, run_id=context.run.run_id, published=published
        )
        for outcome in outcomes:
            yield to_check_result(outcome)

    return _step


quality_checks: list[dg.AssetChecksDefinition] = [
    *(
        [_quality_step("blocking_quality_checks", BLOCKING_RULES, published=False)]
        if BLOCKING_RULES
        else []
    ),
    *([_quality_step("quality_checks", FLAGGING_RULES, published=True)] if FLAGGING_RULES else []),
]
