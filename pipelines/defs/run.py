"""Run the Dagster jobs in this process: what `imdi run`, `imdi report` and the demo do without
the daemon. The same jobs, assets and checks as the scheduled runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.settings import Settings

# The console stays quiet (a failure is summarised by the caller, in Norwegian); the run's own
# records, and the log file the caller names, have everything including stack traces.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME (runs show in the UI), or an ephemeral one without it."""
    if settings.dagster_home is not None:
        settings.dagster_home.mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.from_config(str(settings.dagster_home))
    return dg.DagsterInstance.ephemeral()


def _run_config(settings: Settings) -> dict:
    """The settings resource fixed to this process's settings (home, reference date)."""
    config = {"home": str(settings.home)}
    if settings.reference_date is not None:
        config["reference_date"] = settings.reference_date.isoformat()
    return {**QUIET, "resources": {"settings": {"config": config}}}


def _write_log(result: dg.ExecuteInProcessResult, log: Path | None) -> list[str]:
    """Every event of the run to ``log`` (failures with their stack traces); the keys of the
    steps that failed."""
    failed = []
    lines = []
    for event in result.all_events:
        lines.append(f"{event.event_type_value} {event.step_key or ''} {event.message or ''}")
        if event.is_step_failure:
            failed.append(event.step_key)
            error = event.step_failure_data.error
            if error is not None:
                lines.append(error.to_string())
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    return failed


@dataclass(frozen=True)
class RunOutcome:
    success: bool
    failed_steps: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.success


def run_update(
    settings: Settings, instance: dg.DagsterInstance | None = None, log: Path | None = None
) -> RunOutcome:
    """The sensor's job, in this process: ingest, dbt build, checks, publish."""
    from pipelines.defs.definitions import defs

    job = defs.resolve_job_def("update_warehouse")
    result = job.execute_in_process(
        instance=instance or instance_for(settings),
        run_config=_run_config(settings),
        raise_on_error=False,
    )
    return RunOutcome(result.success, tuple(_write_log(result, log)))


def run_report(
    settings: Settings,
    partition_key: str,
    instance: dg.DagsterInstance | None = None,
    log: Path | None = None,
) -> RunOutcome:
    """One quarter's report (partition key: the quarter's first day), as of its end."""
    from pipelines.defs.definitions import defs

    job = defs.resolve_job_def("quarterly_report_job")
    result = job.execute_in_process(
        instance=instance or instance_for(settings),
        partition_key=partition_key,
        run_config=_run_config(settings),
        raise_on_error=False,
    )
    return RunOutcome(result.success, tuple(_write_log(result, log)))
