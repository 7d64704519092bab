"""Port of convex-test ``convex/actions.test.ts``."""

from __future__ import annotations

from typing import Any

from convex_test import api, internal
from tests.convex_test_parity.support import matches
from tests.fixtures.apps.parity_app.actions import action_calling_action_handler


def test_action_calling_query(t: Any) -> None:
    t.mutation(lambda ctx: ctx.db.insert("messages", {"body": "foo", "author": "test"}))
    result = t.action(internal.actions.action_calling_query)
    assert matches(result, [{"body": "foo", "author": "test"}])


def test_action_calling_mutation(t: Any) -> None:
    t.action(api.actions.action_calling_mutation, {"body": "heya"})
    assert matches(t.query(internal.actions.list), [{"body": "heya", "author": "AI"}])


def test_action_calling_action(t: Any) -> None:
    assert t.action(internal.actions.action_calling_action, {"count": 2})["called"] == 2


def test_action_calling_action_via_handler_helper(t: Any) -> None:
    result = t.action(lambda ctx: action_calling_action_handler(ctx, {"count": 2}))
    assert result["called"] == 2


def test_action_calling_mutations_concurrently(t: Any) -> None:
    # Each `run_mutation` of an action is its own transaction; here they run from worker
    # threads at the same time (JS: Promise.all), so their order is not fixed.
    t.action(
        api.actions.action_calling_mutations_concurrently,
        {"authors": ["A", "B", "C"], "body": "foo"},
    )
    result = t.query(internal.actions.list)
    assert sorted((m["author"], m["body"]) for m in result) == [
        ("A", "foo"),
        ("B", "foo"),
        ("C", "foo"),
    ]
