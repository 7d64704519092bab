"""Port of convex-test ``convex/authentication.test.ts``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from convex_test import ConvexTest, api


def test_generated_attributes(t: ConvexTest) -> None:
    as_sarah = t.with_identity({"name": "Sarah"})
    attributes = as_sarah.run(lambda ctx: ctx.auth.get_user_identity())
    assert attributes["name"] == "Sarah"
    assert isinstance(attributes["tokenIdentifier"], str)
    assert isinstance(attributes["subject"], str)
    assert isinstance(attributes["issuer"], str)
    assert attributes["tokenIdentifier"] == f"{attributes['issuer']}|{attributes['subject']}"


def inline_name(ctx: Any) -> Any:
    identity = ctx.auth.get_user_identity()
    return None if identity is None else identity.get("name")


CALLS: dict[str, Callable[[ConvexTest], Any]] = {
    # action auth
    "action directly": lambda t: t.action(api.authentication.action_name),
    "action inline": lambda t: t.action(inline_name),
    "action calling query": lambda t: t.action(api.authentication.action_calling_query),
    "action calling mutation": lambda t: t.action(api.authentication.action_calling_mutation),
    "action calling action": lambda t: t.action(api.authentication.action_calling_action),
    "action calling action calling query": lambda t: t.action(
        api.authentication.action_calling_action_calling_query
    ),
    # mutation auth
    "mutation directly": lambda t: t.mutation(api.authentication.mutation_name),
    "mutation inline": lambda t: t.mutation(inline_name),
    "mutation calling query": lambda t: t.mutation(api.authentication.mutation_calling_query),
    "mutation calling mutation": lambda t: t.mutation(api.authentication.mutation_calling_mutation),
    "mutation calling mutation calling query": lambda t: t.mutation(
        api.authentication.mutation_calling_mutation_calling_query
    ),
    # query auth
    "query directly": lambda t: t.query(api.authentication.query_name),
    "query inline": lambda t: t.query(inline_name),
    "query calling query": lambda t: t.query(api.authentication.query_calling_query),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_identity_reaches_the_function(t: ConvexTest, call: Callable[[ConvexTest], Any]) -> None:
    assert call(t.with_identity({"name": "Sarah"})) == "Sarah"
    # And without an identity, nothing does.
    assert call(t) is None


def test_scheduled_function_does_not_receive_auth(t: ConvexTest) -> None:
    as_sarah = t.with_identity({"name": "Sarah"})
    job_id = as_sarah.mutation(api.authentication.scheduled_no_auth)
    t.finish_all_scheduled_functions()
    job = t.query(lambda ctx: ctx.db.system.get(job_id))
    # `assert_no_auth` raises when it sees an identity, which would fail the job.
    assert job["state"] == {"kind": "success"}
