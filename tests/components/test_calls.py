"""Calling into components: references, kinds, visibility and the call matrix."""

from __future__ import annotations

import re
from typing import Any

import pytest

from convex_test import (
    ArgumentValidationError,
    ConvexTest,
    ConvexTestError,
    ReturnsValidationError,
    api,
    components,
    convex_test,
    internal,
    mutation,
)

from .conftest import APP, LEDGER


def test_action_calls_component_mutations_actions_and_queries(t: ConvexTest) -> None:
    # direct_call asserts count_many inside the action, then returns a count.
    assert t.action(internal.calls.direct_call) == 3
    assert t.query(components.tally.public.count, {"name": "pennies"}) == 250


def test_component_mutation_with_nested_query_keeps_its_namespace(t: ConvexTest) -> None:
    # After a nested query, ctx.db must still be the component's (JS regression).
    assert t.mutation(internal.calls.mutation_with_nested_query) == 3
    assert t.mutation(components.tally.public.mutation_with_nested_query) == 3
    assert t.query(components.tally.public.count, {"name": "beans"}) == 6


def test_query_calls_component_query(t: ConvexTest) -> None:
    t.mutation(components.tally.public.add, {"name": "a", "count": 1.5})
    assert t.query(internal.calls.count, {"name": "a"}) == 1.5


def test_api_inside_a_component_names_its_own_functions(t: ConvexTest) -> None:
    t.mutation(components.tally.public.add, {"name": "x", "count": 2})
    # count_many runs api.public.count; the app has no "public" module at all.
    assert t.action(components.tally.public.count_many, {"names": ["x"]}) == [2]
    with pytest.raises(ConvexTestError, match='Could not find function for "public:count"'):
        t.query(api.public.count, {"name": "x"})


def test_internal_inside_a_component_names_its_own_functions(t: ConvexTest) -> None:
    t.mutation(components.tally.public.add, {"name": "x", "count": 2})
    assert t.mutation(components.tally.public.reset_via_internal, {"name": "x"}) == 1
    assert t.query(components.tally.public.count, {"name": "x"}) == 0


def test_components_inside_a_component_names_its_children() -> None:
    t = convex_test(modules=APP)
    t.register_component("ledger", modules=LEDGER)
    assert t.mutation(components.ledger.book.record, {"name": "n", "delta": 2}) == 2
    assert t.query(components.ledger.book.total_via_api, {"name": "n"}) == 2
    entries = t.query(components.ledger.book.entries, {"name": "n"})
    assert [(e["name"], e["delta"]) for e in entries] == [("n", 2)]


def test_component_args_and_returns_are_validated(t: ConvexTest) -> None:
    with pytest.raises(ArgumentValidationError, match=r"Path: \.count"):
        t.mutation(components.tally.public.add, {"name": "x", "count": "1"})
    with pytest.raises(ArgumentValidationError):
        t.mutation(components.tally.public.add, {"name": "x", "count": 1, "extra": True})
    # Non-finite floats are numbers too (JS argumentsValidation test).
    t.mutation(components.tally.public.add, {"name": "inf", "count": float("inf")})
    assert t.query(components.tally.public.count, {"name": "inf"}) == float("inf")


def test_component_returns_are_validated_against_its_tables(t: ConvexTest) -> None:
    counter_id = t.mutation(components.tally.public.insert_counter, {"name": "c"})
    message_id = t.run(lambda ctx: ctx.db.insert("messages", {"body": "b"}))
    assert t.query(components.tally.public.echo_counter_id, {"id": counter_id}) == counter_id
    with pytest.raises(ReturnsValidationError, match=re.escape('Validator: v.id("counters")')):
        t.query(components.tally.public.echo_counter_id, {"id": message_id})


def test_wrong_kind_names_the_component_path(t: ConvexTest) -> None:
    with pytest.raises(
        ConvexTestError,
        match=r"^Trying to execute public:add as Query, but it is defined as Mutation\.$",
    ):
        t.query(components.tally.public.add, {"name": "x", "count": 1})


def test_unknown_component_function_suggests_names(t: ConvexTest) -> None:
    with pytest.raises(
        ConvexTestError, match=r'"public:cont" in component "tally"\..*Did you mean'
    ):
        t.query(components.tally.public.cont, {"name": "x"})


# ---------------------------------------------------------------- visibility


def test_app_code_cannot_call_a_components_internal_function(t: ConvexTest) -> None:
    t.mutation(components.tally.public.add, {"name": "x", "count": 1})
    with pytest.raises(
        ConvexTestError,
        match=r'^Could not find public function for "public:reset" in component "tally"',
    ):
        t.mutation(api.calls.call_internal, {"name": "x"})
    assert t.query(components.tally.public.count, {"name": "x"}) == 1


