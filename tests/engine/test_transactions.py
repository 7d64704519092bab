"""Undo-log transactions: commit, rollback, savepoints, limits across nesting."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test import errors
from convex_test.engine import DatabaseWriter
from convex_test.values.types import UNDEFINED
from tests.engine.strategies import pool_values
from tests.engine.support import Engine, messages_schema


def test_rollback_undoes_everything(schema_engine: Engine) -> None:
    eng = schema_engine
    keep = eng.mutation(lambda db: db.insert("messages", {"author": "a", "body": "keep"}))
    before = eng.snapshot()

    def fn(db: DatabaseWriter) -> None:
        db.insert("messages", {"author": "b", "body": "new"})
        db.patch(keep, {"body": "changed"})
        db.delete(keep)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        eng.mutation(fn)
    assert eng.snapshot() == before


def test_rollback_drops_tables_created_in_the_transaction(engine: Engine) -> None:
    txn, db = engine.begin()
    doc_id = db.insert("fresh", {"a": 1})
    number = engine.store.namespace("").tables["fresh"].number
    txn.rollback()
    assert "fresh" not in engine.store.namespace("").tables
    assert engine.query(lambda db: db.get(doc_id)) is None
    assert engine.query(lambda db: db.normalize_id("fresh", doc_id)) is None
    # The table comes back with the same number, so old IDs name it again.
    engine.mutation(lambda db: db.insert("fresh", {"a": 2}))
    assert engine.store.namespace("").tables["fresh"].number == number
    assert engine.query(lambda db: db.normalize_id("fresh", doc_id)) == doc_id
    assert engine.query(lambda db: db.get(doc_id)) is None


def test_savepoint_rollback_keeps_the_outer_writes(engine: Engine) -> None:
    txn, db = engine.begin()
    outer = db.insert("t", {"n": 1})
    sp = txn.savepoint()
    inner = db.insert("t", {"n": 2})
    db.patch(outer, {"n": 10})
    txn.rollback_to(sp)
    assert db.get(inner) is None and db.get(outer)["n"] == 1
    sp2 = txn.savepoint()
    kept = db.insert("t", {"n": 3})
    assert sp2 == sp  # savepoint numbers are reused after a rollback
    txn.commit()
    rows = engine.query(lambda db: db.query("t").collect())
    assert [r["_id"] for r in rows] == [outer, kept]


def test_nested_savepoints(engine: Engine) -> None:
    txn, db = engine.begin()
    a = db.insert("t", {"n": 1})
    sp1 = txn.savepoint()
    b = db.insert("t", {"n": 2})
    sp2 = txn.savepoint()
    db.insert("t", {"n": 3})
    txn.rollback_to(sp2)
    assert len(db.query("t").collect()) == 2
    txn.rollback_to(sp1)
    assert [r["_id"] for r in db.query("t").collect()] == [a]
    with pytest.raises(errors.ConvexTestError, match="Unknown savepoint"):
        txn.rollback_to(sp2)
    assert db.get(b) is None
    txn.rollback()
    assert engine.query(lambda db: db.query("t").collect()) == []


def test_parent_rollback_discards_committed_children(engine: Engine) -> None:
    txn, db = engine.begin()
    txn.savepoint()
    db.insert("t", {"n": 1})  # a nested mutation that succeeded
    txn.rollback()  # ... then the parent raised
    assert engine.query(lambda db: db.query("t").collect()) == []


def test_rolled_back_writes_do_not_count(engine: Engine) -> None:
    txn, db = engine.begin()
    txn.limits.documents_written = 2
    db.insert("t", {})
    sp = txn.savepoint()
    db.insert("t", {})
    txn.rollback_to(sp)
    db.insert("t", {})
    assert txn.documents_written == 2
    with pytest.raises(errors.ConvexTestError, match="Too many writes"):
        db.insert("t", {})
    txn.rollback()


def test_bad_savepoints(engine: Engine) -> None:
    txn, _ = engine.begin()
    for bad in (-1, 5, True, "0", None):
        with pytest.raises(errors.ConvexTestError, match="Unknown savepoint"):
            txn.rollback_to(bad)  # type: ignore[arg-type]
    txn.commit()
    assert txn.closed
    with pytest.raises(errors.ConvexTestError, match="already committed"):
        txn.savepoint()


def test_creation_times_are_not_reused_after_rollback(engine: Engine) -> None:
    txn, db = engine.begin()
    first = db.get(db.insert("t", {}))["_creationTime"]
    txn.rollback()
    doc_id = engine.mutation(lambda db: db.insert("t", {}))
    assert engine.query(lambda db: db.get(doc_id))["_creationTime"] > first


def test_serial_transactions_see_committed_state(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("t", {"text": ""}))
    for _ in range(5):
        engine.mutation(lambda db: db.patch(doc_id, {"text": db.get(doc_id)["text"] + "!"}))
    assert engine.query(lambda db: db.get(doc_id))["text"] == "!!!!!"


def test_iteration_reads_lazily_in_chunks(engine: Engine) -> None:
    engine.insert_many("t", [{"n": i} for i in range(100)])

    def fn(db: DatabaseWriter) -> list[float]:
        seen = []
        for doc in db.query("t"):
            seen.append(doc["n"])
            if doc["n"] == 0:
                db.insert("t", {"n": 1000})
                db.delete(last)
        return seen

    last = engine.query(lambda db: db.query("t").order("desc").first())["_id"]
    # The first chunk was read before the writes; the next chunks see them.
    assert engine.mutation(fn) == [*range(99), 1000]


def test_a_short_final_chunk_ends_the_scan(engine: Engine) -> None:
    engine.insert_many("t", [{"n": i} for i in range(3)])

    def fn(db: DatabaseWriter) -> list[float]:
        seen = []
        for doc in db.query("t"):
            seen.append(doc["n"])
            if doc["n"] == 0:
                db.insert("t", {"n": 100})
        return seen

    # Like the backend, a fetch that came back short marked the end of the range.
    assert engine.mutation(fn) == [0, 1, 2]


# --------------------------------------------------------------------------- property

operations = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.sampled_from(["messages", "users"]), pool_values),
        st.tuples(st.just("patch"), st.integers(0, 20), st.one_of(st.just(UNDEFINED), pool_values)),
        st.tuples(st.just("replace"), st.integers(0, 20), pool_values),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("savepoint")),
        st.tuples(st.just("rollback_to")),
    ),
    max_size=25,
)


def _apply(txn: Any, db: DatabaseWriter, ops: list[Any], ids: list[str]) -> None:
    savepoints: list[int] = []
    for op in ops:
        kind = op[0]
        try:
            if kind == "insert":
                table = op[1]
                doc = (
                    {"author": "a", "body": "b", "score": 1.0, "channel": op[2]}
                    if table == "messages"
                    else {"name": "n", "extra_field_is_rejected": op[2]}
                )
                ids.append(db.insert(table, doc))
            elif kind == "patch" and ids:
                db.patch(ids[op[1] % len(ids)], {"channel": op[2], "body": "p"})
            elif kind == "replace" and ids:
                db.replace(ids[op[1] % len(ids)], {"author": "r", "body": "r", "channel": op[2]})
            elif kind == "delete" and ids:
                db.delete(ids[op[1] % len(ids)])
            elif kind == "savepoint":
                savepoints.append(txn.savepoint())
            elif kind == "rollback_to" and savepoints:
                txn.rollback_to(savepoints.pop())
        except errors.ConvexTestError:
            pass  # schema errors, writes to deleted documents, ...: must leave no trace


@settings(max_examples=150, deadline=None)
@given(setup=operations, ops=operations)
def test_rollback_restores_the_exact_prior_state(setup: list[Any], ops: list[Any]) -> None:
    eng = Engine(messages_schema())
    ids: list[str] = []
    txn, db = eng.begin()
    _apply(txn, db, setup, ids)
    txn.commit()
    before = eng.snapshot()
    txn, db = eng.begin()
    _apply(txn, db, ops, ids)
    txn.rollback()
    assert eng.snapshot() == before


@settings(max_examples=100, deadline=None)
@given(setup=operations, ops=operations)
def test_savepoint_rollback_restores_the_state_at_the_savepoint(
    setup: list[Any], ops: list[Any]
) -> None:
    eng = Engine(messages_schema())
    ids: list[str] = []
    txn, db = eng.begin()
    _apply(txn, db, setup, ids)
    at_savepoint = eng.snapshot()
    sp = txn.savepoint()
    _apply(txn, db, [op for op in ops if op[0] not in ("savepoint", "rollback_to")], ids)
    txn.rollback_to(sp)
    assert eng.snapshot() == at_savepoint
    txn.commit()


@settings(max_examples=60, deadline=None)
@given(ops=operations)
def test_indexes_stay_consistent_with_documents(ops: list[Any]) -> None:
    eng = Engine(messages_schema())
    ids: list[str] = []
    txn, db = eng.begin()
    _apply(txn, db, ops, ids)
    txn.commit()
    ns = eng.store.namespace("")
    for table in ns.tables.values():
        for index in table.indexes.values():
            if index.keys is None:
                continue
            assert list(index.sorted_keys()) == sorted(index.key(d) for d in table.docs.values())
        for text in table.search_indexes.values():
            assert len(text) == len(table.docs)
