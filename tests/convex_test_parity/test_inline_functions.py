"""Port of convex-test ``convex/inlineFunctions.test.ts``."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexTestError, api
from tests.convex_test_parity.support import matches


def all_messages(ctx: Any) -> Any:
    return ctx.db.query("messages").collect()


def test_inline_query(t: Any) -> None:
    def seed(ctx: Any) -> None:
        ctx.db.insert("messages", {"author": "sarah", "body": "hello1"})
        ctx.db.insert("messages", {"author": "sarah", "body": "hello2"})

    t.run(seed)
    assert matches(
        t.query(all_messages),
        [{"author": "sarah", "body": "hello1"}, {"author": "sarah", "body": "hello2"}],
    )


def insert_hello(ctx: Any) -> Any:
    return ctx.db.insert("messages", {"author": "sarah", "body": "hello"})


def test_inline_mutation_insert(t: Any) -> None:
    message_id = t.mutation(insert_hello)
    assert isinstance(message_id, str)
    assert matches(t.query(all_messages), [{"author": "sarah", "body": "hello"}])


def test_inline_mutation_patch(t: Any) -> None:
    message_id = t.mutation(insert_hello)
    t.mutation(lambda ctx: ctx.db.patch(message_id, {"body": "updated"}))
    message = t.query(lambda ctx: ctx.db.get(message_id))
    assert matches(message, {"author": "sarah", "body": "updated"})


def test_inline_mutation_delete(t: Any) -> None:
    message_id = t.mutation(insert_hello)
    t.mutation(lambda ctx: ctx.db.delete(message_id))
    assert t.query(lambda ctx: ctx.db.get(message_id)) is None


def test_inline_query_is_read_only(t: Any) -> None:
    # Real Convex: a query's `db` is a reader without write methods.
    with pytest.raises(ConvexTestError):
        t.query(insert_hello)
    assert t.query(all_messages) == []


def test_inline_mutation_transaction_rollback(t: Any) -> None:
    def body(ctx: Any) -> None:
        insert_hello(ctx)
        raise RuntimeError("rollback")

    with pytest.raises(RuntimeError, match="rollback"):
        t.mutation(body)
    assert t.query(all_messages) == []


def test_inline_functions_with_identity(t: Any) -> None:
    auth_t = t.with_identity({"name": "Test User"})
    assert matches(auth_t.query(lambda ctx: ctx.auth.get_user_identity()), {"name": "Test User"})
    auth_t.mutation(insert_hello)
    messages = auth_t.query(all_messages)
    assert matches(messages, [{"author": "sarah", "body": "hello"}])
    # Both views share one backend.
    assert t.query(all_messages) == messages


def test_inline_query_returns_value(t: Any) -> None:
    t.run(insert_hello)
    assert t.query(lambda ctx: len(all_messages(ctx)) + 41) == 42


def test_inline_action_basic(t: Any) -> None:
    assert t.action(lambda ctx: "hello from action") == "hello from action"


def test_inline_action_with_return_value(t: Any) -> None:
    result = t.action(lambda ctx: {"count": 42, "message": "success"})
    assert result == {"count": 42, "message": "success"}


def test_inline_action_calling_function_reference_via_run_query(t: Any) -> None:
    t.run(insert_hello)
    result = t.action(lambda ctx: ctx.run_query(api.queries.list))
    assert matches(result, [{"author": "sarah", "body": "hello"}])


def test_inline_action_calling_function_reference_via_run_mutation(t: Any) -> None:
    t.action(
        lambda ctx: ctx.run_mutation(api.mutations.insert, {"author": "action", "body": "test"})
    )
    assert matches(t.query(all_messages), [{"author": "action", "body": "test"}])


def test_inline_action_with_identity(t: Any) -> None:
    identity = t.with_identity({"name": "Action User"}).action(
        lambda ctx: ctx.auth.get_user_identity()
    )
    assert matches(identity, {"name": "Action User"})


def test_inline_action_using_storage(t: Any) -> None:
    def body(ctx: Any) -> Any:
        storage_id = ctx.storage.store(b"hello")
        blob = ctx.storage.get(storage_id)
        return None if blob is None else bytes(blob).decode()

    assert t.action(body) == "hello"
