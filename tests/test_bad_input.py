"""Adversarial QA: garbage thrown at every public entry point, the way a careless user would.

The binding rule: bad input never corrupts state.  Writes are validated before they
apply, a call that raises leaves no trace, values crossing a boundary are copies, and the
only exceptions that escape are ``ConvexTestError`` (or ``ConvexError`` where Convex uses
it) -- never a raw ``TypeError``/``KeyError``/``RecursionError``/``ValueError``/... from
our internals.  User code's own exceptions (here :class:`Boom`, raised by hostile dunder
methods) may propagate as themselves, but must not corrupt state either.

Each entry-point test runs the whole garbage list and reports every leak at once.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import math
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from convex_test import (
    UNDEFINED,
    ConvexError,
    ConvexTestError,
    HttpRouter,
    Int64,
    convex_test,
    cron_jobs,
    define_schema,
    define_table,
    http_action,
    mutation,
    query,
    v,
)

APP = Path(__file__).parent / "fixtures" / "apps" / "bad_input"
ENGINE_ERRORS = (ConvexTestError, ConvexError)


# --------------------------------------------------------------------------- garbage


class Boom(Exception):
    """Raised by the hostile dunder methods below: user code's own exception."""


class Plain:
    pass


class StrSpoof:
    """Hashes and compares like the string "name": must never be taken for one."""

    def __hash__(self) -> int:
        return hash("name")

    def __eq__(self, other: object) -> bool:
        return True

    def __len__(self) -> int:
        return 4


class RaisingRepr:
    def __repr__(self) -> str:
        raise Boom("repr")

    __str__ = __repr__


class RaisingLt:
    def __lt__(self, other: object) -> bool:
        raise Boom("lt")

    def __hash__(self) -> int:
        return 1


class Color(enum.IntEnum):
    RED = 1


class FloatSub(float):
    pass


