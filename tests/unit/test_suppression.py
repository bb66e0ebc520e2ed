"""Small-cell protection: hand-computed examples, and properties over random small cohorts.

The property tests enumerate the additive groups themselves (not through the module's own
relation builder) and check the published result with an independent linear program (scipy),
so a bug in the module's bookkeeping cannot hide itself.
"""

from __future__ import annotations

import atexit
import math
import os
import shutil
import tempfile
from itertools import product

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from scipy.optimize import linprog

from pipelines.report.suppression import (
    SUPPRESSED,
    CellRef,
    Derived,
    Link,
    Relation,
    SumGroup,
    TableSpec,
    implied_nestings,
    protect_cells,
    suppress,
    suppress_tables,
    table_relations,
)

DASH = SUPPRESSED

# Hypothesis caches things in ./.hypothesis as soon as a @given test is collected; keep that out
# of the working directory (a fresh temporary folder, removed at exit).
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="imdi-hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, True)
set_hypothesis_home_dir(_HYPOTHESIS_HOME)
# Random examples per property test; raise it for a thorough run (1500 ran clean).
EXAMPLES = int(os.environ.get("IMDI_SUPPRESSION_EXAMPLES", "50"))


# --- hand-computed examples ------------------------------------------------------------------


def test_small_counts_are_hidden_zero_and_large_counts_are_not() -> None:
    frame = pd.DataFrame({"n": [0, 1, 4, 5, 12], "share": [0.0, 1.0, 4.0, 5.0, 12.0]})
    spec = TableSpec(counts=("n",), derived=(Derived("share", ("n",)),))
    result = suppress(frame, spec, threshold=5)
    assert list(result.table["n"]) == [0, DASH, DASH, 5, 12]
    assert list(result.table["share"]) == [0.0, DASH, DASH, 5.0, 12.0]
    assert list(result.primary["n"]) == [False, True, True, False, False]


@pytest.mark.parametrize(("threshold", "expected"), [(3, [3, 4, 5]), (5, [DASH, DASH, 5])])
def test_threshold_is_a_parameter(threshold: int, expected: list) -> None:
    frame = pd.DataFrame({"n": [3, 4, 5]})
    result = suppress(frame, TableSpec(counts=("n",)), threshold=threshold)
    assert list(result.table["n"]) == expected


def test_one_hidden_member_of_a_sum_takes_the_smallest_nonzero_other_with_it() -> None:
    # total 17 = A 3 + B 6 + C 8: A is small; B (the smallest other) is hidden too, C stays.
    frame = pd.DataFrame({"k": [None, "A", "B", "C"], "n": [17, 3, 6, 8]})
    spec = TableSpec(counts=("n",), keys=("k",), margin_keys=("k",))
    assert list(suppress(frame, spec).table["n"]) == [17, DASH, DASH, 8]


def test_a_zero_is_taken_as_complement_only_when_nothing_else_is_left() -> None:
    # total 10 = A 3 + B 0 + C 7: hiding B's 0 would leave A + B = 3 for all to see.
    frame = pd.DataFrame({"k": [None, "A", "B", "C"], "n": [10, 3, 0, 7]})
    spec = TableSpec(counts=("n",), keys=("k",), margin_keys=("k",))
    assert list(suppress(frame, spec).table["n"]) == [10, DASH, 0, DASH]


def test_sums_within_a_row_protect_each_other() -> None:
    # participants 12 = reported 9 + overdue 3 -> overdue hidden, so reported too; the share of
    # reported is hidden with it, participants stays.
    frame = pd.DataFrame(
        {"participants": [12], "reported": [9], "overdue": [3], "pct_reported": [75.0]}
    )
    spec = TableSpec(
        counts=("participants", "reported", "overdue"),
        groups=(SumGroup("participants", ("reported", "overdue")),),
        derived=(Derived("pct_reported", ("reported", "participants")),),
    )
    table = suppress(frame, spec).table.iloc[0]
    assert (table["participants"], table["reported"], table["overdue"]) == (12, DASH, DASH)
    assert table["pct_reported"] == DASH


