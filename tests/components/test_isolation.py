"""A component's data is its own: tables, IDs, system tables and storage."""

from __future__ import annotations

import re
from typing import Any

import pytest

from convex_test import (
    ArgumentValidationError,
    ConvexTest,
    InvalidIdError,
    SchemaValidationError,
    api,
    components,
)
from convex_test.ids import table_number_of

tally = components.tally.public


def _message(t: ConvexTest, body: str = "hi") -> str:
    doc_id: str = t.run(lambda ctx: ctx.db.insert("messages", {"body": body}))
    return doc_id


def test_component_cannot_read_the_apps_tables(t: ConvexTest) -> None:
    _message(t)
    assert t.query(lambda ctx: len(ctx.db.query("messages").collect())) == 1
    # A table of the same name does not exist inside the component.
    assert t.query(tally.collect, {"table": "messages"}) == []


def test_component_cannot_write_the_apps_tables(t: ConvexTest) -> None:
    with pytest.raises(SchemaValidationError, match='Table "messages" is not in the schema'):
        t.mutation(tally.insert_into, {"table": "messages", "doc": {"body": "x"}})
    assert t.query(lambda ctx: ctx.db.query("messages").collect()) == []


def test_app_cannot_read_a_components_tables(t: ConvexTest) -> None:
    t.mutation(tally.add, {"name": "a", "count": 1})
    assert t.query(lambda ctx: ctx.db.query("counters").collect()) == []
    assert t.query(lambda ctx: ctx.db.query("counters").collect(), component="tally") != []


def test_get_of_a_foreign_id_is_none_both_ways(t: ConvexTest) -> None:
    counter_id = t.mutation(tally.insert_counter, {"name": "c"})
    result = t.mutation(api.calls.app_id_into_component, {"body": "hi"})
    assert result["component_get"] is None
    assert result["component_normalize"] is None
    assert t.query(api.calls.app_get, {"id": counter_id}) is None
    # Each ID still works at home.
    assert t.query(api.calls.app_get, {"id": result["id"]})["body"] == "hi"
    assert t.query(tally.get, {"id": counter_id})["name"] == "c"


def test_ids_never_share_a_table_number(t2: ConvexTest) -> None:
    ids = [
        _message(t2),
        t2.mutation(tally.insert_counter, {"name": "a"}),
        t2.mutation(components.tally2.public.insert_counter, {"name": "a"}),
    ]
    numbers = [table_number_of(i) for i in ids]
    assert len(set(numbers)) == 3
    # An ID of one mount is foreign to the other mount of the same component.
    assert t2.query(components.tally2.public.get, {"id": ids[1]}) is None
    assert t2.query(components.tally2.public.normalize, {"table": "counters", "id": ids[1]}) is None
    assert t2.query(tally.normalize, {"table": "counters", "id": ids[1]}) == ids[1]


def test_v_id_rejects_ids_of_other_namespaces(t: ConvexTest) -> None:
    message_id = _message(t)
    counter_id = t.mutation(tally.insert_counter, {"name": "c"})
    with pytest.raises(ArgumentValidationError, match=re.escape('Validator: v.id("counters")')):
        t.query(tally.get_counter, {"id": message_id})
    with pytest.raises(ArgumentValidationError, match=re.escape('Validator: v.id("messages")')):
        t.query(api.calls.app_get_message, {"id": counter_id})
    assert t.query(tally.get_counter, {"id": counter_id})["name"] == "c"


@pytest.mark.parametrize("method", ["patch", "replace", "delete"])
def test_writing_a_foreign_id_says_its_table_is_missing(t: ConvexTest, method: str) -> None:
    message_id = _message(t)

    def write(ctx: Any) -> None:
        if method == "patch":
            ctx.db.patch(message_id, {"value": 1})
        elif method == "replace":
            ctx.db.replace(message_id, {"name": "x", "value": 1, "shard": 0})
        else:
            ctx.db.delete(message_id)

    with pytest.raises(InvalidIdError, match=f'`db.{method}`: Table for ID "{message_id}"'):
        t.run(write, component="tally")
    assert t.query(api.calls.app_get, {"id": message_id})["body"] == "hi"


def test_explicit_table_get_of_a_foreign_id(t: ConvexTest) -> None:
    message_id = _message(t)
    # The component has no "messages" table: the ID names no table there.
    assert t.query(lambda ctx: ctx.db.get("counters", message_id), component="tally") is None


def test_component_storage_and_system_tables_are_its_own(t: ConvexTest) -> None:
    storage_id = t.mutation(tally.store_file, {"data": b"component bytes"})
    files = t.query(tally.files)
    assert [f["_id"] for f in files] == [storage_id]
    assert files[0]["size"] == len(b"component bytes")
    assert t.query(tally.system_get, {"id": storage_id})["_id"] == storage_id
    # The app's _storage is a different table: empty, and the ID is foreign there.
    assert t.query(lambda ctx: ctx.db.system.query("_storage").collect()) == []
    assert t.query(lambda ctx: ctx.db.system.get(storage_id)) is None
    # The app's storage refuses an ID of another namespace's _storage table.
    with pytest.raises(InvalidIdError, match="Invalid storage ID"):
        t.run(lambda ctx: ctx.storage.get(storage_id))
    assert t.run(lambda ctx: ctx.storage.get(storage_id), component="tally") == b"component bytes"


def test_app_storage_is_invisible_to_the_component(t: ConvexTest) -> None:
    storage_id = t.run(lambda ctx: ctx.storage.store(b"app bytes"))
    assert t.query(tally.files) == []
    assert t.query(tally.system_get, {"id": storage_id}) is None
    assert table_number_of(storage_id) != table_number_of(
        t.mutation(tally.store_file, {"data": b""})
    )


def test_scheduled_functions_system_table_is_per_component(t: ConvexTest) -> None:
    app_tables = t.query(lambda ctx: ctx.db.system.query("_scheduled_functions").collect())
    component_tables = t.query(
        lambda ctx: ctx.db.system.query("_scheduled_functions").collect(), component="tally"
    )
    assert app_tables == component_tables == []
    numbers = {
        ns: t.backend.store.namespace(ns).tables["_scheduled_functions"].number
        for ns in ("", "tally")
    }
    assert numbers[""] != numbers["tally"]