def _deep_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def _deep_dict(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def _cyclic_dict() -> dict[str, Any]:
    d: dict[str, Any] = {"x": 1}
    d["self"] = d
    return d


def _cyclic_list() -> list[Any]:
    items: list[Any] = [1]
    items.append(items)
    return items


HUGE = 10**5000  # str(HUGE) raises ValueError (more than 4300 digits)

GARBAGE: list[tuple[str, Any]] = [
    ("None", None),
    ("int", 1),
    ("big int", 2**80),
    ("huge int", 10**400),
    ("enormous int", HUGE),
    ("-enormous int", -HUGE),
    ("nan", math.nan),
    ("inf", math.inf),
    ("-inf", -math.inf),
    ("-0.0", -0.0),
    ("float subclass nan", FloatSub("nan")),
    ("IntEnum", Color.RED),
    ("bool", True),
    ("Int64", Int64(2**63 - 1)),
    ("str", "x"),
    ("empty str", ""),
    ("long str", "a" * 10_000),
    ("lone surrogate", "\ud800"),
    ("bytes", b"x"),
    ("bytearray", bytearray(b"ab")),
    ("memoryview", memoryview(b"ab")),
    ("list", [1]),
    ("tuple", (1,)),
    ("set", {1}),
    ("frozenset", frozenset()),
    ("range", range(3)),
    ("iterator", iter([1])),
    ("dict", {"a": 1}),
    ("int keys", {1: 2}),
    ("bytes keys", {b"a": 1}),
    ("NaN keys", {math.nan: 1}),
    ("None keys", {None: 1}),
    ("tuple keys", {("a",): 1}),
    ("spoofed str keys", {StrSpoof(): 1}),
    ("$ keys", {"$a": 1}),
    ("_ keys", {"_a": 1}),
    ("control-char keys", {"a\x00": 1}),
    ("surrogate keys", {"\ud800": 1}),
    ("long keys", {"k" * 2000: 1}),
    ("nested huge int", {"a": [HUGE]}),
    ("nested set", {"a": [{1}]}),
    ("nested UNDEFINED", {"a": UNDEFINED}),
    ("UNDEFINED", UNDEFINED),
    ("OrderedDict", OrderedDict(a=1)),
    ("defaultdict", defaultdict(int)),
    ("too long list", [0] * 9000),
    ("cyclic dict", _cyclic_dict()),
    ("cyclic list", _cyclic_list()),
    ("deep list", _deep_list(100_000)),
    ("deep dict", _deep_dict(100_000)),
    ("complex", complex(1, 2)),
    ("Decimal", decimal.Decimal("1.5")),
    ("datetime", datetime.datetime(2024, 1, 1)),
    ("date", datetime.date(2024, 1, 1)),
    ("timedelta", datetime.timedelta(seconds=1)),
    ("object", object()),
    ("plain instance", Plain()),
    ("class", Plain),
    ("type", type),
    ("builtin", len),
    ("lambda()", lambda: 1),
    ("lambda(a, b, c)", lambda a, b, c: 1),
    ("Ellipsis", ...),
    ("NotImplemented", NotImplemented),
    ("StrSpoof", StrSpoof()),
    ("exception instance", ValueError("x")),
]
"""Values no entry point accepts everywhere; each is (label, value)."""

HOSTILE: list[tuple[str, Any]] = [
    ("raising repr", RaisingRepr()),
    ("raising repr in dict", {"a": RaisingRepr()}),
    ("raising __lt__ keys", {RaisingLt(): 1, RaisingLt(): 2}),
]
"""Objects whose own methods raise :class:`Boom` (user code): Boom may propagate."""


# --------------------------------------------------------------------------- harness


@pytest.fixture
def t() -> Any:
    return convex_test(modules=APP)


class Seed:
    """IDs of the documents every test starts with."""

    def __init__(self, t: Any) -> None:
        self.item = t.mutation("fns:add", {"name": "a"})
        self.loose = t.mutation("fns:insert_loose", {"x": [1, 2], "y": {"z": "w"}})
        self.file = t.action(lambda ctx: ctx.storage.store(b"blob", "text/plain"))
        # A job far in the future: it stays pending through every test.
        self.job = t.run(
            lambda ctx: ctx.scheduler.run_after(10**9, "fns:insert_loose", {"from": "job"})
        )


@pytest.fixture
def seed(t: Any) -> Seed:
    return Seed(t)


TABLES = ("items", "loose")
SYSTEM_TABLES = ("_storage", "_scheduled_functions")


def snapshot(t: Any) -> dict[str, Any]:
    """Everything observable through the public API: tables, blobs, the clock."""

    def read(ctx: Any) -> dict[str, Any]:
        state: dict[str, Any] = {name: ctx.db.query(name).collect() for name in TABLES}
        for name in SYSTEM_TABLES:
            state[name] = ctx.db.system.query(name).collect()
        state["blobs"] = [
            (bytes(blob), getattr(blob, "content_type", None))
            for blob in (ctx.storage.get(doc["_id"]) for doc in state["_storage"])
            if blob is not None
        ]
        return state

    state = t.run(read)
    state["now"] = t.now_ms()
    return state


def _describe_exception(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"


def leaks(
    t: Any,
    call: Callable[[Any], Any],
    values: list[tuple[str, Any]] | None = None,
    *,
    allowed: tuple[type[BaseException], ...] = ENGINE_ERRORS,
) -> list[str]:
    """Run ``call(value)`` for each value; return a line per leak or state change."""
    problems: list[str] = []
    for label, value in GARBAGE if values is None else values:
        before = snapshot(t)
        try:
            call(value)
        except allowed as exc:
            if isinstance(exc, ConvexTestError) and not str(exc).strip():
                problems.append(f"{label}: {type(exc).__name__} with an empty message")
            after = snapshot(t)
            if after != before:
                problems.append(f"{label}: raised {_describe_exception(exc)} but changed state")
        except BaseException as exc:
            problems.append(f"{label}: leaked {_describe_exception(exc)}")
    return problems


def assert_no_leaks(
    t: Any,
    call: Callable[[Any], Any],
    values: list[tuple[str, Any]] | None = None,
    **kwargs: Any,
) -> None:
    problems = leaks(t, call, values, **kwargs)
    assert not problems, "\n".join(problems)


def assert_rejected(
    t: Any,
    call: Callable[[], Any],
    exc_type: type[BaseException] = ConvexTestError,
    match: str | None = None,
) -> BaseException:
    """``call()`` raises ``exc_type`` (matching ``match``) and changes nothing."""
    before = snapshot(t)
    with pytest.raises(exc_type, match=match) as info:
        call()
    assert snapshot(t) == before
    return info.value


# --------------------------------------------------------------------------- t.* calls

T_CALLS: dict[str, Callable[[Any, Seed, Any], Any]] = {
    "t.query args": lambda t, s, g: t.query("fns:echo", g),
    "t.query nested arg": lambda t, s, g: t.query("fns:echo", {"a": g}),
    "t.query validated arg": lambda t, s, g: t.query("fns:by_name", {"name": g}),
    "t.mutation args": lambda t, s, g: t.mutation("fns:insert_loose", g),
    "t.mutation nested arg": lambda t, s, g: t.mutation("fns:insert_loose", {"a": g}),
    "t.mutation validated arg": lambda t, s, g: t.mutation("fns:add", {"name": g}),
    "t.mutation returns": lambda t, s, g: t.mutation("fns:returns_value", {"value": g}),
    "t.action nested arg": lambda t, s, g: t.action("fns:act", {"a": g}),
    "t.query ref": lambda t, s, g: t.query(g, {}),
    "t.mutation ref": lambda t, s, g: t.mutation(g, {}),
    "t.action ref": lambda t, s, g: t.action(g, {}),
    "t.run fn": lambda t, s, g: t.run(g),
    "t.run returns": lambda t, s, g: t.run(lambda ctx: g),
    "t.query component": lambda t, s, g: t.query("fns:echo", {}, component=g),
    "ConvexError data": lambda t, s, g: t.mutation("fns:insert_then_fail", {"data": g}),
    "raise ConvexError(data) inline": lambda t, s, g: t.run(_raise_convex_error(g)),
}


def _raise_convex_error(data: Any) -> Callable[[Any], Any]:
    def handler(ctx: Any) -> Any:
        ctx.db.insert("loose", {"doomed": True})
        raise ConvexError(data)

    return handler


@pytest.mark.parametrize("name", list(T_CALLS))
def test_t_calls_reject_garbage(t: Any, seed: Seed, name: str) -> None:
    call = T_CALLS[name]
    assert_no_leaks(t, lambda g: call(t, seed, g))
    assert_no_leaks(t, lambda g: call(t, seed, g), HOSTILE, allowed=(*ENGINE_ERRORS, Boom))


# --------------------------------------------------------------------------- ctx.db

DB_CALLS: dict[str, Callable[[Any, Seed, Any], Any]] = {
    "insert table": lambda ctx, s, g: ctx.db.insert(g, {"a": 1}),
    "insert doc": lambda ctx, s, g: ctx.db.insert("loose", g),
    "insert field": lambda ctx, s, g: ctx.db.insert("loose", {"a": g}),
    "insert schema field": lambda ctx, s, g: ctx.db.insert("items", {"name": g}),
    "insert _id": lambda ctx, s, g: ctx.db.insert("loose", {"_id": g}),
    "insert _creationTime": lambda ctx, s, g: ctx.db.insert("loose", {"_creationTime": g}),
    "get id": lambda ctx, s, g: ctx.db.get(g),
    "get table": lambda ctx, s, g: ctx.db.get(g, s.item),
    "get(table, id)": lambda ctx, s, g: ctx.db.get("items", g),
    "patch id": lambda ctx, s, g: ctx.db.patch(g, {"a": 1}),
    "patch value": lambda ctx, s, g: ctx.db.patch(s.loose, g),
    "patch field": lambda ctx, s, g: ctx.db.patch(s.loose, {"a": g}),
    "patch schema field": lambda ctx, s, g: ctx.db.patch(s.item, {"name": g}),
    "patch _id": lambda ctx, s, g: ctx.db.patch(s.loose, {"_id": g}),
    "patch table": lambda ctx, s, g: ctx.db.patch(g, s.item, {"name": "b"}),
    "replace id": lambda ctx, s, g: ctx.db.replace(g, {"a": 1}),
    "replace value": lambda ctx, s, g: ctx.db.replace(s.loose, g),
    "replace field": lambda ctx, s, g: ctx.db.replace(s.loose, {"a": g}),
    "replace _creationTime": lambda ctx, s, g: ctx.db.replace(s.loose, {"_creationTime": g}),
    "delete id": lambda ctx, s, g: ctx.db.delete(g),
    "delete table": lambda ctx, s, g: ctx.db.delete(g, s.item),
    "normalize_id table": lambda ctx, s, g: ctx.db.normalize_id(g, s.item),
    "normalize_id id": lambda ctx, s, g: ctx.db.normalize_id("items", g),
    "query table": lambda ctx, s, g: ctx.db.query(g).collect(),
    "table name": lambda ctx, s, g: ctx.db.table(g).query().collect(),
    "table(t).insert": lambda ctx, s, g: ctx.db.table("loose").insert(g),
    "table(t).get": lambda ctx, s, g: ctx.db.table("items").get(g),
    "system.get": lambda ctx, s, g: ctx.db.system.get(g),
    "system.query": lambda ctx, s, g: ctx.db.system.query(g).collect(),
    "system.normalize_id": lambda ctx, s, g: ctx.db.system.normalize_id("_storage", g),
}


@pytest.mark.parametrize("name", list(DB_CALLS))
def test_db_methods_reject_garbage(t: Any, seed: Seed, name: str) -> None:
    call = DB_CALLS[name]

    def in_mutation(g: Any) -> Any:
        def handler(ctx: Any) -> Any:
            ctx.db.insert("loose", {"written": "before the bad call"})
            return call(ctx, seed, g)

        return t.run(handler)

    assert_no_leaks(t, in_mutation)
    assert_no_leaks(t, in_mutation, HOSTILE, allowed=(*ENGINE_ERRORS, Boom))


# --------------------------------------------------------------------------- queries


def _items(ctx: Any) -> Any:
    return ctx.db.query("items")


QUERY_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "with_index name": lambda ctx, g: _items(ctx).with_index(g).collect(),
    "with_index range fn": lambda ctx, g: _items(ctx).with_index("by_name", g).collect(),
    "range fn returns": lambda ctx, g: _items(ctx).with_index("by_name", lambda q: g).collect(),
    "range eq value": lambda ctx, g: (
        _items(ctx).with_index("by_name", lambda q: q.eq("name", g)).collect()
    ),
    "range eq field": lambda ctx, g: (
        _items(ctx).with_index("by_name", lambda q: q.eq(g, "a")).collect()
    ),
    "range gt value": lambda ctx, g: (
        _items(ctx).with_index("by_name_n", lambda q: q.eq("name", "a").gt("n", g)).collect()
    ),
    "filter predicate": lambda ctx, g: _items(ctx).filter(g).collect(),
    "filter returns": lambda ctx, g: _items(ctx).filter(lambda q: g).collect(),
    "q.field": lambda ctx, g: _items(ctx).filter(lambda q: q.eq(q.field(g), 1)).collect(),
    "q.eq literal": lambda ctx, g: _items(ctx).filter(lambda q: q.eq(q.field("name"), g)).collect(),
    "q.add": lambda ctx, g: _items(ctx).filter(lambda q: q.eq(q.add(q.field("n"), g), 1)).first(),
    "q.and_": lambda ctx, g: _items(ctx).filter(lambda q: q.and_(g, True)).collect(),
    "q.not_": lambda ctx, g: _items(ctx).filter(lambda q: q.not_(g)).collect(),
    "order": lambda ctx, g: _items(ctx).order(g).collect(),
    "take": lambda ctx, g: _items(ctx).take(g),
    "limit": lambda ctx, g: _items(ctx).limit(g).collect(),
    "unique filter": lambda ctx, g: _items(ctx).filter(lambda q: q.eq(q.field("name"), g)).unique(),
    "paginate opts": lambda ctx, g: _items(ctx).paginate(g),
    "paginate cursor": lambda ctx, g: _items(ctx).paginate({"numItems": 1, "cursor": g}),
    "paginate numItems": lambda ctx, g: _items(ctx).paginate({"numItems": g, "cursor": None}),
    "paginate maximumRowsRead": lambda ctx, g: _items(ctx).paginate(
        {"numItems": 1, "cursor": None, "maximumRowsRead": g}
    ),
    "paginate maximumBytesRead": lambda ctx, g: _items(ctx).paginate(
        {"numItems": 1, "cursor": None, "maximumBytesRead": g}
    ),
    "paginate endCursor": lambda ctx, g: _items(ctx).paginate(
        {"numItems": 1, "cursor": None, "endCursor": g}
    ),
    "search index name": lambda ctx, g: (
        _items(ctx).with_search_index(g, lambda q: q.search("name", "a")).collect()
    ),
    "search fn": lambda ctx, g: _items(ctx).with_search_index("search_name", g).collect(),
    "search fn returns": lambda ctx, g: (
        _items(ctx).with_search_index("search_name", lambda q: g).collect()
    ),
    "search text": lambda ctx, g: (
        _items(ctx).with_search_index("search_name", lambda q: q.search("name", g)).collect()
    ),
    "search field": lambda ctx, g: (
        _items(ctx).with_search_index("search_name", lambda q: q.search(g, "a")).collect()
    ),
    "search eq value": lambda ctx, g: (
        _items(ctx)
        .with_search_index("search_name", lambda q: q.search("name", "a").eq("n", g))
        .collect()
    ),
}


@pytest.mark.parametrize("name", list(QUERY_CALLS))
def test_query_builder_rejects_garbage(t: Any, seed: Seed, name: str) -> None:
    call = QUERY_CALLS[name]
    assert_no_leaks(t, lambda g: t.query(lambda ctx: call(ctx, g)))
    assert_no_leaks(
        t, lambda g: t.query(lambda ctx: call(ctx, g)), HOSTILE, allowed=(*ENGINE_ERRORS, Boom)
    )


def test_take_accepts_huge_counts_and_rejects_bad_ones(t: Any, seed: Seed) -> None:
    # A count beyond any table is "everything", as in JS (no OverflowError from islice).
    assert len(t.query(lambda ctx: _items(ctx).take(10**30))) == 1
    assert len(t.query(lambda ctx: _items(ctx).take(1e300))) == 1
    for bad in (-1, "3", 1.5, math.nan, math.inf, None, [3], True):
        assert_rejected(t, lambda bad=bad: t.query(lambda ctx: _items(ctx).take(bad)))


def test_range_function_must_be_callable(t: Any, seed: Seed) -> None:
    error = assert_rejected(
        t, lambda: t.query(lambda ctx: _items(ctx).with_index("by_name", ["name"]).collect())
    )
    assert "withIndex" in str(error) and "function" in str(error)


@pytest.mark.parametrize(
    "build",
    [
        lambda ctx: _items(ctx).with_index("by_name", lambda: None).collect(),
        lambda ctx: _items(ctx).with_index("by_name", lambda q, extra: q).collect(),
        lambda ctx: _items(ctx).filter(lambda: True).collect(),
        lambda ctx: _items(ctx).filter(Plain).collect(),
        lambda ctx: _items(ctx).with_search_index("search_name", lambda a, b: a).collect(),
    ],
    ids=["range-0-args", "range-2-args", "filter-0-args", "filter-class", "search-2-args"],
)
def test_callbacks_with_the_wrong_signature(t: Any, seed: Seed, build: Any) -> None:
    error = assert_rejected(t, lambda: t.query(build))
    assert "cannot be called as" in str(error)


def test_a_type_error_inside_a_callback_is_the_users_own(t: Any, seed: Seed) -> None:
    def broken(q: Any) -> Any:
        return len(5)  # type: ignore[arg-type]  # the user's own bug

    with pytest.raises(TypeError, match="has no len"):
        t.query(lambda ctx: _items(ctx).with_index("by_name", broken).collect())
    with pytest.raises(TypeError, match="has no len"):
        t.query(lambda ctx: _items(ctx).filter(broken).collect())
    with pytest.raises(TypeError, match="has no len"):
        t.run(lambda ctx: broken(ctx))


def test_cursors_of_other_queries_and_garbled_cursors(t: Any, seed: Seed) -> None:
    for i in range(3):
        t.mutation("fns:add", {"name": f"n{i}"})
        t.mutation("fns:insert_loose", {"i": i})
    page = t.query(lambda ctx: _items(ctx).paginate({"numItems": 1, "cursor": None}))
    cursor = page["continueCursor"]
    import base64

    bad_cursors = [
        "",
        "garbage",
        "!!!!",
        base64.b64encode(b"garbage").decode(),
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.b64encode(bytes(range(256))).decode(),
        cursor[:-2],
        cursor + "AA",
        cursor[::-1],
        "\ud800",
        "x" * 100_000,
    ]
    for bad in bad_cursors:
        assert_rejected(
            t,
            lambda bad=bad: t.query(
                lambda ctx: _items(ctx).paginate({"numItems": 1, "cursor": bad})
            ),
            ConvexTestError,
        )
    other_queries = [
        lambda ctx: ctx.db.query("loose"),
        lambda ctx: _items(ctx).order("desc"),
        lambda ctx: _items(ctx).with_index("by_name"),
        lambda ctx: _items(ctx).filter(lambda q: q.eq(q.field("name"), "n1")),
    ]
    for other in other_queries:
        error = assert_rejected(
            t,
            lambda other=other: t.query(
                lambda ctx: other(ctx).paginate({"numItems": 1, "cursor": cursor})
            ),
            ConvexError,
        )
        assert isinstance(error, ConvexTestError)


# --------------------------------------------------------------------------- wrong arity

ARITY_CALLS: dict[str, Callable[[Any, Seed], Any]] = {
    "db.get()": lambda ctx, s: ctx.db.get(),
    "db.get(a, b, c)": lambda ctx, s: ctx.db.get("items", s.item, 3),
    "db.get(id=...)": lambda ctx, s: ctx.db.get(id=s.item),
    "db.insert(table)": lambda ctx, s: ctx.db.insert("loose"),
    "db.insert()": lambda ctx, s: ctx.db.insert(),
    "db.insert(+1)": lambda ctx, s: ctx.db.insert("loose", {}, {}),
    "db.patch(id)": lambda ctx, s: ctx.db.patch(s.loose),
    "db.patch(4 args)": lambda ctx, s: ctx.db.patch("loose", s.loose, {}, {}),
    "db.replace()": lambda ctx, s: ctx.db.replace(),
    "db.delete()": lambda ctx, s: ctx.db.delete(),
    "db.delete(3 args)": lambda ctx, s: ctx.db.delete("loose", s.loose, 1),
    "db.normalize_id(table)": lambda ctx, s: ctx.db.normalize_id("items"),
    "db.query()": lambda ctx, s: ctx.db.query(),
    "db.query(a, b)": lambda ctx, s: ctx.db.query("items", "by_name"),
    "db.table()": lambda ctx, s: ctx.db.table(),
    "db.system.get()": lambda ctx, s: ctx.db.system.get(),
    "db.system.query()": lambda ctx, s: ctx.db.system.query(),
    "table.insert()": lambda ctx, s: ctx.db.table("loose").insert(),
    "with_index()": lambda ctx, s: ctx.db.query("items").with_index(),
    "with_search_index(name)": lambda ctx, s: ctx.db.query("items").with_search_index("x"),
    "filter()": lambda ctx, s: ctx.db.query("items").filter(),
    "order()": lambda ctx, s: ctx.db.query("items").order(),
    "take()": lambda ctx, s: ctx.db.query("items").take(),
    "collect(1)": lambda ctx, s: ctx.db.query("items").collect(1),
    "first(1)": lambda ctx, s: ctx.db.query("items").full_table_scan().first(1),
    "paginate()": lambda ctx, s: ctx.db.query("items").paginate(),
    "q.eq(field)": lambda ctx, s: ctx.db.query("items").with_index("by_name", lambda q: q.eq("n")),
    "q.field()": lambda ctx, s: ctx.db.query("items").filter(lambda q: q.field()).collect(),
    "q.eq(a)": lambda ctx, s: ctx.db.query("items").filter(lambda q: q.eq(1)).collect(),
    "q.search(field)": lambda ctx, s: ctx.db.query("items").with_search_index(
        "search_name", lambda q: q.search("name")
    ),
    "scheduler.run_after(0)": lambda ctx, s: ctx.scheduler.run_after(0),
    "scheduler.run_at()": lambda ctx, s: ctx.scheduler.run_at(),
    "scheduler.cancel()": lambda ctx, s: ctx.scheduler.cancel(),
    "storage.store()": lambda ctx, s: ctx.storage.store(),
    "storage.get()": lambda ctx, s: ctx.storage.get(),
    "storage.get_url(a, b)": lambda ctx, s: ctx.storage.get_url(s.file, 1),
    "storage.delete()": lambda ctx, s: ctx.storage.delete(),
    "storage.get_metadata()": lambda ctx, s: ctx.storage.get_metadata(),
    "storage.generate_upload_url(1)": lambda ctx, s: ctx.storage.generate_upload_url(1),
    "auth.get_user_identity(1)": lambda ctx, s: ctx.auth.get_user_identity(1),
    "run_query()": lambda ctx, s: ctx.run_query(),
    "run_mutation(a, b, c)": lambda ctx, s: ctx.run_mutation("fns:hidden", {}, 1),
}


@pytest.mark.parametrize("name", list(ARITY_CALLS))
def test_ctx_methods_called_with_the_wrong_arity(t: Any, seed: Seed, name: str) -> None:
    call = ARITY_CALLS[name]

    def handler(ctx: Any) -> Any:
        ctx.db.insert("loose", {"written": "before the bad call"})
        return call(ctx, seed)

    error = assert_rejected(t, lambda: t.run(handler))
    assert "wrong arguments" in str(error) or " takes (" in str(error)


ACTION_ARITY_CALLS: dict[str, Callable[[Any], Any]] = {
    "vector_search(table)": lambda ctx: ctx.vector_search("items"),
    "vector_search(+1)": lambda ctx: ctx.vector_search("items", "by_embedding", {}, 1),
    "run_action()": lambda ctx: ctx.run_action(),
    "vector filter q.eq(a)": lambda ctx: ctx.vector_search(
        "items", "by_embedding", {"vector": [1.0, 2.0, 3.0], "filter": lambda q: q.eq("name")}
    ),
}


@pytest.mark.parametrize("name", list(ACTION_ARITY_CALLS))
def test_action_ctx_methods_called_with_the_wrong_arity(t: Any, name: str) -> None:
    call = ACTION_ARITY_CALLS[name]
    error = assert_rejected(t, lambda: t.action(call))
    assert "wrong arguments" in str(error)


# --------------------------------------------------------------------------- scheduler

SCHEDULER_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "run_after delay": lambda ctx, g: ctx.scheduler.run_after(g, "fns:hidden", {}),
    "run_after ref": lambda ctx, g: ctx.scheduler.run_after(0, g, {}),
    "run_after args": lambda ctx, g: ctx.scheduler.run_after(0, "fns:hidden", g),
    "run_after nested arg": lambda ctx, g: ctx.scheduler.run_after(0, "fns:hidden", {"a": g}),
    "run_at time": lambda ctx, g: ctx.scheduler.run_at(g, "fns:hidden", {}),
    "cancel id": lambda ctx, g: ctx.scheduler.cancel(g),
}


@pytest.mark.parametrize("name", list(SCHEDULER_CALLS))
def test_scheduler_rejects_garbage(t: Any, seed: Seed, name: str) -> None:
    call = SCHEDULER_CALLS[name]

    def in_mutation(g: Any) -> Any:
        def handler(ctx: Any) -> Any:
            ctx.scheduler.run_after(0, "fns:insert_loose", {"from": "before the bad call"})
            return call(ctx, g)

        return t.run(handler)

    assert_no_leaks(t, in_mutation)
    assert_no_leaks(t, lambda g: t.action(lambda ctx: call(ctx, g)))


@pytest.mark.parametrize(
    "delay",
    [math.nan, math.inf, -math.inf, -1, "5", 10**400, HUGE, None],
    ids=["nan", "inf", "-inf", "-1", "str", "huge", "enormous", "None"],
)
def test_run_after_bad_delays(t: Any, seed: Seed, delay: Any) -> None:
    error = assert_rejected(
        t, lambda: t.run(lambda ctx: ctx.scheduler.run_after(delay, "fns:hidden", {}))
    )
    assert "delayMs" in str(error)


def test_a_failed_mutation_leaves_no_scheduled_job_behind(t: Any, seed: Seed) -> None:
    def handler(ctx: Any) -> Any:
        ctx.scheduler.run_after(0, "fns:insert_loose", {"ghost": True})
        ctx.storage.store(b"ghost")
        ctx.db.insert("loose", {"ghost": True})
        raise ConvexError("abort")

    assert_rejected(t, lambda: t.run(handler), ConvexError)
    before = snapshot(t)
    t.finish_in_progress_scheduled_functions()
    after = snapshot(t)
    assert after == before