def test_a_small_rest_of_a_nesting_hides_the_member() -> None:
    # 20 participants, 18 employed: "2 not employed" can be worked out, so 18 is hidden.
    frame = pd.DataFrame({"participants": [20, 20], "employed": [18, 15]})
    spec = TableSpec(
        counts=("participants", "employed"),
        groups=(SumGroup("participants", ("employed",), complete=False),),
    )
    assert list(suppress(frame, spec).table["employed"]) == [DASH, 15]


def test_nestings_are_transitive() -> None:
    groups = [
        SumGroup("participants", ("known",), complete=False),
        SumGroup("known", ("employed", "unemployed"), complete=False),
        SumGroup("employed", ("relevant",), complete=False),
    ]
    implied = {(g.total, g.members) for g in implied_nestings(groups)}
    assert implied == {
        ("participants", ("employed",)),
        ("participants", ("unemployed",)),
        ("participants", ("relevant",)),
        ("known", ("employed",)),
        ("known", ("unemployed",)),
        ("known", ("relevant",)),
    }
    assert all(not g.complete for g in implied_nestings(groups))
    # participants 20, known 20, employed 10, relevant 8: known - relevant = 12, fine; but
    # with relevant 17 (and employed 18), participants - relevant = 3 hides relevant.
    frame = pd.DataFrame(
        {"participants": [20], "known": [20], "employed": [18], "unemployed": [0], "relevant": [17]}
    )
    spec = TableSpec(counts=tuple(frame.columns), groups=tuple(groups))
    table = suppress(frame, spec).table.iloc[0]
    assert table["relevant"] == DASH and table["employed"] == DASH


def test_two_way_table_hides_until_every_line_is_safe() -> None:
    # rows r1, r2 x columns c1, c2 with margins; r1/c1 = 2 is small.
    #        c1  c2  tot
    #   r1    2   9   11
    #   r2    7   6   13
    #   tot   9  15   24
    cells = {("r1", "c1"): 2, ("r1", "c2"): 9, ("r2", "c1"): 7, ("r2", "c2"): 6}
    rows = []
    for r, c in product(["r1", "r2", None], ["c1", "c2", None]):
        n = sum(v for (a, b), v in cells.items() if r in (None, a) and c in (None, b))
        rows.append({"r": r, "c": c, "n": n})
    frame = pd.DataFrame(rows)
    spec = TableSpec(counts=("n",), keys=("r", "c"), margin_keys=("r", "c"))
    table = suppress(frame, spec).table
    hidden = {
        (r, c) for r, c, n in zip(table["r"], table["c"], table["n"], strict=True) if n == DASH
    }
    # r1/c1 small; its row takes r1/c2 (9), its column r2/c1 (7); then r2 and c2 have one
    # hidden each and r2/c2 (6) closes the square. Margins all stay.
    assert {(None if isinstance(r, float) else r, c) for r, c in hidden} == set(cells)


def test_audit_catches_a_cell_that_the_pairwise_rule_leaves_recoverable() -> None:
    # A 4 x 4 table whose hidden cells form two 2 x 2 squares joined by one "bridge" cell.
    # Every row and column has 0 or >= 2 hidden cells, yet the bridge follows exactly from
    # row1 + row2 - col1 - col2. The pairwise rule alone accepts this; the audit must not.
    values = {}
    relations = []
    grid = {(i, j): 10 + i + j for i in range(4) for j in range(4)}
    grid[(1, 2)] = 2  # the bridge, small
    for (i, j), v in grid.items():
        values[("cell", i, j)] = v
    for i in range(4):
        values[("row", i)] = sum(grid[(i, j)] for j in range(4))
        relations.append(Relation(("row", i), tuple(("cell", i, j) for j in range(4))))
    for j in range(4):
        values[("col", j)] = sum(grid[(i, j)] for i in range(4))
        relations.append(Relation(("col", j), tuple(("cell", i, j) for i in range(4))))
    square = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3)]
    forced = [("cell", i, j) for i, j in square]
    hidden = protect_cells(values, relations, threshold=5, forced=forced)
    assert ("cell", 1, 2) in hidden
    assert len(hidden) > len(forced) + 1, "the bridge needs a cycle of its own"
    groups = [(r.total, list(r.members), True) for r in relations]
    assert not _lp_pins(values, groups, hidden, 5)


