"""The twin of the JS oracle's ``convex/items.ts``: a mixed-value index and normalizeId."""

from __future__ import annotations

from typing import Any

from convex_test import UNDEFINED, mutation, query, v


@query(args={"order": v.union(v.literal("asc"), v.literal("desc"))})
def byValue(ctx: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = (
        ctx.db.query("items").with_index("by_value").order(args["order"]).collect()
    )
    return docs


@mutation(args={"id": v.id("items")})
def clearValue(ctx: Any, args: dict[str, Any]) -> Any:
    """Remove ``value`` by patching it to ``UNDEFINED``."""
    ctx.db.patch(args["id"], {"value": UNDEFINED})
    return ctx.db.get(args["id"])


@mutation(args={"id": v.id("items"), "value": v.any()})
def setValue(ctx: Any, args: dict[str, Any]) -> Any:
    ctx.db.patch(args["id"], {"value": args["value"]})
    return ctx.db.get(args["id"])


@query(args={"table": v.string(), "id": v.string()})
def normalize(ctx: Any, args: dict[str, Any]) -> str | None:
    result: str | None = ctx.db.normalize_id(args["table"], args["id"])
    return result
