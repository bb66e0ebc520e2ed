"""Small-cell protection for the published tables: pure functions, no I/O.

The quarterly report publishes counts of people. A count of 1 to ``threshold - 1`` could
identify someone in a small cohort, so it is never shown, and neither is anything that would let
a reader work it out again. The rules, in the order they are applied:

1. **Primary suppression.** Every published count ``0 < n < threshold`` is hidden. Zero is shown:
   "nobody" discloses nothing about a person, and hiding zeros would make small cohorts
   unreadable for no protection.
2. **Derived values.** A share, difference or flag computed from a hidden count is hidden too
   (a share with its published denominator gives the count straight back). A value is derived
   from the counts listed for it in :class:`Derived`.
3. **Complementary suppression** in every declared additive relation ``total = m1 + ... + mk``
   (a :class:`Relation`): if exactly one of its cells (total or member) is hidden, it could be
   recovered by subtraction, so the *smallest non-zero* published member is hidden as well (a
   hidden zero would leave the hidden cells summing to the small number itself; a zero member is
   taken only when nothing else is left, and the total only when no member is published).
   Repeated until nothing changes, because each new hidden cell can break another relation.
4. **Derivable remainders.** An *incomplete* relation ``total >= m1 + ... + mk`` has an
   unpublished rest ("not employed" = participants - employed). When the total and every member
   are published, the rest is published by subtraction, so it must not be ``0 < rest <
   threshold`` either; if it is, the smallest non-zero member is hidden. Nestings are
   transitive: ``a >= b`` and ``b >= c`` declare ``a >= c`` too, and each such pair is checked.
5. **Audit for exact recovery.** The pairwise rule in 3 is the classic one, but a small count
   can still be pinned down by combining relations: in a two-way table, a hidden cell that
   bridges two blocks of hidden cells follows from the sums; and because counts are never
   negative and nested counts never exceed their parent (relevant work <= employed <= known
   status), a hidden complement can be squeezed to one possible value by its own row, which then
   gives the small count away through the sum it was meant to protect. After rules 3-4 settle,
   (a) lower and upper bounds of every hidden cell are propagated through all relations
   (cheap, and it knows which relation pins what, so the extra cell is chosen where the pinning
   comes from), then (b) a linear program over each group of connected hidden cells checks that
   no small count, and no small rest of a nesting, is pinned to a single whole number by any
   combination of the sums, the nestings and ``>= 0``. Each finding gets one more cell hidden
   and rules 3-5 run again.

What this does not do: it protects against exact recovery, not against narrow intervals (two
hidden cells summing to 6 are each at most 6; a reader may learn that a hidden count lies
between 2 and 4). That is the accepted limit of threshold-plus-complement rules.

Tables are pandas frames described by a :class:`TableSpec` (which columns are counts, which
rows are margins of which, which columns add up within a row, which columns are derived);
several tables that share numbers are protected together with :func:`suppress_tables` and
cross-table :class:`Link` relations, so one table can never reveal what another hides.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

SUPPRESSED = "–"
"""What a hidden cell shows, for counts and shares alike (so a reader cannot tell the small
count from the cells hidden to protect it)."""


@dataclass(frozen=True)
class Relation:
    """``total = sum(members)`` (complete) or ``total >= sum(members)`` (incomplete: an
    unpublished rest makes up the difference). Cells are any hashable ids."""

    total: Hashable
    members: tuple[Hashable, ...]
    complete: bool = True

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return (self.total, *self.members)


@dataclass(frozen=True)
class SumGroup:
    """Columns that add up within every row: ``total = sum(members)`` or, when not complete,
    ``total >= sum(members)`` (e.g. employed >= relevant work)."""

    total: str
    members: tuple[str, ...]
    complete: bool = True


@dataclass(frozen=True)
class Derived:
    """A column computed from count columns of the same row (a share, a difference, a flag):
    hidden whenever any of its sources is hidden."""

    column: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """How a frame's numbers relate, so that protection can follow every sum a reader could do.

    ``keys`` identify a row. A missing value (NA) in one of the ``margin_keys`` makes the row a
    total over that key: for every count column it equals the sum of the rows that have a value
    there and agree on all other keys (a hierarchy programme > grant year > cohort is expressed by
    leaving the lower keys NA on the higher rows). Every combination that a margin sums over must
    be present as a row (a zero row, if need be), or the margin is not a complete sum.
    """

    counts: tuple[str, ...]
    keys: tuple[str, ...] = ()
    margin_keys: tuple[str, ...] = ()
    groups: tuple[SumGroup, ...] = ()
    derived: tuple[Derived, ...] = ()


class CellRef(NamedTuple):
    """One count cell of a named table: row by position (``iloc``), column by name. (A tuple,
    so hashing stays cheap: protection hashes cells millions of times.)"""

    table: str
    row: int
    column: str


@dataclass(frozen=True)
class Link:
    """A relation between cells of different tables (or between rows one table cannot declare),
    e.g. the same number shown in two tables (``Link(a, (b,))`` means a = b)."""

    total: CellRef
    members: tuple[CellRef, ...]
    complete: bool = True


@dataclass(frozen=True)
class SuppressedTable:
    """A frame ready to publish: hidden cells hold :data:`SUPPRESSED`, every other value as it
    was. ``hidden`` marks every hidden count and derived cell, ``primary`` the counts hidden for
    being small themselves."""

    table: pd.DataFrame
    hidden: pd.DataFrame
    primary: pd.DataFrame = field(repr=False)

    @property
    def hidden_cells(self) -> int:
        return int(self.hidden.to_numpy().sum())


def is_small(value: float, threshold: int) -> bool:
    """A count that must not be published (zero is not small)."""
    return 0 < value < threshold


# --- the cell-level algorithm ----------------------------------------------------------------


def protect_cells(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation],
    threshold: int,
    forced: Iterable[Hashable] = (),
) -> frozenset[Hashable]:
    """The cells to hide, given every count cell's value and the relations between them.

    ``forced`` cells are hidden from the start (e.g. hidden elsewhere). Deterministic: ties are
    broken by the order of ``values``.
    """
    order = {cell: i for i, cell in enumerate(values)}
    for relation in relations:
        missing = [cell for cell in relation.cells if cell not in order]
        if missing:
            raise ValueError(f"relation refers to cells without a value: {missing[:3]}")
    hidden = {cell for cell, value in values.items() if is_small(value, threshold)}
    hidden.update(forced)
    sensitive = frozenset(cell for cell in hidden if is_small(values[cell], threshold))
    state = _State(values, relations, threshold, order, hidden, sensitive)
    while True:
        state.complementary()
        extra = state.exposed()
        if not extra:
            return frozenset(hidden)
        if extra <= hidden:
            raise RuntimeError("protection made no progress; please report this table")
        hidden.update(extra)


_INF = math.inf


class _State:
    """The working state of :func:`protect_cells`: values, relations and the hidden set."""

    def __init__(
        self,
        values: Mapping[Hashable, int],
        relations: Sequence[Relation],
        threshold: int,
        order: Mapping[Hashable, int],
        hidden: set[Hashable],
        sensitive: frozenset[Hashable],
    ) -> None:
        self.values = values
        self.relations = relations
        self.threshold = threshold
        self.order = order
        self.hidden = hidden
        self.sensitive = sensitive
        self.by_cell: dict[Hashable, list[Relation]] = defaultdict(list)
        for relation in relations:
            for cell in relation.cells:
                self.by_cell[cell].append(relation)

    # rule 3 and 4 ---------------------------------------------------------------------------

    def key(self, cell: Hashable) -> tuple:
        # Smallest non-zero first; zeros after (a hidden zero protects nothing); then order.
        return (self.values[cell] == 0, self.values[cell], self.order[cell])

    def pick(self, relation: Relation) -> Hashable | None:
        members = [m for m in relation.members if m not in self.hidden]
        if members:
            return min(members, key=self.key)
        return None if relation.total in self.hidden else relation.total

    def remainder(self, relation: Relation) -> int:
        return self.values[relation.total] - sum(self.values[m] for m in relation.members)

    def complementary(self) -> None:
        """Rules 3 and 4 until stable."""
        changed = True
        while changed:
            changed = False
            for relation in self.relations:
                n_hidden = sum(cell in self.hidden for cell in relation.cells)
                if relation.complete:
                    exposed = n_hidden == 1
                else:
                    exposed = n_hidden == 0 and is_small(self.remainder(relation), self.threshold)
                if exposed:
                    cell = self.pick(relation)
                    if cell is not None:
                        self.hidden.add(cell)
                        changed = True

    # rule 5 ---------------------------------------------------------------------------------

    def exposed(self) -> set[Hashable]:
        """Cells to hide next because a small number can still be worked out exactly.

        First by bounds propagated through the relations (cheap, and it knows which relation
        pins what, so the fix is targeted; one pinned number is freed per round, as freeing one
        often frees others), then by a linear program over each group of connected hidden cells
        (it finds every exact recovery the sums, the nestings and ``>= 0`` allow, short of
        whole-number reasoning, which in rare cases could pin a little more)."""
        bounds = _Bounds(self)
        for cell in self.values:
            if cell in self.sensitive and bounds.pinned(cell):
                return {self.loosen(bounds, [cell], None)}
        for relation in self.relations:
            if not relation.complete and any(c in self.hidden for c in relation.cells):
                low, high = bounds.remainder(relation)
                if low == high and is_small(low, self.threshold):
                    return {self.loosen(bounds, list(relation.cells), relation)}
        extra: set[Hashable] = set()
        for target in self.pinned_by_lp():
            if isinstance(target, Relation):
                cell = self.pick(target)
                extra.add(cell if cell is not None else self.widen(list(target.cells)))
            else:
                extra.add(self.widen([target]))
        return extra

    def pinned_by_lp(self) -> list[Hashable | Relation]:
        """Small hidden counts, and small rests of nestings with a hidden cell, that a linear
        program pins to one whole number given the published cells, the relations and
        ``>= 0``. Solved per component of connected hidden cells; most cells are cleared by a
        few solutions that already show them at another value, the rest by their own min/max."""
        from scipy.optimize import linprog  # heavy; only needed here
        from scipy.sparse import coo_matrix

        hidden = self.hidden
        relations = [r for r in self.relations if any(c in hidden for c in r.cells)]
        parent: dict[Hashable, Hashable] = {}

        def find(cell: Hashable) -> Hashable:
            parent.setdefault(cell, cell)
            while parent[cell] != cell:
                parent[cell] = parent[parent[cell]]
                cell = parent[cell]
            return cell

        for relation in relations:
            unknown = [cell for cell in relation.cells if cell in hidden]
            for cell in unknown[1:]:
                parent[find(cell)] = find(unknown[0])
            find(unknown[0])
        components: dict[Hashable, list[Relation]] = defaultdict(list)
        for relation in relations:
            first = next(cell for cell in relation.cells if cell in hidden)
            components[find(first)].append(relation)

        cap = 10 * max(self.values.values(), default=0) + 10
        rng = np.random.default_rng(0)
        pinned: list[Hashable | Relation] = []
        for rels in components.values():
            unknowns = list(dict.fromkeys(c for r in rels for c in r.cells if c in hidden))
            index = {cell: j for j, cell in enumerate(unknowns)}
            n = len(unknowns)
            truth = np.array([self.values[c] for c in unknowns], dtype=float)
            # A target is a linear expression over the unknowns: (what, columns, coefficients).
            targets: list[tuple[Hashable | Relation, np.ndarray, np.ndarray]] = [
                (cell, np.array([index[cell]]), np.ones(1))
                for cell in unknowns
                if cell in self.sensitive
            ]
            rows = {"eq": ([], [], [], []), "ub": ([], [], [], [])}  # row, col, value, rhs
            for relation in rels:
                columns, coefficients, constant = [], [], 0.0
                for cell, sign in ((relation.total, 1.0), *((m, -1.0) for m in relation.members)):
                    if cell in index:
                        columns.append(index[cell])
                        coefficients.append(sign)
                    else:
                        constant += sign * self.values[cell]
                # complete: total - members = 0; incomplete: -(total - members) <= 0
                kind, factor = ("eq", 1.0) if relation.complete else ("ub", -1.0)
                row_ids, col_ids, vals, rhs = rows[kind]
                row_ids += [len(rhs)] * len(columns)
                col_ids += columns
                vals += [factor * c for c in coefficients]
                rhs.append(-factor * constant)
                if not relation.complete and is_small(self.remainder(relation), self.threshold):
                    targets.append((relation, np.array(columns), np.array(coefficients)))
            if not targets:
                continue
            problem: dict = {"bounds": (0, cap), "method": "highs"}
            for kind in ("eq", "ub"):
                row_ids, col_ids, vals, rhs = rows[kind]
                if rhs:
                    matrix = coo_matrix((vals, (row_ids, col_ids)), shape=(len(rhs), n)).tocsr()
                    problem[f"A_{kind}"], problem[f"b_{kind}"] = matrix, np.array(rhs)

            def solve(objective: np.ndarray, problem: dict = problem) -> np.ndarray | None:
                result = linprog(objective, **problem)
                return result.x if result.status == 0 else None

            def dense(columns: np.ndarray, coefficients: np.ndarray, n: int = n) -> np.ndarray:
                vector = np.zeros(n)
                np.add.at(vector, columns, coefficients)
                return vector

            # Any feasible point showing a target 1 or more from its true value proves the
            # target is not pinned. Push all still-open targets up, then down, then in random
            # directions, while that keeps clearing some; the rest get their own min and max.
            open_targets = targets

            def clear(
                point: np.ndarray | None, open_targets: list, truth: np.ndarray = truth
            ) -> list:
                if point is None:
                    return open_targets
                return [
                    (t, c, k)
                    for t, c, k in open_targets
                    if abs(k @ (point[c] - truth[c])) < 1 - 1e-6
                ]

            directions = [1.0, -1.0, None, None]
            while open_targets and directions:
                direction = directions.pop(0)
                before = len(open_targets)
                if direction is None:
                    objective = rng.standard_normal(n)
                else:
                    objective = direction * sum(dense(c, k) for _, c, k in open_targets)
                open_targets = clear(solve(objective), open_targets)
                if direction is not None and len(open_targets) < before:
                    directions.append(direction)
            while open_targets:
                target, columns, coefficients = open_targets.pop(0)
                vector = dense(columns, coefficients)
                low_point, high_point = solve(vector), solve(-vector)
                if low_point is None or high_point is None:
                    continue
                low, high = vector @ low_point, vector @ high_point
                if math.floor(high + 1e-6) <= math.ceil(low - 1e-6):
                    pinned.append(target)
                # Each solution may clear other targets as well.
                open_targets = clear(high_point, clear(low_point, open_targets))
        return pinned

    def widen(self, cells: list[Hashable]) -> Hashable:
        """A published cell near ``cells`` (members before totals, nearest relations first)."""
        frontier, seen = set(cells), set(cells)
        while frontier:
            relations = {id(r): r for cell in frontier for r in self.by_cell[cell]}.values()
            members = [c for r in relations for c in r.members if c not in self.hidden]
            if members:
                return min(members, key=self.key)
            totals = [r.total for r in relations if r.total not in self.hidden]
            if totals:
                return min(totals, key=self.key)
            frontier = {c for r in relations for c in r.cells} - seen
            seen |= frontier
        raise RuntimeError(f"cannot protect {cells[:3]}: no published cell left around them")

    def loosen(self, bounds: _Bounds, cells: list[Hashable], relation: Relation | None) -> Hashable:
        """A published cell whose hiding loosens the bounds that pin ``cells``: follow the
        relations that set the bounds back to hidden cells pinned by their own rows (usually a
        complementary cell that protects nothing) and free one of those first."""
        if relation is not None:
            # A pinned small remainder: any hidden member or total makes it uncertain.
            cell = self.pick(relation)
            if cell is not None:
                return cell
        queue = [c for c in cells if c in self.hidden]
        seen = set(queue)
        visited: list[Hashable] = []
        while queue:
            cell = queue.pop(0)
            visited.append(cell)
            for _, reason in bounds.reasons(cell):
                for other in reason.cells:
                    if other in self.hidden and other not in seen:
                        seen.add(other)
                        queue.append(other)
        ranked = sorted(visited, key=lambda c: (not bounds.pinned(c), c in self.sensitive))
        totals: list[Hashable] = []
        for cell in ranked:
            candidates = []
            for side, reason in bounds.reasons(cell):
                is_total = reason.total == cell
                # Hiding a published zero only helps where its upper bound enters: the low
                # bound of a member of an exact sum, the high bound of its total.
                zero_helps = reason.complete and (side == "high") == is_total
                candidates += [
                    m
                    for m in reason.members
                    if m not in self.hidden and (self.values[m] > 0 or zero_helps)
                ]
                if not is_total and reason.total not in self.hidden:
                    totals.append(reason.total)
            if candidates:
                return min(candidates, key=self.key)
        if totals:
            return min(totals, key=self.key)
        return self.widen(cells)


class _Bounds:
    """Lower and upper bounds of every hidden cell a reader can derive: each count is >= 0,
    a complete relation's total is the sum of its members, an incomplete one's at least that.
    Propagated until stable; each bound remembers the relation that last tightened it."""

    def __init__(self, state: _State, max_passes: int = 50) -> None:
        self.state = state
        hidden = state.hidden
        self.low: dict[Hashable, float] = dict.fromkeys(hidden, 0)
        self.high: dict[Hashable, float] = dict.fromkeys(hidden, _INF)
        self.why_low: dict[Hashable, Relation] = {}
        self.why_high: dict[Hashable, Relation] = {}
        self.changed: list[Hashable] = []
        active = [r for r in state.relations if any(c in hidden for c in r.cells)]
        # A work list: a relation is looked at again only when one of its cells moved. The
        # budget stops slow creeping in cycles; stopping early only leaves bounds looser.
        queue = deque(active)
        queued = {id(r) for r in active}
        budget = max_passes * max(len(active), 1)
        while queue and budget:
            budget -= 1
            relation = queue.popleft()
            queued.discard(id(relation))
            self.changed.clear()
            self._tighten(relation)
            for cell in self.changed:
                for other in state.by_cell[cell]:
                    if id(other) not in queued:
                        queued.add(id(other))
                        queue.append(other)

    def bounds(self, cell: Hashable) -> tuple[float, float]:
        if cell in self.low:
            return self.low[cell], self.high[cell]
        value = self.state.values[cell]
        return value, value

    def pinned(self, cell: Hashable) -> bool:
        low, high = self.bounds(cell)
        return low == high

    def reasons(self, cell: Hashable) -> list[tuple[str, Relation]]:
        """The relations behind the cell's current bounds, as ("low" | "high", relation)."""
        return [
            (side, relation)
            for side, relation in (
                ("low", self.why_low.get(cell)),
                ("high", self.why_high.get(cell)),
            )
            if relation is not None
        ]

    def remainder(self, relation: Relation) -> tuple[float, float]:
        total_low, total_high = self.bounds(relation.total)
        members = [self.bounds(m) for m in relation.members]
        return (
            total_low - sum(high for _, high in members),
            total_high - sum(low for low, _ in members),
        )

    def _raise_low(self, cell: Hashable, value: float, relation: Relation) -> bool:
        if value > self.low[cell]:
            self.low[cell] = value
            self.why_low[cell] = relation
            self.changed.append(cell)
            return True
        return False

    def _lower_high(self, cell: Hashable, value: float, relation: Relation) -> bool:
        if value < self.high[cell]:
            self.high[cell] = value
            self.why_high[cell] = relation
            self.changed.append(cell)
            return True
        return False

    def _tighten(self, relation: Relation) -> bool:
        changed = False
        total = relation.total
        t_low, t_high = self.bounds(total)
        members = [(m, *self.bounds(m)) for m in relation.members]
        low_sum = sum(low for _, low, _ in members)
        finite_high = sum(high for _, _, high in members if high != _INF)
        infinite = sum(high == _INF for _, _, high in members)
        if total in self.low:
            changed |= self._raise_low(total, low_sum, relation)
            if relation.complete and infinite == 0:
                changed |= self._lower_high(total, finite_high, relation)
        for member, low, high in members:
            if member not in self.low:
                continue
            changed |= self._lower_high(member, t_high - (low_sum - low), relation)
            if relation.complete:
                others_infinite = infinite - (high == _INF)
                if others_infinite == 0:
                    others_high = finite_high - (high if high != _INF else 0)
                    changed |= self._raise_low(member, t_low - others_high, relation)
        return changed


# --- frames ----------------------------------------------------------------------------------


def implied_nestings(groups: Sequence[SumGroup]) -> list[SumGroup]:
    """Every ancestor >= descendant pair the groups imply, as single-member incomplete groups
    (``a >= b + c`` gives ``a >= b`` and ``a >= c``; ``a >= b >= c`` gives ``a >= c``), except
    those already declared as single-member groups. Each pair's difference is a count a reader
    can work out when both are published."""
    children: dict[str, list[str]] = defaultdict(list)
    for group in groups:
        for member in group.members:
            if member not in children[group.total]:
                children[group.total].append(member)
    declared = {(g.total, g.members[0]) for g in groups if len(g.members) == 1}
    implied: list[SumGroup] = []
    for ancestor in list(children):
        stack, reached = list(children[ancestor]), []
        while stack:
            node = stack.pop(0)
            if node in reached:
                continue
            reached.append(node)
            stack.extend(children.get(node, ()))
        for descendant in reached:
            if (ancestor, descendant) not in declared:
                implied.append(SumGroup(ancestor, (descendant,), complete=False))
    return implied


_NA_KEY = object()


def _key_value(value: object) -> object:
    return _NA_KEY if pd.isna(value) else value


def table_relations(name: str, frame: pd.DataFrame, spec: TableSpec) -> list[Relation]:
    """Every relation the spec declares for ``frame``, over :class:`CellRef` cells: the row
    groups and their implied nestings, then the margins."""
    relations: list[Relation] = []
    groups = [*spec.groups, *implied_nestings(spec.groups)]
    for i in range(len(frame)):
        for group in groups:
            relations.append(
                Relation(
                    CellRef(name, i, group.total),
                    tuple(CellRef(name, i, m) for m in group.members),
                    group.complete,
                )
            )
    if spec.margin_keys:
        keys = [[_key_value(v) for v in frame[k]] for k in spec.keys]
        rows = list(zip(*keys, strict=True)) if keys else [() for _ in range(len(frame))]
        positions = {k: spec.keys.index(k) for k in spec.margin_keys}
        for k in spec.keys:
            if k not in spec.margin_keys and any(v is _NA_KEY for v in keys[spec.keys.index(k)]):
                raise ValueError(f"{name}: key {k!r} is not a margin key but has missing values")
        children: dict[tuple, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            for key, pos in positions.items():
                if row[pos] is not _NA_KEY:
                    children[(key, row[:pos] + (_NA_KEY,) + row[pos + 1 :])].append(i)
        for i, row in enumerate(rows):
            for key, pos in positions.items():
                if row[pos] is _NA_KEY and (key, row) in children:
                    members = children[(key, row)]
                    for column in spec.counts:
                        relations.append(
                            Relation(
                                CellRef(name, i, column),
                                tuple(CellRef(name, j, column) for j in members),
                            )
                        )
    return relations


def suppress_tables(
    tables: Mapping[str, tuple[pd.DataFrame, TableSpec]],
    threshold: int,
    links: Sequence[Link] = (),
) -> dict[str, SuppressedTable]:
    """Protect several tables together: one pass of :func:`protect_cells` over all their
    count cells, the relations each spec declares, and the cross-table ``links``.

    Count cells that are NA are not published and take no part; a relation over one is an error.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    values: dict[CellRef, int] = {}
    relations: list[Relation] = []
    for name, (frame, spec) in tables.items():
        for column in (*spec.counts, *(d.column for d in spec.derived)):
            if column not in frame.columns:
                raise KeyError(f"{name}: no column {column!r}")
        for column in spec.counts:
            for i, value in enumerate(frame[column]):
                if pd.isna(value):
                    continue
                if value < 0 or value != int(value):
                    raise ValueError(
                        f"{name}.{column} row {i}: a count must be a whole number >= 0"
                    )
                values[CellRef(name, i, column)] = int(value)
        relations.extend(table_relations(name, frame, spec))
    relations.extend(Relation(link.total, link.members, link.complete) for link in links)

    hidden = protect_cells(values, relations, threshold)

    result: dict[str, SuppressedTable] = {}
    for name, (frame, spec) in tables.items():
        columns = [*spec.counts, *(d.column for d in spec.derived)]
        mask = pd.DataFrame(False, index=frame.index, columns=columns)
        primary = pd.DataFrame(False, index=frame.index, columns=list(spec.counts))
        for column in spec.counts:
            flags = [CellRef(name, i, column) in hidden for i in range(len(frame))]
            mask[column] = flags
            primary[column] = [
                flag and is_small(values[CellRef(name, i, column)], threshold)
                for i, flag in enumerate(flags)
            ]
        for derived in spec.derived:
            mask[derived.column] = mask[list(derived.sources)].any(axis=1)
        published = frame.astype(object).copy()
        for column in columns:
            published.loc[mask[column].to_numpy(), column] = SUPPRESSED
        result[name] = SuppressedTable(published, mask, primary)
    return result


def suppress(frame: pd.DataFrame, spec: TableSpec, threshold: int = 5) -> SuppressedTable:
    """Protect one table on its own (see :func:`suppress_tables`)."""
    return suppress_tables({"table": (frame, spec)}, threshold)["table"]