def test_bounds_catch_a_complement_squeezed_by_its_own_row() -> None:
    # Total 18 = A + B, B = 3 (small), A hidden as its complement. But in A's own row
    # employed >= relevant (15) and employed <= known - unemployed (15), so A = 15 exactly
    # and B = 3 would follow; something in A's row must be hidden as well.
    frame = pd.DataFrame(
        {
            "k": [None, "A", "B"],
            "known": [28, 20, 8],
            "employed": [18, 15, 3],
            "relevant": [15, 15, 0],
            "unemployed": [10, 5, 5],
        }
    )
    spec = TableSpec(
        counts=("known", "employed", "relevant", "unemployed"),
        keys=("k",),
        margin_keys=("k",),
        groups=(
            SumGroup("known", ("employed", "unemployed"), complete=False),
            SumGroup("employed", ("relevant",), complete=False),
        ),
    )
    table = suppress(frame, spec).table
    assert table.loc[1, "employed"] == DASH and table.loc[2, "employed"] == DASH
    assert table.loc[1, "relevant"] == DASH or table.loc[1, "unemployed"] == DASH
    values, hidden = _values_and_hidden(frame, spec.counts, table)
    groups = [((0, c), [(1, c), (2, c)], True) for c in spec.counts]
    for i in range(3):
        groups.append(((i, "known"), [(i, "employed"), (i, "unemployed")], False))
        groups.append(((i, "employed"), [(i, "relevant")], False))
        groups.append(((i, "known"), [(i, "relevant")], False))
        groups.append(((i, "known"), [(i, "employed")], False))
        groups.append(((i, "known"), [(i, "unemployed")], False))
    assert not _lp_pins(values, groups, hidden, 5)


def test_links_carry_hiding_across_tables() -> None:
    # The same 12 appears in table b; in table a it is hidden as a complement.
    a = pd.DataFrame({"k": [None, "x", "y"], "n": [15, 3, 12]})
    b = pd.DataFrame({"m": [12, 30]})
    spec_a = TableSpec(counts=("n",), keys=("k",), margin_keys=("k",))
    spec_b = TableSpec(counts=("m",))
    result = suppress_tables(
        {"a": (a, spec_a), "b": (b, spec_b)},
        5,
        [Link(CellRef("a", 2, "n"), (CellRef("b", 0, "m"),))],
    )
    assert list(result["a"].table["n"]) == [15, DASH, DASH]
    assert list(result["b"].table["m"]) == [DASH, 30]


def test_missing_counts_are_left_alone_but_not_allowed_in_sums() -> None:
    frame = pd.DataFrame({"n": pd.array([None, 3, 7], dtype="Int64")})
    result = suppress(frame, TableSpec(counts=("n",)))
    assert pd.isna(result.table["n"][0]) and result.table["n"][1] == DASH
    bad = pd.DataFrame({"t": pd.array([None], dtype="Int64"), "n": [3]})
    with pytest.raises(ValueError, match="without a value"):
        suppress(bad, TableSpec(counts=("t", "n"), groups=(SumGroup("t", ("n",)),)))


def test_counts_must_be_whole_non_negative_numbers() -> None:
    with pytest.raises(ValueError, match="whole number"):
        suppress(pd.DataFrame({"n": [-1]}), TableSpec(counts=("n",)))


