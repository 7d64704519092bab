"""Message functions timed by the benchmarks (mirrors of the oracle's ``messages.ts``)."""

from __future__ import annotations

from typing import Any

from convex_test import mutation, pagination_opts_validator, query, v

_FIELDS = {"author": v.string(), "body": v.string(), "channel": v.string(), "n": v.number()}


@mutation(args=_FIELDS)
def send(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.db.insert("messages", args)


@query(args={"id": v.id("messages")})
def get(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.db.get(args["id"])


@query(args={"channel": v.string(), "take": v.number()})
def take_by_channel(ctx: Any, args: dict[str, Any]) -> Any:
    channel = args["channel"]
    return (
        ctx.db.query("messages")
        .with_index("by_channel", lambda q: q.eq("channel", channel))
        .take(int(args["take"]))
    )


@query(args={"author": v.string(), "gt": v.number()})
def first_by_author_after(ctx: Any, args: dict[str, Any]) -> Any:
    author, gt = args["author"], args["gt"]
    return (
        ctx.db.query("messages")
        .with_index("by_author_n", lambda q: q.eq("author", author).gt("n", gt))
        .first()
    )


@query(args={"channel": v.string(), "minN": v.number()})
def filtered(ctx: Any, args: dict[str, Any]) -> Any:
    """A full table scan with ``filter`` (channel == c and n > minN)."""
    channel, min_n = args["channel"], args["minN"]
    return (
        ctx.db.query("messages")
        .filter(lambda q: q.and_(q.eq(q.field("channel"), channel), q.gt(q.field("n"), min_n)))
        .collect()
    )


@query(args={"paginationOpts": pagination_opts_validator, "channel": v.optional(v.string())})
def paginate(ctx: Any, args: dict[str, Any]) -> Any:
    channel = args.get("channel")
    q = ctx.db.query("messages")
    if channel is not None:
        q = q.with_index("by_channel", lambda r: r.eq("channel", channel))
    return q.order("asc").paginate(args["paginationOpts"])


@query(args={"query": v.string(), "take": v.number()})
def search_take(ctx: Any, args: dict[str, Any]) -> Any:
    text = args["query"]
    return (
        ctx.db.query("messages")
        .with_search_index("search_body", lambda q: q.search("body", text))
        .take(int(args["take"]))
    )


@query(args={"query": v.string()})
def search(ctx: Any, args: dict[str, Any]) -> Any:
    text = args["query"]
    return (
        ctx.db.query("messages")
        .with_search_index("search_body", lambda q: q.search("body", text))
        .collect()
    )
