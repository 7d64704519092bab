"""The counter component's own tests: mounted as a component on an empty app."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from convex_test import ArgumentValidationError, ConvexTest, components, convex_test

COUNTER = Path(__file__).resolve().parents[1]
counter = components.counter.lib


@pytest.fixture
def t() -> ConvexTest:
    tester = convex_test()
    tester.register_component("counter", modules=COUNTER)
    return tester


def test_counts_start_at_zero(t: ConvexTest) -> None:
    assert t.query(counter.count, {"name": "visits"}) == 0
    assert t.query(counter.by_shard, {"name": "visits"}) == {}


def test_add_defaults_to_one(t: ConvexTest) -> None:
    t.mutation(counter.add, {"name": "visits"})
    t.mutation(counter.add, {"name": "visits", "count": 4})
    assert t.query(counter.count, {"name": "visits"}) == 5


def test_counters_are_independent(t: ConvexTest) -> None:
    t.mutation(counter.add, {"name": "a", "count": 2})
    t.mutation(counter.add, {"name": "b", "count": 3})
    assert t.query(counter.count, {"name": "a"}) == 2
    assert t.query(counter.count, {"name": "b"}) == 3


def test_keys_pick_shards_deterministically(t: ConvexTest) -> None:
    keys = [f"user-{i}" for i in range(20)]
    for key in keys:
        t.mutation(counter.add, {"name": "likes", "shards": 4, "key": key})
    expected: dict[str, float] = {}
    for key in keys:
        shard = str(zlib.crc32(key.encode()) % 4)
        expected[shard] = expected.get(shard, 0) + 1
    assert t.query(counter.by_shard, {"name": "likes"}) == expected
    assert len(expected) > 1  # the writes really were spread
    assert t.query(counter.count, {"name": "likes"}) == 20


def test_random_shards_still_sum_up(t: ConvexTest) -> None:
    for _ in range(30):
        t.mutation(counter.add, {"name": "r", "shards": 8})
    shards = t.query(counter.by_shard, {"name": "r"})
    assert set(shards) <= {str(i) for i in range(8)}
    assert t.query(counter.count, {"name": "r"}) == 30


def test_reset(t: ConvexTest) -> None:
    t.mutation(counter.add, {"name": "x", "count": 3, "shards": 2, "key": "k"})
    t.mutation(counter.reset, {"name": "x"})
    assert t.query(counter.count, {"name": "x"}) == 0


@pytest.mark.parametrize("shards", [0, -1, 65])
def test_shard_count_is_checked(t: ConvexTest, shards: int) -> None:
    with pytest.raises(ValueError, match="shards must be between 1 and 64"):
        t.mutation(counter.add, {"name": "x", "shards": shards})
    assert t.query(counter.count, {"name": "x"}) == 0


def test_arguments_are_validated(t: ConvexTest) -> None:
    with pytest.raises(ArgumentValidationError):
        t.mutation(counter.add, {"name": "x", "count": "1"})


def test_the_component_keeps_its_data_in_its_own_table(t: ConvexTest) -> None:
    t.mutation(counter.add, {"name": "x"})
    assert t.query(lambda ctx: ctx.db.query("shards").collect()) == []
    docs = t.query(lambda ctx: ctx.db.query("shards").collect(), component="counter")
    assert [(d["name"], d["value"]) for d in docs] == [("x", 1)]
