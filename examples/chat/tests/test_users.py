from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexError, api


def test_store_creates_one_user_per_identity(t: Any) -> None:
    sarah = t.with_identity(name="Sarah")
    first = sarah.mutation(api.users.store)
    again = sarah.mutation(api.users.store)
    assert first == again
    users = t.run(lambda ctx: ctx.db.query("users").collect())
    assert [u["name"] for u in users] == ["Sarah"]


def test_store_requires_sign_in(t: Any) -> None:
    with pytest.raises(ConvexError) as info:
        t.mutation(api.users.store)
    assert info.value.data == {"code": "UNAUTHENTICATED", "message": "Sign in first"}


def test_me_is_none_when_signed_out(t: Any) -> None:
    assert t.query(api.users.me) is None


def test_me_returns_the_signed_in_user(alice: Any) -> None:
    me = alice.query("users:me")
    assert me["name"] == "Alice"
    assert me["tokenIdentifier"].startswith("https://convex.test|")


def test_identities_are_distinct(alice: Any, bob: Any) -> None:
    assert alice.query(api.users.me)["_id"] != bob.query(api.users.me)["_id"]