# --------------------------------------------------------------------------- storage

STORAGE_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "store data": lambda ctx, g: ctx.storage.store(g),
    "store content_type": lambda ctx, g: ctx.storage.store(b"x", g),
    "store sha256": lambda ctx, g: ctx.storage.store(b"x", sha256=g),
    "get": lambda ctx, g: ctx.storage.get(g),
    "get_url": lambda ctx, g: ctx.storage.get_url(g),
    "get_metadata": lambda ctx, g: ctx.storage.get_metadata(g),
    "delete": lambda ctx, g: ctx.storage.delete(g),
}


@pytest.mark.parametrize("name", list(STORAGE_CALLS))
def test_storage_rejects_garbage(t: Any, seed: Seed, name: str) -> None:
    call = STORAGE_CALLS[name]
    assert_no_leaks(t, lambda g: t.run(lambda ctx: call(ctx, g)))
    assert_no_leaks(t, lambda g: t.action(lambda ctx: call(ctx, g)))


# --------------------------------------------------------------------------- vector search


def _vector(ctx: Any, table: Any = "items", index: Any = "by_embedding", **query: Any) -> Any:
    query.setdefault("vector", [1.0, 2.0, 3.0])
    return ctx.vector_search(table, index, query)


VECTOR_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "table": lambda ctx, g: _vector(ctx, g),
    "index": lambda ctx, g: _vector(ctx, "items", g),
    "query": lambda ctx, g: ctx.vector_search("items", "by_embedding", g),
    "vector": lambda ctx, g: _vector(ctx, vector=g),
    "vector elements": lambda ctx, g: _vector(ctx, vector=[g, g, g]),
    "limit": lambda ctx, g: _vector(ctx, limit=g),
    "filter": lambda ctx, g: _vector(ctx, filter=g),
    "filter returns": lambda ctx, g: _vector(ctx, filter=lambda q: g),
    "filter eq value": lambda ctx, g: _vector(ctx, filter=lambda q: q.eq("name", g)),
    "filter eq field": lambda ctx, g: _vector(ctx, filter=lambda q: q.eq(g, "a")),
    "filter or_": lambda ctx, g: _vector(ctx, filter=lambda q: q.or_(g)),
}


