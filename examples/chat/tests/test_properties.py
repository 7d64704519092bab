"""Property-based tests of the chat app with Hypothesis and ``convex_test.strategies``.

Each example gets a fresh backend from ``convex_test(modules=...)``: the ``t`` fixture is
created once per *test*, so it would carry documents from one example to the next.
The last test shows when sharing ``t`` across examples is fine.

Run 10,000 examples per test by hand with::

    CONVEX_TEST_HYPOTHESIS_PROFILE=long python -m pytest examples/chat/tests/test_properties.py
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convex_test import ConvexError, api, convex_test
from convex_test.strategies import args_for, documents

FUNCTIONS = Path(__file__).parents[1] / "convex"
LONG = os.environ.get("CONVEX_TEST_HYPOTHESIS_PROFILE") == "long"


def examples(n: int, **kwargs: Any) -> settings:
    """``n`` examples (10,000 with the long profile); the engine needs no deadline."""
    return settings(max_examples=10_000 if LONG else n, deadline=None, **kwargs)


NAMES = ["Alice", "Bob", "Carol", "Dan", "Erin"]
names = st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True)


def sign_up(t: Any, name: str) -> Any:
    """``t`` as ``name``, with the user document created."""
    user = t.with_identity(name=name)
    user.mutation(api.users.store)
    return user


def read_all(who: Any, channel: str, page_size: int) -> list[dict[str, Any]]:
    """Every page of ``messages:list``, concatenated."""
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10_000):
        result = who.query(
            api.messages.list,
            {"channelId": channel, "paginationOpts": {"numItems": page_size, "cursor": cursor}},
        )
        assert len(result["page"]) <= page_size
        seen.extend(result["page"])
        if result["isDone"]:
            return seen
        cursor = result["continueCursor"]
    raise AssertionError("pagination never finished")


@given(data=st.data(), page_size=st.integers(1, 5))
@examples(100)
def test_every_valid_message_sent_is_listed_exactly_once(
    data: st.DataObject, page_size: int
) -> None:
    t = convex_test(modules=FUNCTIONS)
    alice = sign_up(t, "Alice")
    channel = alice.mutation(api.channels.create, {"name": "general"})
    # Arguments from the function's own validator; the channel is fixed.
    send_args = args_for(api.messages.send, t, channelId=channel)
    sent: list[tuple[str, str]] = []
    for args in data.draw(st.lists(send_args, max_size=8), label="sends"):
        body = args["body"].strip()
        if not body:
            with pytest.raises(ConvexError) as info:
                alice.mutation(api.messages.send, args)
            assert info.value.data["code"] == "EMPTY_MESSAGE"
            continue
        sent.append((alice.mutation(api.messages.send, args), body))
    listed = read_all(alice, channel, page_size)
    # Newest first, each exactly once, with its trimmed body and author.
    assert [(m["_id"], m["body"]) for m in listed] == sent[::-1]
    assert all(m["author"] == "Alice" for m in listed)


@given(data=st.data(), page_size=st.integers(1, 7))
@examples(100)
def test_pagination_returns_every_document_once(data: st.DataObject, page_size: int) -> None:
    t = convex_test(modules=FUNCTIONS)
    users = [sign_up(t, name) for name in data.draw(names, label="users")]
    channels = [
        users[0].mutation(api.channels.create, {"name": name})
        for name in data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, unique=True))
    ]
    # Any documents the schema allows: channelId and authorId name existing documents
    # because the strategy reads them from t's store.
    inserted = data.draw(st.lists(documents(t, "messages"), max_size=12), label="messages")
    ids = [t.run(lambda ctx, doc=doc: ctx.db.insert("messages", doc)) for doc in inserted]
    channel = data.draw(st.sampled_from(channels), label="channel")
    listed = read_all(users[0], channel, page_size)
    expected = [i for i, doc in zip(ids, inserted, strict=True) if doc["channelId"] == channel]
    assert [m["_id"] for m in listed] == expected[::-1]


@given(data=st.data())
@examples(60)
def test_non_members_can_never_read_or_post(data: st.DataObject) -> None:
    t = convex_test(modules=FUNCTIONS)
    users = {name: sign_up(t, name) for name in data.draw(names, label="users")}
    owner = next(iter(users.values()))
    channel = owner.mutation(api.channels.create, {"name": "secret"})
    members = {next(iter(users))}
    for name in data.draw(st.lists(st.sampled_from(sorted(users)), unique=True), label="join"):
        users[name].mutation(api.channels.join, {"channelId": channel})
        members.add(name)
    owner.mutation(api.messages.send, {"channelId": channel, "body": "for members only"})
    for name, user in users.items():
        opts = {"numItems": 10, "cursor": None}
        if name in members:
            assert user.query(api.messages.list, {"channelId": channel, "paginationOpts": opts})
            continue
        for call, ref, args in [
            (user.query, api.messages.list, {"channelId": channel, "paginationOpts": opts}),
            (user.mutation, api.messages.send, {"channelId": channel, "body": "let me in"}),
        ]:
            with pytest.raises(ConvexError) as info:
                call(ref, args)
            assert info.value.data["code"] == "FORBIDDEN"


# The `t` fixture lives for the whole test, so every example below sees the users the
# earlier ones created.  That is fine here because the property holds whatever is
# already stored (users:store returns the existing user): say so by suppressing the
# health check, and keep such properties independent of earlier examples.
@given(name=st.text(min_size=1, max_size=20))
@examples(50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_signed_in_user_sees_their_own_name(t: Any, name: str) -> None:
    user = t.with_identity(name=name)
    user_id = user.mutation(api.users.store)
    me = user.query(api.users.me)
    assert me["_id"] == user_id and me["name"] == name
