"""Port of convex-test ``convex/queries.test.ts``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from convex_test import UNDEFINED, Int64, api, convex_test, define_schema, define_table, v
from tests.convex_test_parity.conftest import APP
from tests.convex_test_parity.support import matches, typed


def seed(t: Any, *bodies: str, author: str = "sarah") -> None:
    def insert(ctx: Any) -> None:
        for body in bodies:
            ctx.db.insert("messages", {"author": author, "body": body})

    t.run(insert)


def test_collect(t: Any) -> None:
    seed(t, "hello1", "hello2")
    messages = t.query(api.queries.list)
    assert matches(
        messages, [{"author": "sarah", "body": "hello1"}, {"author": "sarah", "body": "hello2"}]
    )


def test_count(t: Any) -> None:
    seed(t, "hello1", "hello2")
    assert t.query(api.queries.count) == 2


def test_with_index(t: Any) -> None:
    def body(ctx: Any) -> Any:
        ctx.db.insert("messages", {"author": "sarah", "body": "hello1"})
        ctx.db.insert("messages", {"author": "michal", "body": "hello2"})
        ctx.db.insert("messages", {"author": "sarah", "body": "hello2"})
        return (
            ctx.db.query("messages")
            .with_index("author", lambda q: q.eq("author", "sarah"))
            .collect()
        )

    assert matches(
        t.run(body), [{"author": "sarah", "body": "hello1"}, {"author": "sarah", "body": "hello2"}]
    )


def test_with_index_with_undefined() -> None:
    schema = define_schema(
        {"things": define_table({"field": v.optional(v.string())}).index("field", ["field"])}
    )
    t = convex_test(schema)

    def body(ctx: Any) -> Any:
        ctx.db.insert("things", {})
        ctx.db.insert("things", {"field": "some"})
        return (
            ctx.db.query("things").with_index("field", lambda q: q.eq("field", UNDEFINED)).collect()
        )

    things = t.run(body)
    assert len(things) == 1 and "field" not in things[0]


def test_system_index_works_with_by_creation_time() -> None:
    # vi.setSystemTime -> the engine clock (start_time / t.set_time).
    t = convex_test(modules=APP, start_time=datetime(2024, 5, 31, tzinfo=UTC))
    t.run(lambda ctx: [ctx.db.insert("messages", {"author": a, "body": a}) for a in "AB"])
    t.set_time(datetime(2024, 6, 2, tzinfo=UTC))
    t.run(lambda ctx: ctx.db.insert("messages", {"author": "C", "body": "C"}))
    cutoff = datetime(2024, 6, 1, tzinfo=UTC).timestamp() * 1000
    things = t.run(
        lambda ctx: (
            ctx.db.query("messages")
            .with_index("by_creation_time", lambda q: q.lte("_creationTime", cutoff))
            .collect()
        )
    )
    assert [thing["author"] for thing in things] == ["A", "B"]


def test_system_index_works_with_by_id(t: Any) -> None:
    def body(ctx: Any) -> Any:
        ctx.db.insert("messages", {"author": "A", "body": "A"})
        ctx.db.insert("messages", {"author": "B", "body": "B"})
        return ctx.db.query("messages").with_index("by_id").collect()

    things = t.run(body)
    assert len(things) == 2
    # by_id is ordered by the ID string (IDs are not ordered by insertion, as in Convex).
    assert [thing["_id"] for thing in things] == sorted(thing["_id"] for thing in things)


def test_type_ordering() -> None:
    relaxed = define_schema(
        {
            "messages": define_table({"author": v.optional(v.any()), "body": v.string()}).index(
                "author", ["author"]
            )
        }
    )
    t = convex_test(relaxed)
    missing = object()
    authors: list[Any] = [
        "stringValue",
        "xFactor",
        missing,  # JS `undefined`: the field is absent
        False,
        True,
        34,
        35,
        Int64(34),
        None,
        ["a"],
        {"a": 1},
        bytes(8),
    ]

    def body(ctx: Any) -> Any:
        for author in authors:
            doc = {"body": "hello"} if author is missing else {"author": author, "body": "hello"}
            ctx.db.insert("messages", doc)
        docs = ctx.db.query("messages").with_index("author").order("desc").collect()
        return [doc.get("author", "UNDEFINED") for doc in docs]

    expected = [
        {"a": 1},
        ["a"],
        bytes(8),
        "xFactor",
        "stringValue",
        True,
        False,
        35,
        34,
        Int64(34),
        None,
        "UNDEFINED",
    ]
    assert [typed(a) for a in t.run(body)] == [typed(e) for e in expected]


def test_order(t: Any) -> None:
    # Both in and out of transaction ordering.
    seed(t, "hello1")
    seed(t, "hello2")
    seed(t, "hello3", "hello4")
    messages = t.query(api.queries.last_n, {"count": 3})
    assert [m["body"] for m in messages] == ["hello2", "hello3", "hello4"]


def test_index_order(t: Any) -> None:
    def body(ctx: Any) -> None:
        ctx.db.insert("messages", {"author": "sarah", "body": "hello3"})
        ctx.db.insert("messages", {"author": "sarah", "body": "hello4"})
        messages = (
            ctx.db.query("messages")
            .with_index("author", lambda q: q.eq("author", "sarah"))
            .order("desc")
            .collect()
        )
        assert [m["body"] for m in messages] == ["hello4", "hello3"]

    t.run(body)


def test_normalize_id(t: Any) -> None:
    def body(ctx: Any) -> None:
        message_id = ctx.db.insert("messages", {"author": "sarah", "body": "hello"})
        assert ctx.db.normalize_id("messages", message_id) == message_id
        assert ctx.db.normalize_id("messages", "Not an ID") is None

    t.run(body)


def test_default_export(t: Any) -> None:
    seed(t, "hello1", "hello2")
    expected = [{"author": "sarah", "body": "hello1"}, {"author": "sarah", "body": "hello2"}]
    assert matches(t.query(api.queries.default), expected)
    # A bare module path names its `default` export.
    assert matches(t.query("queries"), expected)
