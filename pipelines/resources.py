"""Resources injected into assets: where the warehouse lives, and dbt."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

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


def build_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(),
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }
