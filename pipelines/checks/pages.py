"""The quality pages: every check's latest result as one self-contained HTML page.

``<quality>/index.html`` is written from ``results.json`` (pipelines.checks.results) after each
check run - with, first, how dbt's tests of the invariants went in the last `dbt build` (its
run_results.json) - : an index of every check - severity, passed / warned / failed, summary, rows checked
and failing - and a section per check (anchor ``#<check name>``) with its thresholds, figures,
sample rows and failed expectations. Inline CSS, no script, no external URL: it opens on a
locked-down machine without internet, unlike Great Expectations' Data Docs (CSS and JS from a
CDN). Labels in Norwegian; check names, severities and columns stay as codes beneath them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pipelines.checks.results import read_results
from pipelines.files import atomic_write
from pipelines.settings import Paths

PAGE_NAME = "index.html"

# (code, Norwegian label, css class): a check's outcome from ``passed`` and ``severity``.
OUTCOMES = {
    "passed": ("bestått", "ok"),
    "warned": ("advarsel", "warn"),
    "failed": ("feilet – stopper publisering", "fail"),
}
SEVERITY_LABELS = {"ERROR": "feil (stopper publisering)", "WARN": "advarsel (publiseres)"}
THRESHOLD_LABELS = {
    "coverage_floor_pct": "Laveste dekning (%)",
    "overdue_share_max_pct": "Høyeste andel forsinket (%)",
    "grace_days": "Dager før forsinket",
}
MAX_TABLE_ROWS = 50
_LONG_HEX = re.compile(r"\b([0-9a-fA-F]{8})[0-9a-fA-F]{8,}\b")


def outcome_code(entry: dict[str, Any]) -> str:
    if entry.get("passed"):
        return "passed"
    return "failed" if str(entry.get("severity", "")).upper() == "ERROR" else "warned"


def quality_page(paths: Paths) -> Path:
    return paths.quality / PAGE_NAME


def _text(value: Any) -> str:
    """A cell as text; long hexadecimal strings (pseudonyms, hashes) shortened."""
    if value is None:
        return ""
    # numbers as Norwegian readers write them: decimal comma
    text = f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)
    return _LONG_HEX.sub(r"\1…", text)


def _table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return {
        "columns": columns,
        "rows": [[_text(row.get(c)) for c in columns] for row in rows[:MAX_TABLE_ROWS]],
        "more": max(0, len(rows) - MAX_TABLE_ROWS),
    }


def _figures(figures: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, dict]]]:
    """Scalar figures as (name, value); lists of records as named tables."""
    scalars, tables = [], []
    for name, value in figures.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append((name, _table(value)))
        elif isinstance(value, list):
            scalars.append((name, ", ".join(_text(v) for v in value) or "ingen"))
        else:
            scalars.append((name, _text(value)))
    return scalars, tables


def dbt_tests(target: Path) -> dict[str, Any] | None:
    """The invariants: dbt's tests in the last `dbt build` (its run_results.json in ``target``),
    counted by outcome, with the failing ones (name, status, failing rows, dbt's message)."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tests = [
        r for r in results.get("results", []) if str(r.get("unique_id", "")).startswith("test.")
    ]
    failing = [
        {
            "test": r["unique_id"].split(".")[2]
            if r["unique_id"].count(".") >= 2
            else r["unique_id"],
            "status": r.get("status"),
            "failures": r.get("failures"),
            "message": " ".join(str(r.get("message") or "").split())[:200],
        }
        for r in tests
        if r.get("status") in ("fail", "error", "warn")
    ]
    return {
        "total": len(tests),
        "passed": sum(r.get("status") == "pass" for r in tests),
        "failed": sum(r.get("status") in ("fail", "error") for r in tests),
        "warned": sum(r.get("status") == "warn" for r in tests),
        "failing": _table(failing),
        "generated_at": (results.get("metadata") or {}).get("generated_at", ""),
    }


def page_context(
    entries: list[dict[str, Any]], invariants: dict[str, Any] | None = None
) -> dict[str, Any]:
    checks = []
    for entry in sorted(
        entries,
        key=lambda e: (["failed", "warned", "passed"].index(outcome_code(e)), e["check_name"]),
    ):
        details = entry.get("details") or {}
        code = outcome_code(entry)
        scalars, tables = _figures(details.get("figures") or {})
        checks.append(
            {
                "name": entry["check_name"],
                "asset": entry.get("asset", ""),
                "severity": str(entry.get("severity", "")).upper(),
                "severity_label": SEVERITY_LABELS.get(str(entry.get("severity", "")).upper(), ""),
                "outcome": code,
                "outcome_label": OUTCOMES[code][0],
                "css": OUTCOMES[code][1],
                "description": entry.get("description_nb") or "",
                "summary": details.get("summary_nb") or "",
                "row_unit": details.get("row_unit") or "",
                "checked_rows": details.get("checked_rows"),
                "failing_rows": details.get("failing_rows"),
                "thresholds": [
                    (THRESHOLD_LABELS.get(k, k), k, _text(v))
                    for k, v in (details.get("thresholds") or {}).items()
                ],
                "figures": scalars,
                "figure_tables": tables,
                "sample": _table(details.get("sample") or []),
                "failed": _table(details.get("failed_expectations") or []),
                "checked_at": details.get("checked_at") or "",
                "run_id": details.get("run_id") or "",
            }
        )
    counts = {code: sum(c["outcome"] == code for c in checks) for code in OUTCOMES}
    last = max((c["checked_at"] for c in checks), default="")
    return {
        "checks": checks,
        "counts": counts,
        "outcomes": OUTCOMES,
        "checked_at": last,
        "invariants": invariants,
    }


def render_quality_page(
    entries: list[dict[str, Any]], invariants: dict[str, Any] | None = None
) -> str:
    environment = Environment(
        loader=PackageLoader("pipelines.checks", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("quality.html.j2").render(**page_context(entries, invariants))


def write_quality_page(paths: Paths) -> Path:
    """(Re)write ``<quality>/index.html`` from results.json; call under the quality lock."""
    path = quality_page(paths)
    page = render_quality_page(read_results(paths), dbt_tests(paths.dbt_target))
    atomic_write(path, page.encode("utf-8"))
    return path
