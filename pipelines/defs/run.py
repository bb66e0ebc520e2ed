"""Run the Dagster jobs in this process: what `imdi run`, `imdi report` and the demo do without
the daemon. The same jobs, assets and checks as the scheduled runs.

Each run returns a :class:`RunOutcome` - true when the run succeeded - with what the run's
event log says in plain Python values (seconds per step, each asset's materialization metadata,
every check result, how many warnings were logged), so that the demo can tell its story
without importing Dagster.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from pipelines.settings import Settings


@dataclass(frozen=True)
class CheckResult:
    """One asset check's result in a run (a dbt test or a quality check)."""

    step: str
    asset: str
    name: str
    passed: bool
    severity: str  # "ERROR" | "WARN"


@dataclass(frozen=True)
class RunOutcome:
    """What one in-process run did, read from its event log."""

    success: bool
    run_id: str
    step_seconds: dict[str, float] = field(default_factory=dict)
    materialized: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.success


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME (runs show in the UI), or an ephemeral one without it."""
    if settings.dagster_home is not None:
        settings.dagster_home.mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.from_config(str(settings.dagster_home))
    return dg.DagsterInstance.ephemeral()


def _run_config(settings: Settings, log_level: str) -> dict:
    """The settings resource fixed to this process's settings (home, reference date); the
    console logger at ``log_level`` (WARNING: it only says what went wrong; the run's own
    records have the rest)."""
    config = {"home": str(settings.home)}
    if settings.reference_date is not None:
        config["reference_date"] = settings.reference_date.isoformat()
    return {
        "loggers": {"console": {"config": {"log_level": log_level}}},
        "resources": {"settings": {"config": config}},
    }


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def outcome_of(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance) -> RunOutcome:
    """The run's story from its event log: step times, materializations, checks, warnings."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    materialized: dict[str, dict[str, Any]] = {}
    checks: list[CheckResult] = []
    warnings: list[str] = []
    failures: list[str] = []
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None:
            if entry.level >= logging.WARNING:
                warnings.append(entry.user_message)
            continue
        step = event.step_key or ""
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[step] = entry.timestamp
        elif event.event_type in (
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        ):
            seconds[step] = entry.timestamp - started.get(step, entry.timestamp)
        if event.is_failure:
            failures.append(f"Feil i {step}: {event.message}")
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            materialized[materialization.asset_key.to_user_string()] = {
                key: _plain(value) for key, value in materialization.metadata.items()
            }
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            checks.append(
                CheckResult(
                    step,
                    evaluation.asset_key.to_user_string(),
                    evaluation.check_name,
                    evaluation.passed,
                    evaluation.severity.value,
                )
            )
    return RunOutcome(
        success=result.success,
        run_id=result.run_id,
        step_seconds=seconds,
        materialized=materialized,
        checks=checks,
        warnings=warnings,
        failures=failures,
    )


def _finish(
    result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance, quiet: bool
) -> RunOutcome:
    outcome = outcome_of(result, instance)
    if not quiet:
        for failure in outcome.failures:
            print(failure, file=sys.stderr)
    return outcome


def run_update(
    settings: Settings,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "WARNING",
    quiet: bool = False,
) -> RunOutcome:
    """The sensor's job, in this process: ingest, dbt build, checks, publish."""
    from pipelines.defs.definitions import defs

    instance = instance or instance_for(settings)
    job = defs.resolve_job_def("update_warehouse")
    result = job.execute_in_process(
        instance=instance,
        run_config=_run_config(settings, log_level),
        raise_on_error=False,
    )
    return _finish(result, instance, quiet)


def run_report(
    settings: Settings,
    partition_key: str,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "WARNING",
    quiet: bool = False,
    languages: tuple[str, ...] = ("nb",),
) -> RunOutcome:
    """One quarter's report (partition key: the quarter's first day), as of its end, in each of
    ``languages``."""
    from pipelines.defs.definitions import defs

    instance = instance or instance_for(settings)
    job = defs.resolve_job_def("quarterly_report_job")
    result = job.execute_in_process(
        instance=instance,
        partition_key=partition_key,
        run_config={
            **_run_config(settings, log_level),
            "ops": {"quarterly_report": {"config": {"languages": list(languages)}}},
        },
        raise_on_error=False,
    )
    return _finish(result, instance, quiet)
