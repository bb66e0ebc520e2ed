"""Ingest assets: the landing zone and the raw tables validated against the contracts."""

import dagster as dg

from pipelines.defs.resources import SettingsResource
from pipelines.ingest.landing import landed_files, sweep_inbox
from pipelines.ingest.raw_load import ingest_pending
from pipelines.warehouse.locks import writer_lock
from pipelines.warehouse.raw import connect

RAW_TABLES = (
    "raw_followups",
    "raw_programme_register",
    "raw_status_reports",
    "raw_register_employment",
    "raw_uploads",
    "raw_rejections",
)


def top_reasons(con, upload_ids: list[str], limit: int = 3) -> list[dict]:
    """The most frequent findings (rule, severity, count) in this batch's files."""
    if not upload_ids:
        return []
    rows = con.execute(
        "SELECT rule, severity, count(*) AS n FROM raw.raw_rejections"
        " WHERE list_contains(?, upload_id) GROUP BY ALL ORDER BY n DESC, rule LIMIT ?",
        [upload_ids, limit],
    ).fetchall()
    return [{"rule": rule, "severity": severity, "count": n} for rule, severity, n in rows]


@dg.asset(group_name="ingest", kinds={"file"})
def landing_zone(settings: SettingsResource) -> dg.MaterializeResult:
    """Immutable, content-addressed raw files; files in the drop folder are landed first."""
    paths = settings.paths
    swept = sweep_inbox(paths)
    files = landed_files(paths)
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "landed_from_inbox": len([r for r in swept if r.is_new]),
            "refused_national_id": len([f for f in files if f.refused]),
            "path": dg.MetadataValue.path(str(paths.landing)),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, deps=[landing_zone], group_name="ingest", kinds={"duckdb"})
        for name in RAW_TABLES
    ],
    pool="duckdb_write",
)
def raw_tables(context: dg.AssetExecutionContext, settings: SettingsResource):
    """Every landed file not yet in the warehouse, checked row by row against its contract
    (pipelines/ingest/validation.py) and appended to the raw tables; rejected rows go to raw_rejections with reasons."""
    config = settings.get()
    paths = config.paths.ensure()
    key = config.key()
    with writer_lock(paths):
        con = connect(paths.warehouse)
        try:
            summaries = ingest_pending(con, paths, key)
            counts = {
                name: con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0]  # noqa: S608 (fixed names)
                for name in RAW_TABLES
            }
            reasons = top_reasons(con, [s.upload_id for s in summaries])
        finally:
            con.close()
    for summary in summaries:
        context.log.info(f"{summary.original_name}: {summary.outcome} – {summary.message_nb}")
    batch = {
        "files_ingested": len(summaries),
        "rows_accepted": sum(s.rows_accepted for s in summaries),
        "rows_rejected": sum(s.rows_rejected for s in summaries),
        "files_rejected": sum(1 for s in summaries if s.outcome in ("rejected", "refused")),
        "row_warnings": sum(s.warnings for s in summaries),
        "top_reasons": dg.MetadataValue.json(reasons),
    }
    for name in RAW_TABLES:
        yield dg.MaterializeResult(
            asset_key=name, metadata={"dagster/row_count": counts[name], **batch}
        )
