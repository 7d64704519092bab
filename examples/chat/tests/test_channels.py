from __future__ import annotations

from typing import Any

import pytest

from convex_test import ArgumentValidationError, ConvexError, api, internal


def test_create_normalises_the_name_and_joins_the_owner(alice: Any, general: str) -> None:
    channels = alice.query(api.channels.mine)
    assert [c["name"] for c in channels] == ["general"]
    assert channels[0]["_id"] == general


def test_channel_names_are_unique(alice: Any, general: str) -> None:
    with pytest.raises(ConvexError) as info:
        alice.mutation(api.channels.create, {"name": "  GENERAL "})
    assert info.value.data == {"code": "NAME_TAKEN", "name": "general"}


def test_a_failed_create_leaves_no_trace(alice: Any) -> None:
    with pytest.raises(ConvexError):
        alice.mutation(api.channels.create, {"name": "   "})
    assert alice.run(lambda ctx: ctx.db.query("channels").collect()) == []


def test_join_is_idempotent(alice: Any, bob: Any, general: str) -> None:
    bob.mutation(api.channels.join, {"channelId": general})
    bob.mutation(api.channels.join, {"channelId": general})
    memberships = bob.run(lambda ctx: ctx.db.query("memberships").collect())
    assert len(memberships) == 2  # Alice (owner) and Bob


def test_join_rejects_ids_of_other_tables(alice: Any) -> None:
    user_id = alice.query(api.users.me)["_id"]
    with pytest.raises(ArgumentValidationError, match=r'v\.id\("channels"\)'):
        alice.mutation(api.channels.join, {"channelId": user_id})


def test_purge_is_internal_and_removes_everything(alice: Any, general: str) -> None:
    alice.mutation(api.messages.send, {"channelId": general, "body": "one"})
    alice.mutation(api.messages.send, {"channelId": general, "body": "two"})
    deleted = alice.mutation(internal.channels.purge, {"channelId": general})
    assert deleted == 2
    remaining = alice.run(
        lambda ctx: {
            table: len(ctx.db.query(table).collect())
            for table in ("channels", "memberships", "messages")
        }
    )
    assert remaining == {"channels": 0, "memberships": 0, "messages": 0}
