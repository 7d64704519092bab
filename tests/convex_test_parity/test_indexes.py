"""Port of convex-test ``convex/indexes.test.ts``: ``with_index`` range validation.

JS relies on TypeScript to rule most of these out and only checks that something throws;
here each case raises the real backend's error (convex-semantics §7.1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from convex_test import ConvexTestError


def collect(t: Any, index: str, range_fn: Callable[[Any], Any]) -> Any:
    return t.run(lambda ctx: ctx.db.query("messages").with_index(index, range_fn).collect())


def test_index_must_use_only_its_fields(t: Any) -> None:
    with pytest.raises(ConvexTestError, match=r'comparison with "body".*doesn.t index this field'):
        collect(t, "author", lambda q: q.eq("author", "sarah").eq("body", "hello1"))


def test_index_must_use_only_its_fields_by_id(t: Any) -> None:
    with pytest.raises(ConvexTestError, match=r"messages\.by_id .*doesn't index this field"):
        collect(t, "by_id", lambda q: q.eq("_creationTime", 3))


def test_index_must_use_only_its_fields_by_creation_time(t: Any) -> None:
    with pytest.raises(ConvexTestError, match="didn't use the index fields in order"):
        collect(t, "by_creation_time", lambda q: q.eq("_id", 3))


def test_id_is_always_last_indexed_field_gt_gt(t: Any) -> None:
    with pytest.raises(ConvexTestError, match="Already defined lower bound in index range"):
        collect(
            t, "author", lambda q: q.eq("author", "sarah").gt("_creationTime", 3).gt("_id", "x")
        )


def test_id_is_always_last_indexed_field_lt_lt(t: Any) -> None:
    with pytest.raises(ConvexTestError, match="Already defined upper bound in index range"):
        collect(
            t, "author", lambda q: q.eq("author", "sarah").lt("_creationTime", 3).lt("_id", "x")
        )


def test_id_is_always_last_indexed_field_lt_gt(t: Any) -> None:
    with pytest.raises(ConvexTestError, match="can only be applied to a single index field"):
        collect(
            t, "author", lambda q: q.eq("author", "sarah").lt("_creationTime", 3).gt("_id", "x")
        )


def test_id_is_always_last_indexed_field_lt_then_eq(t: Any) -> None:
    # JS names this "gt lt"; it adds an `eq` on `_id` after a bound on `_creationTime`.
    with pytest.raises(ConvexTestError, match="didn't use the index fields in order"):
        collect(
            t, "author", lambda q: q.eq("author", "sarah").lt("_creationTime", 3).eq("_id", "x")
        )


def test_gt_lt_in_range_of_indexed_field(t: Any) -> None:
    t.run(lambda ctx: ctx.db.insert("messages", {"author": "pat", "body": "in range"}))
    found = collect(t, "author", lambda q: q.gt("author", "nipunn").lt("author", "sarah"))
    assert [m["author"] for m in found] == ["pat"]


def test_lt_gt_in_range_of_indexed_field(t: Any) -> None:
    # Runtime-correct in any order; lower bound above upper bound is an empty range.
    t.run(lambda ctx: ctx.db.insert("messages", {"author": "pat", "body": "in range"}))
    assert collect(t, "author", lambda q: q.lt("author", "nipunn").gt("author", "sarah")) == []
    found = collect(t, "author", lambda q: q.lt("author", "sarah").gt("author", "nipunn"))
    assert [m["author"] for m in found] == ["pat"]


def test_gt_lt_lt_in_range_of_indexed_field(t: Any) -> None:
    # JS: "cannot chain more operators after both `.gt` and `.lt` were already used";
    # the backend rejects the second lower bound.
    with pytest.raises(ConvexTestError, match="Already defined lower bound in index range"):
        collect(
            t, "author", lambda q: q.gt("author", "nipunn").lt("author", "sarah").gt("author", "a")
        )
