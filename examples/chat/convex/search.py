"""Searching a channel: typeahead over its messages, and RAG-style retrieval of documents.

``messages`` is a full-text search query meant to run on every keystroke: the last word
the user typed matches as a prefix.  ``add_document`` and ``ask`` embed text with an
outside embeddings API (mocked with respx in the tests) and use vector search, which
only actions can run.
"""

from __future__ import annotations

from typing import Any

import httpx

from convex_test import (
    ConvexError,
    action,
    internal,
    internal_mutation,
    internal_query,
    query,
    v,
)

from .auth import current_user, require_member

EMBEDDINGS_URL = "https://api.embeddings.example/v1/embeddings"
EMBEDDING_DIMENSIONS = 8
MAX_MESSAGE_RESULTS = 20
MAX_SOURCES = 10


@query(args={"channelId": v.id("channels"), "text": v.string(), "limit": v.optional(v.number())})
def messages(ctx: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    """The channel's messages matching ``text`` so far, best match first, with author names.

    Only members may search a channel.  ``limit`` defaults to 10 (at most 20).
    """
    user = current_user(ctx)
    require_member(ctx, args["channelId"], user["_id"])
    limit = int(args.get("limit", 10))
    if not 1 <= limit <= MAX_MESSAGE_RESULTS:
        raise ConvexError({"code": "BAD_LIMIT", "max": MAX_MESSAGE_RESULTS})
    found = (
        ctx.db.query("messages")
        .with_search_index(
            "search_body",
            lambda q: q.search("body", args["text"]).eq("channelId", args["channelId"]),
        )
        .take(limit)
    )
    authors: dict[str, str] = {}
    results = []
    for message in found:
        author_id = message["authorId"]
        if author_id not in authors:
            author = ctx.db.get(author_id)
            authors[author_id] = author["name"] if author else "(deleted)"
        results.append(
            {"_id": message["_id"], "body": message["body"], "author": authors[author_id]}
        )
    return results


# ---------------------------------------------------------------------------
# RAG: documents with embeddings, retrieved by vector search
# ---------------------------------------------------------------------------


def embed(text: str) -> list[float]:
    """``text``'s embedding from the embeddings API."""
    response = httpx.post(EMBEDDINGS_URL, json={"input": text, "dimensions": EMBEDDING_DIMENSIONS})
    response.raise_for_status()
    embedding: list[float] = response.json()["embedding"]
    if len(embedding) != EMBEDDING_DIMENSIONS:
        raise ConvexError({"code": "BAD_EMBEDDING", "dimensions": len(embedding)})
    return embedding


@internal_query(args={"channelId": v.id("channels")}, returns=v.null())
def check_member(ctx: Any, args: dict[str, Any]) -> None:
    """Raise unless the caller is a member (actions have no ``db``: they ask a query)."""
    user = current_user(ctx)
    require_member(ctx, args["channelId"], user["_id"])
    return None


@internal_mutation(
    args={"channelId": v.id("channels"), "text": v.string(), "embedding": v.array(v.float64())},
    returns=v.id("documents"),
)
def insert_document(ctx: Any, args: dict[str, Any]) -> str:
    document_id: str = ctx.db.insert("documents", args)
    return document_id


@internal_query(args={"ids": v.array(v.id("documents"))})
def documents_by_id(ctx: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents that still exist, in the order of ``ids``."""
    docs = (ctx.db.get("documents", doc_id) for doc_id in args["ids"])
    return [doc for doc in docs if doc is not None]


@action(args={"channelId": v.id("channels"), "text": v.string()}, returns=v.id("documents"))
def add_document(ctx: Any, args: dict[str, Any]) -> str:
    """Store a reference document of the channel with its embedding."""
    ctx.run_query(internal.search.check_member, {"channelId": args["channelId"]})
    embedding = embed(args["text"])
    document_id: str = ctx.run_mutation(
        internal.search.insert_document,
        {"channelId": args["channelId"], "text": args["text"], "embedding": embedding},
    )
    return document_id


@action(
    args={
        "channelId": v.id("channels"),
        "question": v.string(),
        "limit": v.optional(v.number()),
    }
)
def ask(ctx: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Retrieve the channel's documents closest to ``question`` and build an LLM prompt.

    Returns ``{"prompt", "sources": [{"documentId", "text", "score"}]}``, best source
    first; sending the prompt to a model is left out of the example.
    """
    channel_id = args["channelId"]
    ctx.run_query(internal.search.check_member, {"channelId": channel_id})
    hits = ctx.vector_search(
        "documents",
        "by_embedding",
        {
            "vector": embed(args["question"]),
            "limit": min(int(args.get("limit", 3)), MAX_SOURCES),
            "filter": lambda q: q.eq("channelId", channel_id),
        },
    )
    docs = ctx.run_query(internal.search.documents_by_id, {"ids": [h["_id"] for h in hits]})
    texts = {doc["_id"]: doc["text"] for doc in docs}
    sources = [
        {"documentId": hit["_id"], "text": texts[hit["_id"]], "score": hit["_score"]}
        for hit in hits
        if hit["_id"] in texts  # deleted since the search
    ]
    notes = "\n".join(f"- {source['text']}" for source in sources)
    prompt = f"Answer using only these notes:\n{notes}\n\nQuestion: {args['question']}"
    return {"prompt": prompt, "sources": sources}
