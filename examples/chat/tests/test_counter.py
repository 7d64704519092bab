"""The chat app counting messages with its counter component (see convex_config.py)."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexError, api, components


def test_convex_config_mounts_the_counter(t: Any) -> None:
    assert "counter" in t.backend.namespaces


def test_sent_messages_are_counted(alice: Any, general: str) -> None:
    for body in ["one", "two", "three"]:
        alice.mutation(api.stats.send, {"channelId": general, "body": body})
    assert alice.query(api.stats.message_count, {"channelId": general}) == 3


def test_counts_are_per_channel(alice: Any, general: str) -> None:
    random_id = alice.mutation(api.channels.create, {"name": "Random"})
    alice.mutation(api.stats.send, {"channelId": general, "body": "hi"})
    assert alice.query(api.stats.message_count, {"channelId": general}) == 1
    assert alice.query(api.stats.message_count, {"channelId": random_id}) == 0


def test_a_failed_send_does_not_count(alice: Any, bob: Any, general: str) -> None:
    # Bob is not a member: messages.send raises after the counter was bumped, and the
    # component's write rolls back with the app's transaction.
    with pytest.raises(ConvexError) as info:
        bob.mutation(api.stats.send, {"channelId": general, "body": "let me in"})
    assert info.value.data["code"] == "FORBIDDEN"
    with pytest.raises(ConvexError):
        alice.mutation(api.stats.send, {"channelId": general, "body": "   "})
    assert alice.query(api.stats.message_count, {"channelId": general}) == 0


def test_writes_are_sharded_by_author(alice: Any, bob: Any, general: str) -> None:
    bob.mutation(api.channels.join, {"channelId": general})
    for who in (alice, bob, alice):
        who.mutation(api.stats.send, {"channelId": general, "body": "hey"})
    shards = alice.query(components.counter.lib.by_shard, {"name": f"messages:{general}"})
    assert sum(shards.values()) == 3
    assert sorted(shards.values()) in ([1, 2], [3])  # one shard per author (or both in one)


def test_the_component_cannot_see_the_apps_tables(t: Any, alice: Any, general: str) -> None:
    alice.mutation(api.stats.send, {"channelId": general, "body": "hi"})
    in_counter = t.query(lambda ctx: ctx.db.query("messages").collect(), component="counter")
    assert in_counter == []
    assert t.query(lambda ctx: ctx.db.get(general), component="counter") is None
