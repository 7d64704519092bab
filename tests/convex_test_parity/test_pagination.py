"""Port of convex-test ``convex/pagination.test.ts``.

Real-backend rules (convex-semantics §7.5) where they differ from JS: a page that fills
up on the last document is not done (the next, empty page is); cursors are opaque.
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexTestError, api
from tests.convex_test_parity.support import matches


def seed(t: Any, docs: list[tuple[str, str]]) -> None:
    def body(ctx: Any) -> None:
        for author, text in docs:
            ctx.db.insert("messages", {"author": author, "body": text})

    t.run(body)


SEVEN = [
    ("sarah", "hello1"),
    ("michal", "boo"),
    ("sarah", "hello2"),
    ("sarah", "hello3"),
    ("sarah", "hello4"),
    ("michal", "boing"),
    ("sarah", "hello5"),
]


def page(t: Any, ref: Any, cursor: str | None, num_items: int, **more: Any) -> Any:
    args: dict[str, Any] = {"paginationOptions": {"cursor": cursor, "numItems": num_items}}
    args["paginationOptions"].update(more.pop("options", {}))
    args.update(more)
    return t.query(ref, args)


def bodies(result: Any) -> list[str]:
    return [m["body"] for m in result["page"]]


def test_paginate(t: Any) -> None:
    seed(t, SEVEN)
    first = page(t, api.pagination.list, None, 2, author="sarah")
    assert matches(
        first["page"],
        [{"author": "sarah", "body": "hello1"}, {"author": "sarah", "body": "hello2"}],
    )
    assert first["isDone"] is False
    second = page(t, api.pagination.list, first["continueCursor"], 4, author="sarah")
    assert bodies(second) == ["hello3", "hello4", "hello5"]
    assert second["isDone"] is True
    # Querying after done returns nothing.
    third = page(t, api.pagination.list, second["continueCursor"], 4, author="sarah")
    assert third["page"] == [] and third["isDone"] is True


def test_paginate_with_maximum_rows_read(t: Any) -> None:
    seed(t, [("sarah", f"msg{i}") for i in range(10)])
    first = page(t, api.pagination.list_all, None, 10, options={"maximumRowsRead": 3})
    assert len(first["page"]) <= 3
    assert first["pageStatus"] == "SplitRequired"
    assert first["splitCursor"]
    assert first["isDone"] is False
    second = page(t, api.pagination.list_all, first["continueCursor"], 10)
    assert len(first["page"]) + len(second["page"]) == 10
    assert second["isDone"] is True


def test_paginate_with_maximum_bytes_read(t: Any) -> None:
    seed(t, [("sarah", "x" * 100)] * 5)
    result = page(t, api.pagination.list_all, None, 10, options={"maximumBytesRead": 1})
    assert len(result["page"]) <= 1
    assert result["pageStatus"] == "SplitRequired"
    assert result["isDone"] is False


def test_paginate_with_filter_and_maximum_rows_read(t: Any) -> None:
    seed(t, [("sarah" if i % 3 == 0 else "michal", f"msg{i}") for i in range(10)])
    # 4 documents match, but at most 5 rows are scanned (filtered-out rows count).
    result = page(t, api.pagination.list, None, 10, author="sarah", options={"maximumRowsRead": 5})
    assert bodies(result) == ["msg0", "msg3"]
    assert result["pageStatus"] == "SplitRequired"
    assert result["isDone"] is False


def test_paginate_with_end_cursor(t: Any) -> None:
    seed(t, [("sarah", f"msg{i}") for i in range(5)])
    first = page(t, api.pagination.list_all, None, 2)
    assert len(first["page"]) == 2 and first["isDone"] is False
    second = page(t, api.pagination.list_all, first["continueCursor"], 2)
    assert len(second["page"]) == 2
    # endCursor bounds the page, whatever numItems says.
    again = page(
        t,
        api.pagination.list_all,
        first["continueCursor"],
        100,
        options={"endCursor": second["continueCursor"]},
    )
    assert bodies(again) == bodies(second) == ["msg2", "msg3"]


def test_paginate_with_index_on_optional_field_with_undefined_values(t: Any) -> None:
    def body(ctx: Any) -> None:
        ctx.db.insert("messages", {"author": "sarah", "body": "hello1", "score": 10})
        ctx.db.insert("messages", {"author": "sarah", "body": "hello2"})
        ctx.db.insert("messages", {"author": "sarah", "body": "hello3", "score": 5})
        ctx.db.insert("messages", {"author": "sarah", "body": "hello4"})

    t.run(body)
    ref = api.pagination.list_with_optional_field_index
    first = page(t, ref, None, 2, author="sarah")
    # Missing scores sort before every value.
    assert bodies(first) == ["hello2", "hello4"]
    assert first["isDone"] is False
    second = page(t, ref, first["continueCursor"], 4, author="sarah")
    assert matches(
        second["page"],
        [
            {"author": "sarah", "body": "hello3", "score": 5},
            {"author": "sarah", "body": "hello1", "score": 10},
        ],
    )
    assert second["isDone"] is True


def test_paginate_with_deletes(t: Any) -> None:
    seed(t, SEVEN)
    first = page(t, api.pagination.list, None, 2, author="sarah")
    assert bodies(first) == ["hello1", "hello2"]
    assert first["isDone"] is False
    # The cursor is value-based: it survives deleting the document it points at.
    t.run(lambda ctx: ctx.db.delete(first["page"][1]["_id"]))
    second = page(t, api.pagination.list, first["continueCursor"], 4, author="sarah")
    assert bodies(second) == ["hello3", "hello4", "hello5"]
    assert second["isDone"] is True


@pytest.mark.parametrize(
    ("ref", "inserted"),
    [
        (
            api.pagination.list_with_index,
            ["hello1", "hello2", "hello3", "hello4"],
        ),
        # Inserted out of order: the composite index orders by body.
        (
            api.pagination.list_with_composite_index,
            ["hello2", "hello4", "hello3", "hello1"],
        ),
    ],
    ids=["index", "composite index"],
)
def test_paginate_with_deletes_and_indexes(t: Any, ref: Any, inserted: list[str]) -> None:
    seed(t, [("sarah", "hello1")] + [("jordan", text) for text in inserted])
    first = page(t, ref, None, 1, author="jordan")
    assert bodies(first) == ["hello1"] and first["isDone"] is False
    t.run(lambda ctx: ctx.db.delete(first["page"][0]["_id"]))
    second = page(t, ref, first["continueCursor"], 2, author="jordan")
    assert bodies(second) == ["hello2", "hello3"] and second["isDone"] is False
    t.run(lambda ctx: ctx.db.delete(second["page"][1]["_id"]))
    third = page(t, ref, second["continueCursor"], 1, author="jordan")
    assert bodies(third) == ["hello4"]
    # Real backend: the page filled up on the last document, so it is not done yet;
    # the next page is empty and done (JS convex-test says done at once).
    assert third["isDone"] is False
    fourth = page(t, ref, third["continueCursor"], 1, author="jordan")
    assert fourth["page"] == [] and fourth["isDone"] is True


def paginate_once(ctx: Any) -> Any:
    return ctx.db.query("messages").paginate({"cursor": None, "numItems": 10})


def test_multiple_paginate_calls_in_one_function_execution_throw(t: Any) -> None:
    seed(t, [("sarah", "hello")])

    def twice(ctx: Any) -> None:
        paginate_once(ctx)
        paginate_once(ctx)

    with pytest.raises(ConvexTestError, match="single paginated query"):
        t.query(twice)


def test_a_single_paginate_call_is_allowed(t: Any) -> None:
    seed(t, [("sarah", "hello")])
    assert matches(t.query(paginate_once)["page"], [{"author": "sarah", "body": "hello"}])


def test_paginate_in_separate_function_executions_does_not_throw(t: Any) -> None:
    seed(t, [("sarah", "hello")])
    # Each call is its own function execution.
    assert len(t.query(paginate_once)["page"]) == 1
    assert len(t.query(paginate_once)["page"]) == 1


def test_paginate_once_per_nested_function_via_run_query_does_not_throw(t: Any) -> None:
    seed(t, [("sarah", "hello")])
    opts = {"paginationOptions": {"cursor": None, "numItems": 10}}

    def body(ctx: Any) -> Any:
        return {
            "first": ctx.run_query(api.pagination.list_all, opts),
            "second": ctx.run_query(api.pagination.list_all, opts),
        }

    result = t.action(body)
    assert len(result["first"]["page"]) == 1
    assert len(result["second"]["page"]) == 1
