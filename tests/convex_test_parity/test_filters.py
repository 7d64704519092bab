"""Port of convex-test ``convex/filters.test.ts``."""

from __future__ import annotations

from typing import Any

from convex_test import UNDEFINED, convex_test, define_schema, define_table, v
from tests.convex_test_parity.support import matches


def alice_and_bob(ctx: Any) -> None:
    ctx.db.insert("messages", {"body": "hi", "author": "Alice"})
    ctx.db.insert("messages", {"body": "hello", "author": "Bob"})


def test_by_undefined() -> None:
    schema = define_schema(
        {"things": define_table({"field": v.optional(v.string())}).index("field", ["field"])}
    )
    t = convex_test(schema)

    def body(ctx: Any) -> Any:
        ctx.db.insert("things", {})
        ctx.db.insert("things", {"field": "some"})
        return ctx.db.query("things").filter(lambda q: q.eq(q.field("field"), UNDEFINED)).collect()

    things = t.run(body)
    assert len(things) == 1 and "field" not in things[0]


def test_and_operator(t: Any) -> None:
    def body(ctx: Any) -> Any:
        alice_and_bob(ctx)
        return (
            ctx.db.query("messages")
            .filter(lambda q: q.and_(q.eq(q.field("body"), "hi"), q.eq(q.field("author"), "Alice")))
            .collect()
        )

    assert matches(t.run(body), [{"body": "hi", "author": "Alice"}])


def test_or_operator(t: Any) -> None:
    def body(ctx: Any) -> Any:
        alice_and_bob(ctx)
        return (
            ctx.db.query("messages")
            .filter(lambda q: q.or_(q.eq(q.field("body"), "hi"), q.eq(q.field("body"), "hello")))
            .collect()
        )

    assert matches(
        t.run(body), [{"body": "hi", "author": "Alice"}, {"body": "hello", "author": "Bob"}]
    )


def test_neq_operator(t: Any) -> None:
    def body(ctx: Any) -> Any:
        alice_and_bob(ctx)
        return ctx.db.query("messages").filter(lambda q: q.neq(q.field("body"), "hi")).collect()

    assert matches(t.run(body), [{"body": "hello", "author": "Bob"}])


def test_math_operators(t: Any) -> None:
    def body(ctx: Any) -> Any:
        ctx.db.insert("messages", {"body": "hi", "author": "Alice", "score": 42})
        ctx.db.insert("messages", {"body": "hello", "author": "Bob", "score": 10})
        return (
            ctx.db.query("messages")
            .filter(
                lambda q: q.and_(
                    q.gt(q.field("score"), 41),
                    q.gte(q.field("score"), 42),
                    q.lt(q.add(q.field("score"), -2), 41),
                    q.lte(q.sub(q.field("score"), 2), 40),
                    q.eq(q.mul(q.div(q.field("score"), 6), 2), 14),
                    q.eq(q.mod(q.field("score"), 2), 0),
                )
            )
            .collect()
        )

    assert matches(t.run(body), [{"body": "hi", "author": "Alice", "score": 42}])


def test_nested_field() -> None:
    schema = define_schema(
        {
            "things": define_table({"field": v.optional(v.object({"nested": v.string()}))}).index(
                "fieldNested", ["field.nested"]
            )
        }
    )
    t = convex_test(schema)

    def body(ctx: Any) -> None:
        ctx.db.insert("things", {})
        ctx.db.insert("things", {"field": {"nested": "some"}})
        things = (
            ctx.db.query("things").filter(lambda q: q.eq(q.field("field.nested"), "some")).collect()
        )
        assert matches(things, [{"field": {"nested": "some"}}])
        by_index = (
            ctx.db.query("things")
            .with_index("fieldNested", lambda q: q.eq("field.nested", "some"))
            .collect()
        )
        assert matches(by_index, [{"field": {"nested": "some"}}])

    t.run(body)
