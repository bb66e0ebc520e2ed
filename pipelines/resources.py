"""Resources injected into assets: where the warehouse lives, and dbt."""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from pipelines.config import DBT_PROJECT_DIR, Paths, dbt_executable, get_paths

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class WarehouseResource(dg.ConfigurableResource):
    """The installation's folders; empty ``home`` means ``IMDI_HOME`` (default ``./var``)."""

    home: str = ""

    @property
    def paths(self) -> Paths:
        if self.home:
            return Paths(Path(self.home).resolve()).ensure()
        return get_paths().ensure()


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up costs this project does not need.

    Before every invocation ``DbtCliResource.cli`` runs ``dbt --version`` in a subprocess and
    builds a dbt adapter in-process (importing dbt-core, reading the profile), ~4 s together on
    this machine and more than the dbt build itself at 10 000 participants. The adapter only
    serves ``fetch_column_metadata`` and ``fetch_row_counts``, which are not used; dbt-core is a
    pinned dependency, so its version is read from the installed package. Both are private
    methods of dagster-dbt 0.29 (pinned exactly); tests/test_pipeline_e2e.py runs the real build.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - dagster-dbt's signature
        return None


def build_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(),
        "dbt": DbtCli(
            project_dir=dbt_project,
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }
