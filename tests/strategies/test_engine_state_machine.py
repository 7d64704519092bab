"""Differential fuzzing: random operation sequences on the engine vs an obvious model.

The machine drives a real backend through ``t`` (inline ``t.mutation``/``t.query``
handlers, and the internal mutations of ``tests/fixtures/apps/props`` for nested
sub-transactions) and keeps a model that is just a dict of documents plus their
insertion order.  Queries are answered on the model by ``sorted()`` with
:func:`~convex_test.values.order.sort_key`, and after every step the whole table must
equal the model.

Quick in CI; ``CONVEX_TEST_HYPOTHESIS_PROFILE=long`` runs 10,000 sequences.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from convex_test import UNDEFINED, Int64, v
from convex_test.errors import ConvexTestError, SchemaValidationError
from convex_test.harness import convex_test
from convex_test.strategies import documents, from_validator
from convex_test.values.order import sort_key
from tests.strategies.profiles import LONG, examples

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "props"
TABLE = "items"
TAGS = ["a", "b", "c"]

tags = st.sampled_from(TAGS)
# Few distinct numbers, so that equal keys, ties and every float class show up.
numbers: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from([0, 1, 2, 0.0, -0.0, 1.5, -1.0, math.inf, -math.inf, math.nan]),
    st.integers(-3, 3),
    st.floats(-4, 4),
)
ranks: st.SearchStrategy[Any] = st.integers(-2, 2).map(Int64)


class Boom(Exception):
    """Raised by a handler midway, after it wrote."""


# ---------------------------------------------------------------------------
# Queries as data: what the engine runs, and what the model computes
# ---------------------------------------------------------------------------

INDEXES: dict[str, tuple[str, ...]] = {
    "by_tag_n": ("tag", "n"),
    "by_n": ("n",),
    "by_creation_time": (),
}
BOUND_OPS = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
CMP_OPS = {**BOUND_OPS, "eq": lambda a, b: a == b, "neq": lambda a, b: a != b}


@dataclass(frozen=True)
class QuerySpec:
    """``with_index(index, eq... lower upper).filter(filter).order(order)``."""

    index: str
    eqs: tuple[tuple[str, Any], ...]
    lower: tuple[str, str, Any] | None
    upper: tuple[str, str, Any] | None
    order: str
    filter: Any  # None, or a tree: ("cmp", op, field, value) | ("and"|"or", [...]) | ("not", f)


def field_values(field: str) -> st.SearchStrategy[Any]:
    return tags if field == "tag" else numbers


@st.composite
def index_ranges(draw: st.DrawFn, index: str) -> tuple[Any, ...]:
    """Equalities on a prefix of the index fields, then optional bounds on the next one."""
    fields = INDEXES[index]
    n_eq = draw(st.integers(0, len(fields)))
    eqs = tuple((f, draw(field_values(f))) for f in fields[:n_eq])
    lower = upper = None
    if n_eq < len(fields):
        field = fields[n_eq]
        if draw(st.booleans()):
            lower = (draw(st.sampled_from(["gt", "gte"])), field, draw(field_values(field)))
        if draw(st.booleans()):
            upper = (draw(st.sampled_from(["lt", "lte"])), field, draw(field_values(field)))
    return eqs, lower, upper


filter_leaves = st.one_of(
    st.tuples(st.just("cmp"), st.sampled_from(["eq", "neq"]), st.just("tag"), tags),
    st.tuples(st.just("cmp"), st.sampled_from(sorted(CMP_OPS)), st.just("n"), numbers),
    st.tuples(
        st.just("cmp"),
        st.sampled_from(sorted(CMP_OPS)),
        st.just("rank"),
        st.one_of(ranks, st.just(UNDEFINED)),
    ),
)
filters = st.recursive(
    filter_leaves,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, max_size=3)),
        st.tuples(st.just("not"), children),
    ),
    max_leaves=4,
)


@st.composite
def query_specs(draw: st.DrawFn) -> QuerySpec:
    index = draw(st.sampled_from(sorted(INDEXES)))
    eqs, lower, upper = draw(index_ranges(index))
    return QuerySpec(
        index=index,
        eqs=eqs,
        lower=lower,
        upper=upper,
        order=draw(st.sampled_from(["asc", "desc"])),
        filter=draw(st.one_of(st.none(), filters)),
    )


def engine_query(ctx: Any, spec: QuerySpec) -> Any:
    def index_range(q: Any) -> Any:
        for field, value in spec.eqs:
            q = q.eq(field, value)
        for bound in (spec.lower, spec.upper):
            if bound is not None:
                op, field, value = bound
                q = getattr(q, op)(field, value)
        return q

    query = ctx.db.query(TABLE).with_index(spec.index, index_range).order(spec.order)
    if spec.filter is not None:
        query = query.filter(lambda q: engine_filter(q, spec.filter))
    return query


def engine_filter(q: Any, node: Any) -> Any:
    if node[0] == "cmp":
        _, op, field, value = node
        return getattr(q, op)(q.field(field), value)
    if node[0] == "not":
        return q.not_(engine_filter(q, node[1]))
    parts = [engine_filter(q, child) for child in node[1]]
    return q.and_(*parts) if node[0] == "and" else q.or_(*parts)


def model_filter(doc: dict[str, Any], node: Any) -> bool:
    if node[0] == "cmp":
        _, op, field, value = node
        return bool(CMP_OPS[op](sort_key(doc.get(field, UNDEFINED)), sort_key(value)))
    if node[0] == "not":
        return not model_filter(doc, node[1])
    results = [model_filter(doc, child) for child in node[1]]
    return all(results) if node[0] == "and" else any(results)


def in_range(doc: dict[str, Any], spec: QuerySpec) -> bool:
    for field, value in spec.eqs:
        if sort_key(doc.get(field, UNDEFINED)) != sort_key(value):
            return False
    for bound in (spec.lower, spec.upper):
        if bound is not None:
            op, field, value = bound
            if not BOUND_OPS[op](sort_key(doc.get(field, UNDEFINED)), sort_key(value)):
                return False
    return True


def matches(doc: dict[str, Any], spec: QuerySpec) -> bool:
    return in_range(doc, spec) and (spec.filter is None or model_filter(doc, spec.filter))


def index_key(doc: dict[str, Any], index: str, position: Any) -> tuple[Any, ...]:
    """Index order: the fields, then creation order (``position``)."""
    return (*(sort_key(doc.get(f, UNDEFINED)) for f in INDEXES[index]), position)


def fields_of(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: x for k, x in doc.items() if not k.startswith("_")}


def same_fields(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal by the Convex total order (so NaN == NaN, -0.0 != 0.0, Int64(1) != 1.0)."""
    return sort_key(a) == sort_key(b)


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------