@pytest.mark.parametrize("name", list(VECTOR_CALLS))
def test_vector_search_rejects_garbage(t: Any, seed: Seed, name: str) -> None:
    call = VECTOR_CALLS[name]
    assert_no_leaks(t, lambda g: t.action(lambda ctx: call(ctx, g)))


# --------------------------------------------------------------------------- nested calls

NESTED_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "run_query ref": lambda ctx, g: ctx.run_query(g, {}),
    "run_query args": lambda ctx, g: ctx.run_query("fns:echo", g),
    "run_mutation args": lambda ctx, g: ctx.run_mutation("fns:insert_loose", g),
    "run_action ref": lambda ctx, g: ctx.run_action(g, {}),
}


@pytest.mark.parametrize("name", list(NESTED_CALLS))
def test_nested_calls_reject_garbage(t: Any, seed: Seed, name: str) -> None:
    call = NESTED_CALLS[name]
    assert_no_leaks(t, lambda g: t.action(lambda ctx: call(ctx, g)))
    if name != "run_action ref":
        assert_no_leaks(t, lambda g: t.run(lambda ctx: call(ctx, g)))


# --------------------------------------------------------------------------- harness

HARNESS_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "with_identity mapping": lambda t, g: t.with_identity(g).query("fns:echo", {}),
    "with_identity name": lambda t, g: t.with_identity(name=g).query("fns:echo", {}),
    "with_identity subject": lambda t, g: t.with_identity({"subject": g}),
    "with_identity issuer": lambda t, g: t.with_identity({"issuer": g}),
    "with_identity emailVerified": lambda t, g: t.with_identity({"emailVerified": g}),
    "advance_time": lambda t, g: t.advance_time(g),
    "advance_time max_iterations": lambda t, g: t.advance_time(1, max_iterations=g),
    "finish_all max_iterations": lambda t, g: t.finish_all_scheduled_functions(g),
    "finish_in_progress max_iterations": lambda t, g: t.finish_in_progress_scheduled_functions(
        max_iterations=g
    ),
    "set_time": lambda t, g: t.set_time(g),
    "run_cron name": lambda t, g: t.run_cron(g),
    "run_cron component": lambda t, g: t.run_cron("tick", component=g),
    "register_component name": lambda t, g: t.register_component(
        g, modules=APP.parent / "component_counter"
    ),
    "register_component modules": lambda t, g: t.register_component("extra", modules=g),
    "register_component schema": lambda t, g: t.register_component(
        "extra", modules=APP.parent / "component_counter", schema=g
    ),
}


@pytest.mark.parametrize("name", list(HARNESS_CALLS))
def test_harness_methods_reject_garbage(t: Any, seed: Seed, name: str) -> None:
    call = HARNESS_CALLS[name]
    # set_time accepts some values (numbers, datetimes) and then moves the clock, which
    # the snapshot includes: put it back; every other call must leave the clock alone.
    assert_no_leaks(t, lambda g: call(t, g) if name != "set_time" else _set_time_checked(t, g))


