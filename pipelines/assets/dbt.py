"""The dbt models (staging -> intermediate -> marts) as Dagster assets; dbt tests as checks."""

import json
import os

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines.checks.gx_session import import_in_background
from pipelines.config import full_time_threshold, reference_date
from pipelines.publish import writer_lock
from pipelines.resources import WarehouseResource, dbt_project


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        return "warehouse"


translator = Translator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_vars() -> dict[str, object]:
    return {
        "reference_date": reference_date().isoformat(),
        "full_time_threshold": full_time_threshold(),
    }


@dbt_assets(
    manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, pool="duckdb_write"
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """dbt build: models and their tests (data and unit tests) against the working DuckDB file."""
    paths = warehouse.paths
    # profiles.yml reads the path from the environment; absolute, as dagster-dbt needs it.
    os.environ["IMDI_WAREHOUSE_PATH"] = str(paths.warehouse)
    with writer_lock(paths):
        # dbt unit tests check the SQL, not the data: they run in the test suite
        # (tests/test_dbt_models.py), not in every load (~3 s saved per run, docs/benchmarks.md).
        args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(dbt_vars())]
        # A fixed target folder per installation instead of a new one per run: dbt then finds its
        # own partial-parsing state from the previous run, written with the same profile (the
        # warehouse path) and vars (the reference date), and skips the ~2.5 s full re-parse
        # that the prepared project's state (other vars, other path) would cost every run.
        invocation = dbt.cli(args, context=context, target_path=paths.dbt_target)
        # The quality checks come next and need Great Expectations: import it while dbt works.
        import_in_background()
        yield from invocation.stream()
