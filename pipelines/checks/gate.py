"""The publication gate: which failed checks hold the analysts' copy back.

One rule, used by the Dagster publish step (from the run's check evaluations) and by anything
that runs the checks directly (the benchmark's direct path): a check that failed with ERROR
severity blocks; a WARN failure is published and flagged. And what a person reads when that
happened: one Norwegian line per failed blocking check (dbt's tests report theirs in dbt's
run_results.json), naming the check, the model, the programmes, the figure and its value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd

from pipelines.checks.results import read_results
from pipelines.settings import Paths


class Evaluation(NamedTuple):
    """One check's result as the gate needs it."""

    asset: str
    check_name: str
    passed: bool
    severity: str  # "ERROR" | "WARN"


def blocking_failures(evaluations: Iterable[Evaluation]) -> list[str]:
    """``asset:check`` of every failed ERROR check, sorted and without repeats."""
    return sorted(
        {
            f"{e.asset}:{e.check_name}"
            for e in evaluations
            if not e.passed and e.severity.upper() == "ERROR"
        }
    )


# --- what a person reads when publication was held back --------------------------------------

# A blocking check guards an invariant that no valid input can break (docs/quality.md), so
# its failure is the pipeline's defect, never the programmes': say so, and say what to do.
WHAT_TO_DO_NB = (
    "Dette er en feil i varehuset, ikke i programmenes data: send denne linjen og loggen til "
    "utviklerne. Analytikerne beholder siste publiserte kopi."
)
SAMPLE_ROWS = 3
_WORD = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Failure:
    """One failed blocking check, as `imdi run` reports it."""

    check: str
    model: str
    rows: int | None
    programmes: tuple[str, ...] = ()
    figure: str | None = None
    value: str | None = None
    message: str | None = None

    def line_nb(self) -> str:
        what = f"{self.rows} rader bryter regelen" if self.rows else "kunne ikke kjøres"
        where = f" (program {', '.join(self.programmes)})" if self.programmes else ""
        figure = ""
        if self.figure and self.value:
            joiner = ": " if self.figure.startswith("brutt") else " = "
            figure = f"; {self.figure}{joiner}{self.value}"
        detail = f": {self.message}" if self.message and not self.rows else ""
        return f"FEIL {self.check} i {self.model}: {what}{where}{figure}{detail}. {WHAT_TO_DO_NB}"


def _tested_model(node: dict[str, Any]) -> str:
    attached = node.get("attached_node") or ""
    if attached:
        return attached.rsplit(".", 1)[-1]
    refs = node.get("refs") or [{}]
    return refs[0].get("name", "?") if isinstance(refs[0], dict) else str(refs[0][0])