def test_a_parent_component_cannot_call_its_childs_internal_function() -> None:
    t = convex_test(modules=APP)
    t.register_component("ledger", modules=LEDGER)
    t.mutation(components.ledger.book.record, {"name": "x", "delta": 1})
    with pytest.raises(ConvexTestError, match='in component "ledger/tally"'):
        t.mutation(components.ledger.book.reset_child, {"name": "x"})
    # A function handle (explicit reference) may name an internal function.
    assert t.mutation(components.ledger.book.reset_child_by_handle, {"name": "x"}) == 1


def test_a_function_handle_may_call_an_internal_function(t: ConvexTest) -> None:
    t.mutation(components.tally.public.add, {"name": "x", "count": 1})
    assert t.mutation(api.calls.call_internal_by_handle, {"name": "x"}) == 1
    assert t.query(components.tally.public.count, {"name": "x"}) == 0


def test_tests_may_call_internal_component_functions(t: ConvexTest) -> None:
    t.mutation(components.tally.public.add, {"name": "x", "count": 1})
    assert t.mutation(components.tally.public.reset, {"name": "x"}) == 1
    assert t.mutation(internal.public.reset, {"name": "x"}, component="tally") == 0


def test_app_code_cannot_reach_a_grandchild_through_components() -> None:
    t = convex_test(modules=APP)
    t.register_component("ledger", modules=LEDGER)
    # From app code, components.ledger.tally.public.count names ledger's module
    # "tally/public" (which does not exist), never the grandchild component.
    with pytest.raises(
        ConvexTestError,
        match='Could not find function for "tally/public:count" in component "ledger"',
    ):
        t.query(api.calls.call_grandchild, {"name": "x"})


# ---------------------------------------------------------------- component= on t


def test_run_inside_a_component(t: ConvexTest) -> None:
    def seed(ctx: Any) -> str:
        doc_id: str = ctx.db.insert("counters", {"name": "seeded", "value": 7, "shard": 0})
        return doc_id

    doc_id = t.run(seed, component="tally")
    assert t.query(components.tally.public.count, {"name": "seeded"}) == 7
    assert t.query(lambda ctx: ctx.db.get(doc_id)["value"], component="tally") == 7
    # In the app, that table does not exist and the ID names no table.
    assert t.query(lambda ctx: ctx.db.get(doc_id)) is None


def test_path_strings_and_api_refs_with_component(t: ConvexTest) -> None:
    t.mutation("public:add", {"name": "p", "count": 1}, component="tally")
    t.mutation(api.public.add, {"name": "p", "count": 1}, component="tally")
    assert t.query("public:count", {"name": "p"}, component="tally") == 2
    assert t.action(api.public.count_action, {"name": "p"}, component="tally") == 2


def test_components_refs_are_relative_to_component_keyword() -> None:
    t = convex_test(modules=APP)
    t.register_component("ledger", modules=LEDGER)
    t.mutation(components.tally.public.add, {"name": "r", "count": 3}, component="ledger")
    assert t.query(components.ledger.tally.public.count, {"name": "r"}) == 3


def test_inline_action_in_a_component_calls_its_functions(t: ConvexTest) -> None:
    def inline(ctx: Any) -> Any:
        ctx.run_mutation(api.public.add, {"name": "i", "count": 2})
        return ctx.run_query(api.public.count, {"name": "i"})

    assert t.action(inline, component="tally") == 2


def test_unexported_function_object_runs_in_the_component(t: ConvexTest) -> None:
    @mutation
    def local(ctx: Any, args: dict[str, Any]) -> str:
        doc_id: str = ctx.db.insert("counters", {"name": "local", "value": 1, "shard": 0})
        return doc_id

    t.mutation(local, component="tally")
    assert t.query(components.tally.public.count, {"name": "local"}) == 1


def test_components_cannot_paginate(t: ConvexTest) -> None:
    opts = {"numItems": 10, "cursor": None}
    with pytest.raises(ConvexTestError, match=r"^paginate\(\) is only supported in the app"):
        t.query(components.tally.public.page, {"paginationOpts": opts})
    with pytest.raises(ConvexTestError, match=r"^paginate\(\) is only supported in the app"):
        t.query(api.calls.paginate_in_component)
    # The app itself may paginate.
    page = t.query(lambda ctx: ctx.db.query("messages").paginate(opts))
    assert page["page"] == []


def test_reference_scope() -> None:
    from convex_test.functions import FunctionReference, reference_scope

    assert reference_scope(api.a.b) == "api"
    assert reference_scope(internal.a.b) == "internal"
    assert reference_scope(components.c.a.b) == "components"
    assert reference_scope(FunctionReference("a:b", component="c")) == "explicit"
    assert reference_scope("a:b") is None
