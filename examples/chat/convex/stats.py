"""Message counts per channel, kept in the counter component."""

from __future__ import annotations

from typing import Any

from convex_test import api, components, mutation, query, v

SHARDS = 4


def _counter_name(channel_id: str) -> str:
    return f"messages:{channel_id}"


@mutation(args={"channelId": v.id("channels"), "body": v.string()}, returns=v.id("messages"))
def send(ctx: Any, args: dict[str, Any]) -> str:
    """Send a message and count it, in one transaction.

    The counter is bumped first: if sending then fails (not a member, empty body...),
    the component's write rolls back with it.
    """
    identity = ctx.auth.get_user_identity()
    ctx.run_mutation(
        components.counter.lib.add,
        {
            "name": _counter_name(args["channelId"]),
            "shards": SHARDS,
            # The component never sees the caller's identity: pass what it needs.
            "key": identity["tokenIdentifier"] if identity else "anonymous",
        },
    )
    message_id: str = ctx.run_mutation(api.messages.send, args)
    return message_id


@query(args={"channelId": v.id("channels")}, returns=v.number())
def message_count(ctx: Any, args: dict[str, Any]) -> float:
    """How many messages were sent to the channel through :func:`send`."""
    result: float = ctx.run_query(
        components.counter.lib.count, {"name": _counter_name(args["channelId"])}
    )
    return result
