"""Component calls and transactions: atomic with the caller, sub-transactions on error."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from convex_test import ConvexError, ConvexTest, ConvexTestError, api, components, convex_test

from .conftest import APP, LEDGER

tally = components.tally.public


def _messages(t: ConvexTest) -> list[str]:
    docs = t.query(lambda ctx: ctx.db.query("messages").collect())
    return [d["body"] for d in docs]


def _notes(t: ConvexTest) -> list[str]:
    return [d["text"] for d in t.query(lambda ctx: ctx.db.query("notes").collect())]


def test_component_writes_commit_with_the_calling_mutation(t: ConvexTest) -> None:
    t.mutation(api.calls.write_both, {"body": "hello", "name": "sent"})
    assert _messages(t) == ["hello"]
    assert t.query(tally.count, {"name": "sent"}) == 1


def test_caller_failure_rolls_back_the_components_writes(t: ConvexTest) -> None:
    with pytest.raises(ConvexError, match="app failed"):
        t.mutation(api.calls.write_both_then_fail, {"body": "lost", "name": "sent"})
    assert _messages(t) == []
    assert t.query(tally.count, {"name": "sent"}) == 0
    assert t.query(tally.collect, {"table": "counters"}) == []


def test_component_failure_rolls_back_only_its_own_writes(t: ConvexTest) -> None:
    caught = t.mutation(api.calls.catch_component_failure, {"name": "n"})
    # The ConvexError data crossed the boundary intact.
    assert caught == {"code": "TALLY_FAILED", "name": "n"}
    # +1 before, the failed +100 rolled back, +10 after.
    assert t.query(tally.count, {"name": "n"}) == 11
    assert _notes(t) == ["before", "after"]


def test_uncaught_component_failure_fails_the_caller(t: ConvexTest) -> None:
    def caller(ctx: Any) -> None:
        ctx.db.insert("notes", {"text": "x"})
        ctx.run_mutation(tally.add, {"name": "u", "count": 1})
        ctx.run_mutation(tally.add_then_fail, {"name": "u", "count": 1})

    with pytest.raises(ConvexError) as info:
        t.run(caller)
    assert info.value.data == {"code": "TALLY_FAILED", "name": "u"}
    assert _notes(t) == []
    assert t.query(tally.count, {"name": "u"}) == 0


def test_direct_component_mutation_failure_leaves_nothing(t: ConvexTest) -> None:
    with pytest.raises(ConvexError):
        t.mutation(tally.add_then_fail, {"name": "d", "count": 5})
    assert t.query(tally.count, {"name": "d"}) == 0


def test_actions_run_each_component_call_in_its_own_transaction(t: ConvexTest) -> None:
    with pytest.raises(ConvexError, match="TALLY_FAILED"):
        t.action(api.calls.action_then_fail, {"name": "a"})
    # The first mutation committed on its own; the failing one left nothing.
    assert t.query(tally.count, {"name": "a"}) == 5


def test_reads_see_pending_writes_across_the_boundary(t: ConvexTest) -> None:
    def caller(ctx: Any) -> list[float]:
        seen = [ctx.run_query(tally.count, {"name": "p"})]
        ctx.run_mutation(tally.add, {"name": "p", "count": 2})
        seen.append(ctx.run_query(tally.count, {"name": "p"}))
        return seen

    assert t.run(caller) == [0, 2]


def test_query_calling_a_component_cannot_write(t: ConvexTest) -> None:
    with pytest.raises(
        ConvexTestError, match=r"^Cannot call a mutation function from a query function"
    ):
        t.query(lambda ctx: ctx.run_mutation(tally.add, {"name": "q", "count": 1}))


def test_grandchild_writes_follow_the_same_rules() -> None:
    t = convex_test(modules=APP)
    t.register_component("ledger", modules=LEDGER)
    with pytest.raises(ConvexError, match="ledger failed"):
        t.mutation(components.ledger.book.record_then_fail, {"name": "g"})
    assert t.query(components.ledger.book.entries, {"name": "g"}) == []
    assert t.query(components.ledger.tally.public.count, {"name": "g"}) == 0

    def caller(ctx: Any) -> None:
        with contextlib.suppress(ConvexError):
            ctx.run_mutation(components.ledger.book.record_then_fail, {"name": "g"})
        ctx.run_mutation(components.ledger.book.record, {"name": "g", "delta": 3})

    t.run(caller)
    assert [e["delta"] for e in t.query(components.ledger.book.entries, {"name": "g"})] == [3]
    assert t.query(components.ledger.tally.public.count, {"name": "g"}) == 3