def _set_time_checked(t: Any, when: Any) -> None:
    before = t.now_ms()
    try:
        t.set_time(when)
    finally:
        # Values set_time accepts move the clock; put it back so the snapshot compares.
        if t.now_ms() != before:
            t.set_time(before)


def test_register_component_failure_leaves_the_name_free(t: Any) -> None:
    with pytest.raises(ConvexTestError):
        t.register_component("extra", modules=APP.parent / "does_not_exist")
    with pytest.raises(ConvexTestError):
        t.register_component("extra", modules=APP.parent / "component_counter", schema=5)
    t.register_component("extra", modules=APP.parent / "component_counter")


def test_with_identity_failures_do_not_touch_the_original_view(t: Any) -> None:
    assert t.query(lambda ctx: ctx.auth.get_user_identity()) is None
    with pytest.raises(ConvexTestError):
        t.with_identity({"name": {1, 2}})
    assert t.query(lambda ctx: ctx.auth.get_user_identity()) is None


# --------------------------------------------------------------------------- fetch

FETCH_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "path": lambda t, g: t.fetch(g),
    "method": lambda t, g: t.fetch("/echo", g),
    "headers": lambda t, g: t.fetch("/echo", "POST", headers=g),
    "header value": lambda t, g: t.fetch("/echo", "POST", headers={"x-a": g}),
    "params": lambda t, g: t.fetch("/echo", "POST", params=g),
    "content": lambda t, g: t.fetch("/echo", "POST", content=g),
    "json": lambda t, g: t.fetch("/echo", "POST", json=g),
}


@pytest.mark.parametrize("name", list(FETCH_CALLS))
def test_fetch_rejects_garbage(t: Any, name: str) -> None:
    call = FETCH_CALLS[name]
    assert_no_leaks(t, lambda g: call(t, g))


@pytest.mark.parametrize(
    "method", ["", " ", "GE T", "\ud800", "G\x00T", "CONNECT", "TRACE", "BREW"]
)
def test_fetch_odd_methods(t: Any, method: str) -> None:
    # Either rejected up front or answered (404/405-style); never a raw exception.
    try:
        response = t.fetch("/echo", method)
    except ConvexTestError:
        return
    assert response.status_code >= 400


# --------------------------------------------------------------------------- definitions


@http_action
def _handler(ctx: Any, request: Any) -> Any:
    return None


DEFINITION_CALLS: dict[str, Callable[[Any], Any]] = {
    "define_schema": lambda g: define_schema(g),
    "define_schema table": lambda g: define_schema({"t": g}),
    "define_schema table name": lambda g: define_schema({g: define_table({})}),
    "define_schema schema_validation": lambda g: define_schema({}, schema_validation=g),
    "define_table": lambda g: define_table(g),
    "define_table field": lambda g: define_table({"a": g}),
    "index name": lambda g: define_table({"a": v.string()}).index(g, ["a"]),
    "index fields": lambda g: define_table({"a": v.string()}).index("x", g),
    "index field": lambda g: define_table({"a": v.string()}).index("x", [g]),
    "search_index field": lambda g: define_table({"a": v.string()}).search_index(
        "x", search_field=g
    ),
    "search_index filter_fields": lambda g: define_table({"a": v.string()}).search_index(
        "x", search_field="a", filter_fields=g
    ),
    "vector_index dimensions": lambda g: define_table({"a": v.string()}).vector_index(
        "x", vector_field="a", dimensions=g
    ),
    "vector_index field": lambda g: define_table({"a": v.string()}).vector_index(
        "x", vector_field=g, dimensions=3
    ),
    "v.id": lambda g: v.id(g),
    "v.literal": lambda g: v.literal(g),
    "v.array": lambda g: v.array(g),
    "v.object": lambda g: v.object(g),
    "v.object field": lambda g: v.object({"a": g}),
    "v.record keys": lambda g: v.record(g, v.any()),
    "v.record values": lambda g: v.record(v.string(), g),
    "v.union": lambda g: v.union(v.string(), g),
    "v.optional": lambda g: v.optional(g),
    "pick": lambda g: v.object({"a": v.string()}).pick(g),
    "omit": lambda g: v.object({"a": v.string()}).omit(g),
    "extend": lambda g: v.object({"a": v.string()}).extend(g),
    "cron interval name": lambda g: cron_jobs().interval(g, {"minutes": 1}, "fns:hidden", {}),
    "cron interval schedule": lambda g: cron_jobs().interval("x", g, "fns:hidden", {}),
    "cron interval minutes": lambda g: cron_jobs().interval("x", {"minutes": g}, "fns:hidden", {}),
    "cron interval ref": lambda g: cron_jobs().interval("x", {"minutes": 1}, g, {}),
    "cron interval args": lambda g: cron_jobs().interval("x", {"minutes": 1}, "fns:hidden", g),
    "cron cron spec": lambda g: cron_jobs().cron("x", g, "fns:hidden", {}),
    "cron daily hourUTC": lambda g: cron_jobs().daily(
        "x", {"hourUTC": g, "minuteUTC": 0}, "fns:hidden", {}
    ),
    "cron monthly day": lambda g: cron_jobs().monthly(
        "x", {"day": g, "hourUTC": 0, "minuteUTC": 0}, "fns:hidden", {}
    ),
    "route path": lambda g: HttpRouter().route(path=g, method="GET", handler=_handler),
    "route path_prefix": lambda g: HttpRouter().route(
        path_prefix=g, method="GET", handler=_handler
    ),
    "route method": lambda g: HttpRouter().route(path="/x", method=g, handler=_handler),
    "route handler": lambda g: HttpRouter().route(path="/x", method="GET", handler=g),
    "query(args=...)": lambda g: query(args=g)(lambda ctx, args: None),
    "query(returns=...)": lambda g: query(returns=g)(lambda ctx, args: None),
    "mutation(handler=...)": lambda g: mutation(handler=g),
    "convex_test modules": lambda g: convex_test(modules=g),
    "convex_test schema": lambda g: convex_test(schema=g),
    "convex_test start_time": lambda g: convex_test(start_time=g),
}

_HASHABLE_GARBAGE = [(label, g) for label, g in GARBAGE if getattr(g, "__hash__", None)]


@pytest.mark.parametrize("name", list(DEFINITION_CALLS))
def test_definitions_reject_garbage(t: Any, name: str) -> None:
    call = DEFINITION_CALLS[name]
    values = _HASHABLE_GARBAGE if name == "define_schema table name" else GARBAGE
    assert_no_leaks(t, call, values)


VALIDATORS = [
    v.string(),
    v.int64(),
    v.float64(),
    v.any(),
    v.object({"a": v.string(), "b": v.optional(v.int64())}),
    v.array(v.string()),
    v.record(v.string(), v.any()),
    v.union(v.string(), v.null()),
    v.literal("a"),
    v.id("items"),
    v.bytes(),
    v.boolean(),
]


