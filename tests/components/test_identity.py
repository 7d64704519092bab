"""Identity never crosses into a component; a test calling one directly passes it."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexTest, api, components, convex_test

from .conftest import APP, LEDGER

tally = components.tally.public


@pytest.fixture
def sarah(t: ConvexTest) -> ConvexTest:
    return t.with_identity(name="Sarah")


def test_not_from_a_query(sarah: ConvexTest) -> None:
    assert sarah.query(api.calls.component_identity_from_query) == {
        "app": "Sarah",
        "component": None,
    }


def test_not_from_a_mutation(sarah: ConvexTest) -> None:
    assert sarah.mutation(api.calls.component_identity_from_mutation) is None


def test_not_from_an_action_to_a_query_or_action(sarah: ConvexTest) -> None:
    # query, action, and an action that runs a query inside the component.
    assert sarah.action(api.calls.component_identity_from_action) == [None, None, None]


def test_not_from_an_inline_function(sarah: ConvexTest) -> None:
    def inline(ctx: Any) -> Any:
        return ctx.run_query(tally.identity_name, {})

    assert sarah.query(inline) is None
    assert sarah.run(inline) is None


def test_direct_calls_from_the_test_pass_it(sarah: ConvexTest) -> None:
    assert sarah.query(tally.identity_name) == "Sarah"
    assert sarah.action(tally.identity_name_action) == "Sarah"
    # Inside the component, the identity reaches its own nested calls.
    assert sarah.action(tally.identity_name_via_query) == "Sarah"
    assert sarah.query("public:identity_name", component="tally") == "Sarah"


def test_without_identity_a_direct_call_sees_none(t: ConvexTest) -> None:
    assert t.query(tally.identity_name) is None


def test_not_from_a_component_to_its_child() -> None:
    t = convex_test(modules=APP)
    t.register_component("ledger", modules=LEDGER)
    as_ada = t.with_identity(name="Ada")
    assert as_ada.query(components.ledger.book.identities) == {"ledger": "Ada", "tally": None}
    assert as_ada.query(components.ledger.tally.public.identity_name) == "Ada"


def test_inline_component_run_passes_it(sarah: ConvexTest) -> None:
    def inline(ctx: Any) -> Any:
        identity = ctx.auth.get_user_identity()
        return identity["name"], ctx.run_query(api.public.identity_name, {})

    assert sarah.run(inline, component="tally") == ["Sarah", "Sarah"]
