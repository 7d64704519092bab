"""Internal functions behind the incoming webhook (see http.py)."""

from __future__ import annotations

from typing import Any

from convex_test import Int64, internal_mutation, v


@internal_mutation(
    args={"channel": v.string(), "sender": v.string(), "body": v.string()},
    returns=v.union(v.id("messages"), v.null()),
)
def post_message(ctx: Any, args: dict[str, Any]) -> str | None:
    """Post ``body`` to the channel named ``channel`` as a bot user named ``sender``.

    Returns the new message's ID, or None when there is no such channel.  The bot user
    is created on first use.
    """
    name = args["channel"].strip().lower()
    channel = ctx.db.query("channels").with_index("by_name", lambda q: q.eq("name", name)).unique()
    if channel is None:
        return None
    message_id: str = ctx.db.insert(
        "messages",
        {
            "channelId": channel["_id"],
            "authorId": _bot_user(ctx, args["sender"]),
            "body": args["body"],
            "likes": Int64(0),
        },
    )
    return message_id


def _bot_user(ctx: Any, sender: str) -> str:
    token = f"webhook|{sender}"
    bot = ctx.db.query("users").with_index("by_token", lambda q: q.eq("tokenIdentifier", token))
    existing = bot.unique()
    if existing is not None:
        return str(existing["_id"])
    return str(ctx.db.insert("users", {"name": sender, "tokenIdentifier": token}))