@pytest.mark.parametrize("validator", VALIDATORS, ids=repr)
def test_validate_rejects_garbage(t: Any, validator: Any) -> None:
    assert_no_leaks(t, validator.validate)
    assert_no_leaks(t, lambda g: validator.validate({"a": g}))
    assert_no_leaks(t, lambda g: validator.validate([g]))


@pytest.mark.parametrize(
    "modules",
    [
        APP.parent / "does_not_exist",
        APP / "fns.py",
        "no.such.package",
        "",
        b"convex",
        "\x00",
        "\ud800",
        5,
        ["convex"],
    ],
    ids=repr,
)
def test_convex_test_with_bad_modules(modules: Any) -> None:
    with pytest.raises(ConvexTestError) as info:
        convex_test(modules=modules)
    assert str(info.value).strip()


@pytest.mark.parametrize(
    ("app", "error"), [("broken_syntax", SyntaxError), ("broken_import", ImportError)]
)
def test_errors_of_user_modules_propagate_as_themselves(app: str, error: type) -> None:
    with pytest.raises(error) as info:
        convex_test(modules=APP.parent / app)
    assert any("bad.py" in note for note in getattr(info.value, "__notes__", []))


# --------------------------------------------------------------------------- copies


def test_mutating_args_after_the_call_does_not_change_the_store(t: Any) -> None:
    args = {"x": [1, {"y": "z"}], "b": bytearray(b"ab")}
    doc_id = t.mutation("fns:insert_loose", args)
    args["x"].append(2)
    args["x"][1]["y"] = "changed"
    args["b"][0] = 0
    doc = t.run(lambda ctx: ctx.db.get(doc_id))
    assert doc["x"] == [1, {"y": "z"}] and doc["b"] == b"ab"


def test_handlers_get_a_copy_of_args(t: Any) -> None:
    args = {"x": [1]}

    def handler(ctx: Any, a: Any) -> Any:
        a["x"].append("handler")
        return a

    fn = mutation(handler)
    result = t.mutation(fn, args)
    assert args == {"x": [1]}
    assert result == {"x": [1, "handler"]} and result["x"] is not args["x"]


def test_mutating_returned_documents_does_not_change_the_store(t: Any, seed: Seed) -> None:
    docs = t.query(lambda ctx: ctx.db.query("loose").collect())
    docs[0]["x"].append("mutated")
    docs[0]["y"]["z"] = "mutated"
    one = t.run(lambda ctx: ctx.db.get(seed.loose))
    one["x"].clear()
    page = t.query(lambda ctx: ctx.db.query("loose").paginate({"numItems": 5, "cursor": None}))
    page["page"][0]["y"].clear()
    assert t.run(lambda ctx: ctx.db.get(seed.loose))["x"] == [1, 2]
    assert t.run(lambda ctx: ctx.db.get(seed.loose))["y"] == {"z": "w"}

    def inside(ctx: Any) -> Any:
        doc = ctx.db.get(seed.loose)
        doc["x"].append(3)
        for row in ctx.db.query("loose"):
            row["y"]["z"] = "changed"
        return ctx.db.get(seed.loose)

    assert t.run(inside)["x"] == [1, 2]
    assert t.run(lambda ctx: ctx.db.get(seed.loose))["y"] == {"z": "w"}


def test_mutating_a_written_value_after_the_write_does_not_change_the_store(
    t: Any, seed: Seed
) -> None:
    def handler(ctx: Any) -> Any:
        doc = {"x": [1], "nested": {"k": [2]}}
        doc_id = ctx.db.insert("loose", doc)
        doc["x"].append("after insert")
        doc["nested"]["k"].append("after insert")
        doc["extra"] = 1
        patch = {"p": [1]}
        ctx.db.patch(doc_id, patch)
        patch["p"].append("after patch")
        replacement = {"r": {"s": [1]}}
        ctx.db.replace(seed.loose, replacement)
        replacement["r"]["s"].append("after replace")
        return doc_id

    doc_id = t.run(handler)
    doc = t.run(lambda ctx: ctx.db.get(doc_id))
    assert {k: doc[k] for k in ("x", "nested", "p")} == {
        "x": [1],
        "nested": {"k": [2]},
        "p": [1],
    }
    assert "extra" not in doc
    assert t.run(lambda ctx: ctx.db.get(seed.loose))["r"] == {"s": [1]}


def test_mutating_convex_error_data_changes_nothing(t: Any) -> None:
    payload = {"code": [1, 2]}

    def fail(ctx: Any) -> Any:
        raise ConvexError(payload)

    with pytest.raises(ConvexError) as info:
        t.run(fail)
    info.value.data["code"].append(3)
    assert payload == {"code": [1, 2]}

    with pytest.raises(ConvexError) as info:
        t.mutation("fns:insert_then_fail", {"data": payload})
    info.value.data["code"].clear()
    assert payload == {"code": [1, 2]}

    def nested(ctx: Any) -> Any:
        caught: Any = None
        try:
            ctx.run_mutation("fns:insert_then_fail", {"data": payload})
        except ConvexError as exc:
            caught = exc.data
        caught["code"].append("inside")
        return payload

    assert t.run(nested) == {"code": [1, 2]}
    assert t.query(lambda ctx: ctx.db.query("loose").collect()) == []


def test_convex_error_with_unconvertible_data_is_still_a_convex_error(t: Any) -> None:
    for label, data in GARBAGE:
        before = snapshot(t)
        try:
            t.run(_raise_convex_error(data))
        except ConvexError as exc:
            str(exc)  # renders
        except BaseException as exc:
            pytest.fail(f"{label}: {_describe_exception(exc)}")
        assert snapshot(t) == before, label


def test_mutating_scheduled_args_after_scheduling(t: Any) -> None:
    def handler(ctx: Any) -> Any:
        args = {"x": [1], "n": {"m": "v"}}
        ctx.scheduler.run_after(0, "fns:insert_loose", args)
        args["x"].append("after scheduling")
        args["n"]["m"] = "changed"
        args["new"] = True

    t.run(handler)
    job = t.run(lambda ctx: ctx.db.system.query("_scheduled_functions").first())
    assert job["args"] == [{"x": [1], "n": {"m": "v"}}]
    job["args"][0]["x"].append("mutating the system doc copy")
    t.finish_all_scheduled_functions()
    docs = t.query(lambda ctx: ctx.db.query("loose").collect())
    assert [{k: d[k] for k in ("x", "n")} for d in docs] == [{"x": [1], "n": {"m": "v"}}]
    assert "new" not in docs[0]


def test_mutating_cron_args_after_definition(t: Any) -> None:
    crons = cron_jobs()
    args = {"x": [1]}
    crons.interval("c", {"minutes": 1}, "fns:insert_loose", args)
    args["x"].append(2)
    args["y"] = 1
    assert crons.jobs["c"].args == {"x": [1]}


