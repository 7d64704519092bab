"""A sharded counter: writes spread over several documents, reads add them up.

Incrementing one hot document from many mutations makes them conflict; spreading the
count over ``shards`` documents avoids that.  ``key`` picks the shard deterministically
(e.g. the user's token), else a random shard is used.
"""

from __future__ import annotations

import random
import zlib
from typing import Any

from convex_test import mutation, query, v

MAX_SHARDS = 64


def _shard_for(key: str | None, shards: int) -> int:
    if key is None:
        return random.randrange(shards)
    return zlib.crc32(key.encode()) % shards


def _shards(ctx: Any, name: str) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = (
        ctx.db.query("shards").with_index("by_name_shard", lambda q: q.eq("name", name)).collect()
    )
    return docs


@mutation(
    args={
        "name": v.string(),
        "count": v.optional(v.number()),
        "shards": v.optional(v.number()),
        "key": v.optional(v.string()),
    },
    returns=v.null(),
)
def add(ctx: Any, args: dict[str, Any]) -> None:
    """Add ``count`` (default 1) to the counter ``name``."""
    shards = int(args.get("shards", 1))
    if not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"shards must be between 1 and {MAX_SHARDS}, got {shards}")
    shard = _shard_for(args.get("key"), shards)
    existing = (
        ctx.db.query("shards")
        .with_index("by_name_shard", lambda q: q.eq("name", args["name"]).eq("shard", shard))
        .unique()
    )
    count = args.get("count", 1)
    if existing is None:
        ctx.db.insert("shards", {"name": args["name"], "shard": shard, "value": count})
    else:
        ctx.db.patch(existing["_id"], {"value": existing["value"] + count})


@query(args={"name": v.string()}, returns=v.number())
def count(ctx: Any, args: dict[str, Any]) -> float:
    """The counter's value: the sum over its shards (0 for an unknown name)."""
    return float(sum(doc["value"] for doc in _shards(ctx, args["name"])))


@query(args={"name": v.string()}, returns=v.record(v.string(), v.number()))
def by_shard(ctx: Any, args: dict[str, Any]) -> dict[str, float]:
    """``{shard: value}`` of the counter (shards never written are absent)."""
    return {str(int(doc["shard"])): doc["value"] for doc in _shards(ctx, args["name"])}


@mutation(args={"name": v.string()}, returns=v.null())
def reset(ctx: Any, args: dict[str, Any]) -> None:
    """Delete every shard of the counter."""
    for doc in _shards(ctx, args["name"]):
        ctx.db.delete(doc["_id"])
