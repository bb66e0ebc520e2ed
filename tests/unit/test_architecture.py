"""The shape of the code base: one settings module, generated docs that match their sources."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipelines.docs import DBT_CONTRACT_MACROS, contract_docs, data_dictionary, dbt_contract_macros
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT

SETTINGS_MODULE = REPO_ROOT / "pipelines" / "settings.py"
PRODUCT_AND_TOOLS = [REPO_ROOT / "pipelines", REPO_ROOT / "benchmarks"]


def environment_uses(path: Path) -> list[int]:
    """Lines of ``path`` that read or write the process environment (os.environ, os.getenv,
    os.putenv, or ``environ`` imported from os)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    names = ("environ", "getenv", "putenv")
    for node in ast.walk(tree):
        attribute = (
            isinstance(node, ast.Attribute)
            and node.attr in names
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )
        imported = (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in names for alias in node.names)
        )
        if attribute or imported:
            lines.append(node.lineno)
    return lines


def test_only_the_settings_module_touches_the_environment():
    offenders = {
        str(path.relative_to(REPO_ROOT)): lines
        for root in PRODUCT_AND_TOOLS
        for path in sorted(root.rglob("*.py"))
        if path != SETTINGS_MODULE and (lines := environment_uses(path))
    }
    assert offenders == {}


def test_the_environment_check_recognises_every_way_in(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom os import environ\n"
        "a = os.environ['X']\nos.environ['Y'] = '1'\nb = os.getenv('Z')\n"
    )
    assert environment_uses(sample) == [2, 3, 4, 5]


def test_generated_contract_docs_are_committed():
    committed = (REPO_ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    assert contract_docs() == committed, "run `imdi docs` and commit docs/contracts.md"


def test_generated_data_dictionary_is_committed():
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        pytest.fail("dbt's manifest is missing: `make test` prepares it (`imdi prepare`)")
    committed = (REPO_ROOT / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert data_dictionary(manifest) == committed, "run `imdi docs`, commit the data dictionary"


def test_generated_dbt_lists_are_committed():
    committed = (REPO_ROOT / DBT_CONTRACT_MACROS).read_text(encoding="utf-8")
    assert dbt_contract_macros() == committed, "run `imdi docs` and commit the dbt lists"
