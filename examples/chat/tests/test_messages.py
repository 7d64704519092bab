from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexError, Int64, api


def send(who: Any, channel: str, body: str) -> str:
    message_id: str = who.mutation(api.messages.send, {"channelId": channel, "body": body})
    return message_id


def test_send_and_list_newest_first(alice: Any, general: str) -> None:
    for body in ["first", "second", "third"]:
        send(alice, general, body)
    page = alice.query(
        api.messages.list,
        {"channelId": general, "paginationOpts": {"numItems": 10, "cursor": None}},
    )
    assert [m["body"] for m in page["page"]] == ["third", "second", "first"]
    assert all(m["author"] == "Alice" for m in page["page"])
    assert page["isDone"] is True


def test_pagination_walks_every_message_once(alice: Any, general: str) -> None:
    bodies = [f"message {i}" for i in range(25)]
    for body in bodies:
        send(alice, general, body)
    seen: list[str] = []
    cursor = None
    while True:
        result = alice.query(
            api.messages.list,
            {"channelId": general, "paginationOpts": {"numItems": 10, "cursor": cursor}},
        )
        seen.extend(m["body"] for m in result["page"])
        if result["isDone"]:
            break
        cursor = result["continueCursor"]
    assert seen == list(reversed(bodies))


def test_only_members_can_post_or_read(alice: Any, bob: Any, general: str) -> None:
    with pytest.raises(ConvexError) as info:
        send(bob, general, "hi")
    assert info.value.data["code"] == "FORBIDDEN"
    bob.mutation(api.channels.join, {"channelId": general})
    send(bob, general, "hi")


@pytest.mark.parametrize(("body", "code"), [("   ", "EMPTY_MESSAGE"), ("x" * 2001, "TOO_LONG")])
def test_invalid_bodies_are_rejected(alice: Any, general: str, body: str, code: str) -> None:
    with pytest.raises(ConvexError) as info:
        send(alice, general, body)
    assert info.value.data["code"] == code


def test_only_the_author_edits(alice: Any, bob: Any, general: str) -> None:
    message_id = send(alice, general, "draft")
    bob.mutation(api.channels.join, {"channelId": general})
    with pytest.raises(ConvexError):
        bob.mutation(api.messages.edit, {"messageId": message_id, "body": "hacked"})
    alice.mutation(api.messages.edit, {"messageId": message_id, "body": "final"})
    stored = alice.run(lambda ctx: ctx.db.get(message_id))
    assert stored["body"] == "final"
    assert stored["editedAt"] == pytest.approx(t_now(alice))


def t_now(t: Any) -> float:
    now: float = t.now_ms()
    return now


def test_likes_are_int64(alice: Any, general: str) -> None:
    message_id = send(alice, general, "like me")
    assert alice.mutation(api.messages.like, {"messageId": message_id}) == Int64(1)
    likes = alice.mutation(api.messages.like, {"messageId": message_id})
    assert isinstance(likes, Int64)
    assert likes == 2


def test_filter_by_author(alice: Any, bob: Any, general: str) -> None:
    bob.mutation(api.channels.join, {"channelId": general})
    send(alice, general, "from alice")
    send(bob, general, "from bob")
    bodies = alice.query(api.messages.by_author, {"channelId": general, "authorName": "Bob"})
    assert bodies == ["from bob"]


def test_returned_documents_are_copies(alice: Any, general: str) -> None:
    message_id = send(alice, general, "original")
    doc = alice.run(lambda ctx: ctx.db.get(message_id))
    doc["body"] = "mutated locally"
    assert alice.run(lambda ctx: ctx.db.get(message_id))["body"] == "original"
