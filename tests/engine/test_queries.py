"""The query builder: retrieval methods, chaining rules, iteration."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import errors
from convex_test.engine import DatabaseReader
from tests.engine.support import Engine


@pytest.fixture
def eng(engine: Engine) -> Engine:
    engine.insert_many("t", [{"n": i} for i in range(5)])
    return engine


def ns(docs: list[dict[str, Any]]) -> list[float]:
    return [d["n"] for d in docs]


def test_collect_take_first(eng: Engine) -> None:
    assert ns(eng.query(lambda db: db.query("t").collect())) == [0, 1, 2, 3, 4]
    assert ns(eng.query(lambda db: db.query("t").take(2))) == [0, 1]
    assert ns(eng.query(lambda db: db.query("t").take(0))) == []
    assert ns(eng.query(lambda db: db.query("t").take(2.0))) == [0, 1]
    assert ns(eng.query(lambda db: db.query("t").take(100))) == [0, 1, 2, 3, 4]
    assert eng.query(lambda db: db.query("t").first())["n"] == 0
    assert eng.query(lambda db: db.query("t").order("desc").first())["n"] == 4
    assert eng.query(lambda db: db.query("t").count()) == 5


def test_take_zero_reads_nothing(eng: Engine) -> None:
    txn, db = eng.begin(read_only=True)
    assert db.query("t").take(0) == []
    assert txn.documents_read == 0
    db.query("t").take(2)
    assert txn.documents_read == 2
    txn.rollback()


@pytest.mark.parametrize("n", [-1, 1.5, "2", None, True, float("nan")])
def test_take_needs_a_non_negative_integer(eng: Engine, n: Any) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(lambda db: db.query("t").take(n))
    assert str(info.value) == "Arg 1 `n` to `take` must be a non-negative integer"


def test_unique(eng: Engine) -> None:
    assert (
        eng.query(lambda db: db.query("t").filter(lambda q: q.eq(q.field("n"), 3)).unique())["n"]
        == 3
    )
    assert (
        eng.query(lambda db: db.query("t").filter(lambda q: q.eq(q.field("n"), 9)).unique()) is None
    )
    ids = [d["_id"] for d in eng.query(lambda db: db.query("t").take(2))]
    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(lambda db: db.query("t").unique())
    assert str(info.value) == (
        f"unique() query returned more than one result from table t:\n [{ids[0]}, {ids[1]}, ...]"
    )


def test_iteration(eng: Engine) -> None:
    def fn(db: DatabaseReader) -> Any:
        seen = []
        for doc in db.query("t").order("desc"):
            seen.append(doc["n"])
            if len(seen) == 2:
                break
        return seen, [d["n"] for d in db.query("t")]

    assert eng.query(fn) == ([4, 3], [0, 1, 2, 3, 4])


def test_iteration_stops_reading_early(eng: Engine) -> None:
    txn, db = eng.begin(read_only=True)
    for _ in db.query("t"):
        break
    assert txn.documents_read <= 5
    txn.rollback()


def test_a_query_can_be_chained_once(eng: Engine) -> None:
    def fn(db: DatabaseReader) -> Any:
        query = db.query("t").full_table_scan()
        query.filter(lambda q: True)
        return query.order("desc")

    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(fn)
    assert str(info.value) == (
        "A query can only be chained once and can't be chained after iteration begins."
    )


def test_closed_and_consumed_queries(eng: Engine) -> None:
    def chained_then_collected(db: DatabaseReader) -> Any:
        query = db.query("t").full_table_scan()
        query.take(1)
        return query.collect()

    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(chained_then_collected)
    assert str(info.value) == (
        "This query has been chained with another operator and can't be reused."
    )

    def collected_twice(db: DatabaseReader) -> Any:
        query = db.query("t").full_table_scan()
        query.collect()
        return query.collect()

    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(collected_twice)
    assert str(info.value) == "This query is closed and can't emit any more values."

    def iterate_while_iterating(db: DatabaseReader) -> Any:
        query = db.query("t").full_table_scan()
        it = iter(query)
        next(it)
        return query.collect()

    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(iterate_while_iterating)
    assert str(info.value) == "Iteration can only begin on a query once."

    def chain_after_iteration(db: DatabaseReader) -> Any:
        query = db.query("t").full_table_scan()
        query.collect()
        return query.filter(lambda q: True)

    with pytest.raises(errors.ConvexTestError, match="can only be chained once"):
        eng.query(chain_after_iteration)


def test_the_initializer_is_reusable(eng: Engine) -> None:
    def fn(db: DatabaseReader) -> Any:
        table = db.query("t")
        return len(table.collect()), len(table.collect()), table.first()["n"], len(list(table))

    assert eng.query(fn) == (5, 5, 0, 5)


def test_order_rules(eng: Engine) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(lambda db: db.query("t").order("desc").order("asc"))
    assert str(info.value) == "Queries may only specify order at most once"
    with pytest.raises(errors.ConvexTestError, match='must be "asc" or "desc"'):
        eng.query(lambda db: db.query("t").order("DESC"))
    rows = eng.query(
        lambda db: db.query("t").filter(lambda q: q.gt(q.field("n"), 1)).order("desc").collect()
    )
    assert ns(rows) == [4, 3, 2]


def test_limit_then_filter_operators(eng: Engine) -> None:
    rows = eng.query(
        lambda db: db.query("t").limit(3).filter(lambda q: q.neq(q.field("n"), 1)).collect()
    )
    assert ns(rows) == [0, 2]
    rows = eng.query(
        lambda db: db.query("t").filter(lambda q: q.neq(q.field("n"), 1)).limit(3).collect()
    )
    assert ns(rows) == [0, 2, 3]
    rows = eng.query(lambda db: db.query("t").limit(4).limit(2).collect())
    assert ns(rows) == [0, 1]
    rows = eng.query(lambda db: db.query("t").limit(2).take(5))
    assert ns(rows) == [0, 1]


def test_large_scans_cross_chunk_boundaries(engine: Engine) -> None:
    engine.insert_many("big", [{"n": i} for i in range(5000)])
    rows = engine.query(lambda db: db.query("big").collect())
    assert ns(rows) == list(range(5000))
    rows = engine.query(lambda db: db.query("big").order("desc").take(3000))
    assert ns(rows) == list(range(4999, 1999, -1))
    rows = engine.query(
        lambda db: db.query("big").filter(lambda q: q.eq(q.field("n"), 4321.0)).collect()
    )
    assert ns(rows) == [4321]


def test_reprs(eng: Engine) -> None:
    def fn(db: DatabaseReader) -> Any:
        return repr(db.query("t")), repr(db.query("t").full_table_scan()), repr(db.table("t"))

    initializer, query, table = eng.query(fn)
    assert "t" in initializer and "full table scan" in query and "TableReader" in table
