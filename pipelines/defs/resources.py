"""Resources injected into assets, checks and sensors: the installation's settings, and dbt."""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import version

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from pipelines.settings import DBT_PROJECT_DIR, Paths, Settings, dbt_executable

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class SettingsResource(dg.ConfigurableResource):
    """The installation's settings, read from the environment when a run or sensor uses them.

    Run config may fix ``home`` and ``reference_date`` for one run (the demo fixes its "today";
    a test its own folder); empty means the environment's value.
    """

    home: str = ""
    reference_date: str = ""

    def get(self) -> Settings:
        return Settings.from_env(
            home=self.home or None,
            reference_date=self.reference_date or None,
        )

    @property
    def paths(self) -> Paths:
        return self.get().paths.ensure()


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up costs this project does not need.

    Before every invocation ``DbtCliResource.cli`` runs ``dbt --version`` in a subprocess and
    builds a dbt adapter in-process (importing dbt-core, reading the profile), ~4 s together on
    this machine and more than the dbt build itself at 10 000 participants. The adapter only
    serves ``fetch_column_metadata`` and ``fetch_row_counts``, which are not used; dbt-core is a
    pinned dependency, so its version is read from the installed package. Both are private
    methods of dagster-dbt 0.29 (pinned exactly); tests/integration/test_pipeline_e2e.py runs the real build.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - dagster-dbt's signature
        return None


def build_resources() -> dict[str, object]:
    return {
        "settings": SettingsResource(),
        "dbt": DbtCli(
            project_dir=dbt_project,
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }
