"""Port of convex-test ``convex/mutations.test.ts``."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from convex_test import UNDEFINED, InvalidIdError, api
from tests.convex_test_parity.support import matches


def insert(t: Any, body: str = "hello", author: str = "sarah") -> str:
    message_id: str = t.mutation(api.mutations.insert, {"body": body, "author": author})
    return message_id


def test_insert(t: Any) -> None:
    insert(t)
    assert matches(t.query(api.mutations.list), [{"body": "hello", "author": "sarah"}])


def test_patch(t: Any) -> None:
    message_id = insert(t)
    t.mutation(api.mutations.patch, {"id": message_id, "body": "hi"})
    assert matches(t.query(api.mutations.list), [{"body": "hi", "author": "sarah"}])


def test_replace(t: Any) -> None:
    message_id = insert(t)
    t.mutation(api.mutations.replace, {"id": message_id, "author": "michal", "body": "hi"})
    assert matches(t.query(api.mutations.list), [{"body": "hi", "author": "michal"}])


def test_delete(t: Any) -> None:
    message_id = insert(t)
    t.mutation(api.mutations.delete_doc, {"id": message_id})
    assert t.query(api.mutations.list) == []


def test_transaction(t: Any) -> None:
    with pytest.raises(RuntimeError, match="I changed my mind"):
        t.mutation(api.mutations.throws, {"body": "hello", "author": "sarah"})
    assert t.query(api.mutations.list) == []


def test_patch_with_id(t: Any) -> None:
    message_id = insert(t)
    # `_id` may appear in a patch with its current value.
    t.run(lambda ctx: ctx.db.patch(message_id, {"_id": message_id}))
    # Real backend: a different `_id` is an InvalidIdError (JS: "does not match the
    # document ID").
    with pytest.raises(InvalidIdError, match="doesn't match '_id' field"):
        t.run(lambda ctx: ctx.db.patch(message_id, {"_id": "nonsense"}))


def test_patch_after_insert(t: Any) -> None:
    def body(ctx: Any) -> Any:
        message_id = ctx.db.insert("messages", {"body": "hello", "author": "sarah"})
        ctx.db.patch(message_id, {"body": "hi"})
        return ctx.db.query("messages").collect()

    assert matches(t.run(body), [{"body": "hi", "author": "sarah"}])


def test_patch_undefined(t: Any) -> None:
    def body(ctx: Any) -> Any:
        message_id = ctx.db.insert(
            "messages", {"body": "hello", "author": "sarah", "embedding": [1, 1, 1]}
        )
        ctx.db.patch(message_id, {"body": "hi", "embedding": UNDEFINED})
        return ctx.db.query("messages").collect()

    messages = t.run(body)
    assert len(messages) == 1
    assert messages[0]["body"] == "hi"
    assert messages[0]["author"] == "sarah"
    assert "embedding" not in messages[0]


def test_replace_after_insert(t: Any) -> None:
    def body(ctx: Any) -> Any:
        message_id = ctx.db.insert("messages", {"body": "hello", "author": "sarah"})
        ctx.db.replace(message_id, {"author": "michal", "body": "hi"})
        return ctx.db.query("messages").collect()

    assert matches(t.run(body), [{"body": "hi", "author": "michal"}])


def test_concurrent_append(t: Any) -> None:
    # Promise.all of ten mutations: here ten threads call `t` at once.  Mutations are
    # serializable, so no append is lost (a lost update would leave e.g. "hello!!").
    message_id = insert(t, author="lee")

    def append_slowly(ctx: Any) -> None:
        # `append`, yielding between its read and its write so the threads overlap.
        message = ctx.db.get(message_id)
        time.sleep(0.001)
        ctx.db.patch(message_id, {"body": message["body"] + "?"})

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [
            pool.submit(t.mutation, api.mutations.append, {"id": message_id, "suffix": "!"})
            for _ in range(10)
        ] + [pool.submit(t.mutation, append_slowly) for _ in range(10)]
        for future in futures:
            future.result()
    body = t.query(api.mutations.list)[0]["body"]
    assert sorted(body) == sorted("hello" + "!" * 10 + "?" * 10)


def test_delete_is_visible_in_transaction(t: Any) -> None:
    message_id = t.run(lambda ctx: ctx.db.insert("messages", {"body": "hello", "author": "sarah"}))

    def body(ctx: Any) -> None:
        ctx.db.delete(message_id)
        assert ctx.db.get(message_id) is None
        assert ctx.db.query("messages").first() is None

    t.run(body)


def test_rollback_subtransaction(t: Any) -> None:
    assert t.mutation(api.mutations.rolled_back_subtransaction, {}) == 2


def test_subtransaction_commit_then_rollback_parent(t: Any) -> None:
    with pytest.raises(RuntimeError, match="I changed my mind"):
        t.mutation(api.mutations.subtransaction_commit_then_rollback_parent, {})
    assert t.query(api.mutations.list) == []


def test_insert_then_patch_in_subtransaction(t: Any) -> None:
    # Regression test (JS): writes are merged in the correct order.
    assert t.mutation(api.mutations.insert_then_patch_in_subtransaction, {}) == ["hi"]


def test_insert_then_delete_in_subtransaction(t: Any) -> None:
    assert t.mutation(api.mutations.insert_then_delete_in_subtransaction, {}) == []
