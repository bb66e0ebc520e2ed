"""The dbt models (staging -> intermediate -> marts) as Dagster assets; dbt tests as checks."""

import json

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines.checks.gx_session import import_in_background
from pipelines.defs.resources import SettingsResource, dbt_project
from pipelines.warehouse.dbt import dbt_vars
from pipelines.warehouse.locks import writer_lock


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        return "warehouse"


# dbt tests become asset checks; tests on the raw sources become checks on the raw tables
# (written by the ingest assets), so Dagster records every test as a check result.
translator = Translator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True, enable_source_tests_as_checks=True
    )
)


@dbt_assets(
    manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, pool="duckdb_write"
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource
):
    """dbt build: models and their data tests against the working DuckDB file."""
    config = settings.get()
    paths = config.paths.ensure()
    with writer_lock(paths):
        # dbt unit tests check the SQL, not the data: they run in the test suite
        # (tests/integration/test_dbt_models.py), not in every load (~3 s a run).
        args = [
            "build",
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            json.dumps(dbt_vars(config)),
        ]
        # A fixed target folder per installation instead of a new one per run: dbt then finds its
        # own partial-parsing state from the previous run, written with the same vars (the
        # warehouse path, the reference date), and skips the ~2.5 s full re-parse that the
        # prepared project's state (other vars) would cost every run.
        invocation = dbt.cli(args, context=context, target_path=paths.dbt_target)
        # The quality checks come next and need Great Expectations: import it while dbt works.
        import_in_background()
        yield from invocation.stream()
