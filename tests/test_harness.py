"""The runner and `t`: kinds, call matrix, transactions, validation, async, identity."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from convex_test import (
    ArgumentValidationError,
    ConvexError,
    ConvexTestError,
    Int64,
    ReturnsValidationError,
    SchemaValidationError,
    api,
    convex_test,
    internal,
    mutation,
    query,
    v,
)

APP = Path(__file__).parent / "fixtures" / "apps" / "exec_app"


@pytest.fixture
def t() -> Any:
    return convex_test(modules=APP)


def names(t: Any) -> list[str]:
    result: list[str] = t.query(api.items.all_names)
    return result


# --------------------------------------------------------------------------- references


def test_every_way_of_naming_a_function(t: Any) -> None:
    from tests.fixtures.apps.exec_app import items

    t.mutation(items.add, {"name": "by object"})
    assert items.add is t.backend.namespaces[""].loaded.modules["items"].add
    t.mutation(api.items.add, {"name": "by ref"})
    t.mutation("items:add", {"name": "by path"})
    assert t.query(internal.items.count) == 3
    assert t.query("items:count") == 3


def test_function_object_reached_by_import_is_the_registered_one(t: Any) -> None:
    module = t.backend.namespaces[""].loaded.modules["items"]
    t.mutation(module.add, {"name": "via object"})
    assert names(t) == ["via object"]


def test_wrong_kind_uses_convex_wording(t: Any) -> None:
    with pytest.raises(
        ConvexTestError,
        match=r"^Trying to execute items:add as Query, but it is defined as Mutation\.$",
    ):
        t.query(api.items.add, {"name": "x"})
    with pytest.raises(ConvexTestError, match="as Action, but it is defined as Query"):
        t.action("items:find", {"name": "x"})


def test_unknown_function_suggests_the_closest(t: Any) -> None:
    with pytest.raises(ConvexTestError, match="Did you mean `items:add`"):
        t.mutation("items:ad", {"name": "x"})


def test_not_a_function(t: Any) -> None:
    with pytest.raises(ConvexTestError, match="Expected a function reference"):
        t.query(42)


# --------------------------------------------------------------------------- validation


def test_args_are_validated_with_convex_messages(t: Any) -> None:
    with pytest.raises(ArgumentValidationError) as info:
        t.mutation(api.items.add, {"name": 5.0})
    assert str(info.value) == (
        "Value does not match validator.\nPath: .name\nValue: 5.0\nValidator: v.string()"
    )
    with pytest.raises(ArgumentValidationError, match="extra field `extra`"):
        t.mutation(api.items.add, {"name": "x", "extra": 1})
    with pytest.raises(ArgumentValidationError, match="missing the required field `name`"):
        t.mutation(api.items.add, {})
    assert names(t) == []


def test_args_must_be_an_object(t: Any) -> None:
    with pytest.raises(ArgumentValidationError, match="Expected to receive an object"):
        t.mutation(api.items.add, ["not", "an", "object"])


def test_int_args_become_int64_under_v_int64(t: Any) -> None:
    t.mutation(api.items.add, {"name": "n", "count": 3})
    doc = t.query(api.items.find, {"name": "n"})
    assert isinstance(doc["count"], Int64)
    assert t.mutation(internal.items.bump, {"n": 41}) == Int64(42)


def test_returns_is_validated_before_commit(t: Any) -> None:
    with pytest.raises(ReturnsValidationError, match=r"Validator: v\.string\(\)"):
        t.mutation(api.items.bad_return, {"name": "ghost"})
    assert names(t) == []


def test_returning_a_query_is_explained(t: Any) -> None:
    with pytest.raises(ConvexTestError, match=r"Return value is a Query"):
        t.mutation(api.items.forgot_collect)


# --------------------------------------------------------------------------- transactions


def test_failed_mutation_leaves_no_trace(t: Any) -> None:
    with pytest.raises(ConvexError) as info:
        t.mutation(api.items.add_then_fail, {"name": "x"})
    assert info.value.data == {"reason": "nope", "name": "x"}
    with pytest.raises(ValueError, match="crash after insert") as crash:
        t.mutation(api.items.add_then_crash, {"name": "y"})
    assert any("items:add_then_crash" in note for note in crash.value.__notes__)
    assert names(t) == []


def test_nested_mutation_rolls_back_alone(t: Any) -> None:
    assert t.mutation(api.items.nested_rollback) == ["outer"]
    assert names(t) == ["outer"]


def test_nested_calls_share_the_transaction(t: Any) -> None:
    assert t.mutation(api.items.nested_sees_writes) == 2


def test_action_run_mutations_commit_independently(t: Any) -> None:
    with pytest.raises(ConvexError, match="action failed after writes"):
        t.action(api.items.add_many_then_fail, {"names": ["a", "b"]})
    assert names(t) == ["a", "b"]


def test_schema_is_enforced_on_writes(t: Any) -> None:
    with pytest.raises(SchemaValidationError, match='table "items" because it does not match'):
        t.run(lambda ctx: ctx.db.insert("items", {"name": 1.0}))
    with pytest.raises(SchemaValidationError):
        t.run(lambda ctx: ctx.db.insert("not_in_schema", {"a": 1.0}))


# --------------------------------------------------------------------------- call matrix


@pytest.mark.parametrize(
    ("ref", "kind", "message"),
    [
        (
            api.items.query_calls_mutation,
            "query",
            "Cannot call a mutation function from a query function",
        ),
        (
            api.items.mutation_calls_action,
            "mutation",
            "Cannot call a action function from a mutation function",
        ),
        (api.items.query_schedules, "query", "ctx.scheduler is not available in a query function"),
        (api.items.action_uses_db, "action", "ctx.db is not available in an action function"),
        (api.items.query_writes, "query", "insert"),
    ],
)
def test_what_a_kind_lacks_is_a_clear_error(t: Any, ref: Any, kind: str, message: str) -> None:
    run = {"query": t.query, "mutation": t.mutation, "action": t.action}[kind]
    with pytest.raises(ConvexTestError, match=message):
        run(ref)
    assert names(t) == []


def test_depth_limit(t: Any) -> None:
    assert t.action(api.items.recurse, {"depth": 7}) == 7
    with pytest.raises(ConvexTestError, match="depth limit"):
        t.action(api.items.recurse, {"depth": 9})


# --------------------------------------------------------------------------- inline handlers


def test_inline_handlers_get_the_right_ctx(t: Any) -> None:
    item = t.run(lambda ctx: ctx.db.insert("items", {"name": "seed"}))
    assert t.query(lambda ctx: ctx.db.get(item))["name"] == "seed"
    assert t.mutation(lambda ctx: ctx.db.patch(item, {"name": "renamed"})) is None
    assert t.action(lambda ctx: ctx.run_query(api.items.all_names, {})) == ["renamed"]
    with pytest.raises(ConvexTestError):
        t.query(lambda ctx: ctx.db.insert("items", {"name": "nope"}))


def test_unregistered_decorated_function_runs_directly(t: Any) -> None:
    @query(args={"x": v.float64()})
    def double(ctx: Any, args: dict[str, Any]) -> float:
        return float(args["x"] * 2)

    @mutation
    def seed(ctx: Any) -> str:
        return str(ctx.db.insert("items", {"name": "direct"}))

    assert t.query(double, {"x": 2}) == 4.0
    with pytest.raises(ArgumentValidationError):
        t.query(double, {"x": "2"})
    t.mutation(seed)
    assert names(t) == ["direct"]


# --------------------------------------------------------------------------- values at the boundary


def test_args_and_results_are_copies(t: Any) -> None:
    args = {"value": {"nested": [1.0, 2.0]}}
    result = t.action(api.items.echo_action, args)
    assert result == args["value"]
    result["nested"].append(3.0)
    assert args["value"]["nested"] == [1.0, 2.0]


def test_convex_error_data_is_copied(t: Any) -> None:
    payload = {"list": [1.0]}
    with pytest.raises(ConvexError) as info:
        t.mutation(api.items.raise_data, {"data": payload})
    info.value.data["list"].append(2.0)
    assert payload == {"list": [1.0]}


# --------------------------------------------------------------------------- async


def test_async_handlers_from_sync_tests(t: Any) -> None:
    t.mutation(api.items.add, {"name": "a"})
    assert t.action(api.items.async_double, {"value": 2}) == 5.0


def test_async_handlers_from_async_tests(t: Any) -> None:
    async def main() -> float:
        t.mutation(api.items.add, {"name": "a"})
        result: float = t.action(api.items.async_double, {"value": 1})
        return result

    assert asyncio.run(main()) == 3.0


# --------------------------------------------------------------------------- identity and time


def test_identity_reaches_nested_calls(t: Any) -> None:
    assert t.query(api.items.whoami) is None
    ada = t.with_identity(name="Ada")
    identity = ada.action(api.items.whoami_nested)
    assert identity["name"] == "Ada"
    assert identity["issuer"] == "https://convex.test"
    assert identity["tokenIdentifier"] == f"https://convex.test|{identity['subject']}"
    # The view shares the backend.
    ada.mutation(api.items.add, {"name": "shared"})
    assert names(t) == ["shared"]


def test_time_is_frozen_inside_a_mutation(t: Any) -> None:
    first, last = t.mutation(api.items.slow_clock)
    assert first == last
    assert first * 1000 == pytest.approx(t.now_ms())


def test_creation_times_strictly_increase(t: Any) -> None:
    def seed(ctx: Any) -> list[float]:
        ids = [ctx.db.insert("logs", {"text": str(i)}) for i in range(50)]
        return [ctx.db.get(i)["_creationTime"] for i in ids]

    times = t.run(seed) + t.run(seed)
    assert times == sorted(times)
    assert len(set(times)) == len(times)


def test_backends_are_isolated() -> None:
    one = convex_test(modules=APP)
    two = convex_test(modules=APP)
    first = one.mutation(api.items.add, {"name": "only in one"})
    assert two.query(api.items.all_names) == []
    # Same history -> same IDs, whatever the clock or process.
    assert two.mutation(api.items.add, {"name": "only in two"}) == first


def test_without_modules_only_inline_functions() -> None:
    t = convex_test()
    item = t.run(lambda ctx: ctx.db.insert("anything", {"x": 1.0}))
    assert t.query(lambda ctx: ctx.db.get(item))["x"] == 1.0
    with pytest.raises(ConvexTestError):
        t.query("items:all_names")


def test_pinned_time_is_released_after_calls(t: Any) -> None:
    t.query(api.items.all_names)
    before = time.time()
    time.sleep(0.002)
    assert time.time() > before


def test_t_run_seeds_past_the_transaction_limits(t: Any) -> None:
    def seed(ctx: Any) -> None:
        for i in range(16_001):
            ctx.db.insert("logs", {"text": str(i)})

    t.run(seed)
    assert t.run(lambda ctx: len(ctx.db.query("logs").take(20_000))) == 16_001


def test_mutations_keep_the_write_limit(t: Any) -> None:
    @mutation
    def too_many(ctx: Any) -> None:
        for i in range(16_001):
            ctx.db.insert("logs", {"text": str(i)})

    with pytest.raises(
        ConvexTestError, match=r"Too many writes in a single function execution \(limit: 16000\)"
    ):
        t.mutation(too_many)
    assert t.run(lambda ctx: ctx.db.query("logs").first()) is None