def _query(warehouse: Path, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame | None:
    """A read of the working warehouse for a failure line; None when it cannot be read."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute(sql, params or {}).df()
    except duckdb.Error:
        return None
    finally:
        con.close()


def _failing_rows(warehouse: Path, sql: str) -> pd.DataFrame | None:
    """A few of the rows a failed dbt test returned, read again from the working warehouse."""
    return _query(warehouse, f"select * from ({sql}) as failing limit {SAMPLE_ROWS}")


def _programmes_with(
    warehouse: Path, relation: str, column: str, values: list[Any]
) -> tuple[str, ...]:
    """The programmes whose rows in ``relation`` hold one of the failing ``values``."""
    found = _query(
        warehouse,
        f"select distinct programme_id from {relation} where cast({column} as varchar) in "
        f"(select unnest($values)) order by 1 limit {SAMPLE_ROWS}",
        {"values": [str(v) for v in values]},
    )
    return () if found is None else tuple(str(p) for p in found["programme_id"])


def _shown(value: Any) -> str:
    text = str(value)
    return text[:8] + "…" if len(text) == 32 and text.isalnum() else text  # pseudonyms cut


def dbt_failures(target: Path, warehouse: Path) -> list[Failure]:
    """The failed dbt tests (and models that could not be built) of the last `dbt build`,
    from dbt's own run_results.json and manifest.json in ``target``."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
        nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError):
        return []
    failures = []
    for result in results.get("results", []):
        if result.get("status") not in ("fail", "error"):
            continue
        node = nodes.get(result["unique_id"], {})
        message = " ".join(str(result.get("message") or "").split())[:300] or None
        if node.get("resource_type") != "test":
            name = node.get("name") or result["unique_id"]
            failures.append(Failure("dbt build", name, None, message=message))
            continue
        meta = node.get("test_metadata") or {}
        column = (meta.get("kwargs") or {}).get("column_name")
        rows = result.get("failures") if result.get("status") == "fail" else None
        sample = _failing_rows(warehouse, result["compiled_code"]) if rows else None
        programmes: tuple[str, ...] = ()
        figure, value = column, None
        if sample is not None and len(sample):
            if "programme_id" in sample:
                programmes = tuple(dict.fromkeys(str(p) for p in sample["programme_id"]))
            if "violated" in sample:  # a test that names the conditions its rows break
                condition = str(sample["violated"].iloc[0]).split("; ")[0]
                words = [w for w in dict.fromkeys(_WORD.findall(condition)) if w in sample]
                figure = f"brutt vilkår «{condition}»"
                value = ", ".join(f"{w} = {_shown(sample[w].iloc[0])}" for w in words) or None
            elif (column if column in sample else "value_field") in sample:
                values = list(dict.fromkeys(sample[column if column in sample else "value_field"]))
                value = ", ".join(_shown(v) for v in values)
                relation = nodes.get(node.get("attached_node") or "", {}).get("relation_name")
                if not programmes and column and relation:
                    programmes = _programmes_with(warehouse, relation, column, values)
        name = meta.get("name") or node.get("name", result["unique_id"])
        failures.append(
            Failure(name, _tested_model(node), rows, programmes, figure, value, message)
        )
    return failures


def check_failures(entries: Iterable[dict[str, Any]]) -> list[Failure]:
    """Failed ERROR-severity Great Expectations checks, from results.json's entries."""
    failures = []
    for entry in entries:
        if entry.get("passed") or str(entry.get("severity", "")).upper() != "ERROR":
            continue
        details = entry.get("details") or {}
        sample = details.get("sample") or []
        programmes = tuple(
            dict.fromkeys(str(r["programme_id"]) for r in sample if "programme_id" in r)
        )
        failures.append(
            Failure(
                entry["check_name"],
                entry.get("asset", "?"),
                details.get("failing_rows") or None,
                programmes,
                message=details.get("summary_nb"),
            )
        )
    return failures


def explain_failed_update(
    paths: Paths, failed_steps: Mapping[str, str] | Iterable[str], started: float, log: Path | None
) -> list[str]:
    """The lines `imdi run` ends with when an update was not published: one per failed
    blocking check, one per other failed step, the log's path last."""
    failures: list[Failure] = []
    run_results = paths.dbt_target / "run_results.json"
    if run_results.exists() and run_results.stat().st_mtime >= started:  # this run's dbt
        failures += dbt_failures(paths.dbt_target, paths.warehouse)
    failures += check_failures(read_results(paths))
    lines = [f.line_nb() for f in failures]
    for step in failed_steps:
        if step == "warehouse_models" and any(f.check != "dbt build" for f in failures):
            continue  # the dbt step failed because of the tests just listed
        if step == "quality_checks" and failures:
            continue
        said = failed_steps.get(step) if isinstance(failed_steps, Mapping) else None
        lines.append(f"FEIL i steget {step}: {said or 'se loggen.'}")
    lines.append("Varehuset ble ikke publisert; analytikerne beholder siste publiserte kopi.")
    if log is not None:
        lines.append(f"Hele loggen (med feilsporing): {log}")
    return lines