def test_margin_relations_follow_the_key_hierarchy() -> None:
    frame = pd.DataFrame(
        {
            "p": [None, "P1", "P1", "P1", "P2", "P2"],
            "c": [None, None, "a", "b", None, "a"],
            "n": [20, 12, 5, 7, 8, 8],
        }
    )
    spec = TableSpec(counts=("n",), keys=("p", "c"), margin_keys=("p", "c"))
    relations = {
        (r.total.row, tuple(m.row for m in r.members)) for r in table_relations("t", frame, spec)
    }
    # total = programmes; each programme = its cohorts. No "cohort a across programmes" row.
    assert relations == {(0, (1, 4)), (1, (2, 3)), (4, (5,))}


# --- properties over random small cohorts ----------------------------------------------------

STATUSES = ("relevant_job", "other_job", "unemployed", "other_known", "unknown")


@st.composite
def cohorts(draw: st.DrawFn) -> pd.DataFrame:
    """Programme x cohort rows of people with random statuses, with programme and all-programme
    totals: participants, known, unknown, employed, relevant, unemployed, two shares."""
    people = []
    for p in range(draw(st.integers(1, 3))):
        for c in range(draw(st.integers(1, 3))):
            size = draw(st.integers(1, 14))
            statuses = draw(st.lists(st.sampled_from(STATUSES), min_size=size, max_size=size))
            people += [(f"P{p}", f"c{c}", s) for s in statuses]
    frame = pd.DataFrame(people, columns=["programme", "cohort", "status"])
    rows = []
    for level in ("total", "programme", "cohort"):
        keys = {"total": [], "programme": ["programme"], "cohort": ["programme", "cohort"]}[level]
        groups = frame.groupby(keys) if keys else [((), frame)]
        for key, part in groups:
            key = key if isinstance(key, tuple) else (key,)
            row = {"programme": None, "cohort": None, **dict(zip(keys, key, strict=True))}
            s = part["status"]
            row["participants"] = len(part)
            row["unknown"] = int((s == "unknown").sum())
            row["known"] = len(part) - row["unknown"]
            row["employed"] = int(s.isin(["relevant_job", "other_job"]).sum())
            row["relevant"] = int((s == "relevant_job").sum())
            row["unemployed"] = int((s == "unemployed").sum())
            row["pct_employed"] = round(100 * row["employed"] / row["participants"], 1)
            row["pct_relevant_of_known"] = (
                round(100 * row["relevant"] / row["known"], 1) if row["known"] else None
            )
            rows.append(row)
    return pd.DataFrame(rows)


COHORT_SPEC = TableSpec(
    counts=("participants", "known", "unknown", "employed", "relevant", "unemployed"),
    keys=("programme", "cohort"),
    margin_keys=("programme", "cohort"),
    groups=(
        SumGroup("participants", ("known", "unknown")),
        SumGroup("known", ("employed", "unemployed"), complete=False),
        SumGroup("employed", ("relevant",), complete=False),
    ),
    derived=(
        Derived("pct_employed", ("employed", "participants")),
        Derived("pct_relevant_of_known", ("relevant", "known")),
    ),
)

# Written out by hand, independently of the module: every sum a reader can do.
COMPLETE_ROW_GROUPS = [("participants", ("known", "unknown"))]
INCOMPLETE_ROW_GROUPS = [
    ("known", ("employed", "unemployed")),
    ("known", ("employed",)),
    ("known", ("unemployed",)),
    ("known", ("relevant",)),
    ("employed", ("relevant",)),
    ("participants", ("known",)),
    ("participants", ("unknown",)),
    ("participants", ("employed",)),
    ("participants", ("unemployed",)),
    ("participants", ("relevant",)),
]


