"""Hypothesis fuzzing of the public entry points with arbitrary Python objects.

``anything()`` draws a recursive mix of every kind of Python value a careless user might
pass -- sets, frozensets, complex, Decimal, datetimes, custom objects, classes, huge
ints, NaN keys, bytes keys, tuples, lone surrogates, ``UNDEFINED`` -- with reference
cycles added after the fact.  Every documented entry point must either accept the value
or raise ``ConvexTestError``/``ConvexError``; a call that raises must leave the backend
exactly as it was; and whatever a write accepted must be stored as a copy.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convex_test import (
    UNDEFINED,
    ConvexError,
    ConvexTestError,
    Int64,
    convex_test,
    define_table,
    v,
)
from convex_test.strategies import from_validator
from convex_test.values import values_equal
from tests.test_bad_input import APP, Plain, Seed, StrSpoof, snapshot

ENGINE_ERRORS = (ConvexTestError, ConvexError)

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --------------------------------------------------------------------------- strategies


def _cyclic(container: Any, index: int) -> Any:
    """``container`` with a reference to itself inserted (or returned as is)."""
    if isinstance(container, list):
        container.insert(index % (len(container) + 1), container)
    elif isinstance(container, dict):
        container[f"cycle{index}"] = container
    return container


_ODD_OBJECTS = st.sampled_from(
    [object(), Plain(), Plain, type, len, print, ..., NotImplemented, StrSpoof(), ValueError()]
)

_HASHABLE_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(st.characters(codec=None), max_size=6),
    st.binary(max_size=6),
    st.sampled_from([math.nan, -0.0, 2**53 + 1, 10**400, Int64(-(2**63)), UNDEFINED]),
    st.complex_numbers(allow_nan=True),
    st.decimals(allow_nan=False),
    st.datetimes(),
    st.dates(),
    st.timedeltas(),
    st.frozensets(st.integers(), max_size=3),
    st.tuples(st.integers(), st.text(max_size=3)),
    _ODD_OBJECTS,
)

_KEYS = st.one_of(
    st.text(max_size=8),
    st.text(st.characters(codec=None), max_size=4),
    st.sampled_from(["$a", "_id", "_creationTime", "_x", "a\x00", "k" * 1100, "name"]),
    _HASHABLE_LEAVES,
)


def anything() -> st.SearchStrategy[Any]:
    """Arbitrary Python objects, nested, sometimes cyclic."""

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        containers = st.one_of(
            st.lists(children, max_size=4),
            st.lists(children, max_size=4).map(tuple),
            st.sets(_HASHABLE_LEAVES, max_size=3),
            st.dictionaries(_KEYS, children, max_size=4),
            st.builds(bytearray, st.binary(max_size=4)),
        )
        cyclic = st.builds(
            _cyclic,
            st.one_of(st.lists(children, max_size=3), st.dictionaries(_KEYS, children, max_size=3)),
            st.integers(0, 5),
        )
        return st.one_of(containers, cyclic)

    # A signaling NaN is unhashable (and raises on ==): a leaf, never a key.
    leaves = st.one_of(_HASHABLE_LEAVES, st.just(decimal.Decimal("sNaN")))
    return st.recursive(leaves, extend, max_leaves=12)


# --------------------------------------------------------------------------- entry points

Op = Callable[[Any, Seed, Any], Any]


OPS: dict[str, Op] = {
    "t.query args": lambda t, s, g: t.query("fns:echo", g),
    "t.query nested": lambda t, s, g: t.query("fns:echo", {"a": g}),
    "t.mutation args": lambda t, s, g: t.mutation("fns:insert_loose", g),
    "t.mutation validated": lambda t, s, g: t.mutation("fns:add", {"name": g}),
    "t.action nested": lambda t, s, g: t.action("fns:act", {"a": g}),
    "t.run returns": lambda t, s, g: t.run(lambda ctx: g),
    "t.query ref": lambda t, s, g: t.query(g),
    "ConvexError data": lambda t, s, g: t.mutation("fns:insert_then_fail", {"data": g}),
    "db.insert doc": lambda t, s, g: t.run(lambda ctx: ctx.db.insert("loose", g)),
    "db.insert field": lambda t, s, g: t.run(lambda ctx: ctx.db.insert("loose", {"a": g})),
    "db.insert table": lambda t, s, g: t.run(lambda ctx: ctx.db.insert(g, {})),
    "db.get": lambda t, s, g: t.run(lambda ctx: ctx.db.get(g)),
    "db.get(table, id)": lambda t, s, g: t.run(lambda ctx: ctx.db.get(g, s.item)),
    "db.patch value": lambda t, s, g: t.run(lambda ctx: ctx.db.patch(s.loose, g)),
    "db.patch field": lambda t, s, g: t.run(lambda ctx: ctx.db.patch(s.loose, {"a": g})),
    "db.patch id": lambda t, s, g: t.run(lambda ctx: ctx.db.patch(g, {"a": 1})),
    "db.replace value": lambda t, s, g: t.run(lambda ctx: ctx.db.replace(s.loose, g)),
    "db.replace field": lambda t, s, g: t.run(lambda ctx: ctx.db.replace(s.item, {"name": g})),
    "db.delete": lambda t, s, g: t.run(lambda ctx: ctx.db.delete(g)),
    "db.normalize_id": lambda t, s, g: t.run(lambda ctx: ctx.db.normalize_id("items", g)),
    "db.query": lambda t, s, g: t.query(lambda ctx: ctx.db.query(g).collect()),
    "with_index eq": lambda t, s, g: t.query(
        lambda ctx: ctx.db.query("items").with_index("by_name", lambda q: q.eq("name", g)).collect()
    ),
    "with_index name": lambda t, s, g: t.query(
        lambda ctx: ctx.db.query("items").with_index(g).collect()
    ),
    "filter eq": lambda t, s, g: t.query(
        lambda ctx: ctx.db.query("loose").filter(lambda q: q.eq(q.field("x"), g)).collect()
    ),
    "filter field": lambda t, s, g: t.query(
        lambda ctx: ctx.db.query("loose").filter(lambda q: q.eq(q.field(g), 1)).collect()
    ),
    "filter returns": lambda t, s, g: t.query(
        lambda ctx: ctx.db.query("loose").filter(lambda q: g).collect()
    ),
    "take": lambda t, s, g: t.query(lambda ctx: ctx.db.query("items").take(g)),
    "order": lambda t, s, g: t.query(lambda ctx: ctx.db.query("items").order(g).collect()),
    "paginate opts": lambda t, s, g: t.query(lambda ctx: ctx.db.query("items").paginate(g)),
    "paginate cursor": lambda t, s, g: t.query(
        lambda ctx: ctx.db.query("items").paginate({"numItems": 1, "cursor": g})
    ),
    "search eq": lambda t, s, g: t.query(
        lambda ctx: (
            ctx.db.query("items")
            .with_search_index("search_name", lambda q: q.search("name", "a").eq("n", g))
            .collect()
        )
    ),
    "search text": lambda t, s, g: t.query(
        lambda ctx: (
            ctx.db.query("items")
            .with_search_index("search_name", lambda q: q.search("name", g))
            .collect()
        )
    ),
    "run_after delay": lambda t, s, g: t.run(
        lambda ctx: ctx.scheduler.run_after(g, "fns:hidden", {})
    ),
    "run_after args": lambda t, s, g: t.run(
        lambda ctx: ctx.scheduler.run_after(0, "fns:insert_loose", g)
    ),
    "run_at": lambda t, s, g: t.run(lambda ctx: ctx.scheduler.run_at(g, "fns:hidden")),
    "cancel": lambda t, s, g: t.run(lambda ctx: ctx.scheduler.cancel(g)),
    "storage.store": lambda t, s, g: t.action(lambda ctx: ctx.storage.store(g)),
    "storage.get": lambda t, s, g: t.action(lambda ctx: ctx.storage.get(g)),
    "storage.delete": lambda t, s, g: t.run(lambda ctx: ctx.storage.delete(g)),
    "vector_search opts": lambda t, s, g: t.action(
        lambda ctx: ctx.vector_search("items", "by_embedding", g)
    ),
    "vector_search vector": lambda t, s, g: t.action(
        lambda ctx: ctx.vector_search("items", "by_embedding", {"vector": g})
    ),
    "vector_search filter": lambda t, s, g: t.action(
        lambda ctx: ctx.vector_search(
            "items", "by_embedding", {"vector": [1, 2, 3], "filter": lambda q: q.eq("name", g)}
        )
    ),
    "with_identity": lambda t, s, g: t.with_identity(g),
    "with_identity claim": lambda t, s, g: t.with_identity({"custom": g}).query(
        lambda ctx: ctx.auth.get_user_identity()
    ),
    "advance_time": lambda t, s, g: t.advance_time(g),
    "run_cron": lambda t, s, g: t.run_cron(g),
    "fetch json": lambda t, s, g: t.fetch("/echo", "POST", json=g),
    "fetch path": lambda t, s, g: t.fetch(g),
    "v.any().validate": lambda t, s, g: v.any().validate(g),
    "v.object().validate": lambda t, s, g: v.object({"a": v.optional(v.string())}).validate(g),
    "v.record().validate": lambda t, s, g: v.record(v.string(), v.int64()).validate(g),
    "v.literal": lambda t, s, g: v.literal(g),
    "define_table": lambda t, s, g: define_table({"a": g}),
}


def _check(op: str, value: Any) -> None:
    t = convex_test(modules=APP)
    seed = Seed(t)
    before = snapshot(t)
    try:
        OPS[op](t, seed, value)
    except ENGINE_ERRORS:
        after = snapshot(t)
        assert after == before, f"{op} raised but changed the backend's state"
    # Anything else propagates: Hypothesis reports the value that leaked it.


@FUZZ
@given(op=st.sampled_from(sorted(OPS)), value=anything())
def test_entry_points_only_raise_engine_errors(op: str, value: Any) -> None:
    _check(op, value)


@settings(FUZZ, max_examples=120)
@given(value=anything())
def test_documents_accept_or_reject_garbage_cleanly(value: Any) -> None:
    for op in ("db.insert doc", "db.patch field", "t.mutation args", "with_index eq"):
        _check(op, value)


# --------------------------------------------------------------------------- copies


def _scramble(value: Any, seen: set[int] | None = None) -> None:
    """Mutate every mutable container reachable from ``value`` in place."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, list):
        for item in value:
            _scramble(item, seen)
        value.append("scrambled")
    elif isinstance(value, dict):
        for item in list(value.values()):
            _scramble(item, seen)
        value["scrambled"] = True
    elif isinstance(value, bytearray):
        value.extend(b"!")


