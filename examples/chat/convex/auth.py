"""Helpers shared by the chat functions (not functions themselves)."""

from __future__ import annotations

from typing import Any

from convex_test import ConvexError


def current_user(ctx: Any) -> dict[str, Any]:
    """The signed-in user's document, or a ConvexError when signed out or unknown."""
    identity = ctx.auth.get_user_identity()
    if identity is None:
        raise ConvexError({"code": "UNAUTHENTICATED", "message": "Sign in first"})
    user = (
        ctx.db.query("users")
        .with_index("by_token", lambda q: q.eq("tokenIdentifier", identity["tokenIdentifier"]))
        .unique()
    )
    if user is None:
        raise ConvexError({"code": "UNKNOWN_USER", "message": "Call users:store first"})
    return user


def require_member(ctx: Any, channel_id: str, user_id: str) -> None:
    membership = (
        ctx.db.query("memberships")
        .with_index(
            "by_channel_user", lambda q: q.eq("channelId", channel_id).eq("userId", user_id)
        )
        .unique()
    )
    if membership is None:
        raise ConvexError({"code": "FORBIDDEN", "message": "Join the channel first"})