def _margin_groups(frame: pd.DataFrame) -> list[tuple[int, list[int]]]:
    """(parent row, child rows): all programmes = programmes, programme = its cohorts."""
    groups = []
    total = frame.index[frame["programme"].isna()][0]
    programmes = frame.index[frame["programme"].notna() & frame["cohort"].isna()]
    groups.append((total, list(programmes)))
    for p in programmes:
        name = frame.loc[p, "programme"]
        children = frame.index[(frame["programme"] == name) & frame["cohort"].notna()]
        groups.append((p, list(children)))
    return groups


def _all_groups(frame: pd.DataFrame, spec: TableSpec):
    """(total cell, member cells, complete) for every group, cells as (row, column)."""
    groups = []
    for i in frame.index:
        for total, members in COMPLETE_ROW_GROUPS:
            groups.append(((i, total), [(i, m) for m in members], True))
        for total, members in INCOMPLETE_ROW_GROUPS:
            groups.append(((i, total), [(i, m) for m in members], False))
    for parent, children in _margin_groups(frame):
        for column in spec.counts:
            groups.append(((parent, column), [(c, column) for c in children], True))
    return groups


def _values_and_hidden(frame: pd.DataFrame, counts, table: pd.DataFrame):
    values = {(i, c): int(frame.loc[i, c]) for i in frame.index for c in counts}
    hidden = {cell for cell in values if table.loc[cell[0], cell[1]] == DASH}
    return values, hidden


def _lp_pins(values, groups, hidden, threshold) -> list:
    """Small hidden counts, and small rests of nestings with a hidden cell, whose value a
    linear program pins to one whole number, given the published cells, every group
    ((total, members, complete)) and counts >= 0."""
    unknowns = sorted(hidden, key=str)
    index = {cell: j for j, cell in enumerate(unknowns)}
    eq_rows, eq_rhs, ub_rows, ub_rhs, targets = [], [], [], [], []
    for cell in unknowns:
        if 0 < values[cell] < threshold:
            vector = np.zeros(len(unknowns))
            vector[index[cell]] = 1.0
            targets.append((cell, vector))
    for total, members, complete in groups:
        row = np.zeros(len(unknowns))
        constant = 0.0
        for cell, sign in ((total, 1.0), *((m, -1.0) for m in members)):
            if cell in index:
                row[index[cell]] += sign
            else:
                constant += sign * values[cell]
        if not row.any():
            continue
        if complete:
            eq_rows.append(row)
            eq_rhs.append(-constant)
        else:  # total - members >= 0  <=>  -(...) <= constant
            ub_rows.append(-row)
            ub_rhs.append(constant)
            rest = values[total] - sum(values[m] for m in members)
            if 0 < rest < threshold:
                targets.append(((total, members), row))

    def solve(objective: np.ndarray) -> np.ndarray | None:
        result = linprog(
            objective,
            A_ub=np.array(ub_rows) if ub_rows else None,
            b_ub=ub_rhs or None,
            A_eq=np.array(eq_rows) if eq_rows else None,
            b_eq=eq_rhs or None,
            bounds=(0, None),
            method="highs",
        )
        assert result.status in (0, 3), result.message  # the true values are feasible
        return result.x if result.status == 0 else None

    truth = np.array([values[c] for c in unknowns], dtype=float)

    def still_open(point: np.ndarray | None, targets: list) -> list:
        # A feasible point with a target 1 or more from its true value proves it is not pinned.
        if point is None:
            return targets
        return [(t, v) for t, v in targets if abs(v @ (point - truth)) < 1 - 1e-7]

    for sign in (1.0, -1.0):  # a first sweep clears most targets in two solves
        if targets:
            targets = still_open(solve(sign * sum(v for _, v in targets)), targets)
    pinned = []
    for target, vector in targets:
        low_point, high_point = solve(vector), solve(-vector)
        if low_point is None or high_point is None:  # unbounded: not pinned
            continue
        low, high = vector @ low_point, vector @ high_point
        if math.floor(high + 1e-7) <= math.ceil(low - 1e-7):
            pinned.append((target, low, high))
    return pinned


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(frame=cohorts(), threshold=st.sampled_from([3, 5]))
def test_protection_properties_hold_for_random_cohorts(frame: pd.DataFrame, threshold: int) -> None:
    result = suppress(frame, COHORT_SPEC, threshold)
    table = result.table

    def hidden(cell: tuple[int, str]) -> bool:
        return table.loc[cell[0], cell[1]] == DASH

    # (1) no published count in (0, threshold)
    for column in COHORT_SPEC.counts:
        for i in frame.index:
            if not hidden((i, column)):
                assert not 0 < frame.loc[i, column] < threshold, (i, column)
    # (2) no share derived from a hidden count
    for derived in COHORT_SPEC.derived:
        for i in frame.index:
            if any(hidden((i, s)) for s in derived.sources):
                assert table.loc[i, derived.column] == DASH
    # (3) no sum with a published total has exactly one hidden member, nor exactly one
    #     hidden cell at all; (3b) no published nesting leaves a small rest
    for total, members, complete in _all_groups(frame, COHORT_SPEC):
        n_hidden = sum(hidden(m) for m in members)
        if complete:
            if not hidden(total):
                assert n_hidden != 1, (total, members)
            assert n_hidden + hidden(total) != 1, (total, members)
        elif not hidden(total) and n_hidden == 0:
            rest = frame.loc[total[0], total[1]] - sum(frame.loc[m[0], m[1]] for m in members)
            assert not 0 < rest < threshold, (total, members, rest)
    # (4) published values unchanged
    for column in frame.columns:
        for i in frame.index:
            value = table.loc[i, column]
            if value != DASH:
                original = frame.loc[i, column]
                assert value == original or (pd.isna(value) and pd.isna(original))
    # (5) no small count can be pinned down by any combination of the sums (LP)
    values, hidden_cells = _values_and_hidden(frame, COHORT_SPEC.counts, table)
    pins = _lp_pins(values, _all_groups(frame, COHORT_SPEC), hidden_cells, threshold)
    assert not pins, (pins, frame[list(COHORT_SPEC.keys + COHORT_SPEC.counts)].to_dict("list"))


