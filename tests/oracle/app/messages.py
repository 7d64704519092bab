"""The twin of the JS oracle's ``convex/messages.ts``.

CRUD, index range queries, filters, paginate, search, unique, rollback, ConvexError,
the scheduler and ``whoami``; export names are the JS ones so paths match
(``messages:byChannel``).
"""

from __future__ import annotations

import builtins
from typing import Any

from convex_test import (
    ConvexError,
    Int64,
    internal,
    internal_mutation,
    mutation,
    pagination_opts_validator,
    query,
    v,
)

MESSAGE_FIELDS = {"author": v.string(), "body": v.string(), "channel": v.string(), "n": v.number()}
ORDER = v.optional(v.union(v.literal("asc"), v.literal("desc")))
# This module exports a query named ``list`` (as the JS app does).
Docs = builtins.list[dict[str, Any]]

# ---- CRUD -------------------------------------------------------------------------


@mutation(args=MESSAGE_FIELDS)
def send(ctx: Any, args: dict[str, Any]) -> str:
    doc_id: str = ctx.db.insert("messages", args)
    return doc_id


@query(args={"id": v.id("messages")})
def get(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.db.get(args["id"])


@mutation(args={"id": v.id("messages"), "fields": v.any()})
def patch(ctx: Any, args: dict[str, Any]) -> Any:
    ctx.db.patch(args["id"], args["fields"])
    return ctx.db.get(args["id"])


@mutation(args={"id": v.id("messages"), "doc": v.any()})
def replace(ctx: Any, args: dict[str, Any]) -> Any:
    ctx.db.replace(args["id"], args["doc"])
    return ctx.db.get(args["id"])


@mutation(args={"id": v.id("messages")})
def remove(ctx: Any, args: dict[str, Any]) -> Any:
    ctx.db.delete(args["id"])
    return ctx.db.get(args["id"])


@mutation(args={"doc": v.any()})
def insertRaw(ctx: Any, args: dict[str, Any]) -> str:
    """Insert an arbitrary value (the schema validation scenarios)."""
    doc_id: str = ctx.db.insert("messages", args["doc"])
    return doc_id


# ---- Queries ----------------------------------------------------------------------


@query(args={"channel": v.string(), "order": ORDER, "take": v.optional(v.number())})
def byChannel(ctx: Any, args: dict[str, Any]) -> Docs:
    q = (
        ctx.db.query("messages")
        .with_index("by_channel", lambda q: q.eq("channel", args["channel"]))
        .order(args.get("order", "asc"))
    )
    take = args.get("take")
    docs: Docs = q.collect() if take is None else q.take(take)
    return docs


@query(
    args={
        "author": v.string(),
        "gt": v.optional(v.number()),
        "lte": v.optional(v.number()),
        "order": ORDER,
    }
)
def byAuthorRange(ctx: Any, args: dict[str, Any]) -> Docs:
    def index_range(q: Any) -> Any:
        r = q.eq("author", args["author"])
        if "gt" in args:
            r = r.gt("n", args["gt"])
        if "lte" in args:
            r = r.lte("n", args["lte"])
        return r

    docs: Docs = (
        ctx.db.query("messages")
        .with_index("by_author_n", index_range)
        .order(args.get("order", "asc"))
        .collect()
    )
    return docs


@query(args={"author": v.string(), "gt": v.number()})
def firstByAuthorAfter(ctx: Any, args: dict[str, Any]) -> Any:
    return (
        ctx.db.query("messages")
        .with_index("by_author_n", lambda q: q.eq("author", args["author"]).gt("n", args["gt"]))
        .first()
    )


@query(args={"channel": v.string(), "take": v.number()})
def takeByChannel(ctx: Any, args: dict[str, Any]) -> Docs:
    docs: Docs = (
        ctx.db.query("messages")
        .with_index("by_channel", lambda q: q.eq("channel", args["channel"]))
        .take(args["take"])
    )
    return docs


@query(args={"channel": v.string(), "minN": v.number()})
def filtered(ctx: Any, args: dict[str, Any]) -> Docs:
    """filter(): channel == c AND n > minN, on a full table scan."""
    docs: Docs = (
        ctx.db.query("messages")
        .filter(
            lambda q: q.and_(
                q.eq(q.field("channel"), args["channel"]), q.gt(q.field("n"), args["minN"])
            )
        )
        .collect()
    )
    return docs


@query(args={})
def filteredComplex(ctx: Any, args: dict[str, Any]) -> Docs:
    """filter() with or / not / neq / arithmetic."""
    docs: Docs = (
        ctx.db.query("messages")
        .filter(
            lambda q: q.or_(
                q.eq(q.mod(q.field("n"), 5.0), 0.0),
                q.and_(q.not_(q.eq(q.field("channel"), "c0")), q.lt(q.field("n"), 3.0)),
            )
        )
        .order("desc")
        .collect()
    )
    return docs


@query(
    args={
        "paginationOpts": pagination_opts_validator,
        "channel": v.optional(v.string()),
        "order": ORDER,
        "minN": v.optional(v.number()),
    }
)
def paginate(ctx: Any, args: dict[str, Any]) -> dict[str, Any]:
    channel = args.get("channel")
    q = ctx.db.query("messages")
    if channel is not None:
        q = q.with_index("by_channel", lambda r: r.eq("channel", channel))
    q = q.order(args.get("order", "asc"))
    if "minN" in args:
        q = q.filter(lambda f: f.gte(f.field("n"), args["minN"]))
    result: dict[str, Any] = q.paginate(args["paginationOpts"])
    return result


@query(args={"query": v.string(), "channel": v.optional(v.string())})
def search(ctx: Any, args: dict[str, Any]) -> Docs:
    def build(q: Any) -> Any:
        s = q.search("body", args["query"])
        return s.eq("channel", args["channel"]) if "channel" in args else s

    docs: Docs = ctx.db.query("messages").with_search_index("search_body", build).collect()
    return docs


@query(args={"query": v.string(), "paginationOpts": pagination_opts_validator})
def searchPaginate(ctx: Any, args: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = (
        ctx.db.query("messages")
        .with_search_index("search_body", lambda q: q.search("body", args["query"]))
        .paginate(args["paginationOpts"])
    )
    return result


@query(args={"channel": v.string()})
def uniqueByChannel(ctx: Any, args: dict[str, Any]) -> Any:
    return (
        ctx.db.query("messages")
        .with_index("by_channel", lambda q: q.eq("channel", args["channel"]))
        .unique()
    )


@query(args={})
def insertFromQuery(ctx: Any, args: dict[str, Any]) -> Any:
    """A query that (illegally) tries to write."""
    return ctx.db.insert("messages", {"author": "q", "body": "q", "channel": "q", "n": 0.0})


@query(args={})
def undeclaredIndex(ctx: Any, args: dict[str, Any]) -> Any:
    return (
        ctx.db.query("messages").with_index("by_nothing", lambda q: q.eq("channel", "x")).collect()
    )


@query(args={})
def wrongIndexField(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.db.query("messages").with_index("by_author_n", lambda q: q.eq("n", 1.0)).collect()


# ---- Failure / rollback -----------------------------------------------------------


@mutation(args={})
def insertThenThrow(ctx: Any, args: dict[str, Any]) -> None:
    ctx.db.insert("messages", {"author": "x", "body": "1", "channel": "r", "n": 1.0})
    ctx.db.insert("messages", {"author": "x", "body": "2", "channel": "r", "n": 2.0})
    raise RuntimeError("boom after two inserts")


@mutation(args={"kind": v.string()})
def throwConvexError(ctx: Any, args: dict[str, Any]) -> None:
    ctx.db.insert("messages", {"author": "x", "body": "e", "channel": "e", "n": 0.0})
    kind = args["kind"]
    if kind == "object":
        raise ConvexError({"code": "BAD_THING", "n": 42.0, "nested": {"ok": False}})
    if kind == "string":
        raise ConvexError("plain string data")
    if kind == "bigint":
        raise ConvexError({"big": Int64(7)})
    raise RuntimeError("not a ConvexError")


# ---- Scheduler --------------------------------------------------------------------


@mutation(args={"delayMs": v.number(), "body": v.string(), "fail": v.optional(v.boolean())})
def scheduleInsert(ctx: Any, args: dict[str, Any]) -> str:
    job_id: str = ctx.scheduler.run_after(
        args["delayMs"],
        internal.messages.scheduledInsert,
        {"body": args["body"], "fail": args.get("fail", False)},
    )
    return job_id


@mutation(args={})
def scheduleAndCancel(ctx: Any, args: dict[str, Any]) -> str:
    job_id: str = ctx.scheduler.run_after(
        1000, internal.messages.scheduledInsert, {"body": "never", "fail": False}
    )
    ctx.scheduler.cancel(job_id)
    return job_id


@internal_mutation(args={"body": v.string(), "fail": v.boolean()})
def scheduledInsert(ctx: Any, args: dict[str, Any]) -> None:
    ctx.db.insert(
        "messages", {"author": "scheduler", "body": args["body"], "channel": "sched", "n": 0.0}
    )
    if args["fail"]:
        raise RuntimeError("scheduled function failed on purpose")


# ---- Auth -------------------------------------------------------------------------


@query(args={})
def whoami(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.auth.get_user_identity()


@query(args={"query": v.string(), "take": v.number()})
def searchTake(ctx: Any, args: dict[str, Any]) -> Docs:
    docs: Docs = (
        ctx.db.query("messages")
        .with_search_index("search_body", lambda q: q.search("body", args["query"]))
        .take(args["take"])
    )
    return docs


def _list(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.db.query("messages").order(args.get("order", "asc")).collect()


# Defined last (functional form): the export is named ``list`` as in JS.
list = query(args={"order": ORDER}, handler=_list)
