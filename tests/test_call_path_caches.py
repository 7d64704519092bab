"""What the per-call fast paths cache stays invisible: references, resolution, ctx, pins.

Each test pins down a behaviour that a stale cache would break (a registration after a
call, a clock moved between calls, a ctx member used twice, ...).
"""

from __future__ import annotations

import pickle
import time
from pathlib import Path
from typing import Any

import pytest

from convex_test import ConvexTestError, api, convex_test, internal, mutation, query
from convex_test.errors import InvalidIdError
from convex_test.functions import FunctionReference
from convex_test.ids import IdGenerator, decode_id, encode_id

APP = Path(__file__).parent / "fixtures" / "apps" / "exec_app"


# --------------------------------------------------------------------------- references


def test_attribute_chains_hand_out_one_reference_per_name() -> None:
    ref = api.cache_mod.cache_fn
    assert api.cache_mod.cache_fn is ref
    assert ref == FunctionReference._chain("api", ("cache_mod", "cache_fn"))
    assert hash(ref) == hash(FunctionReference._chain("api", ("cache_mod", "cache_fn")))
    assert internal.cache_mod.cache_fn == ref  # api and internal name the same function
    assert repr(ref) == "api.cache_mod.cache_fn"
    assert pickle.loads(pickle.dumps(ref)) == ref


def test_cached_children_do_not_make_references_mutable() -> None:
    ref = api.cache_mod2
    _ = ref.fn
    with pytest.raises(AttributeError, match="immutable"):
        ref.fn = api.other
    with pytest.raises(AttributeError):
        _ = ref._not_a_chain
    with pytest.raises(AttributeError):
        _ = FunctionReference("messages:send").more


def test_a_str_subclass_name_extends_the_chain_like_its_text() -> None:
    class Name(str):
        pass

    ref = getattr(api.cache_mod3, Name("fn"))
    assert ref == api.cache_mod3.fn
    assert repr(ref) == "api.cache_mod3.fn"


# --------------------------------------------------------------------------- resolution


def test_a_function_object_registered_after_a_call_resolves_through_the_registry() -> None:
    @query(args={})
    def late(ctx: Any, args: dict[str, Any]) -> None:
        raise ValueError("boom")

    t = convex_test(modules=APP)
    with pytest.raises(ValueError) as before:
        t.query(late, {})
    assert "(raised in Convex function late)" in before.value.__notes__

    t.backend.namespace("").registry.register("extra:late", late)
    with pytest.raises(ValueError) as after:
        t.query(late, {})
    assert "(raised in Convex function extra:late)" in after.value.__notes__
    with pytest.raises(ValueError) as by_path:
        t.query("extra:late", {})
    assert "(raised in Convex function extra:late)" in by_path.value.__notes__


def test_a_failed_resolution_is_retried_after_registration() -> None:
    @mutation(args={})
    def added(ctx: Any, args: dict[str, Any]) -> str:
        return "ran"

    t = convex_test(modules=APP)
    with pytest.raises(ConvexTestError, match='Could not find function for "later:added"'):
        t.mutation("later:added", {})
    t.backend.namespace("").registry.register("later:added", added)
    assert t.mutation("later:added", {}) == "ran"
    assert t.mutation(api.later.added, {}) == "ran"


def test_wrong_kind_is_reported_on_every_call_with_a_cached_resolution() -> None:
    t = convex_test(modules=APP)
    for _ in range(2):
        with pytest.raises(ConvexTestError, match="as Query, but it is defined as Mutation"):
            t.query(api.items.add, {"name": "x"})


# --------------------------------------------------------------------------- ctx members


def test_lazy_ctx_members_are_built_once_per_execution() -> None:
    t = convex_test(modules=APP)
    seen: dict[str, Any] = {}

    def body(ctx: Any) -> None:
        seen["storage"] = ctx.storage
        seen["scheduler"] = ctx.scheduler
        seen["system"] = ctx.db.system
        assert ctx.storage is seen["storage"]
        assert ctx.scheduler is seen["scheduler"]
        assert ctx.db.system is seen["system"]

    t.run(body)
    t.run(lambda ctx: seen.update(other=ctx.storage))
    assert seen["other"] is not seen["storage"]


def test_missing_ctx_members_still_explain_themselves() -> None:
    t = convex_test(modules=APP)
    with pytest.raises(ConvexTestError, match=r"ctx\.scheduler is not available in a query"):
        t.query(lambda ctx: ctx.scheduler)
    with pytest.raises(ConvexTestError, match=r"ctx\.vector_search is not available in a mutation"):
        t.mutation(lambda ctx: ctx.vector_search)
    with pytest.raises(ConvexTestError, match=r"ctx\.db is not available in an action"):
        t.action(lambda ctx: ctx.db)
    assert t.action(lambda ctx: callable(ctx.vector_search) and ctx.storage is not None)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        t.query(lambda ctx: ctx.nope)


# --------------------------------------------------------------------------- clock pins


def test_each_call_sees_the_clock_as_it_is_then() -> None:
    t = convex_test(modules=APP, start_time=1_700_000_000_000)
    now = lambda ctx: time.time() * 1000  # noqa: E731
    first = t.query(now)
    assert first == pytest.approx(1_700_000_000_000, abs=1e-3)
    assert t.query(now) == first
    t.set_time(1_800_000_000_000)
    assert t.query(now) == pytest.approx(1_800_000_000_000, abs=1e-3)
    t.set_time(1_700_000_000_000)  # back to a time an earlier pin used
    assert t.query(now) == first
    t.advance_time(1.5)
    assert t.query(now) == pytest.approx(1_700_000_000_001.5, abs=1e-3)
    assert abs(time.time() - 1_700_000_000) > 3600  # outside calls, real time again


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize("bad", [True, 10001.0, 0, 2**32, "10001"])
def test_the_generator_checks_table_numbers_like_encode_id(bad: Any) -> None:
    encode_id(10001, bytes(16))  # a cached prefix for 10001 must not let 10001.0 pass
    IdGenerator().new_id(1)  # nor one for 1 let True pass
    with pytest.raises(InvalidIdError):
        IdGenerator().new_id(bad)


def test_generated_ids_decode_to_their_table_for_many_table_numbers() -> None:
    gen = IdGenerator(7)
    for number in (1, 127, 128, 10001, 16384, 2**21, 2**28, 2**32 - 1):
        for _ in range(3):
            text = gen.new_id(number)
            decoded = decode_id(text)
            assert decoded.table_number == number
            assert encode_id(*decoded) == text
