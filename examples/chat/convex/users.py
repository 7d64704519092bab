"""Users are created from the auth identity."""

from __future__ import annotations

from typing import Any

from convex_test import ConvexError, mutation, query, v

from .auth import current_user


@mutation(args={}, returns=v.id("users"))
def store(ctx: Any, args: dict[str, Any]) -> str:
    """Create (or return) the user document for the signed-in identity."""
    identity = ctx.auth.get_user_identity()
    if identity is None:
        raise ConvexError({"code": "UNAUTHENTICATED", "message": "Sign in first"})
    existing = (
        ctx.db.query("users")
        .with_index("by_token", lambda q: q.eq("tokenIdentifier", identity["tokenIdentifier"]))
        .unique()
    )
    if existing is not None:
        return str(existing["_id"])
    return str(
        ctx.db.insert(
            "users",
            {
                "name": identity.get("name", "Anonymous"),
                "tokenIdentifier": identity["tokenIdentifier"],
            },
        )
    )


@query(args={})
def me(ctx: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    identity = ctx.auth.get_user_identity()
    if identity is None:
        return None
    return current_user(ctx)