@st.composite
def two_way_tables(draw: st.DrawFn) -> pd.DataFrame:
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    cells = {(r, c): draw(st.integers(0, 12)) for r in range(n_rows) for c in range(n_cols)}
    rows = []
    for r, c in product([*range(n_rows), None], [*range(n_cols), None]):
        n = sum(v for (a, b), v in cells.items() if r in (None, a) and c in (None, b))
        rows.append({"r": r, "c": c, "n": n})
    return pd.DataFrame(rows)


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(frame=two_way_tables())
def test_protection_properties_hold_for_random_two_way_tables(frame: pd.DataFrame) -> None:
    spec = TableSpec(counts=("n",), keys=("r", "c"), margin_keys=("r", "c"))
    table = suppress(frame, spec, 5).table
    hidden = table["n"] == DASH
    assert not any(0 < n < 5 for n, h in zip(frame["n"], hidden, strict=True) if not h)
    for key, other in (("r", "c"), ("c", "r")):
        for value, line in frame.groupby(frame[other].fillna(-1)):
            members = line[line[key].notna()].index
            total = line[line[key].isna()].index
            assert int(hidden[members].sum() + hidden[total].sum()) != 1, (other, value)
    groups = []
    for key, other in (("r", "c"), ("c", "r")):
        for _, line in frame.groupby(frame[other].fillna(-1)):
            total = line[line[key].isna()].index[0]
            members = line[line[key].notna()].index
            groups.append(((total, "n"), [(m, "n") for m in members], True))
    values, hidden_cells = _values_and_hidden(frame, ("n",), table)
    assert not _lp_pins(values, groups, hidden_cells, 5)
