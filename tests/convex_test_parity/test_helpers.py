"""Port of convex-test ``convex/helpers.test.ts``: plain ctx helpers in inline functions."""

from __future__ import annotations

from typing import Any

from tests.convex_test_parity.support import matches
from tests.fixtures.apps.parity_app.helpers import (
    count_messages,
    get_message_bodies,
    get_messages_by_author,
    insert_message,
    insert_messages,
)


def test_query_helper_get_messages_by_author(t: Any) -> None:
    def seed(ctx: Any) -> None:
        ctx.db.insert("messages", {"author": "alice", "body": "hello"})
        ctx.db.insert("messages", {"author": "bob", "body": "world"})
        ctx.db.insert("messages", {"author": "alice", "body": "goodbye"})

    t.mutation(seed)
    alice = t.query(lambda ctx: get_messages_by_author(ctx, "alice"))
    assert matches(
        alice, [{"author": "alice", "body": "hello"}, {"author": "alice", "body": "goodbye"}]
    )
    bob = t.query(lambda ctx: get_messages_by_author(ctx, "bob"))
    assert matches(bob, [{"author": "bob", "body": "world"}])


def test_query_helper_count_messages(t: Any) -> None:
    assert t.query(count_messages) == 0
    t.mutation(
        lambda ctx: insert_messages(
            ctx,
            [
                {"author": "alice", "body": "one"},
                {"author": "bob", "body": "two"},
                {"author": "charlie", "body": "three"},
            ],
        )
    )
    assert t.query(count_messages) == 3


def test_query_helper_get_message_bodies_helper_calling_helper(t: Any) -> None:
    def seed(ctx: Any) -> None:
        insert_message(ctx, "alice", "first")
        insert_message(ctx, "alice", "second")
        insert_message(ctx, "bob", "other")

    t.mutation(seed)
    assert t.query(lambda ctx: get_message_bodies(ctx, "alice")) == ["first", "second"]


def test_mutation_helper_insert_message(t: Any) -> None:
    message_id = t.mutation(lambda ctx: insert_message(ctx, "alice", "hello"))
    assert isinstance(message_id, str)
    messages = t.query(lambda ctx: get_messages_by_author(ctx, "alice"))
    assert matches(messages, [{"author": "alice", "body": "hello", "_id": message_id}])


def test_mutation_helper_insert_messages(t: Any) -> None:
    ids = t.mutation(
        lambda ctx: insert_messages(
            ctx,
            [
                {"author": "alice", "body": "one"},
                {"author": "alice", "body": "two"},
                {"author": "bob", "body": "three"},
            ],
        )
    )
    assert len(ids) == 3
    assert t.query(count_messages) == 3
    assert t.query(lambda ctx: get_message_bodies(ctx, "alice")) == ["one", "two"]


def test_mixing_helpers_with_inline_logic(t: Any) -> None:
    def seed(ctx: Any) -> None:
        insert_message(ctx, "alice", "hello")
        ctx.db.insert("messages", {"author": "alice", "body": "world"})

    t.mutation(seed)
    result = t.query(lambda ctx: [m["body"].upper() for m in get_messages_by_author(ctx, "alice")])
    assert result == ["HELLO", "WORLD"]


def test_helpers_with_identity(t: Any) -> None:
    auth_t = t.with_identity({"name": "Test User"})
    auth_t.mutation(
        lambda ctx: insert_message(
            ctx, ctx.auth.get_user_identity()["name"], "authenticated message"
        )
    )
    messages = auth_t.query(lambda ctx: get_messages_by_author(ctx, "Test User"))
    assert matches(messages, [{"author": "Test User", "body": "authenticated message"}])
