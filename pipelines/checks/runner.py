"""Run the dataset quality checks (Great Expectations 1.x) against the warehouse.

Each check reads its tables as pandas frames, hands them to a plain rule function in
``pipelines.checks.rules``; the Data Docs site under ``<quality>/data_docs`` is rebuilt once and
every outcome is merged into ``<quality>/results.json``. The flagging (WARN) checks read the
published copy, after publication: they describe what analysts read and never hold it back. A
blocking (ERROR) check would read the working file under the writer lock, before publication.
The Dagster asset checks (``pipelines.defs.checks``) and the benchmark both call
:func:`run_quality_checks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from pipelines.checks.gx_session import session_for
from pipelines.checks.pages import write_quality_page
from pipelines.checks.results import merge_results, quality_lock
from pipelines.checks.rules import RULES, CheckOutcome, Rule
from pipelines.settings import Paths, Settings
from pipelines.warehouse.publish import writer_lock

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


def read_tables(
    paths: Paths, tables: Sequence[str], published: bool = False
) -> dict[str, pd.DataFrame]:
    """The tables as pandas frames, from the published copy or from the working file.

    The working file is read under the writer lock, which is held only while reading; the
    published copy is read-only and replaced by rename, so it needs no lock. GE validates the
    frames, not a SQL datasource: GE's SQL path on DuckDB reports every expectation as N/A
    (great_expectations #10738, #11579).
    """
    source = paths.published if published else paths.warehouse
    # Attached under its file name (the catalog dbt's views refer to), quotes doubled.
    catalog = '"' + source.stem.replace('"', '""') + '"'
    location = "'" + str(source).replace("'", "''") + "'"
    with nullcontext() if published else writer_lock(paths):
        con = duckdb.connect()
        try:
            con.execute(f"attach {location} as {catalog} (read_only)")
            return {table: read_frame(con, f"{catalog}.{table}") for table in tables}
        finally:
            con.close()


def _evaluated(
    rules: Sequence[Rule], settings: Settings, session: Any, published: bool
) -> Iterator[CheckOutcome]:
    """Each rule's outcome, every table read once and dropped after the last rule that reads it."""
    last_use = {table: i for i, rule in enumerate(rules) for table in rule.spec.reads}
    frames: dict[str, pd.DataFrame] = {}
    for i, rule in enumerate(rules):
        missing = [t for t in dict.fromkeys(rule.spec.reads) if t not in frames]
        frames.update(read_tables(settings.paths, missing, published))
        tables = (frames[table] for table in rule.spec.reads)
        yield rule.evaluate(*tables, session=session, **rule.options(settings))
        for table in rule.spec.reads:
            if last_use[table] == i:
                frames.pop(table, None)


def run_quality_checks(
    settings: Settings,
    names: Iterable[str] | None = None,
    run_id: str | None = None,
    published: bool = False,
) -> list[CheckOutcome]:
    """Run the checks (all, or those named) in one GE session: validate, then rebuild the Data
    Docs once and merge every outcome into results.json. ``published``: read the published
    copy (the flagging checks, after publication), else the working file."""
    selected = set(RULES_BY_NAME) if names is None else set(names)
    rules = [rule for rule in RULES if rule.spec.name in selected]
    paths = settings.paths
    with quality_lock(paths):
        session = session_for(paths.quality)
        with session.run_named(run_id):
            outcomes = list(_evaluated(rules, settings, session, published))
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
        # The quality page analysts open (offline, self-contained), from the merged results.
        write_quality_page(paths)
    return outcomes


def run_quality_check(
    name: str, settings: Settings, run_id: str | None = None, published: bool = False
) -> CheckOutcome:
    """Run one check (see ``run_quality_checks``)."""
    return run_quality_checks(settings, [name], run_id, published)[0]
