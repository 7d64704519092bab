"""Channels and memberships."""

from __future__ import annotations

from typing import Any

from convex_test import ConvexError, internal_mutation, mutation, query, v

from .auth import current_user


@mutation(args={"name": v.string(), "topic": v.optional(v.string())}, returns=v.id("channels"))
def create(ctx: Any, args: dict[str, Any]) -> str:
    user = current_user(ctx)
    name = args["name"].strip().lower()
    if not name:
        raise ConvexError("Channel names cannot be empty")
    taken = ctx.db.query("channels").with_index("by_name", lambda q: q.eq("name", name)).first()
    if taken is not None:
        raise ConvexError({"code": "NAME_TAKEN", "name": name})
    doc: dict[str, Any] = {"name": name, "ownerId": user["_id"]}
    if "topic" in args:
        doc["topic"] = args["topic"]
    channel_id: str = ctx.db.insert("channels", doc)
    ctx.db.insert("memberships", {"channelId": channel_id, "userId": user["_id"]})
    return channel_id


@mutation(args={"channelId": v.id("channels")}, returns=v.null())
def join(ctx: Any, args: dict[str, Any]) -> None:
    user = current_user(ctx)
    if ctx.db.get(args["channelId"]) is None:
        raise ConvexError({"code": "NOT_FOUND"})
    already = (
        ctx.db.query("memberships")
        .with_index(
            "by_channel_user",
            lambda q: q.eq("channelId", args["channelId"]).eq("userId", user["_id"]),
        )
        .unique()
    )
    if already is None:
        ctx.db.insert("memberships", {"channelId": args["channelId"], "userId": user["_id"]})
    return None


@query(args={})
def mine(ctx: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    """The channels the signed-in user belongs to, by name."""
    user = current_user(ctx)
    memberships = ctx.db.query("memberships").with_index(
        "by_user", lambda q: q.eq("userId", user["_id"])
    )
    channels = [ctx.db.get("channels", m["channelId"]) for m in memberships]
    return sorted((c for c in channels if c is not None), key=lambda c: c["name"])


@internal_mutation(args={"channelId": v.id("channels")}, returns=v.float64())
def purge(ctx: Any, args: dict[str, Any]) -> int:
    """Delete a channel with its messages and memberships; returns the messages deleted."""
    deleted = 0
    for message in ctx.db.query("messages").with_index(
        "by_channel", lambda q: q.eq("channelId", args["channelId"])
    ):
        ctx.db.delete(message["_id"])
        deleted += 1
    for membership in ctx.db.query("memberships").with_index(
        "by_channel_user", lambda q: q.eq("channelId", args["channelId"])
    ):
        ctx.db.delete(membership["_id"])
    ctx.db.delete("channels", args["channelId"])
    return deleted
