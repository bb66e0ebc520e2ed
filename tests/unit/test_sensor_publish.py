"""The landing sensor's idempotence, and the one-writer / many-readers publication."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.defs.resources import SettingsResource
from pipelines.defs.sensors import landing_sensor, new_upload_ids
from pipelines.ingest.landing import land_bytes
from pipelines.settings import Settings
from pipelines.warehouse.locks import writer_lock
from pipelines.warehouse.publish import PublishRefused, connect_published, publish
from tests.helpers import FOLLOWUP_HEADER_NB, csv_bytes, followup_row


def evaluate(cursor):
    context = dg.build_sensor_context(
        cursor=cursor,
        instance=dg.DagsterInstance.ephemeral(),
        resources={"settings": SettingsResource()},
    )
    result = landing_sensor(context)
    return result, context.cursor


def test_sensor_requests_one_run_per_new_content_and_never_twice(home):
    paths = Settings.from_env().paths.ensure()
    result, cursor = evaluate(None)
    assert isinstance(result, dg.SkipReason)

    (paths.inbox / "a.csv").write_bytes(csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A1")]))
    result, cursor = evaluate(cursor)
    assert isinstance(result, dg.RunRequest) and result.run_key
    first_key = result.run_key
    assert not any(paths.inbox.iterdir())  # landed

    again, cursor_again = evaluate(cursor)
    assert isinstance(again, dg.SkipReason) and cursor_again == cursor

    # the same bytes dropped again are the same landed file: nothing new to run
    (paths.inbox / "a-copy.csv").write_bytes(csv_bytes([FOLLOWUP_HEADER_NB, followup_row("A1")]))
    assert isinstance(evaluate(cursor)[0], dg.SkipReason)

    # a portal/CLI upload lands directly and is noticed too
    land_bytes(paths, csv_bytes([FOLLOWUP_HEADER_NB, followup_row("B1")]), "b.csv", "portal")
    result, _ = evaluate(cursor)
    assert isinstance(result, dg.RunRequest) and result.run_key != first_key


def test_cursor_only_grows():
    new, cursor = new_upload_ids(None, ["a" * 64, "b" * 64])
    assert new == ["a" * 64, "b" * 64]
    new, cursor2 = new_upload_ids(cursor, ["b" * 64, "c" * 64])
    assert new == ["c" * 64]
    assert set(__import__("json").loads(cursor)) < set(__import__("json").loads(cursor2))


def _write(paths, value: int) -> None:
    with writer_lock(paths):
        con = duckdb.connect(str(paths.warehouse))
        con.execute("create or replace table t as select ? as v", [value])
        con.close()


def test_readers_use_the_published_copy_and_never_block_the_writer(home):
    paths = Settings.from_env().paths.ensure()
    _write(paths, 1)
    publish(paths, [])
    reader = connect_published(paths)  # an analyst's long session
    assert reader.execute("select v from t").fetchone() == (1,)
    with pytest.raises(duckdb.Error):
        reader.execute("create table x as select 1")  # read-only: analysts cannot write
    _write(paths, 2)  # the pipeline writes while the analyst is connected
    publish(paths, [])
    assert reader.execute("select v from t").fetchone() == (1,)  # the old snapshot, consistent
    reader.close()
    fresh = connect_published(paths)
    assert fresh.execute("select v from t").fetchone() == (2,)
    fresh.close()


def test_blocking_failure_keeps_the_last_good_copy(home):
    paths = Settings.from_env().paths.ensure()
    _write(paths, 1)
    publish(paths, [])
    before = paths.published.read_bytes()
    _write(paths, 99)
    with pytest.raises(PublishRefused, match="fct_attainment:unique"):
        publish(paths, ["fct_attainment:unique"])
    assert paths.published.read_bytes() == before
    assert not list(paths.published.parent.glob("*.tmp"))
