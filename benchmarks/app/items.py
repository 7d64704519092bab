"""Index query on the (empty) ``items`` table while ``messages`` is large."""

from __future__ import annotations

from typing import Any

from convex_test import query, v


@query(args={"order": v.union(v.literal("asc"), v.literal("desc"))})
def by_value(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.db.query("items").with_index("by_value").order(args["order"]).collect()
