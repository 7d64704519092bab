"""A chain of scheduled mutations: each step inserts a message and schedules the next."""

from __future__ import annotations

from typing import Any

from convex_test import internal, internal_mutation, mutation, v


@internal_mutation(args={"remaining": v.number()})
def step(ctx: Any, args: dict[str, Any]) -> None:
    remaining = args["remaining"]
    ctx.db.insert(
        "messages", {"author": "chain", "body": "tick", "channel": "chain", "n": remaining}
    )
    if remaining > 1:
        ctx.scheduler.run_after(0, internal.chain.step, {"remaining": remaining - 1})


@mutation(args={"length": v.number()})
def start(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.scheduler.run_after(0, internal.chain.step, {"remaining": args["length"]})
