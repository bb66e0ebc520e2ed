"""The publication gate: which failed checks hold the analysts' copy back.

One rule, used by the Dagster publish step (from the run's check evaluations) and by anything
that runs the checks directly (the benchmark's direct path): a check that failed with ERROR
severity blocks; a WARN failure is published and flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


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
