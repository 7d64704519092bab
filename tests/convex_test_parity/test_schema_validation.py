"""Port of convex-test ``convex/schemaValidation.test.ts``.

JS says "Validator error"; the backend's ``SchemaValidationError`` names the table and
what did not match (convex-semantics §6.4), which these tests check.
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import SchemaValidationError, convex_test, define_schema, define_table, v

PREFIX = (
    r'^Failed to insert or update a document in table "messages" because it does not match '
    r"the schema: "
)


def test_extra_fields(t: Any) -> None:
    with pytest.raises(
        SchemaValidationError, match=PREFIX + "Object contains extra field `extraField`"
    ):
        t.run(
            lambda ctx: ctx.db.insert(
                "messages", {"author": "sarah", "body": "hello1", "extraField": True}
            )
        )


def test_patch(t: Any) -> None:
    def body(ctx: Any) -> None:
        message_id = ctx.db.insert("messages", {"author": "sarah", "body": "hello"})
        ctx.db.patch(message_id, {"author": False})

    with pytest.raises(
        SchemaValidationError,
        match=PREFIX + r"Value does not match validator\.\nPath: \.author\nValue: false",
    ):
        t.run(body)
    assert t.run(lambda ctx: ctx.db.query("messages").collect()) == []


def test_replace(t: Any) -> None:
    def body(ctx: Any) -> None:
        message_id = ctx.db.insert("messages", {"author": "sarah", "body": "hello"})
        ctx.db.replace(message_id, {"author": None, "body": "hey"})

    with pytest.raises(SchemaValidationError, match=PREFIX + r"[\s\S]*Path: \.author\nValue: null"):
        t.run(body)


def test_arrays() -> None:
    t = convex_test(define_schema({"messages": define_table({"values": v.array(v.number())})}))
    with pytest.raises(
        SchemaValidationError, match=PREFIX + r'[\s\S]*Path: \.values\[0\]\nValue: "bad"'
    ):
        t.run(lambda ctx: ctx.db.insert("messages", {"values": ["bad"]}))


def test_ids() -> None:
    t = convex_test(
        define_schema({"messages": define_table({"author": v.optional(v.id("users"))})})
    )
    with pytest.raises(SchemaValidationError, match=PREFIX + r'[\s\S]*Value: "no bueno"'):
        t.run(lambda ctx: ctx.db.insert("messages", {"author": "no bueno"}))

    def wrong_table(ctx: Any) -> None:
        message_id = ctx.db.insert("messages", {})
        ctx.db.insert("messages", {"author": message_id})

    with pytest.raises(
        SchemaValidationError,
        match=PREFIX + r"Found ID \"[0-9a-z]+\" from table `messages`, which does not match",
    ):
        t.run(wrong_table)


def test_schema_validation_off() -> None:
    t = convex_test(
        define_schema({"messages": define_table({"author": v.string()})}, schema_validation=False)
    )
    t.run(lambda ctx: ctx.db.insert("messages", {"author": 3, "extraField": True}))
    docs = t.run(lambda ctx: ctx.db.query("messages").collect())
    assert [(d["author"], d["extraField"]) for d in docs] == [(3, True)]
