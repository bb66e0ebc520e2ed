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
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from pipelines.checks.gx_session import session_for
from pipelines.checks.results import merge_results, quality_lock
from pipelines.checks.rules import RULES, CheckOutcome, Rule
from pipelines.config import Paths
from pipelines.publish import writer_lock
from pipelines.resources import WarehouseResource

RULES_BY_NAME: dict[str, Rule] = {rule.spec.name: rule for rule in RULES}


def read_frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """One table as a pandas frame, its text columns as (unordered) categoricals.

    As plain strings a million participants' follow-ups take several GB in pandas (a Python
    object per cell) and most of the checks' time goes into making them. Each text column is
    cast to an ENUM of its distinct values instead, which DuckDB hands to pandas as a
    categorical without making a string per cell. GE validates categoricals as it does strings
    (null, in set, unique). ``con`` is an in-memory connection with the warehouse attached, so
    the types are created there and the warehouse file is only read.
    """
    columns = con.sql(f"select * from {table}")
    selected = []
    for name, type_ in zip(columns.columns, columns.types, strict=True):
        if str(type_) == "VARCHAR":
            enum = f"enum_{len(selected)}_{abs(hash((table, name)))}"
            con.execute(
                f'create type "{enum}" as enum '
                f'(select distinct "{name}" from {table} where "{name}" is not null)'
            )
            selected.append(f'cast("{name}" as "{enum}") as "{name}"')
        else:
            selected.append(f'"{name}"')
    frame = con.sql(f"select {', '.join(selected)} from {table}").df()
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].cat.as_unordered()
    return frame


def read_tables(paths: Paths, tables: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The tables as pandas frames, read from the working file without blocking it for long.

    GE validates the frames, not a SQL datasource: GE's SQL path on DuckDB reports every
    expectation as N/A (great_expectations #10738, #11579).
    """
    # Attached under its file name (the catalog dbt's views refer to), quotes doubled.
    catalog = '"' + paths.warehouse.stem.replace('"', '""') + '"'
    location = "'" + str(paths.warehouse).replace("'", "''") + "'"
    with writer_lock(paths):
        con = duckdb.connect()
        try:
            con.execute(f"attach {location} as {catalog} (read_only)")
            return {table: read_frame(con, f"{catalog}.{table}") for table in tables}
        finally:
            con.close()


def _evaluated(rules: Sequence[Rule], paths: Paths, session: Any) -> Iterator[CheckOutcome]:
    """Each rule's outcome, every table read once and dropped after the last rule that reads it."""
    last_use = {table: i for i, rule in enumerate(rules) for table in rule.spec.reads}
    frames: dict[str, pd.DataFrame] = {}
    for i, rule in enumerate(rules):
        missing = [t for t in dict.fromkeys(rule.spec.reads) if t not in frames]
        frames.update(read_tables(paths, missing))
        yield rule.evaluate(*(frames[table] for table in rule.spec.reads), session=session)
        for table in rule.spec.reads:
            if last_use[table] == i:
                frames.pop(table, None)


def run_quality_checks(
    paths: Paths, names: Iterable[str] | None = None, run_id: str | None = None
) -> list[CheckOutcome]:
    """Run the checks (all, or those named) against the warehouse, in one GE session: validate,
    then rebuild the Data Docs once and merge every outcome into results.json."""
    selected = set(RULES_BY_NAME) if names is None else set(names)
    rules = [rule for rule in RULES if rule.spec.name in selected]
    with quality_lock(paths):
        session = session_for(paths.quality)
        with session.run_named(run_id):
            outcomes = list(_evaluated(rules, paths, session))
        docs_index = session.build_docs()
        checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        for outcome in outcomes:
            outcome.docs_index = docs_index
            outcome.docs_page = session.docs_page(outcome.spec.name)
        merge_results(
            paths,
            [outcome.to_record(checked_at, run_id) for outcome in outcomes],
            known_checks=RULES_BY_NAME,
        )
    return outcomes


def run_quality_check(name: str, paths: Paths, run_id: str | None = None) -> CheckOutcome:
    """Run one check against the warehouse (see ``run_quality_checks``)."""
    return run_quality_checks(paths, [name], run_id)[0]


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
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    names = [key.name for key in context.selected_asset_check_keys]
    for outcome in run_quality_checks(warehouse.paths, names, run_id=context.run.run_id):
        yield to_check_result(outcome)


quality_checks: list[dg.AssetChecksDefinition] = [quality_checks_step]