def test_mutating_identity_claims_after_with_identity(t: Any) -> None:
    claims: dict[str, Any] = {"name": "Ada", "roles": ["admin"]}
    ada = t.with_identity(claims)
    claims["roles"].append("root")
    claims["name"] = "Eve"
    identity = ada.query(lambda ctx: ctx.auth.get_user_identity())
    assert identity["name"] == "Ada" and identity["roles"] == ["admin"]
    identity["roles"].append("mutated")
    assert ada.query(lambda ctx: ctx.auth.get_user_identity())["roles"] == ["admin"]


def test_mutating_stored_bytes_after_store(t: Any) -> None:
    data = bytearray(b"hello")

    def handler(ctx: Any) -> Any:
        storage_id = ctx.storage.store(data)
        data[0] = ord("J")
        return storage_id

    storage_id = t.run(handler)
    assert bytes(t.run(lambda ctx: ctx.storage.get(storage_id))) == b"hello"


def test_mutating_filter_and_range_values_after_building_the_query(t: Any, seed: Seed) -> None:
    def handler(ctx: Any) -> Any:
        wanted = [1, 2]
        query = ctx.db.query("loose").filter(lambda q: q.eq(q.field("x"), wanted))
        wanted.append(3)
        return query.collect()

    assert len(t.query(handler)) == 1


# --------------------------------------------------------------------------- transactions


def test_a_raising_mutation_leaves_no_trace(t: Any, seed: Seed) -> None:
    def handler(ctx: Any) -> Any:
        ctx.db.insert("loose", {"ghost": 1})
        ctx.db.insert("brand_new_table_is_not_in_schema_anyway", {"x": 1})

    assert_rejected(t, lambda: t.run(handler))

    def writes_then_raises(ctx: Any) -> Any:
        ctx.db.patch(seed.loose, {"x": "patched"})
        ctx.db.delete(seed.item)
        ctx.db.replace(seed.loose, {"replaced": True})
        raise Boom("user bug")

    assert_rejected(t, lambda: t.run(writes_then_raises), Boom)


def test_a_nested_mutation_that_raises_rolls_back_only_its_own_writes(t: Any) -> None:
    def outer(ctx: Any) -> Any:
        ctx.db.insert("loose", {"outer": 1})
        with pytest.raises(ConvexError):
            ctx.run_mutation("fns:insert_then_fail", {"data": "nested"})
        with pytest.raises(ConvexTestError):
            ctx.run_mutation("fns:insert_loose", {"bad": {1, 2}})
        return [{k: d[k] for k in d if not k.startswith("_")} for d in ctx.db.query("loose")]

    assert t.run(outer) == [{"outer": 1}]


def test_spoofed_string_keys_are_never_stored(t: Any) -> None:
    # (Not {"name": ..., StrSpoof(): ...}: Python itself merges those two keys.)
    for doc in ({StrSpoof(): 1}, {"x": "a", StrSpoof(): 2}, {"a": {StrSpoof(): 1}}):
        assert_rejected(t, lambda doc=doc: t.run(lambda ctx: ctx.db.insert("loose", doc)))
        assert_rejected(t, lambda doc=doc: t.mutation("fns:insert_loose", doc))
        assert_rejected(t, lambda doc=doc: t.query("fns:echo", doc))


def test_a_generator_result_is_rejected_cleanly(t: Any, seed: Seed) -> None:
    def handler(ctx: Any) -> Iterator[Any]:
        yield from ctx.db.query("loose")

    before = snapshot(t)
    with pytest.raises(ConvexTestError):
        t.query(handler)  # a generator is not a Convex value
    assert snapshot(t) == before


# --------------------------------------------------------------------------- odds and ends


def test_int64_rejects_garbage(t: Any) -> None:
    assert_no_leaks(t, Int64)


def test_strategies_reject_garbage(t: Any) -> None:
    from convex_test.strategies import args_for, documents, from_validator

    assert_no_leaks(t, from_validator)
    assert_no_leaks(t, lambda g: documents(g, "items"))
    assert_no_leaks(t, lambda g: documents(t, g))
    assert_no_leaks(t, args_for)


def test_str_subclass_keys_are_stored_as_plain_strings(t: Any) -> None:
    class Key(str):
        def __hash__(self) -> int:
            return 7

    doc_id = t.mutation("fns:insert_loose", {Key("k"): {Key("j"): 1}})
    t.run(lambda ctx: ctx.db.patch(doc_id, {Key("p"): 2}))
    doc = t.run(lambda ctx: ctx.db.get(doc_id))
    assert {type(k) for k in doc} == {str} and {type(k) for k in doc["k"]} == {str}


@pytest.mark.parametrize("schema", [5, "schema", {"items": define_table({})}, define_table({})])
def test_convex_test_rejects_what_is_not_a_schema(schema: Any) -> None:
    with pytest.raises(ConvexTestError, match="define_schema"):
        convex_test(schema=schema)


@pytest.mark.parametrize("flag", [None, "false", 0, 1])
def test_schema_validation_must_be_a_bool(flag: Any) -> None:
    with pytest.raises(ConvexTestError, match="schema_validation"):
        define_schema({}, schema_validation=flag)


def test_the_failure_report_survives_unprintable_values() -> None:
    from convex_test.pytest_plugin import format_calls

    class Unprintable(Exception):
        def __str__(self) -> str:
            raise Boom("str")

    def fails(ctx: Any) -> Any:
        raise Unprintable()

    t = convex_test(modules=APP, capture_output=True)
    with pytest.raises(ConvexTestError):
        t.query("fns:echo", {"a": HUGE, "b": _deep_list(10_000)})
    with pytest.raises(Unprintable):
        t.run(fails)
    report = format_calls(t.calls)
    assert "fns:echo" in report and "raised Unprintable" in report


DEFINITION_ARITY: dict[str, Callable[[], Any]] = {
    "v.string(5)": lambda: v.string(5),
    "v.object()": lambda: v.object(),
    "v.object({}).pick(a=1)": lambda: v.object({}).pick(a=1),
    "define_table()": lambda: define_table(),
    "define_table({}).index()": lambda: define_table({}).index(),
    "define_schema()": lambda: define_schema(),
    "cron_jobs(1)": lambda: cron_jobs(1),
    "crons.interval()": lambda: cron_jobs().interval(),
    "http.route('/x')": lambda: HttpRouter().route("/x"),
    "query(1, 2, 3)": lambda: query(1, 2, 3),
    "mutation(bogus=1)": lambda: mutation(bogus=1),
    "convex_test(1, 2, 3)": lambda: convex_test(1, 2, 3),
}


@pytest.mark.parametrize("name", list(DEFINITION_ARITY))
def test_definitions_called_with_the_wrong_arity(name: str) -> None:
    with pytest.raises(ConvexTestError, match="wrong arguments"):
        DEFINITION_ARITY[name]()


def test_record_errors_with_a_non_string_key_among_bad_values() -> None:
    # Found by the fuzzer: the "first failing entry in key order" sort met a None key.
    with pytest.raises(ConvexTestError, match="keys must be strings"):
        v.record(v.string(), v.int64()).validate({"": None, None: None})
