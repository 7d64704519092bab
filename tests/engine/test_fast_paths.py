"""The read fast paths agree with the general ones they shortcut.

``collect``/``take``/``first`` read eagerly (one pass, reads recorded in bulk), the usual
index range compiles without the full rule check, filter comparisons against a literal
skip the sort key when Python's comparison is already the total order's, ``paginate``
reads a plain page in one block, and ``take(n)`` asks the search index for its best
``n`` only.  Each test compares a fast path with the general path on the same input:
same documents, same read counters, same errors.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convex_test import errors
from convex_test.engine import DatabaseReader
from convex_test.engine.filters import compile_filter
from convex_test.engine.query import (
    EQ,
    GT,
    GTE,
    LT,
    LTE,
    _compile_range_checked,
    _fast_range,
)
from convex_test.engine.store import DbIndex
from convex_test.values.order import sort_key
from convex_test.values.types import UNDEFINED, Int64
from tests.engine.strategies import MISSING, POOL, small_doc, values
from tests.engine.support import Engine, messages_schema

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _lazy(query: Any) -> list[dict[str, Any]]:
    """The general path: iterate the query (chunked lazy scan) instead of collecting."""
    return list(query)


def _read(eng: Engine, build: Callable[[DatabaseReader], Any], how: str) -> Any:
    """``(result or error text, documents_read, bytes_read)`` of one query run."""
    txn, db = eng.begin(read_only=True)
    try:
        query = build(db)
        try:
            if how == "collect":
                result: Any = query.collect()
            else:
                result = _lazy(query)
        except errors.ConvexTestError as exc:
            result = f"{type(exc).__name__}: {exc}"
        return result, txn.documents_read, txn.bytes_read
    finally:
        txn.rollback()


# ---------------------------------------------------------------------------------
# Eager collect == lazy iteration
# ---------------------------------------------------------------------------------

RANGE_OPS = st.sampled_from([EQ, GT, GTE, LT, LTE])


@st.composite
def _queries(draw: st.DrawFn) -> Callable[[DatabaseReader], Any]:
    index = draw(st.sampled_from([None, "by_a", "by_a_b"]))
    exprs = draw(
        st.lists(
            st.tuples(RANGE_OPS, st.sampled_from(["a", "b"]), st.sampled_from(POOL)),
            max_size=3,
        )
    )
    order = draw(st.sampled_from([None, "asc", "desc"]))
    filters = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["eq", "neq", "lt", "gte"]),
                st.sampled_from(["a", "b", "c"]),
                st.sampled_from(POOL),
            ),
            max_size=2,
        )
    )
    limit = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=12)))
    method = {EQ: "eq", GT: "gt", GTE: "gte", LT: "lt", LTE: "lte"}

    def build(db: DatabaseReader) -> Any:
        if index is None:
            query: Any = db.query("t").full_table_scan()
        else:

            def range_fn(q: Any) -> Any:
                for op, field, value in exprs:
                    q = getattr(q, method[op])(field, value)
                return q

            query = db.query("t").with_index(index, range_fn)
        if order is not None:
            query = query.order(order)
        for op, field, value in filters:
            query = query.filter(
                lambda q, op=op, field=field, value=value: getattr(q, op)(q.field(field), value)
            )
        if limit is not None:
            query = query.limit(limit)
        return query

    return build


def _indexed_engine() -> Engine:
    from convex_test.schema.definition import define_schema, define_table
    from convex_test.schema.validators import v

    schema = define_schema(
        {
            "t": define_table({"a": v.optional(v.any()), "b": v.optional(v.any()), "c": v.any()})
            .index("by_a", ["a"])
            .index("by_a_b", ["a", "b"])
        }
    )
    return Engine(schema)


@SETTINGS
@given(docs=st.lists(small_doc(("a", "b")), max_size=25), data=st.data())
def test_collect_matches_iteration(docs: list[dict[str, Any]], data: st.DataObject) -> None:
    eng = _indexed_engine()
    eng.insert_many("t", [{**d, "c": i} for i, d in enumerate(docs)])
    build = data.draw(_queries())
    eager = _read(eng, build, "collect")
    lazy = _read(eng, build, "iterate")
    assert repr(eager) == repr(lazy)  # repr: NaN fields compare equal to themselves


@pytest.mark.parametrize("limit", [2, 3, 4, 7, 50])
@pytest.mark.parametrize("with_filter", [False, True])
def test_read_limits_fail_at_the_same_row(limit: int, with_filter: bool) -> None:
    eng = Engine()
    eng.insert_many("t", [{"n": i} for i in range(6)])

    def run(how: str, max_docs: int | None, max_bytes: int | None) -> Any:
        txn, db = eng.begin(read_only=True)
        if max_docs is not None:
            txn.limits.documents_read = max_docs
        if max_bytes is not None:
            txn.limits.bytes_read = max_bytes
        query = db.query("t").full_table_scan()
        if with_filter:
            query = query.filter(lambda q: q.neq(q.field("n"), 2))
        query = query.limit(limit)
        try:
            result: Any = query.collect() if how == "collect" else list(query)
        except errors.ConvexTestError as exc:
            result = str(exc)
        out = (result, txn.documents_read, txn.bytes_read)
        txn.rollback()
        return out

    one_doc = eng.store.namespace("").tables["t"].sizes
    size = next(iter(one_doc.values()))
    for max_docs, max_bytes in [(3, None), (None, 3 * size), (None, 3 * size - 1), (6, None)]:
        assert run("collect", max_docs, max_bytes) == run("iterate", max_docs, max_bytes)


def test_collect_after_a_caught_read_limit_error_keeps_counting() -> None:
    eng = Engine()
    eng.insert_many("t", [{"n": i} for i in range(5)])
    txn, db = eng.begin(read_only=True)
    txn.limits.documents_read = 3
    with pytest.raises(errors.ConvexTestError):
        db.query("t").collect()
    assert txn.documents_read == 4  # the row that crossed the limit counts
    with pytest.raises(errors.ConvexTestError):
        db.query("t").take(1)
    assert txn.documents_read == 5
    txn.rollback()


# ---------------------------------------------------------------------------------
# Index ranges: the fast compile agrees with the checked one
# ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    fields=st.sampled_from(
        [("a",), ("a", "b"), ("a", "b", "c"), ("a.x", "b"), ("a", "a"), (".a",), ("a", "b.")]
    ),
    exprs=st.lists(
        st.tuples(RANGE_OPS, st.sampled_from(["a", "b", "c", "a.x", ".a", "b."]), values),
        max_size=4,
    ),
)
def test_fast_range_agrees_with_the_checked_compile(
    fields: tuple[str, ...], exprs: list[tuple[str, str, Any]]
) -> None:
    index = DbIndex("idx", fields)
    fast = _fast_range(index.fields, tuple(exprs))
    try:
        checked: Any = _compile_range_checked(index, "t", tuple(exprs))
    except errors.ConvexTestError:
        checked = None
    if fast is not None:
        assert fast == checked


@pytest.mark.parametrize(
    ("fields", "exprs"),
    [
        ((".a",), [(EQ, ".a", 1)]),
        (("a.",), [(GT, "a.", 1)]),
        (("a", "a"), [(EQ, "a", 1), (EQ, "a", 2)]),
        (("a", "a"), [(EQ, "a", 1), (GT, "a", 2)]),
        (("a", "b"), [(EQ, "b", 1), (EQ, "a", 2)]),
        (("a", "b"), [(GT, "a", 1), (EQ, "b", 2)]),
        (("a", "b"), [(GT, "a", 1), (GTE, "a", 2)]),
        (("a", "b"), [(EQ, "a", 1), (LT, "b", 2), (LTE, "b", 3)]),
        (("a", "b"), [(EQ, "a", 1), (LT, "b", 2), (GT, "a", 3)]),
        (("a",), [(EQ, "a", 1), (EQ, "_creationTime", 1.0), (EQ, "_id", "x"), (EQ, "c", 1)]),
    ],
)
def test_unusual_ranges_take_the_checked_path(
    fields: tuple[str, ...], exprs: list[tuple[str, str, Any]]
) -> None:
    # Each of these is refused or reordered by the full check: the fast path declines.
    assert _fast_range(DbIndex("idx", fields).fields, tuple(exprs)) is None


@pytest.mark.parametrize(
    "exprs",
    [
        [(EQ, "a", 1)],
        [(EQ, "a", 1), (EQ, "b", "x")],
        [(GT, "a", 1)],
        [(EQ, "a", 1), (GTE, "b", 2), (LT, "b", 5)],
        [(EQ, "a", 1), (LTE, "b", 5), (GT, "b", 2)],
        [(EQ, "a", None), (EQ, "b", UNDEFINED), (EQ, "_creationTime", 1.0)],
    ],
)
def test_usual_ranges_take_the_fast_path(exprs: list[tuple[str, str, Any]]) -> None:
    index = DbIndex("idx", ("a", "b"))
    fast = _fast_range(index.fields, tuple(exprs))
    assert fast is not None
    assert fast == _compile_range_checked(index, "t", tuple(exprs))


# ---------------------------------------------------------------------------------
# Filter comparisons against a literal
# ---------------------------------------------------------------------------------

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
_EDGE: list[Any] = [
    None, True, False, Int64(0), Int64(1), Int64(-1), 0.0, -0.0, 1.0, -1.0, 0, 1, -1, 0.5,
    2**53, -(2**53), float(2**53), math.nan, -math.nan, math.inf, -math.inf, 5e-324,
    -5e-324, "", "a", "b", b"a", [1], {"a": 1},
]  # fmt: skip


@pytest.mark.parametrize("op", sorted(_OPS))
@pytest.mark.parametrize("literal", _EDGE, ids=repr)
def test_literal_comparisons_follow_the_total_order(op: str, literal: Any) -> None:
    test, _ = compile_filter(lambda q: getattr(q, op)(q.field("x"), literal))
    for value in [UNDEFINED, *_EDGE]:
        doc = {} if value is UNDEFINED else {"x": value}
        assert test(doc) is _OPS[op](sort_key(value), sort_key(literal)), (value, literal)


@settings(max_examples=200, deadline=None)
@given(op=st.sampled_from(sorted(_OPS)), literal=values, value=st.one_of(st.just(MISSING), values))
def test_literal_comparisons_property(op: str, literal: Any, value: Any) -> None:
    test, _ = compile_filter(lambda q: getattr(q, op)(q.field("x"), literal))
    doc = {} if value is MISSING else {"x": value}
    expected = _OPS[op](sort_key(UNDEFINED if value is MISSING else value), sort_key(literal))
    assert test(doc) is expected


def test_and_or_short_circuit_in_order() -> None:
    # The second operand is not a boolean: evaluating it raises, so order matters.
    and_test, _ = compile_filter(lambda q: q.and_(q.eq(q.field("a"), 1), q.field("b")))
    or_test, _ = compile_filter(lambda q: q.or_(q.eq(q.field("a"), 1), q.field("b")))
    assert and_test({"a": 2, "b": 5}) is False
    assert or_test({"a": 1, "b": 5}) is True
    with pytest.raises(errors.ConvexTestError):
        and_test({"a": 1, "b": 5})
    with pytest.raises(errors.ConvexTestError):
        or_test({"a": 2, "b": 5})
    assert compile_filter(lambda q: q.and_())[0]({}) is True
    assert compile_filter(lambda q: q.or_())[0]({}) is False


# ---------------------------------------------------------------------------------
# Copies: flat tables copy shallowly, nested documents deeply
# ---------------------------------------------------------------------------------


def _nested_count(eng: Engine, table: str) -> tuple[int, int]:
    t = eng.store.namespace("").tables[table]
    actual = sum(1 for d in t.docs.values() if any(type(v) in (dict, list) for v in d.values()))
    return t.nested, actual


def test_nested_counter_follows_writes_and_rollbacks() -> None:
    eng = Engine()
    ids = eng.insert_many("t", [{"n": 1}, {"n": 2}, {"tags": ["a"]}])
    assert _nested_count(eng, "t") == (1, 1)
    eng.mutation(lambda db: db.patch(ids[0], {"obj": {"k": [1]}}))
    assert _nested_count(eng, "t") == (2, 2)
    eng.mutation(lambda db: db.replace(ids[2], {"n": 3}))
    assert _nested_count(eng, "t") == (1, 1)

    def fail(db: Any) -> None:
        db.patch(ids[1], {"l": []})
        db.delete(ids[0])
        db.insert("t", {"x": {"y": 1}})
        raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        eng.mutation(fail)
    assert _nested_count(eng, "t") == (1, 1)
    eng.mutation(lambda db: db.delete(ids[0]))
    assert _nested_count(eng, "t") == (0, 0)


def test_returned_documents_are_deep_copies() -> None:
    eng = Engine()
    eng.insert_many("t", [{"n": 1}, {"tags": ["a"], "obj": {"k": [1]}}])

    def mutate_results(db: Any) -> None:
        for doc in db.query("t").collect():
            doc["n"] = 99
            if "tags" in doc:
                doc["tags"].append("b")
                doc["obj"]["k"].append(2)
        page = db.query("t").paginate({"numItems": 5, "cursor": None})["page"]
        page[1]["tags"].append("c")

    eng.mutation(mutate_results)
    docs = eng.query(lambda db: db.query("t").collect())
    assert [d.get("n") for d in docs] == [1, None]
    assert docs[1]["tags"] == ["a"] and docs[1]["obj"] == {"k": [1]}


# ---------------------------------------------------------------------------------
# Pagination: the one-block page equals the row-by-row page
# ---------------------------------------------------------------------------------


def _pages(eng: Engine, index: str | None, size: int, *, plain: bool) -> list[Any]:
    out = []
    cursor = None
    while True:

        def page(db: Any, cursor: Any = cursor) -> Any:
            q = db.query("messages")
            q = q.with_index(index) if index else q.full_table_scan()
            if not plain:  # an always-true filter forces the row-by-row loop
                q = q.filter(lambda f: f.eq(f.field("author"), f.field("author")))
            return q.paginate({"numItems": size, "cursor": cursor})

        result = eng.query(page)
        out.append(
            (
                [d["_id"] for d in result["page"]],
                result["isDone"],
                result["pageStatus"],
                result["splitCursor"] is None,
            )
        )
        if result["isDone"]:
            return out
        cursor = result["continueCursor"]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 40])
@pytest.mark.parametrize("index", [None, "by_author", "by_author_n"])
def test_block_pages_equal_row_by_row_pages(size: int, index: str | None) -> None:
    eng = Engine(messages_schema())
    eng.insert_many(
        "messages", [{"author": f"a{i % 3}", "body": "x", "n": float(i)} for i in range(20)]
    )
    assert _pages(eng, index, size, plain=True) == _pages(eng, index, size, plain=False)


def test_block_page_falls_back_at_the_transaction_read_limit() -> None:
    eng = Engine()
    eng.insert_many("t", [{"n": i} for i in range(10)])
    txn, db = eng.begin(read_only=True)
    txn.limits.documents_read = 4
    result = db.query("t").paginate({"numItems": 8, "cursor": None})
    assert [d["n"] for d in result["page"]] == [0, 1, 2, 3]
    assert result["pageStatus"] == "SplitRequired" and result["isDone"] is False
    txn.rollback()


# ---------------------------------------------------------------------------------
# Search: take(n) asks for the best n only
# ---------------------------------------------------------------------------------


@SETTINGS
@given(
    bodies=st.lists(
        st.lists(st.sampled_from(["alpha", "alpine", "beta", "al"]), min_size=1, max_size=4),
        min_size=1,
        max_size=30,
    ),
    query=st.sampled_from(["al", "alpha", "beta al", "alp"]),
    take=st.integers(min_value=1, max_value=35),
)
def test_search_take_is_a_prefix_of_the_full_ranking(
    bodies: list[list[str]], query: str, take: int
) -> None:
    eng = Engine(messages_schema())
    eng.insert_many("messages", [{"author": "a", "body": " ".join(b)} for b in bodies])

    def search(n: int) -> list[str]:
        def run(db: Any) -> Any:
            q = db.query("messages").with_search_index(
                "search_body", lambda s: s.search("body", query)
            )
            return [d["_id"] for d in q.take(n)]

        return list(eng.query(run))

    assert search(take) == search(1024)[:take]


@settings(max_examples=100, deadline=None)
@given(
    docs=st.lists(
        st.tuples(
            st.lists(st.sampled_from(["alpha", "alpine", "beta"]), min_size=1, max_size=3),
            st.sampled_from([None, 1.0, 2.0]),
        ),
        min_size=1,
        max_size=25,
    ),
    query=st.sampled_from(["al", "alpha beta", "beta"]),
    limit=st.integers(min_value=1, max_value=30),
)
def test_text_index_limit_keeps_ties_on_score_and_time(
    docs: list[tuple[list[str], float | None]], query: str, limit: int
) -> None:
    from convex_test.search.text import TextIndex

    # Without _creationTime (or with equal ones) the doc id breaks ties: the cut at the
    # limit must keep the whole tied run before ordering it by id.
    index = TextIndex("body")
    for i, (words, created) in enumerate(docs):
        doc: dict[str, Any] = {"body": " ".join(words)}
        if created is not None:
            doc["_creationTime"] = created
        index.add(f"id{(i * 7919) % 1000:04d}", doc)
    full = index.search_with_scores(query)
    assert index.search_with_scores(query, limit=limit) == full[:limit]


# ---------------------------------------------------------------------------------
# key_range == islice(irange(...))
# ---------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    items=st.lists(st.integers(min_value=0, max_value=40), max_size=80),
    load=st.integers(min_value=4, max_value=9),
    lo=st.one_of(st.integers(min_value=-1, max_value=41), st.just(None)),
    hi=st.one_of(st.integers(min_value=-1, max_value=41), st.just(None)),
    lo_inclusive=st.booleans(),
    hi_inclusive=st.booleans(),
    desc=st.booleans(),
    count=st.integers(min_value=0, max_value=90),
    past=st.tuples(st.booleans(), st.booleans()),
)
def test_key_range_matches_irange(
    items: list[int],
    load: int,
    lo: int | None,
    hi: int | None,
    lo_inclusive: bool,
    hi_inclusive: bool,
    desc: bool,
    count: int,
    past: tuple[bool, bool],
) -> None:
    from itertools import islice

    from sortedcontainers import SortedList

    from convex_test.engine.store import key_range
    from convex_test.values.order import MAX_TAG

    keys = SortedList()
    keys._reset(load)  # small sublists: ranges cross several of them
    keys.update((5, i, 3, n) for n, i in enumerate(items))
    # Bounds are key prefixes, possibly closed with MAX_TAG (after every key with the prefix).
    low: tuple[Any, ...] = () if lo is None else (5, lo, MAX_TAG) if past[0] else (5, lo)
    high: tuple[Any, ...] = (MAX_TAG,) if hi is None else (5, hi, MAX_TAG) if past[1] else (5, hi)
    expected = list(islice(keys.irange(low, high, (lo_inclusive, hi_inclusive), desc), count))
    assert key_range(keys, low, lo_inclusive, high, hi_inclusive, desc, count) == expected