_VALUES = from_validator(v.any())
_DOCS = st.dictionaries(st.sampled_from(["a", "b", "c"]), _VALUES, max_size=3)


def _copy_of(value: Any) -> Any:
    import copy

    return copy.deepcopy(value)


@settings(FUZZ, max_examples=80)
@given(doc=_DOCS, patch=_DOCS)
def test_written_values_are_copies(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    t = convex_test(modules=APP)
    expected_doc, expected_patch = _copy_of(doc), _copy_of(patch)

    def write(ctx: Any) -> Any:
        doc_id = ctx.db.insert("loose", doc)
        _scramble(doc)
        assert values_equal(
            {k: x for k, x in ctx.db.get(doc_id).items() if not k.startswith("_")}, expected_doc
        )
        ctx.db.patch(doc_id, patch)
        _scramble(patch)
        read = ctx.db.get(doc_id)
        _scramble(read)  # a read is a copy too
        return doc_id

    doc_id = t.run(write)
    stored = t.run(lambda ctx: ctx.db.get(doc_id))
    # Convex equality: NaN equals NaN (Python's == only does for the same object).
    assert values_equal(
        {k: x for k, x in stored.items() if not k.startswith("_")},
        {**expected_doc, **expected_patch},
    )


@settings(FUZZ, max_examples=80)
@given(args=_DOCS)
def test_args_results_errors_and_scheduled_args_are_copies(args: dict[str, Any]) -> None:
    t = convex_test(modules=APP)
    expected = _copy_of(args)
    echoed = t.query("fns:echo", args)
    assert values_equal(echoed, expected)
    _scramble(args)
    _scramble(echoed)
    args = _copy_of(expected)

    try:
        t.mutation("fns:insert_then_fail", {"data": args})
    except ConvexError as exc:
        _scramble(exc.data)
    assert values_equal(args, expected)
    assert t.query(lambda ctx: ctx.db.query("loose").collect()) == []

    def schedule(ctx: Any) -> None:
        ctx.scheduler.run_after(0, "fns:insert_loose", args)
        _scramble(args)

    t.run(schedule)
    t.finish_all_scheduled_functions()
    rows = t.query(lambda ctx: ctx.db.query("loose").collect())
    assert [{k: x for k, x in row.items() if not k.startswith("_")} for row in rows] == [expected]


@settings(FUZZ, max_examples=40)
@given(
    start=st.one_of(
        st.floats(),
        st.integers(),
        st.datetimes(),
        st.sampled_from([None, "0", math.nan, 10**5000, decimal.Decimal(1)]),
    )
)
def test_clock_inputs(start: Any) -> None:
    try:
        t = convex_test(modules=APP, start_time=start)
    except ConvexTestError:
        return
    now = t.now_ms()
    for move in (t.set_time, t.advance_time):
        try:
            move(start)
        except ConvexTestError:
            assert t.now_ms() == now
        now = t.now_ms()
    assert isinstance(now, float) and math.isfinite(now)
