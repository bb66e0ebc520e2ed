"""Run the Dagster jobs in this process: what `imdi run`, `imdi report` and the demo do without
the daemon. The same jobs, assets and checks as the scheduled runs."""

from __future__ import annotations

import sys

import dagster as dg

from pipelines.settings import Settings

# The console logger only says what went wrong; the run's own records have the rest.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


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


def _report_failures(result: dg.ExecuteInProcessResult) -> None:
    for event in result.all_events:
        if event.is_failure:
            print(f"Feil i {event.step_key}: {event.message}", file=sys.stderr)


def run_update(settings: Settings, instance: dg.DagsterInstance | None = None) -> bool:
    """The sensor's job, in this process: ingest, dbt build, checks, publish."""
    from pipelines.defs.definitions import defs

    job = defs.resolve_job_def("update_warehouse")
    result = job.execute_in_process(
        instance=instance or instance_for(settings),
        run_config=_run_config(settings),
        raise_on_error=False,
    )
    _report_failures(result)
    return result.success


def run_report(
    settings: Settings, partition_key: str, instance: dg.DagsterInstance | None = None
) -> bool:
    """One quarter's report (partition key: the quarter's first day), as of its end."""
    from pipelines.defs.definitions import defs

    job = defs.resolve_job_def("quarterly_report_job")
    result = job.execute_in_process(
        instance=instance or instance_for(settings),
        partition_key=partition_key,
        run_config=_run_config(settings),
        raise_on_error=False,
    )
    _report_failures(result)
    return result.success
