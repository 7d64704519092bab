"""Port of convex-test ``convex/convexError.test.ts``: ``ConvexError.data`` round trips."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexError, api


def caught_in_action(t: Any, call: Any) -> BaseException | None:
    caught: list[BaseException] = []

    def body(ctx: Any) -> None:
        try:
            call(ctx)
        except ConvexError as error:
            caught.append(error)

    t.action(body)
    return caught[0] if caught else None


def test_data_from_run_mutation_in_action(t: Any) -> None:
    error = caught_in_action(t, lambda ctx: ctx.run_mutation(api.convex_error.throws_object, {}))
    assert isinstance(error, ConvexError)
    assert error.data == {"kind": "x"}


def test_data_from_run_query_in_action(t: Any) -> None:
    error = caught_in_action(t, lambda ctx: ctx.run_query(api.convex_error.query_throws_object, {}))
    assert isinstance(error, ConvexError)
    assert error.data == {"kind": "q"}


def test_data_from_run_action_in_action(t: Any) -> None:
    error = caught_in_action(
        t, lambda ctx: ctx.run_action(api.convex_error.action_throws_object, {})
    )
    assert isinstance(error, ConvexError)
    assert error.data == {"kind": "a"}


def test_data_at_the_test_boundary(t: Any) -> None:
    with pytest.raises(ConvexError) as info:
        t.mutation(api.convex_error.throws_object, {})
    assert info.value.data == {"kind": "x"}


def test_data_from_run_mutation_inside_a_mutation(t: Any) -> None:
    assert t.mutation(api.convex_error.mutation_catching_convex_error, {}) == {"kind": "x"}


def test_primitive_data_round_trips(t: Any) -> None:
    with pytest.raises(ConvexError) as info:
        t.mutation(api.convex_error.throws_string, {})
    assert info.value.data == "just a message"
    assert str(info.value).startswith("just a message")


def raiser(kind: str) -> Any:
    def handler(ctx: Any) -> None:
        raise ConvexError({"kind": kind})

    return handler


@pytest.mark.parametrize("method", ["query", "mutation", "action", "run"])
def test_data_from_inline_handlers(t: Any, method: str) -> None:
    kind = f"inline-{method}"
    with pytest.raises(ConvexError) as info:
        getattr(t, method)(raiser(kind))
    assert info.value.data == {"kind": kind}
