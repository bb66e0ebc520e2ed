"""Run the Dagster jobs in this process: what `imdi run`, `imdi report` and the demo do without
the daemon. The same jobs, assets and checks as the scheduled runs.

Each run returns a :class:`RunOutcome` - true when the run succeeded - with what the run's
event log says in plain Python values (seconds per step, each asset's materialization metadata,
every check result, how many warnings were logged), so that the demo can tell its story
without importing Dagster.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
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
    failed_steps: dict[str, str] = field(default_factory=dict)  # step -> its error's first line

    def __bool__(self) -> bool:
        return self.success


# The console stays quiet (a failure is summarised by the caller, in Norwegian); the run's own
# records, and the log file the caller names, have everything including stack traces.
QUIET_LEVEL = "CRITICAL"


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME (runs show in the UI), or an ephemeral one without it."""
    if settings.dagster_home is not None:
        settings.dagster_home.mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.from_config(str(settings.dagster_home))
    return dg.DagsterInstance.ephemeral()


def _run_config(settings: Settings, log_level: str) -> dict:
    """The settings resource fixed to this process's settings (home, reference date); the
    console logger at ``log_level`` (the demo sends the console to its log file)."""
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


def _root_message(error: Any) -> str:
    """The first line of the innermost cause: what the code that failed said (often a
    Norwegian message of ours, such as a missing pseudonym key)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    lines = str(getattr(error, "message", "") or "").strip().splitlines()
    first = lines[0] if lines else ""
    return re.sub(r"^[\w.]+(Error|Exception): ", "", first)[:300]


def _write_log(result: dg.ExecuteInProcessResult, log: Path | None) -> dict[str, str]:
    """Every event of the run to ``log`` (failures with their stack traces); each failed step
    with the first line of its error."""
    failed: dict[str, str] = {}
    lines = []
    for event in result.all_events:
        lines.append(f"{event.event_type_value} {event.step_key or ''} {event.message or ''}")
        if event.is_step_failure:
            error = event.step_failure_data.error
            failed[event.step_key] = _root_message(error)
            if error is not None:
                lines.append(error.to_string())
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    return failed


def _finish(
    result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance, log: Path | None
) -> RunOutcome:
    failed_steps = _write_log(result, log)
    outcome = outcome_of(result, instance)
    return RunOutcome(**{**outcome.__dict__, "failed_steps": failed_steps})


def run_update(
    settings: Settings,
    instance: dg.DagsterInstance | None = None,
    log: Path | None = None,
    log_level: str = QUIET_LEVEL,
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
    return _finish(result, instance, log)


def run_report(
    settings: Settings,
    partition_key: str,
    instance: dg.DagsterInstance | None = None,
    log: Path | None = None,
    log_level: str = QUIET_LEVEL,
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
    return _finish(result, instance, log)
