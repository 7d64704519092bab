"""Port of convex-test ``convex/bandwidth.test.ts``, with the backend's fixed limits.

JS convex-test turns transaction limits off unless ``transactionLimits`` is given; the
real backend always enforces them (convex-semantics §3.4), and so does this mock, except
in ``t.run``, which seeds and inspects data.  ``ctx.meta.getTransactionMetrics()`` is not
supported (see README.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexTestError

MIB = 1 << 20
BIG = "x" * (MIB - 200)  # one message of almost 1 MiB (the document size limit)


def seed(t: Any, count: int, body: str = "hello") -> None:
    def insert(ctx: Any) -> None:
        for _ in range(count):
            ctx.db.insert("messages", {"author": "sarah", "body": body})

    t.run(insert)


def test_default_limits_are_on_except_in_t_run(t: Any) -> None:
    seed(t, 17, BIG)  # 17 MiB: more than a query or mutation may read
    assert len(t.run(lambda ctx: ctx.db.query("messages").collect())) == 17
    with pytest.raises(ConvexTestError, match="Too many bytes read"):
        t.query(lambda ctx: ctx.db.query("messages").collect())


def test_read_byte_limit_exceeded_throws(t: Any) -> None:
    seed(t, 17, BIG)
    with pytest.raises(
        ConvexTestError,
        match=r"^Too many bytes read in a single function execution \(limit: 16777216 bytes\)",
    ):
        t.query(lambda ctx: ctx.db.query("messages").collect())
    assert len(t.query(lambda ctx: ctx.db.query("messages").take(15))) == 15


def test_read_document_limit_exceeded_throws(t: Any) -> None:
    seed(t, 1000)

    def read_33_times(ctx: Any) -> None:
        for _ in range(33):
            ctx.db.query("messages").collect()

    with pytest.raises(
        ConvexTestError,
        match=r"^Too many documents read in a single function execution \(limit: 32000\)",
    ):
        t.query(read_33_times)


def test_write_byte_limit_exceeded_throws(t: Any) -> None:
    def write_17_mib(ctx: Any) -> None:
        for _ in range(17):
            ctx.db.insert("messages", {"author": "sarah", "body": BIG})

    with pytest.raises(ConvexTestError, match=r"^Too many bytes written .*\(limit: 16 MiB\)"):
        t.mutation(write_17_mib)
    assert t.run(lambda ctx: ctx.db.query("messages").first()) is None


# "write document limit exceeded throws": tests/test_harness.py::
# test_mutations_keep_the_write_limit (16,001 inserts in one mutation).


def test_index_range_limit_exceeded_throws(t: Any) -> None:
    seed(t, 1)

    def many_gets(ctx: Any) -> None:
        doc = ctx.db.query("messages").first()  # one index range
        for _ in range(4095):
            ctx.db.get(doc["_id"])  # one index range each: 4096 in all, the limit
        ctx.db.get(doc["_id"])

    with pytest.raises(
        ConvexTestError, match=r"^Too many reads in a single function execution \(limit: 4096\)"
    ):
        t.query(many_gets)


def test_limits_accumulate_within_a_transaction(t: Any) -> None:
    seed(t, 9, BIG)

    def read_twice(ctx: Any) -> None:
        # 9 MiB is under the limit; reading it twice in one mutation is not.
        ctx.db.query("messages").collect()
        ctx.db.query("messages").collect()

    t.mutation(lambda ctx: ctx.db.query("messages").collect() and None)
    with pytest.raises(ConvexTestError, match="Too many bytes read"):
        t.mutation(read_twice)