@dataclass
class Item:
    fields: dict[str, Any]
    seq: int  # insertion order == _creationTime order


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.t = convex_test(modules=APP)
        self.model: dict[str, Item] = {}
        self.deleted: list[str] = []
        self.seq = 0
        # Documents of the schema, with few tags and numbers so that queries hit.
        # (An override strategy that draws UNDEFINED leaves the field out.)
        self.docs = documents(
            self.t, TABLE, tag=tags, n=numbers, rank=st.one_of(ranks, st.just(UNDEFINED))
        )
        # IDs of existing documents (read from the store when drawn), or of deleted ones.
        self.existing_ids = from_validator(v.id(TABLE), backend=self.t)

    # -- helpers ------------------------------------------------------------
    def draw_id(self, data: st.DataObject) -> str:
        if self.deleted and data.draw(st.integers(0, 4), label="use deleted") == 0:
            doc_id: str = data.draw(st.sampled_from(self.deleted), label="deleted id")
            return doc_id
        doc_id = data.draw(self.existing_ids, label="id")
        return doc_id

    def record_insert(self, doc_id: str, doc: dict[str, Any]) -> None:
        assert doc_id not in self.model
        self.model[doc_id] = Item(copy.deepcopy(doc), self.seq)
        self.seq += 1

    def expect_write(
        self, doc_id: str, new_fields: dict[str, Any] | None, run: Callable[[], Any]
    ) -> None:
        """Run a write and check it fails exactly when the model says it must."""
        if doc_id not in self.model:
            with pytest.raises(ConvexTestError, match="nonexistent document"):
                run()
            return
        if new_fields is not None and not ("tag" in new_fields and "n" in new_fields):
            with pytest.raises(SchemaValidationError, match="missing the required field"):
                run()
            return
        run()
        if new_fields is None:
            del self.model[doc_id]
            self.deleted.append(doc_id)
        else:
            self.model[doc_id].fields = copy.deepcopy(new_fields)

    def do_random_write(self, data: st.DataObject) -> set[str]:
        """One random committed write (used between pages); returns the IDs it touched."""
        kind = data.draw(st.sampled_from(["insert", "patch", "replace", "delete"]), label="write")
        if kind == "insert" or not self.model:
            doc = data.draw(self.docs, label="doc")
            doc_id = self.t.mutation(lambda ctx: ctx.db.insert(TABLE, doc))
            self.record_insert(doc_id, doc)
            return {doc_id}
        doc_id = data.draw(st.sampled_from(sorted(self.model)), label="id")
        if kind == "delete":
            self.expect_write(
                doc_id, None, lambda: self.t.mutation(lambda ctx: ctx.db.delete(doc_id))
            )
        elif kind == "patch":
            n = data.draw(numbers, label="n")
            fields = {**self.model[doc_id].fields, "n": n}
            self.expect_write(
                doc_id, fields, lambda: self.t.mutation(lambda ctx: ctx.db.patch(doc_id, {"n": n}))
            )
        else:
            doc = data.draw(self.docs, label="doc")
            self.expect_write(
                doc_id, doc, lambda: self.t.mutation(lambda ctx: ctx.db.replace(doc_id, doc))
            )
        return {doc_id}

    def expected(self, spec: QuerySpec) -> list[str]:
        hits = [(doc_id, item) for doc_id, item in self.model.items() if matches(item.fields, spec)]
        hits.sort(
            key=lambda pair: index_key(pair[1].fields, spec.index, pair[1].seq),
            reverse=spec.order == "desc",
        )
        return [doc_id for doc_id, _ in hits]

    # -- writes -------------------------------------------------------------
    @initialize(data=st.data())
    def load(self, data: st.DataObject) -> None:
        """Start from a table with some documents, so that queries have work to do."""
        docs = data.draw(st.lists(self.docs, min_size=4, max_size=16), label="initial docs")
        ids = self.t.mutation(lambda ctx: [ctx.db.insert(TABLE, d) for d in docs])
        for doc_id, doc in zip(ids, docs, strict=True):
            self.record_insert(doc_id, doc)

    @rule(data=st.data())
    def insert(self, data: st.DataObject) -> None:
        docs = data.draw(st.lists(self.docs, min_size=1, max_size=4), label="docs")
        ids = self.t.mutation(lambda ctx: [ctx.db.insert(TABLE, d) for d in docs])
        for doc_id, doc in zip(ids, docs, strict=True):
            self.record_insert(doc_id, doc)

    @rule(data=st.data())
    def patch(self, data: st.DataObject) -> None:
        doc_id = self.draw_id(data)
        partial = data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    # Removing a required field must fail the schema and change nothing.
                    "tag": st.one_of(tags, tags, tags, st.just(UNDEFINED)),
                    "n": numbers,
                    "rank": st.one_of(ranks, st.just(UNDEFINED)),
                    "extra": st.one_of(from_validator(v.any()), st.just(UNDEFINED)),
                },
            ),
            label="partial",
        )
        new_fields = None
        if doc_id in self.model:
            new_fields = {**self.model[doc_id].fields, **partial}
            new_fields = {k: x for k, x in new_fields.items() if x is not UNDEFINED}
        self.expect_write(
            doc_id,
            new_fields,
            lambda: self.t.mutation(lambda ctx: ctx.db.patch(TABLE, doc_id, partial)),
        )

    @rule(data=st.data())
    def replace(self, data: st.DataObject) -> None:
        doc_id = self.draw_id(data)
        doc = data.draw(self.docs, label="doc")
        self.expect_write(
            doc_id, doc, lambda: self.t.mutation(lambda ctx: ctx.db.replace(TABLE, doc_id, doc))
        )

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        doc_id = self.draw_id(data)
        self.expect_write(doc_id, None, lambda: self.t.mutation(lambda ctx: ctx.db.delete(doc_id)))

    @rule(data=st.data())
    def mutation_that_raises_midway(self, data: st.DataObject) -> None:
        """Inserts, patches and deletes, then raises: no trace may be left."""
        new_docs = data.draw(st.lists(self.docs, max_size=3), label="inserts")
        victims = data.draw(
            st.lists(st.sampled_from(sorted(self.model)), max_size=3, unique=True)
            if self.model
            else st.just([]),
            label="victims",
        )

        def handler(ctx: Any) -> None:
            for doc in new_docs:
                ctx.db.insert(TABLE, doc)
            for i, doc_id in enumerate(victims):
                if i % 2:
                    ctx.db.delete(doc_id)
                else:
                    ctx.db.patch(doc_id, {"tag": "zzz", "rank": UNDEFINED})
            raise Boom

        with pytest.raises(Boom):
            self.t.mutation(handler)

    @rule(data=st.data(), outer_fails=st.booleans())
    def nested_sub_transactions(self, data: st.DataObject, outer_fails: bool) -> None:
        """Outer write, a sub-mutation that commits, one that fails (caught), maybe a raise."""
        before = data.draw(self.docs, label="outer doc")
        keep = data.draw(st.lists(self.docs, max_size=2), label="keep")
        drop = data.draw(st.lists(self.docs, min_size=1, max_size=2), label="drop")
        victims = data.draw(
            st.lists(st.sampled_from(sorted(self.model)), max_size=2, unique=True)
            if self.model
            else st.just([]),
            label="victims",
        )

        def handler(ctx: Any) -> list[str]:
            first = ctx.db.insert(TABLE, before)
            kept: list[str] = ctx.run_mutation(
                "items:nested", {"keep": keep, "drop": drop, "delete": victims}
            )
            if outer_fails:
                raise Boom
            return [first, *kept]

        if outer_fails:
            with pytest.raises(Boom):
                self.t.mutation(handler)
            return
        ids = self.t.mutation(handler)
        for doc_id, doc in zip(ids, [before, *keep], strict=True):
            self.record_insert(doc_id, doc)

    # -- reads --------------------------------------------------------------
    @rule(spec=query_specs(), how=st.sampled_from(["collect", "take", "first", "iterate"]))
    def query(self, spec: QuerySpec, how: str) -> None:
        expected = self.expected(spec)
        if how == "collect":
            got = self.t.query(lambda ctx: engine_query(ctx, spec).collect())
        elif how == "take":
            got = self.t.query(lambda ctx: engine_query(ctx, spec).take(2))
            expected = expected[:2]
        elif how == "first":
            first = self.t.query(lambda ctx: engine_query(ctx, spec).first())
            got = [] if first is None else [first]
            expected = expected[:1]
        else:
            got = self.t.query(lambda ctx: list(engine_query(ctx, spec)))
        assert [d["_id"] for d in got] == expected, spec
        for doc in got:
            assert same_fields(fields_of(doc), self.model[doc["_id"]].fields)

    @rule(spec=query_specs(), page_size=st.integers(1, 4), data=st.data())
    def paginate(self, spec: QuerySpec, page_size: int, data: st.DataObject) -> None:
        """Page through a query, writing between pages.

        Every document that matched at the start and was never written during the walk
        comes back exactly once; the walk is in strict index order and ends.
        """
        at_start = set(self.expected(spec))
        touched: set[str] = set()
        seen: list[dict[str, Any]] = []
        cursor: str | None = None
        most = len(self.model)
        writing_pages = 4  # writes stop after a few pages, so the walk must end
        for page_number in range(10_000):
            opts = {"numItems": page_size, "cursor": cursor}
            result = self.t.query(lambda ctx, o=opts: engine_query(ctx, spec).paginate(o))
            page = result["page"]
            assert len(page) <= page_size
            for doc in page:
                assert matches(fields_of(doc), spec), (spec, doc)
            seen.extend(page)
            if result["isDone"]:
                break
            cursor = result["continueCursor"]
            if page_number < writing_pages:
                for _ in range(data.draw(st.integers(0, 2), label="writes")):
                    touched |= self.do_random_write(data)
            most = max(most, len(self.model))
            assert page_number <= most // page_size + writing_pages + 2, "the walk does not end"
        ids = [d["_id"] for d in seen]
        untouched = [i for i in ids if i not in touched]
        assert len(untouched) == len(set(untouched)), "a document came back twice"
        assert at_start - touched <= set(ids), "a document was skipped"
        keys = [index_key(fields_of(d), spec.index, sort_key(d["_creationTime"])) for d in seen]
        if spec.order == "desc":
            keys.reverse()
        assert all(a < b for a, b in itertools.pairwise(keys)), "pages out of index order"
        if not touched:
            assert ids == self.expected(spec)

    # -- the whole state, after every step ------------------------------------
    @invariant()
    def table_equals_model(self) -> None:
        docs = self.t.query(lambda ctx: ctx.db.query(TABLE).collect())
        expected = sorted(self.model, key=lambda doc_id: self.model[doc_id].seq)
        assert [d["_id"] for d in docs] == expected
        for doc in docs:
            assert same_fields(fields_of(doc), self.model[doc["_id"]].fields), doc
        times = [d["_creationTime"] for d in docs]
        assert times == sorted(times) and len(set(times)) == len(times)


EngineMachine.TestCase.settings = examples(200, stateful_step_count=50 if LONG else 25)
test_engine_state_machine = EngineMachine.TestCase
