"""Great Expectations 1.x, configured in code: an ephemeral context per quality folder.

GE is imported here and only inside functions: the import takes seconds (it pulls in altair and
scipy), and Dagster loads the code location far more often than it runs a check.

Why the ephemeral context has file-backed stores: Dagster runs each check in its own process,
and GE's Data Docs index lists the validation results the site's *stores* hold, deleting pages
the stores do not hold (``DefaultSiteIndexBuilder``, ``skip_and_clean_missing``). With in-memory
stores every check would wipe the other checks' pages. So expectation suites and validation
results are JSON files under ``<quality>/gx_store``; each check replaces its own previous result
before validating, and the site under ``<quality>/data_docs`` always shows the latest run of
every check. There is no ``great_expectations.yml``: the whole configuration is below.

Without a folder (``GxSession()``) every store is in memory and no Data Docs are built: that is
what the pure-function tests use.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuiteValidationResult

SITE_NAME = "imdi_quality"
DATASOURCE_NAME = "warehouse_frames"
BATCH_DEFINITION_NAME = "whole_frame"

# COMPLETE gives every failing row's index (unexpected_index_list), which is how a check counts
# failing rows and picks its sample. It only takes effect when passed to
# ValidationDefinition.run (great_expectations #10741).
RESULT_FORMAT: dict[str, Any] = {"result_format": "COMPLETE", "partial_unexpected_count": 10}


def import_in_background() -> threading.Thread:
    """Start importing GE in a background thread and return the thread.

    The import takes ~3-4 s of CPU. The update run starts it while dbt builds in a subprocess
    and the run's own process mostly waits, so the quality checks that follow find GE loaded
    (docs/benchmarks.md). Python's import lock makes a check that starts before the thread has
    finished wait for the same import rather than repeat it.
    """
    thread = threading.Thread(
        target=importlib.import_module,
        args=("great_expectations",),
        name="import-great-expectations",
        daemon=True,
    )
    thread.start()
    return thread


def _site_config(base_directory: Path) -> dict[str, Any]:
    # The documented local-filesystem site: only base_directory is meant to be changed.
    return {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(base_directory),
        },
    }


class GxSession:
    """One GE context: validates pandas frames and, with a quality folder, builds Data Docs."""

    def __init__(self, quality_dir: Path | None = None) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
        stores = copy.deepcopy(defaults.stores)
        sites: dict[str, Any] = {}
        self.docs_dir: Path | None = None
        self._results_dir: Path | None = None
        if quality_dir is not None:
            store_root = quality_dir / "gx_store"
            self._results_dir = store_root / "validations"
            for store_name, folder in (
                (defaults.expectations_store_name, store_root / "expectations"),
                (defaults.validation_results_store_name, self._results_dir),
            ):
                stores[store_name]["store_backend"] = {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(folder),
                }
            self.docs_dir = quality_dir / "data_docs"
            sites[SITE_NAME] = _site_config(self.docs_dir)
        config = DataContextConfig(
            store_backend_defaults=defaults,
            stores=stores,
            data_docs_sites=sites,
            analytics_enabled=False,
            # Progress bars go to stderr, once per expectation batch: noise in logs and tests.
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        self._datasource = self.context.data_sources.add_pandas(DATASOURCE_NAME)
        self._run_name: str | None = None

    @contextmanager
    def run_named(self, run_name: str | None) -> Iterator[GxSession]:
        """Label the validations made inside the block (the Dagster run id, in Data Docs)."""
        previous, self._run_name = self._run_name, run_name
        try:
            yield self
        finally:
            self._run_name = previous

    def _batch_definition(self, frame_name: str):
        try:
            asset = self._datasource.get_asset(frame_name)
        except LookupError:
            asset = self._datasource.add_dataframe_asset(frame_name)
        try:
            return asset.get_batch_definition(BATCH_DEFINITION_NAME)
        except KeyError:
            return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)

    def _forget_results(self, suite_name: str) -> None:
        """Drop earlier results of this suite, so the site shows the latest run of each check."""
        store = self.context.validation_results_store
        for key in store.list_keys():
            if key.expectation_suite_identifier.name == suite_name:
                store.remove_key(key)
        if self._results_dir is not None:
            _remove_empty_folders(self._results_dir / suite_name)

    def validate(
        self,
        suite_name: str,
        frame_name: str,
        frame: pd.DataFrame,
        expectations: Sequence[Any],
        notes: str = "",
    ) -> ExpectationSuiteValidationResult:
        """Validate ``frame`` against a suite made of ``expectations`` (replacing any earlier one)."""
        from great_expectations.core.run_identifier import RunIdentifier

        gx = self._gx
        suite = self.context.suites.add_or_update(
            gx.ExpectationSuite(
                name=suite_name,
                expectations=list(expectations),
                meta={"notes": {"format": "markdown", "content": [notes]}} if notes else {},
            )
        )
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(
                name=suite_name, data=self._batch_definition(frame_name), suite=suite
            )
        )
        self._forget_results(suite_name)
        return definition.run(
            batch_parameters={"dataframe": frame},
            result_format=RESULT_FORMAT,
            run_id=RunIdentifier(run_name=self._run_name, run_time=dt.datetime.now(dt.UTC)),
        )

    def build_docs(self) -> Path | None:
        """Rebuild the static Data Docs site; returns its index.html (None without a folder)."""
        if self.docs_dir is None:
            return None
        self.context.build_data_docs(site_names=[SITE_NAME])
        _remove_empty_folders(self.docs_dir / "validations")
        return self.docs_dir / "index.html"

    def docs_page(self, suite_name: str) -> Path | None:
        """The Data Docs page of the suite's latest validation, once the site is built."""
        if self.docs_dir is None:
            return None
        pages = sorted(
            (self.docs_dir / "validations" / suite_name).glob("**/*.html"),
            key=lambda page: page.stat().st_mtime,
        )
        return pages[-1] if pages else None


def _remove_empty_folders(root: Path) -> None:
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.glob("**/*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not any(root.iterdir()):
        root.rmdir()


_sessions: dict[Path, GxSession] = {}


def session_for(quality_dir: Path) -> GxSession:
    """The process's session for one installation's quality folder (one context per folder)."""
    key = quality_dir.resolve()
    if key not in _sessions:
        _sessions[key] = GxSession(key)
    return _sessions[key]


@cache
def in_memory_session() -> GxSession:
    """A session without files: for calling the check functions on frames alone."""
    return GxSession()
