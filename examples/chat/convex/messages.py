"""Sending, listing, editing and liking messages."""

from __future__ import annotations

from typing import Any

from convex_test import ConvexError, Int64, mutation, pagination_opts_validator, query, v

from .auth import current_user, require_member

MAX_BODY = 2000


@mutation(args={"channelId": v.id("channels"), "body": v.string()}, returns=v.id("messages"))
def send(ctx: Any, args: dict[str, Any]) -> str:
    user = current_user(ctx)
    require_member(ctx, args["channelId"], user["_id"])
    body = args["body"].strip()
    if not body:
        raise ConvexError({"code": "EMPTY_MESSAGE"})
    if len(body) > MAX_BODY:
        raise ConvexError({"code": "TOO_LONG", "max": MAX_BODY})
    message_id: str = ctx.db.insert(
        "messages",
        {"channelId": args["channelId"], "authorId": user["_id"], "body": body, "likes": Int64(0)},
    )
    return message_id


@query(args={"channelId": v.id("channels"), "paginationOpts": pagination_opts_validator})
def list(ctx: Any, args: dict[str, Any]) -> dict[str, Any]:
    """A page of a channel's messages, newest first, with author names."""
    user = current_user(ctx)
    require_member(ctx, args["channelId"], user["_id"])
    result: dict[str, Any] = (
        ctx.db.query("messages")
        .with_index("by_channel", lambda q: q.eq("channelId", args["channelId"]))
        .order("desc")
        .paginate(args["paginationOpts"])
    )
    authors: dict[str, str] = {}
    for message in result["page"]:
        author_id = message["authorId"]
        if author_id not in authors:
            author = ctx.db.get(author_id)
            authors[author_id] = author["name"] if author else "(deleted)"
        message["author"] = authors[author_id]
    return result


@mutation(args={"messageId": v.id("messages"), "body": v.string()}, returns=v.null())
def edit(ctx: Any, args: dict[str, Any]) -> None:
    user = current_user(ctx)
    message = ctx.db.get("messages", args["messageId"])
    if message is None:
        raise ConvexError({"code": "NOT_FOUND"})
    if message["authorId"] != user["_id"]:
        raise ConvexError({"code": "FORBIDDEN", "message": "Only the author can edit"})
    ctx.db.patch("messages", args["messageId"], {"body": args["body"], "editedAt": _now_ms()})
    return None


@mutation(args={"messageId": v.id("messages")}, returns=v.int64())
def like(ctx: Any, args: dict[str, Any]) -> Int64:
    current_user(ctx)
    message = ctx.db.get("messages", args["messageId"])
    if message is None:
        raise ConvexError({"code": "NOT_FOUND"})
    likes = Int64(message["likes"] + 1)
    ctx.db.patch(args["messageId"], {"likes": likes})
    return likes


@query(args={"channelId": v.id("channels"), "authorName": v.string()})
def by_author(ctx: Any, args: dict[str, Any]) -> list[str]:
    """Bodies of a channel's messages written by a user with the given name (a filter)."""
    authors = [u["_id"] for u in ctx.db.query("users").collect() if u["name"] == args["authorName"]]
    return [
        m["body"]
        for m in ctx.db.query("messages")
        .with_index("by_channel", lambda q: q.eq("channelId", args["channelId"]))
        .filter(lambda q: q.or_(*(q.eq(q.field("authorId"), a) for a in authors)))
        .collect()
    ]


def _now_ms() -> float:
    import time

    return time.time() * 1000
