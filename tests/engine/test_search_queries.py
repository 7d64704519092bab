"""with_search_index through the query engine: validation, relevance order, limits."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import errors
from convex_test.engine import DatabaseReader
from convex_test.schema.definition import define_schema, define_table
from convex_test.schema.validators import v
from convex_test.values.types import UNDEFINED
from tests.engine.support import Engine


def search(eng: Engine, fn: Any, then: Any = None) -> Any:
    def run(db: DatabaseReader) -> Any:
        query = db.query("messages").with_search_index("search_body", fn)
        return then(query) if then is not None else query.collect()

    return eng.query(run)


def bodies(docs: list[dict[str, Any]]) -> list[str]:
    return [d["body"] for d in docs]


@pytest.fixture
def eng(schema_engine: Engine) -> Engine:
    schema_engine.insert_many(
        "messages",
        [
            {"author": "alice", "body": "hello world"},
            {"author": "bob", "body": "hello hello there"},
            {"author": "alice", "body": "goodbye world"},
            {"author": "carol", "body": "Hello, World! worldly"},
        ],
    )
    return schema_engine


def test_search_matches_and_filters(eng: Engine) -> None:
    found = bodies(search(eng, lambda q: q.search("body", "hello")))
    assert set(found) == {"hello world", "hello hello there", "Hello, World! worldly"}
    alice = search(eng, lambda q: q.search("body", "world").eq("author", "alice"))
    assert set(bodies(alice)) == {"hello world", "goodbye world"}
    assert search(eng, lambda q: q.search("body", "world").eq("author", UNDEFINED)) == []
    assert search(eng, lambda q: q.search("body", "")) == []
    assert search(eng, lambda q: q.search("body", "   ")) == []


def test_relevance_order_then_newest(eng: Engine) -> None:
    found = bodies(search(eng, lambda q: q.search("body", "hello")))
    assert found[0] == "hello hello there"
    # Equal scores: newer documents first.
    eng.insert_many("messages", [{"author": "d", "body": "zeta"}, {"author": "e", "body": "zeta"}])
    zetas = search(eng, lambda q: q.search("body", "zeta"))
    assert [d["author"] for d in zetas] == ["e", "d"]


def test_search_with_take_first_filter(eng: Engine) -> None:
    top = search(eng, lambda q: q.search("body", "hello"), lambda query: query.take(1))
    assert bodies(top) == ["hello hello there"]
    first = search(eng, lambda q: q.search("body", "hello"), lambda query: query.first())
    assert first["body"] == "hello hello there"
    filtered = search(
        eng,
        lambda q: q.search("body", "world"),
        lambda query: query.filter(lambda f: f.neq(f.field("author"), "alice")).collect(),
    )
    assert bodies(filtered) == ["Hello, World! worldly"]


def test_search_order_is_fixed(eng: Engine) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        search(eng, lambda q: q.search("body", "x"), lambda query: query.order("desc"))
    assert str(info.value) == (
        "Search queries must always be in relevance order. Can not set order manually."
    )


def test_search_validation_errors(eng: Engine) -> None:
    with pytest.raises(errors.ConvexTestError, match="search filter against"):
        search(eng, lambda q: q.search("author", "x"))
    with pytest.raises(errors.ConvexTestError, match="isn't indexed for filtering"):
        search(eng, lambda q: q.search("body", "x").eq("body", "y"))
    with pytest.raises(errors.ConvexTestError, match="does not contain any search filters"):
        search(eng, lambda q: q.eq("author", "x"))
    with pytest.raises(errors.ConvexTestError, match="too many filter conditions"):

        def many(q: Any) -> Any:
            q = q.search("body", "x")
            for i in range(9):
                q = q.eq("author", str(i))
            return q

        search(eng, many)


def test_search_index_lookup_errors(eng: Engine) -> None:
    def with_index(name: str) -> Any:
        return eng.query(
            lambda db: (
                db.query("messages")
                .with_search_index(name, lambda q: q.search("body", "x"))
                .collect()
            )
        )

    with pytest.raises(errors.ConvexTestError) as info:
        with_index("by_author")
    assert str(info.value) == "Index messages.by_author is not a search index"
    with pytest.raises(errors.ConvexTestError) as info:
        with_index("search_bdy")
    assert str(info.value) == "Index messages.search_bdy not found. Did you mean `search_body`?"
    with pytest.raises(errors.ConvexTestError, match=r"Index ghosts\.s not found\."):
        eng.query(
            lambda db: (
                db.query("ghosts").with_search_index("s", lambda q: q.search("b", "x")).collect()
            )
        )


def test_search_builder_rules(eng: Engine) -> None:
    def reuse(q: Any) -> Any:
        q.search("body", "x")
        return q.search("body", "y")

    with pytest.raises(errors.ConvexTestError, match="SearchFilterBuilder has already been used"):
        search(eng, reuse)
    with pytest.raises(errors.ConvexTestError, match="must return the search filter builder"):
        search(eng, lambda q: None)
    with pytest.raises(errors.ConvexTestError, match="must be a string"):
        search(eng, lambda q: q.search("body", 5))
    with pytest.raises(errors.ConvexTestError, match="searchFilter"):
        eng.query(lambda db: db.query("messages").with_search_index("search_body", None))


def test_search_reads_at_most_1024_results(schema_engine: Engine) -> None:
    schema_engine.insert_many(
        "messages", [{"author": "a", "body": f"common {i}"} for i in range(1025)]
    )

    def run(then: Any) -> Any:
        txn, db = schema_engine.begin(read_only=True)
        try:
            query = db.query("messages").with_search_index(
                "search_body", lambda q: q.search("body", "common")
            )
            return then(query)
        finally:
            txn.rollback()

    assert len(run(lambda query: query.take(1024))) == 1024
    with pytest.raises(errors.ConvexTestError) as info:
        run(lambda query: query.collect())
    assert str(info.value).startswith("Search query scanned too many documents (fetched 1024).")


def test_search_sees_uncommitted_writes_and_patches(eng: Engine) -> None:
    def fn(db: Any) -> Any:
        new = db.insert("messages", {"author": "z", "body": "fresh words"})
        found = (
            db.query("messages")
            .with_search_index("search_body", lambda q: q.search("body", "fresh"))
            .collect()
        )
        db.patch(new, {"body": "stale"})
        gone = (
            db.query("messages")
            .with_search_index("search_body", lambda q: q.search("body", "fresh"))
            .collect()
        )
        return bodies(found), gone

    assert eng.mutation(fn) == (["fresh words"], [])


def test_paginated_search(eng: Engine) -> None:
    build = lambda db: db.query("messages").with_search_index(  # noqa: E731
        "search_body", lambda q: q.search("body", "hello world")
    )
    all_docs = bodies(eng.query(lambda db: build(db).collect()))
    first = eng.query(lambda db: build(db).paginate({"numItems": 2, "cursor": None}))
    second = eng.query(
        lambda db: build(db).paginate({"numItems": 10, "cursor": first["continueCursor"]})
    )
    assert bodies(first["page"]) + bodies(second["page"]) == all_docs
    assert first["isDone"] is False and second["isDone"] is True
    assert first["splitCursor"] is None
    other = eng.query(
        lambda db: (
            db.query("messages")
            .with_search_index("search_body", lambda q: q.search("body", "x"))
            .paginate({"numItems": 2, "cursor": None})
        )
    )
    assert other["page"] == [] and other["isDone"]
    with pytest.raises(errors.InvalidCursorError):
        eng.query(
            lambda db: (
                db.query("messages")
                .with_search_index("search_body", lambda q: q.search("body", "other"))
                .paginate({"numItems": 2, "cursor": first["continueCursor"]})
            )
        )


def test_vector_indexes_are_maintained_and_found() -> None:
    schema = define_schema(
        {
            "vecs": define_table(
                {"kind": v.string(), "embedding": v.optional(v.array(v.float64()))}
            )
            .vector_index(
                "by_embedding", vector_field="embedding", dimensions=2, filter_fields=["kind"]
            )
            .index("by_kind", ["kind"])
        }
    )
    eng = Engine(schema)
    a, b, c = eng.insert_many(
        "vecs",
        [
            {"kind": "x", "embedding": [1.0, 0.0]},
            {"kind": "y", "embedding": [0.0, 1.0]},
            {"kind": "x"},
        ],
    )
    txn, db = eng.begin()
    index = txn.vector_index("", "vecs", "by_embedding")
    assert [doc_id for doc_id, _ in index.search([1.0, 0.1], limit=5)] == [a, b]
    db.patch(b, {"embedding": [1.0, 0.0]})
    db.delete(a)
    db.patch(c, {"embedding": [0.5, 0.5]})
    assert {doc_id for doc_id, _ in index.search([1.0, 0.0], limit=5)} == {b, c}
    txn.rollback()
    assert [doc_id for doc_id, _ in index.search([1.0, 0.1], limit=5)] == [a, b]
    with pytest.raises(errors.ConvexTestError) as info:
        txn.vector_index("", "vecs", "by_kind")
    assert str(info.value) == "Index vecs.by_kind is not a vector index"
    with pytest.raises(errors.ConvexTestError) as info:
        txn.vector_index("", "vecs", "by_embeding")
    assert str(info.value) == "Index vecs.by_embeding not found. Did you mean `by_embedding`?"
    with pytest.raises(errors.ConvexTestError, match=r"Index nope\.x not found\."):
        txn.vector_index("", "nope", "x")
