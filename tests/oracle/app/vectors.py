"""The twin of the JS oracle's ``convex/vectors.ts``: vector search from actions."""

from __future__ import annotations

from typing import Any

from convex_test import action, mutation, v


@mutation(args={"embedding": v.array(v.float64()), "kind": v.string()})
def insert(ctx: Any, args: dict[str, Any]) -> str:
    doc_id: str = ctx.db.insert("vecs", args)
    return doc_id


@action(
    args={
        "vector": v.array(v.float64()),
        "limit": v.optional(v.number()),
        "kind": v.optional(v.string()),
    }
)
def search(ctx: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    kind = args.get("kind")
    results: list[dict[str, Any]] = ctx.vector_search(
        "vecs",
        "by_embedding",
        {
            "vector": args["vector"],
            "limit": args.get("limit"),
            "filter": None if kind is None else (lambda q: q.eq("kind", kind)),
        },
    )
    return results


@action(args={"vector": v.array(v.float64()), "kinds": v.array(v.string())})
def searchMultiKind(ctx: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    kinds = args["kinds"]
    results: list[dict[str, Any]] = ctx.vector_search(
        "vecs",
        "by_embedding",
        {
            "vector": args["vector"],
            "limit": 100,
            "filter": lambda q: q.or_(*(q.eq("kind", k) for k in kinds)),
        },
    )
    return results
