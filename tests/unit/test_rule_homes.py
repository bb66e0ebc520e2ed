"""One home per rule: dbt states invariants, GE the data's properties, both from the contract.

Read from dbt's manifest (prepared by `make test`) and from the GE rules, not from the docs.
"""

from __future__ import annotations

import json
import re

import pytest

from pipelines.checks.rules import RULES
from pipelines.contracts import codelists, contracts
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT

QUALITY_DOC = (REPO_ROOT / "docs" / "quality.md").read_text(encoding="utf-8")
CONTRACT_LISTS = (REPO_ROOT / "dbt_project/macros/generated/contract_lists.sql").read_text("utf-8")


@pytest.fixture(scope="module")
def tests_in_manifest() -> list[dict]:
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        pytest.fail("dbt's manifest is missing: `make test` prepares it (`imdi prepare`)")
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return [node for node in nodes if node["resource_type"] == "test"]


def _column_codelists() -> dict[str, str]:
    """Stored column name -> its code list, over every contract."""
    return {
        column.stored_name: column.codelist
        for spec in contracts().values()
        for column in spec.columns
        if column.codelist
    }


def test_contract_code_columns_reach_accepted_values_from_the_contract(tests_in_manifest):
    code_columns = _column_codelists()
    judged = 0
    for node in tests_in_manifest:
        meta = node.get("test_metadata") or {}
        column = meta.get("kwargs", {}).get("column_name")
        if meta.get("name") != "accepted_values" or column not in code_columns:
            continue
        judged += 1
        values = meta["kwargs"]["values"]
        # Not a list written by hand: the generated macro, which the next test ties to schemas/.
        assert isinstance(values, str), (node["unique_id"], values)
        expected = "horizons()" if code_columns[column] == "horizon_months" else "codelist("
        assert expected in values, (node["unique_id"], values)
        if expected == "codelist(":
            assert f"codelist('{code_columns[column]}'" in values, (node["unique_id"], values)
    assert judged >= 10  # status, relevance, contract type, ... on staging and marts


def test_generated_macro_holds_the_contract_code_lists():
    for name, codes in codelists().items():
        assert f'"{name}": {json.dumps(list(codes.codes), ensure_ascii=False)},' in CONTRACT_LISTS


def test_ge_rules_hold_no_rule_that_dbt_states():
    # GE's checks are the data's properties (WARN); invariants live in dbt (ERROR).
    assert {rule.spec.severity for rule in RULES} == {"WARN"}


def test_every_dbt_test_kind_is_documented(tests_in_manifest):
    kinds = set()
    for node in tests_in_manifest:
        meta = node.get("test_metadata") or {}
        kinds.add(meta.get("name") or node["name"])  # singular tests by file name
    table = QUALITY_DOC[QUALITY_DOC.index("### dbt tests") : QUALITY_DOC.index("### Great")]
    documented = set(re.findall(r"^\| `([a-z_]+)`", table, flags=re.MULTILINE))
    documented |= set(re.findall(r"`(not_null(?:_columns)?|unique)`", table))
    assert kinds <= documented, sorted(kinds - documented)
