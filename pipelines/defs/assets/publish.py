"""Publication: swap in the analysts' read-only copy, only when this run's blocking checks passed."""

import dagster as dg

from pipelines.checks.gate import Evaluation, blocking_failures
from pipelines.defs.resources import SettingsResource
from pipelines.warehouse.publish import PublishRefused, publish

MARTS = (
    "fct_followup_status",
    "fct_attainment",
    "fct_attainment_by_quarter",
    "fct_status_transitions",
    "fct_overdue_followups",
    "fct_said_vs_shown",
    "fct_upload_log",
    "dim_programmes",
    "dim_participants",
)


def run_blocking_failures(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Failed ERROR-severity checks of this run (the gate's rule: pipelines.checks.gate).

    Dagster does not stop a downstream asset when a check fails (dagster #25112), so the
    publish step reads the run's check results itself.
    """
    records = instance.get_records_for_run(
        run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records
    evaluations = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        evaluations.append(
            Evaluation(
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                evaluation.passed,
                evaluation.severity.value,
            )
        )
    return blocking_failures(evaluations)


@dg.asset(group_name="publish", deps=list(MARTS), kinds={"duckdb"}, pool="duckdb_write")
def published_warehouse(
    context: dg.AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    """The read-only copy analysts and reports use; the last good copy stays when checks fail."""
    failures = run_blocking_failures(context.instance, context.run_id)
    if failures:
        context.log.error("Blocking checks failed: " + ", ".join(failures))
        raise dg.Failure(
            description=str(PublishRefused(", ".join(failures))),
            metadata={"blocking_failures": dg.MetadataValue.json(failures)},
        )
    paths = settings.paths
    info = publish(paths, [], run_id=context.run_id)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(paths.published)),
            "size_bytes": info["size_bytes"],
            "published_at": info["published_at"],
        }
    )
