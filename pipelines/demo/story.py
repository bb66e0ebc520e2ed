"""What `make demo` prints: one line per stage with counts and seconds, the quarter's key
figures and where everything is - one screen. The full dbt and Dagster logs go to a log file
(:func:`captured_output`), named at the end.

The lines are built from plain values (the run's event log as ``pipelines.defs.run`` reads it),
so this module needs no Dagster; texts are Norwegian, the codes (rule ids, check names) stay as
they are.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pipelines.report.labels import HORIZONS, format_value

# The stage names, in order, as the demo prints them.
STAGES = (
    ("generated", "Generert"),
    ("landed", "Mottatt"),
    ("validated", "Validert"),
    ("dbt", "dbt"),
    ("published", "Publisert"),
    ("checks", "Kvalitet"),
    ("report", "Rapport"),
)
STAGE_LABELS = dict(STAGES)

KEY_FIGURE_LABELS = {
    "participants": "Deltakere i oppfølging",
    "coverage": "Dekning (kjent status)",
    "employed": "I jobb",
    "relevant_work": "I relevant jobb",
    "right_shelf": "«På rett hylle»",
}

WIDTH = 11  # the stage name's column


@dataclass(frozen=True)
class Check:
    """A check result as the story needs it (a dbt test or a quality check)."""

    name: str
    passed: bool
    severity: str  # "ERROR" | "WARN"


def seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " s"


def number(value: object) -> str:
    return format_value(value, "count").replace("\u00a0", " ")


def shown_path(path: Path, base: Path | None = None) -> str:
    """A path relative to the working folder when it lies inside it (as the README shows it)."""
    base = Path.cwd() if base is None else base
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def stage_line(stage: str, text: str, took: float | None = None) -> str:
    """``  Validert   40 filer: ...   4,1 s``; the seconds at the end when known."""
    line = f"  {STAGE_LABELS[stage]:<{WIDTH}}{text}"
    if took is None:
        return line
    return f"{line}  ({seconds(took)})"


def continuation_line(text: str) -> str:
    """A second line of a stage, under its text."""
    return " " * (2 + WIDTH) + text


def validated_text(metadata: Mapping[str, Any]) -> list[str]:
    """The ingest batch: files, rows accepted/rejected, warnings, then the top reasons."""
    files = int(metadata.get("files_ingested", 0))
    accepted = int(metadata.get("rows_accepted", 0))
    rejected = int(metadata.get("rows_rejected", 0))
    warnings = int(metadata.get("row_warnings", 0))
    lines = [
        f"{files} filer mot kontraktene: {number(accepted)} rader godtatt, "
        f"{number(rejected)} avvist, {number(warnings)} advarsler"
    ]
    reasons = metadata.get("top_reasons") or []
    if reasons:
        listed = ", ".join(
            f"{r['rule']} ({number(r['count'])}{', avvist' if r['severity'] == 'error' else ''})"
            for r in reasons
        )
        lines.append(f"vanligst: {listed}")
    return lines


def checks_text(checks: Sequence[Check], noun: str) -> list[str]:
    """``111 tester: 111 bestått, 0 advarsel, 0 feilet``, then a line naming those not passed
    (at most three of each)."""
    passed = sum(c.passed for c in checks)
    warned = [c.name for c in checks if not c.passed and c.severity != "ERROR"]
    failed = [c.name for c in checks if not c.passed and c.severity == "ERROR"]
    lines = [
        f"{len(checks)} {noun}: {passed} bestått, {len(warned)} advarsel, {len(failed)} feilet"
    ]

    def named(label: str, names: list[str]) -> str:
        return f"{label}: " + ", ".join(names[:3]) + (" …" if len(names) > 3 else "")

    details = [
        named(label, names) for label, names in (("feilet", failed), ("advarsel", warned)) if names
    ]
    if details:
        lines.append("; ".join(details))
    return lines


def key_figure_lines(figures: Sequence[Mapping[str, Any]], title: str) -> list[str]:
    """The quarter's key figures as a small table: one row per figure, one column per horizon."""
    width = max(len(label) for label in KEY_FIGURE_LABELS.values()) + 2
    lines = [title, " " * (width + 2) + "".join(f"{f'{h} mnd':>9}" for h in HORIZONS)]
    for figure in figures:
        label = KEY_FIGURE_LABELS.get(figure["code"], figure["code"])
        cells = []
        for h in HORIZONS:
            value = figure.get(str(h))
            if value is None:
                cells.append("")
            elif isinstance(value, str):
                cells.append(value)
            elif figure["kind"] == "pct":
                cells.append(format_value(value, "pct") + " %")
            else:
                cells.append(number(value))
        lines.append(f"  {label:<{width}}" + "".join(f"{c:>9}" for c in cells))
    lines.append(
        "  (andeler av alle deltakere i oppfølging; «–» = skjermet, under skjermingsgrensen)"
    )
    return lines


@contextlib.contextmanager
def captured_output(log_path: Path | None) -> Iterator[TextIO]:
    """Send everything written to stdout and stderr - by Python, dbt, Dagster, GE, subprocesses
    - to ``log_path``, and yield a stream to the real stdout for the story's own lines.

    With ``log_path=None`` nothing is redirected (``imdi demo -v``: the logs show live).
    """
    if log_path is None:
        yield sys.stdout
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    story = open(os.dup(saved_out), "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield story
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            story.close()
