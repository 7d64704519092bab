"""Vector search actions (8 and 1536 dimensions)."""

from __future__ import annotations

from typing import Any

from convex_test import action, v

_ARGS = {
    "vector": v.array(v.float64()),
    "limit": v.optional(v.number()),
    "kind": v.optional(v.string()),
}


def _search(ctx: Any, table: str, args: dict[str, Any]) -> Any:
    kind = args.get("kind")
    options: dict[str, Any] = {"vector": args["vector"], "limit": int(args.get("limit", 10))}
    if kind is not None:
        options["filter"] = lambda q: q.eq("kind", kind)
    return ctx.vector_search(table, "by_embedding", options)


@action(args=_ARGS)
def search(ctx: Any, args: dict[str, Any]) -> Any:
    return _search(ctx, "vecs", args)


@action(args=_ARGS)
def search1536(ctx: Any, args: dict[str, Any]) -> Any:
    return _search(ctx, "vecs1536", args)
