"""Port of convex-test ``convex/messages.test.ts``."""

from __future__ import annotations

import math
from typing import Any

import pytest
import respx

from convex_test import UNDEFINED, Int64, api, convex_test, define_schema, define_table, v
from tests.convex_test_parity.support import matches, typed


def test_messages(t: Any) -> None:
    t.mutation(api.messages.send, {"body": "hello", "author": "sarah"})
    t.mutation(api.messages.send, {"body": "hello", "author": "tom"})
    by_sarah = t.with_identity({"name": "sarah"}).query(api.messages.list_by_auth)
    assert [m["author"] for m in by_sarah] == ["sarah"]
    assert len(t.run(lambda ctx: ctx.db.query("messages").collect())) == 2


def test_ai(t: Any, respx_mock: respx.MockRouter) -> None:
    # vi.stubGlobal("fetch", ...) -> respx mocks httpx.
    route = respx_mock.post("https://api.openai.com/").respond(text="I am the overlord")
    t.action(api.messages.send_ai_message, {"prompt": "hello"})
    assert route.call_count == 1
    assert matches(t.query(api.messages.list), [{"author": "AI", "body": "I am the overlord"}])


def same(a: Any, b: Any) -> bool:
    """Convex equality: by type, with NaN equal to itself and -0.0 distinct from 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return math.copysign(1, a) == math.copysign(1, b) and (a == b or (a != a and b != b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return typed(a) == typed(b)


BODIES = [
    "stringValue",
    UNDEFINED,
    True,
    35,
    Int64(34),
    None,
    ["a"],
    [Int64(34)],
    {"a": 1},
    {"a": Int64(34)},
    bytes(8),
    math.inf,
    -math.inf,
    -0.0,
    math.nan,
]


@pytest.mark.parametrize("body", BODIES, ids=[repr(b) for b in BODIES])
def test_all_types_serde(body: Any) -> None:
    relaxed = define_schema(
        {"messages": define_table({"body": v.optional(v.any())}).index("body", ["body"])}
    )
    t = convex_test(relaxed)

    def check(doc: Any) -> None:
        assert doc is not None
        if body is UNDEFINED:
            assert "body" not in doc
        else:
            assert same(doc["body"], body)

    def run(ctx: Any) -> None:
        fields = {} if body is UNDEFINED else {"body": body}
        message_id = ctx.db.insert("messages", fields)
        check(ctx.db.get(message_id))
        check(ctx.db.query("messages").with_index("body", lambda q: q.eq("body", body)).unique())
        check(ctx.db.query("messages").filter(lambda q: q.eq(q.field("body"), body)).unique())
        ctx.db.patch(message_id, {"body": body})
        check(ctx.db.get(message_id))
        ctx.db.replace(message_id, fields)
        check(ctx.db.get(message_id))
        ctx.db.delete(message_id)
        assert ctx.db.get(message_id) is None

    t.run(run)
