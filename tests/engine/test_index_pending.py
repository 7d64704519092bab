"""Inserts defer their index keys (``DbIndex.pending``); every read and removal sees them."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test.engine import DatabaseWriter
from tests.engine.support import Engine, messages_schema


def _doc(i: int) -> dict[str, Any]:
    return {"author": f"a{i % 7}", "body": f"b{i}", "channel": f"c{i % 3}", "n": float(-i)}


def _by_author_n(db: Any, author: str) -> list[float]:
    return [
        d["n"]
        for d in db.query("messages")
        .with_index("by_author_n", lambda q: q.eq("author", author))
        .collect()
    ]


def _index_contents(engine: Engine) -> dict[str, list[Any]]:
    table = engine.store.namespace("").tables["messages"]
    return {
        name: list(index.sorted_keys())
        for name, index in table.indexes.items()
        if index.keys is not None
    }


def _brute_force(engine: Engine) -> dict[str, list[Any]]:
    table = engine.store.namespace("").tables["messages"]
    return {
        name: sorted(index.key(doc) for doc in table.docs.values())
        for name, index in table.indexes.items()
        if index.keys is not None
    }


def test_reads_in_the_inserting_mutation_see_every_insert() -> None:
    engine = Engine(messages_schema())

    def fn(db: DatabaseWriter) -> tuple[list[float], list[float]]:
        for i in range(500):
            db.insert("messages", _doc(i))
        first = _by_author_n(db, "a3")
        for i in range(500, 510):  # a small batch: merged key by key
            db.insert("messages", _doc(i))
        return first, _by_author_n(db, "a3")

    first, second = engine.mutation(fn)
    expected = sorted(float(-i) for i in range(500) if i % 7 == 3)
    assert first == expected
    assert second == sorted([*expected, *(float(-i) for i in range(500, 510) if i % 7 == 3)])


@pytest.mark.parametrize("batch", [1, 10, 1000])
def test_index_contents_match_the_documents_after_mixed_writes(batch: int) -> None:
    engine = Engine(messages_schema())
    engine.insert_many("messages", [_doc(i) for i in range(200)])

    def fn(db: DatabaseWriter) -> None:
        ids = [db.insert("messages", _doc(i)) for i in range(200, 200 + batch)]
        # Patch and delete documents whose keys are still pending, before any read.
        db.patch(ids[0], {"author": "zz", "n": 0.5})
        db.delete(ids[-1]) if len(ids) > 1 else None
        db.replace(ids[len(ids) // 2], _doc(9999)) if len(ids) > 2 else None

    engine.mutation(fn)
    assert _index_contents(engine) == _brute_force(engine)
    authors = engine.query(
        lambda db: [d["author"] for d in db.query("messages").with_index("by_author").collect()]
    )
    assert authors == sorted(authors)


def test_a_failed_mutation_leaves_no_pending_keys() -> None:
    engine = Engine(messages_schema())
    engine.insert_many("messages", [_doc(i) for i in range(50)])
    before = _index_contents(engine)

    def fn(db: DatabaseWriter) -> None:
        for i in range(50, 3000):
            db.insert("messages", _doc(i))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        engine.mutation(fn)
    table = engine.store.namespace("").tables["messages"]
    assert all(not index.pending for index in table.indexes.values())
    assert _index_contents(engine) == before
    assert engine.query(lambda db: len(db.query("messages").collect())) == 50


def test_a_lazy_index_materialised_later_holds_pending_documents_once() -> None:
    engine = Engine(messages_schema())

    def fn(db: DatabaseWriter) -> list[str]:
        ids = [db.insert("messages", _doc(i)) for i in range(30)]
        # by_id is built from the stored documents on first use, while by_creation_time
        # still has these 30 keys pending.
        got = [db.get(i) for i in ids]
        assert all(d is not None for d in got)
        return [d["_id"] for d in db.query("messages").with_index("by_id").collect()]

    listed = engine.mutation(fn)
    assert listed == sorted(listed) and len(set(listed)) == 30
    assert _index_contents(engine) == _brute_force(engine)
