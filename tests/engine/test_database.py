"""ctx.db: insert / get / patch / replace / delete, IDs, system fields, errors."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from convex_test import errors
from convex_test.engine import DatabaseReader, DatabaseWriter, Store
from convex_test.ids import decode_id, encode_id
from convex_test.schema.definition import define_schema, define_table
from convex_test.schema.validators import v
from convex_test.values.types import UNDEFINED, Int64
from tests.engine.support import START, Engine, FakeClock, messages_schema

# --------------------------------------------------------------------------- CRUD


def test_insert_returns_id_and_get_returns_document(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1, "b": "x"}))
    assert isinstance(doc_id, str) and len(doc_id) == 32
    doc = engine.query(lambda db: db.get(doc_id))
    assert doc == {"_id": doc_id, "_creationTime": START, "a": 1, "b": "x"}
    assert list(doc)[:2] == ["_creationTime", "_id"]


def test_get_with_table_argument(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    assert engine.query(lambda db: db.get("things", doc_id))["a"] == 1


def test_documents_are_copies_both_ways(engine: Engine) -> None:
    value: dict[str, Any] = {"nested": {"list": [1, 2]}}
    doc_id = engine.mutation(lambda db: db.insert("things", value))
    value["nested"]["list"].append(3)
    first = engine.query(lambda db: db.get(doc_id))
    assert first["nested"]["list"] == [1, 2]
    first["nested"]["list"].append(99)
    first["new"] = 1
    again = engine.query(lambda db: db.get(doc_id))
    assert again["nested"]["list"] == [1, 2] and "new" not in again
    listed = engine.query(lambda db: db.query("things").collect())
    listed[0]["nested"]["list"].clear()
    assert engine.query(lambda db: db.get(doc_id))["nested"]["list"] == [1, 2]


def test_read_your_writes_inside_a_transaction(engine: Engine) -> None:
    def fn(db: DatabaseWriter) -> Any:
        a = db.insert("things", {"n": 1})
        seen = [d["n"] for d in db.query("things").collect()]
        db.patch(a, {"n": 2})
        after_patch = db.get(a)
        db.delete(a)
        return seen, after_patch["n"], db.get(a), db.query("things").collect()

    assert engine.mutation(fn) == ([1], 2, None, [])


def test_patch_shallow_merges_and_undefined_removes(engine: Engine) -> None:
    doc_id = engine.mutation(
        lambda db: db.insert("things", {"a": 1, "b": {"x": 1, "y": 2}, "c": "keep"})
    )
    engine.mutation(lambda db: db.patch(doc_id, {"a": UNDEFINED, "b": {"x": 5}, "d": None}))
    doc = engine.query(lambda db: db.get(doc_id))
    assert doc == {"_id": doc_id, "_creationTime": START, "b": {"x": 5}, "c": "keep", "d": None}


def test_patch_undefined_of_missing_field_and_system_fields_is_noop(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    before = engine.store.namespace("").tables["things"].docs[doc_id]
    engine.mutation(
        lambda db: db.patch(
            doc_id, {"zzz": UNDEFINED, "_id": UNDEFINED, "_creationTime": UNDEFINED}
        )
    )
    assert engine.store.namespace("").tables["things"].docs[doc_id] is before


def test_identical_patch_and_replace_record_no_write(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1, "b": [1, 2]}))
    txn, db = engine.begin()
    db.patch(doc_id, {"a": 1})
    db.replace(doc_id, {"a": 1, "b": [1, 2]})
    db.replace(doc_id, {"b": [1, 2], "a": 1, "_id": doc_id})
    assert txn.documents_written == 0
    db.patch(doc_id, {"a": 2})
    assert txn.documents_written == 1
    txn.commit()


def test_patch_int64_vs_float_is_a_change(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1.0}))
    engine.mutation(lambda db: db.patch(doc_id, {"a": Int64(1)}))
    assert type(engine.query(lambda db: db.get(doc_id))["a"]) is Int64


def test_patch_with_matching_system_fields(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    engine.mutation(lambda db: db.patch(doc_id, {"_id": doc_id, "_creationTime": START, "a": 2}))
    assert engine.query(lambda db: db.get(doc_id))["a"] == 2


def test_patch_with_other_id_or_creation_time_fails(engine: Engine) -> None:
    doc_id, other = engine.insert_many("things", [{"a": 1}, {"a": 2}])
    with pytest.raises(errors.InvalidIdError) as info:
        engine.mutation(lambda db: db.patch(doc_id, {"_id": other}))
    assert str(info.value) == (
        f'Provided document ID "{doc_id}" doesn\'t match \'_id\' field "{other}"'
    )
    with pytest.raises(errors.ConvexTestError, match=r"doesn't match '_creationTime' field 1\.0"):
        engine.mutation(lambda db: db.patch(doc_id, {"_creationTime": 1.0}))


def test_replace_replaces_body_and_keeps_system_fields(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1, "b": 2}))
    engine.clock.now += 1000
    engine.mutation(lambda db: db.replace(doc_id, {"c": 3, "skip": UNDEFINED}))
    assert engine.query(lambda db: db.get(doc_id)) == {
        "_id": doc_id,
        "_creationTime": START,
        "c": 3,
    }


def test_replace_with_full_document_including_system_fields(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    doc = engine.query(lambda db: db.get(doc_id))
    doc["a"] = 2
    engine.mutation(lambda db: db.replace(doc_id, doc))
    assert engine.query(lambda db: db.get(doc_id)) == doc


def test_delete_removes_document(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    engine.mutation(lambda db: db.delete(doc_id))
    assert engine.query(lambda db: db.get(doc_id)) is None
    assert engine.query(lambda db: db.query("things").collect()) == []


def test_explicit_table_forms(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    engine.mutation(lambda db: db.patch("things", doc_id, {"a": 2}))
    engine.mutation(lambda db: db.replace("things", doc_id, {"a": 3}))
    assert engine.query(lambda db: db.get("things", doc_id))["a"] == 3
    engine.mutation(lambda db: db.delete("things", doc_id))
    assert engine.query(lambda db: db.get("things", doc_id)) is None


def test_table_helper(engine: Engine) -> None:
    def fn(db: DatabaseWriter) -> Any:
        things = db.table("things")
        doc_id = things.insert({"a": 1})
        things.patch(doc_id, {"a": 2})
        got = things.get(doc_id)
        rows = things.query().collect()
        things.replace(doc_id, {"a": 3})
        final = things.get(doc_id)
        things.delete(doc_id)
        return got["a"], len(rows), final["a"], things.get(doc_id)

    assert engine.mutation(fn) == (2, 1, 3, None)


@pytest.mark.parametrize("method", ["patch", "replace", "delete", "get"])
def test_explicit_table_mismatch(engine: Engine, method: str) -> None:
    doc_id = engine.mutation(lambda db: db.insert("messages", {"a": 1}))
    engine.mutation(lambda db: db.insert("users", {"a": 1}))

    def fn(db: DatabaseWriter) -> Any:
        if method == "delete":
            return db.delete("users", doc_id)
        if method == "get":
            return db.get("users", doc_id)
        return getattr(db, method)("users", doc_id, {"a": 2})

    with pytest.raises(errors.InvalidIdError) as info:
        engine.mutation(fn)
    assert str(info.value) == (
        f"Invalid argument `id` for `db.{method}`: "
        'expected to be an Id<"users">, got Id<"messages"> instead.'
    )


# --------------------------------------------------------------------------- bad IDs


@pytest.mark.parametrize("method", ["get", "patch", "replace", "delete"])
def test_malformed_id(engine: Engine, method: str) -> None:
    def fn(db: DatabaseWriter) -> Any:
        if method in ("get", "delete"):
            return getattr(db, method)("not an id")
        return getattr(db, method)("not an id", {"a": 1})

    with pytest.raises(errors.InvalidIdError) as info:
        engine.mutation(fn)
    assert str(info.value) == (
        f"Invalid argument `id` for `db.{method}`: Unable to decode ID: Invalid ID length 9"
    )


def test_id_of_missing_table(engine: Engine) -> None:
    ghost = encode_id(20000, bytes(16))
    assert engine.query(lambda db: db.get(ghost)) is None
    for method in ("patch", "replace"):
        with pytest.raises(errors.InvalidIdError) as info:
            engine.mutation(lambda db, m=method: getattr(db, m)(ghost, {"a": 1}))
        assert str(info.value) == (
            f'Invalid argument `id` for `db.{method}`: Table for ID "{ghost}" not found'
        )
    with pytest.raises(errors.InvalidIdError, match="Table for ID"):
        engine.mutation(lambda db: db.delete(ghost))


def test_nonexistent_document(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    engine.mutation(lambda db: db.delete(doc_id))
    assert engine.query(lambda db: db.get(doc_id)) is None
    cases = [
        ("patch", f"Update on nonexistent document ID {doc_id}"),
        ("replace", f"Replace on nonexistent document ID {doc_id}"),
    ]
    for method, text in cases:
        with pytest.raises(errors.ConvexTestError) as info:
            engine.mutation(lambda db, m=method: getattr(db, m)(doc_id, {"a": 2}))
        assert str(info.value) == text
    with pytest.raises(errors.ConvexTestError) as info:
        engine.mutation(lambda db: db.delete(doc_id))
    assert str(info.value) == f"Delete on nonexistent document ID {doc_id}"


@pytest.mark.parametrize("bad", [5, None, 1.5, ["x"], {"id": "x"}, b"x"])
def test_non_string_ids_raise_convex_errors(engine: Engine, bad: Any) -> None:
    for call in (
        lambda db: db.get(bad),
        lambda db: db.patch(bad, {}),
        lambda db: db.replace(bad, {}),
        lambda db: db.delete(bad),
        lambda db: db.system.get(bad),
        lambda db: db.get("things", bad),
    ):
        with pytest.raises(errors.ConvexTestError, match="Invalid argument `id`"):
            engine.mutation(call)


def test_get_non_string_text(engine: Engine) -> None:
    with pytest.raises(errors.InvalidIdError) as info:
        engine.query(lambda db: db.get(5))
    assert str(info.value) == (
        "Invalid argument `id` for `db.get`, expected string but got 'number': 5.0"
    )


@pytest.mark.parametrize("bad", [5, None, "text", [1], ("a", 1)])
def test_value_must_be_an_object(engine: Engine, bad: Any) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    for method, call in (
        ("db.insert", lambda db: db.insert("things", bad)),
        ("db.patch", lambda db: db.patch(doc_id, bad)),
        ("db.replace", lambda db: db.replace(doc_id, bad)),
    ):
        with pytest.raises(errors.ConvexTestError) as info:
            engine.mutation(call)
        assert (
            str(info.value) == f"Invalid argument `value` for `{method}`: Value must be an Object"
        )


@pytest.mark.parametrize("args", [(), ("a",), ("a", "b", "c", "d")])
def test_wrong_arity(engine: Engine, args: tuple[Any, ...]) -> None:
    with pytest.raises(errors.ConvexTestError, match="takes"):
        engine.mutation(lambda db: db.patch(*args))
    if len(args) != 1:
        with pytest.raises(errors.ConvexTestError, match="takes"):
            engine.mutation(lambda db: db.delete(*args))


def test_non_string_table_names(engine: Engine) -> None:
    with pytest.raises(errors.ConvexTestError, match="Invalid argument `table`"):
        engine.mutation(lambda db: db.insert(5, {}))
    with pytest.raises(errors.ConvexTestError, match="tableName"):
        engine.query(lambda db: db.query(None))
    with pytest.raises(errors.ConvexTestError, match="Invalid argument `table`"):
        engine.query(lambda db: db.get(5, "x"))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("", "Identifier cannot be empty"),
        ("a-b", "Identifier a-b has invalid character '-': Identifiers can only contain "),
        ("1abc", "Invalid first character '1' in 1abc: Identifiers must start with"),
        ("x" * 65, "Identifier is too long (65 > maximum 64)"),
    ],
)
def test_new_table_names_must_be_identifiers(engine: Engine, name: str, text: str) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        engine.mutation(lambda db: db.insert(name, {"a": 1}))
    assert str(info.value).startswith("Invalid argument `table` for `db.insert`: " + text)


# --------------------------------------------------------------------------- system fields


def test_insert_with_id_or_creation_time(engine: Engine) -> None:
    with pytest.raises(errors.InvalidIdError, match=r"^Provided document ID \".*\" doesn't match"):
        engine.mutation(lambda db: db.insert("things", {"_id": "abc"}))
    with pytest.raises(errors.ConvexTestError, match=r"doesn't match '_creationTime' field 5\.0"):
        engine.mutation(lambda db: db.insert("things", {"_creationTime": 5}))


def test_insert_with_the_right_creation_time_is_accepted(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"_creationTime": START}))
    assert engine.query(lambda db: db.get(doc_id))["_creationTime"] == START


def test_underscore_fields_rejected(engine: Engine) -> None:
    with pytest.raises(errors.UnsupportedValueError) as info:
        engine.mutation(lambda db: db.insert("things", {"_secret": 1}))
    assert "Field '_secret' starts with an underscore, which is only allowed for system fields" in (
        str(info.value)
    )
    doc_id = engine.mutation(lambda db: db.insert("things", {"nested": {"_ok": 1}}))
    with pytest.raises(errors.UnsupportedValueError, match="'_x' starts with an underscore"):
        engine.mutation(lambda db: db.patch(doc_id, {"_x": 1}))
    with pytest.raises(errors.UnsupportedValueError, match="'_x' starts with an underscore"):
        engine.mutation(lambda db: db.replace(doc_id, {"_x": 1}))


def test_unsupported_values_name_the_path(engine: Engine) -> None:
    with pytest.raises(errors.UnsupportedValueError, match=r"\.a\.b"):
        engine.mutation(lambda db: db.insert("things", {"a": {"b": {1, 2}}}))
    with pytest.raises(errors.UnsupportedValueError, match=r"starts with a '\$'"):
        engine.mutation(lambda db: db.insert("things", {"$bad": 1}))
    with pytest.raises(errors.UnsupportedValueError, match="Int64"):
        engine.mutation(lambda db: db.insert("things", {"big": 2**60}))
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    with pytest.raises(errors.UnsupportedValueError):
        engine.mutation(lambda db: db.patch(doc_id, {"a": object()}))
    with pytest.raises(errors.UnsupportedValueError):
        engine.mutation(lambda db: db.patch(doc_id, {5: 1}))


def test_non_canonical_inputs_are_canonicalised(engine: Engine) -> None:
    doc_id = engine.mutation(
        lambda db: db.insert("things", {"t": (1, 2), "b": bytearray(b"x"), "u": UNDEFINED})
    )
    assert engine.query(lambda db: db.get(doc_id)) == {
        "_id": doc_id,
        "_creationTime": START,
        "t": [1, 2],
        "b": b"x",
    }


def test_document_too_large_and_too_nested(engine: Engine) -> None:
    with pytest.raises(errors.UnsupportedValueError, match=r"Value is too large \(1"):
        engine.mutation(lambda db: db.insert("things", {"s": "x" * (1 << 20)}))
    nested: Any = 1
    for _ in range(16):
        nested = [nested]
    with pytest.raises(errors.UnsupportedValueError, match="Document is too nested"):
        engine.mutation(lambda db: db.insert("things", {"n": nested}))
    ok: Any = 1
    for _ in range(15):
        ok = [ok]
    engine.mutation(lambda db: db.insert("things", {"n": ok}))


def test_stored_sizes_match_the_convex_formula(engine: Engine) -> None:
    from convex_test.values.size import value_size

    docs = [
        {"a": 1, "s": "héllo", "l": [1, "x", None, True], "o": {"k": b"12"}},
        {"i": Int64(5), "f": -0.0, "nan": math.nan},
        {},
    ]
    ids = engine.insert_many("things", docs)
    table = engine.store.namespace("").tables["things"]
    for doc_id in ids:
        assert table.sizes[doc_id] == value_size(table.docs[doc_id])


# --------------------------------------------------------------------------- creation time


def test_creation_time_is_strictly_increasing_with_a_frozen_or_backwards_clock(
    engine: Engine,
) -> None:
    ids = engine.insert_many("things", [{"n": i} for i in range(3)])
    engine.clock.now = START - 10_000
    ids += engine.insert_many("things", [{"n": 3}])
    times = [engine.query(lambda db, i=i: db.get(i))["_creationTime"] for i in ids]
    assert times[0] == START
    for a, b in itertools.pairwise(times):
        assert b == math.nextafter(a, math.inf)


def test_creation_time_follows_the_clock(engine: Engine) -> None:
    a = engine.mutation(lambda db: db.insert("x", {}))
    engine.clock.now += 5000.5
    b = engine.mutation(lambda db: db.insert("y", {}))
    assert engine.query(lambda db: db.get(b))["_creationTime"] == START + 5000.5
    assert engine.query(lambda db: db.get(a))["_creationTime"] == START


def test_ids_are_deterministic_and_not_reused_after_rollback() -> None:
    def run(rollback: bool) -> list[str]:
        eng = Engine()
        ids = []
        txn, db = eng.begin()
        ids.append(db.insert("t", {"a": 1}))
        if rollback:
            txn.rollback()
        else:
            txn.commit()
        ids.append(eng.mutation(lambda db: db.insert("t", {"a": 2})))
        return ids

    assert run(False) == run(False)
    committed, rolled_back = run(False), run(True)
    assert committed == rolled_back  # IDs depend on the call sequence only
    assert rolled_back[0] != rolled_back[1]


# --------------------------------------------------------------------------- table numbers


def test_table_numbers() -> None:
    schema = define_schema({"b": define_table({}), "a": define_table({})}, schema_validation=False)
    store = Store(FakeClock())
    app = store.add_namespace("", schema)
    comp = store.add_namespace(
        "counter", define_schema({"counters": define_table({})}, schema_validation=False)
    )
    assert [app.tables["b"].number, app.tables["a"].number] == [10001, 10002]
    assert comp.tables["counters"].number == 10003
    system_numbers = {t.number for ns in (app, comp) for t in ns.tables.values() if t.is_system}
    assert len(system_numbers) == 4 and max(system_numbers) < 10001
    txn = store.begin(read_only=False)
    new_id = DatabaseWriter(txn, "").insert("extra", {})
    DatabaseWriter(txn, "counter").insert("other", {})
    txn.commit()
    assert decode_id(new_id).table_number == 10004
    assert comp.tables["other"].number == 10005


def test_namespaces_are_isolated() -> None:
    store = Store(FakeClock())
    store.add_namespace("", None)
    store.add_namespace("counter", None)
    txn = store.begin(read_only=False)
    app_id = DatabaseWriter(txn, "").insert("things", {"a": 1})
    comp_db = DatabaseWriter(txn, "counter")
    assert comp_db.get(app_id) is None
    assert comp_db.query("things").collect() == []
    assert comp_db.normalize_id("things", app_id) is None
    with pytest.raises(errors.InvalidIdError, match="Table for ID"):
        comp_db.patch(app_id, {"a": 2})
    assert store.namespace("counter").table_for_id(app_id) is None
    assert store.namespace("").table_for_id(app_id) == ("things", False)
    txn.commit()


def test_unknown_namespace(engine: Engine) -> None:
    with pytest.raises(errors.ConvexTestError, match='Namespace "nope" is not registered'):
        engine.store.namespace("nope")
    with pytest.raises(errors.ConvexTestError, match="already registered"):
        engine.store.add_namespace("", None)


# --------------------------------------------------------------------------- normalize_id


def test_normalize_id(engine: Engine) -> None:
    doc_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))
    engine.mutation(lambda db: db.insert("others", {"a": 1}))

    def fn(db: DatabaseReader) -> Any:
        return (
            db.normalize_id("things", doc_id),
            db.normalize_id("others", doc_id),
            db.normalize_id("missing", doc_id),
            db.normalize_id("things", "garbage"),
            db.normalize_id("things", ""),
            db.normalize_id("things", doc_id.upper()),
        )

    assert engine.query(fn) == (doc_id, None, None, None, None, None)
    # A valid ID of the table for a document that never existed still normalizes.
    number = engine.store.namespace("").tables["things"].number
    fresh = encode_id(number, bytes(range(16)))
    assert engine.query(lambda db: db.normalize_id("things", fresh)) == fresh


def test_normalize_id_system_rules(engine: Engine) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        engine.query(lambda db: db.normalize_id("_storage", "x"))
    assert str(info.value) == "System tables can only be accessed from db.system.normalizeId()."
    with pytest.raises(errors.ConvexTestError) as info:
        engine.query(lambda db: db.system.normalize_id("things", "x"))
    assert str(info.value) == "User tables can only be accessed from db.normalizeId()."
    storage_id = _store_file(engine)
    assert engine.query(lambda db: db.system.normalize_id("_storage", storage_id)) == storage_id
    assert (
        engine.query(lambda db: db.system.normalize_id("_scheduled_functions", storage_id)) is None
    )
    with pytest.raises(errors.ConvexTestError, match="expected a string"):
        engine.query(lambda db: db.normalize_id("things", 5))


# --------------------------------------------------------------------------- system tables


def _store_file(engine: Engine) -> str:
    txn = engine.store.begin(read_only=False)
    storage_id = txn.insert(
        "", "_storage", {"sha256": "abc", "size": 3, "contentType": None}, system=True
    )
    txn.commit()
    return storage_id


def test_system_tables_are_read_only_for_user_code(engine: Engine) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        engine.mutation(lambda db: db.insert("_storage", {"a": 1}))
    assert str(info.value) == "System tables (prefixed with `_`) are read-only."
    storage_id = _store_file(engine)
    for call in (
        lambda db: db.patch(storage_id, {"size": 4}),
        lambda db: db.replace(storage_id, {"size": 4}),
        lambda db: db.delete(storage_id),
        lambda db: db.get(storage_id),
    ):
        with pytest.raises(errors.ConvexTestError) as info:
            engine.mutation(call)
        assert str(info.value) == "System tables can only be accessed with db.system."


def test_system_reader(engine: Engine) -> None:
    storage_id = _store_file(engine)
    user_id = engine.mutation(lambda db: db.insert("things", {"a": 1}))

    def fn(db: DatabaseReader) -> Any:
        return (
            db.system.get(storage_id),
            db.system.get("_storage", storage_id),
            [d["_id"] for d in db.system.query("_storage").collect()],
            db.system.query("_scheduled_functions").collect(),
            db.system.table("_storage").get(storage_id)["size"],
        )

    doc, doc2, listed, jobs, size = engine.query(fn)
    assert (
        doc
        == doc2
        == {
            "_id": storage_id,
            "_creationTime": START,
            "sha256": "abc",
            "size": 3,
            "contentType": None,
        }
    )
    assert listed == [storage_id] and jobs == [] and size == 3
    with pytest.raises(errors.ConvexTestError) as info:
        engine.query(lambda db: db.system.get(user_id))
    assert str(info.value) == "User tables cannot be accessed with db.system."
    with pytest.raises(errors.InvalidIdError, match='expected to be an Id<"_scheduled_functions">'):
        engine.query(lambda db: db.system.get("_scheduled_functions", storage_id))
    with pytest.raises(errors.InvalidIdError, match=r"for `db\.system\.get`: Unable to decode ID"):
        engine.query(lambda db: db.system.get("nope"))


def test_query_system_table_rules(engine: Engine) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        engine.query(lambda db: db.query("_storage"))
    assert str(info.value) == "System tables can only be accessed from db.system.query()."
    with pytest.raises(errors.ConvexTestError) as info:
        engine.query(lambda db: db.system.query("things"))
    assert str(info.value) == "User tables can only be accessed from db.query()."


def test_system_writes_from_the_engine(engine: Engine) -> None:
    txn = engine.store.begin(read_only=False)
    job = txn.insert(
        "",
        "_scheduled_functions",
        {"name": "a:b", "args": [{}], "scheduledTime": START, "state": {"kind": "pending"}},
        system=True,
    )
    txn.patch("", job, {"state": {"kind": "success"}}, system=True)
    assert txn.get("", job, system=True)["state"] == {"kind": "success"}
    with pytest.raises(errors.ConvexTestError, match="User tables cannot be accessed"):
        txn.insert("", "things", {}, system=True)
    with pytest.raises(errors.ConvexTestError, match="metadata prefix"):
        txn.insert("", "_other", {}, system=True)
    txn.delete("", job, system=True)
    txn.commit()


# --------------------------------------------------------------------------- readers


@pytest.mark.parametrize("method", ["insert", "patch", "replace", "delete"])
def test_reader_has_no_writes(engine: Engine, method: str) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        engine.query(lambda db: getattr(db, method)("things", {}))
    assert str(info.value).startswith(
        f"ctx.db.{method} is not available in a query: queries are read-only."
    )


def test_read_only_transaction_refuses_low_level_writes(engine: Engine) -> None:
    txn = engine.store.begin(read_only=True)
    with pytest.raises(errors.ConvexTestError, match="read-only transaction"):
        txn.insert("", "things", {})
    txn.rollback()


def test_closed_transaction(engine: Engine) -> None:
    txn, db = engine.begin()
    doc_id = db.insert("things", {})
    txn.commit()
    with pytest.raises(errors.ConvexTestError, match="already committed or rolled back"):
        db.get(doc_id)
    with pytest.raises(errors.ConvexTestError, match="already committed or rolled back"):
        db.insert("things", {})
    with pytest.raises(errors.ConvexTestError, match="already committed or rolled back"):
        txn.commit()


def test_reprs(engine: Engine) -> None:
    txn, db = engine.begin()
    db.insert("things", {})
    assert "things" in repr(engine.store.namespace("").tables["things"])
    assert "DatabaseWriter" in repr(db) and "SystemReader" in repr(db.system)
    assert "open" in repr(txn)
    txn.rollback()


# --------------------------------------------------------------------------- schema


def test_schema_validation_on_writes(schema_engine: Engine) -> None:
    eng = schema_engine
    with pytest.raises(errors.SchemaValidationError) as info:
        eng.mutation(lambda db: db.insert("messages", {"author": "a", "body": 5}))
    assert str(info.value) == (
        'Failed to insert or update a document in table "messages" because it does not match '
        "the schema: Value does not match validator.\nPath: .body\nValue: 5.0\n"
        "Validator: v.string()"
    )
    doc_id = eng.mutation(lambda db: db.insert("messages", {"author": "a", "body": "b"}))
    with pytest.raises(errors.SchemaValidationError, match=r"Path: \.n"):
        eng.mutation(lambda db: db.patch(doc_id, {"n": "x"}))
    with pytest.raises(errors.SchemaValidationError, match="missing the required field `body`"):
        eng.mutation(lambda db: db.patch(doc_id, {"body": UNDEFINED}))
    with pytest.raises(errors.SchemaValidationError, match="extra field `x`"):
        eng.mutation(lambda db: db.replace(doc_id, {"author": "a", "body": "b", "x": 1}))
    assert eng.query(lambda db: db.get(doc_id))["body"] == "b"


def test_schema_converts_int_to_int64(schema_engine: Engine) -> None:
    user = schema_engine.mutation(lambda db: db.insert("users", {"name": "a", "age": 30}))
    age = schema_engine.query(lambda db: db.get(user))["age"]
    assert type(age) is Int64 and age == 30
    schema_engine.mutation(lambda db: db.patch(user, {"age": 31}))
    assert type(schema_engine.query(lambda db: db.get(user))["age"]) is Int64


def test_table_missing_from_schema(schema_engine: Engine) -> None:
    with pytest.raises(errors.SchemaValidationError) as info:
        schema_engine.mutation(lambda db: db.insert("user", {"name": "x"}))
    assert str(info.value).startswith(
        'Failed to insert or update a document in table "user" because it does not match the '
        'schema: Table "user" is not in the schema.'
    )
    assert "Did you mean `users`?" in str(info.value)
    assert "user" not in schema_engine.store.namespace("").tables


def test_schema_validation_off() -> None:
    eng = Engine(messages_schema(schema_validation=False))
    doc_id = eng.mutation(lambda db: db.insert("messages", {"author": 5}))
    eng.mutation(lambda db: db.insert("elsewhere", {"x": 1}))
    assert eng.query(lambda db: db.get(doc_id))["author"] == 5


def test_v_id_validation_uses_the_namespace_resolver() -> None:
    schema = define_schema(
        {
            "users": define_table({"name": v.string()}),
            "posts": define_table({"author": v.id("users")}),
        }
    )
    eng = Engine(schema)
    user = eng.mutation(lambda db: db.insert("users", {"name": "a"}))
    post = eng.mutation(lambda db: db.insert("posts", {"author": user}))
    with pytest.raises(errors.SchemaValidationError, match="from table `posts`"):
        eng.mutation(lambda db: db.insert("posts", {"author": post}))
    resolver = eng.store.namespace("").resolver
    assert resolver.table_for_id(user) == ("users", False)
    assert resolver.table_for_id("garbage") is None


def test_schema_tables_exist_before_any_write(schema_engine: Engine) -> None:
    ns = schema_engine.store.namespace("")
    assert list(ns.tables)[:2] == ["messages", "users"]
    assert schema_engine.query(lambda db: db.query("messages").collect()) == []
    assert ns.table_definition("messages") is not None
    assert ns.table_definition("nope") is None


# --------------------------------------------------------------------------- limits


def test_write_limits(engine: Engine) -> None:
    txn, db = engine.begin()
    txn.limits.documents_written = 3
    for _ in range(3):
        db.insert("things", {})
    with pytest.raises(errors.ConvexTestError) as info:
        db.insert("things", {})
    assert str(info.value) == "Too many writes in a single function execution (limit: 3)"
    txn.rollback()
    txn, db = engine.begin()
    txn.limits.bytes_written = 1000
    with pytest.raises(errors.ConvexTestError, match="Too many bytes written"):
        for _ in range(20):
            db.insert("things", {"s": "x" * 100})
    txn.rollback()


def test_read_limits(engine: Engine) -> None:
    engine.insert_many("things", [{"n": i} for i in range(10)])
    txn, db = engine.begin(read_only=True)
    txn.limits.documents_read = 5
    with pytest.raises(errors.ConvexTestError) as info:
        db.query("things").collect()
    assert str(info.value).startswith(
        "Too many documents read in a single function execution (limit: 5). Consider using"
    )
    txn.rollback()
    txn, db = engine.begin(read_only=True)
    txn.limits.index_ranges_read = 2
    ids = [d["_id"] for d in db.query("things").take(3)]
    db.get(ids[0])
    with pytest.raises(errors.ConvexTestError, match="Too many reads in a single function"):
        db.get(ids[1])
    txn.rollback()
    txn, db = engine.begin(read_only=True)
    txn.limits.bytes_read = 50
    with pytest.raises(errors.ConvexTestError, match="Too many bytes read"):
        db.query("things").collect()
    txn.rollback()


def test_default_limits_count_filtered_out_documents(engine: Engine) -> None:
    engine.insert_many("things", [{"n": i} for i in range(10)])
    txn, db = engine.begin(read_only=True)
    assert db.query("things").filter(lambda q: q.eq(q.field("n"), 100)).collect() == []
    assert txn.documents_read == 10 and txn.index_ranges_read == 1
    txn.rollback()


def test_many_writes_in_one_transaction_hit_the_real_limit(engine: Engine) -> None:
    txn, db = engine.begin()
    for _ in range(16_000):
        db.insert("things", {})
    with pytest.raises(errors.ConvexTestError, match="limit: 16000"):
        db.insert("things", {})
    txn.rollback()
    assert engine.query(lambda db: db.query("things").count()) == 0
