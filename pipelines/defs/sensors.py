"""The landing sensor: any new file in the landing zone (from the drop folder, the portal or the
CLI) starts one update of the warehouse."""

import hashlib
import json

import dagster as dg

from pipelines.defs.jobs import update_warehouse_job
from pipelines.defs.resources import SettingsResource
from pipelines.ingest.landing import landed_files, sweep_inbox

_ID_CHARS = 20  # enough to tell files apart in the cursor; the full hash is the file's name


def new_upload_ids(cursor: str | None, landed_ids: list[str]) -> tuple[list[str], str]:
    """The ids not yet seen, and the cursor to store: the cursor only ever grows."""
    seen = set(json.loads(cursor)) if cursor else set()
    new = sorted(i for i in landed_ids if i[:_ID_CHARS] not in seen)
    updated = sorted(seen | {i[:_ID_CHARS] for i in landed_ids})
    return new, json.dumps(updated)


@dg.sensor(
    job=update_warehouse_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_sensor(context: dg.SensorEvaluationContext, settings: SettingsResource):
    """Lands drop-folder files, then requests a run keyed by the content hashes of what is new.

    The warehouse's own upload log decides what is processed, so a skipped or repeated request
    loses nothing: the next run picks up every landed file it has not seen.
    """
    paths = settings.paths
    sweep_inbox(paths)
    new, cursor = new_upload_ids(context.cursor, [f.upload_id for f in landed_files(paths)])
    if not new:
        return dg.SkipReason("Ingen nye filer i mottaket.")
    run_key = hashlib.sha256("".join(new).encode()).hexdigest()
    context.update_cursor(cursor)
    return dg.RunRequest(run_key=run_key, tags={"imdi/new_files": str(len(new))})
