"""Mounting components: t.register_component, nested paths and convex_config.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from convex_test import (
    ConvexTest,
    ConvexTestError,
    SchemaValidationError,
    api,
    components,
    convex_test,
    define_schema,
    define_table,
    v,
)
from convex_test.ids import table_number_of

from .conftest import APP, APP_CONFIG, FIXTURES, LEDGER, TALLY


def test_direct_calls_to_a_registered_component(t: ConvexTest) -> None:
    t.mutation(components.tally.public.add, {"name": "beans", "count": 3})
    assert t.query(components.tally.public.count, {"name": "beans"}) == 3
    counts = t.action(components.tally.public.count_many, {"names": ["beans", "pennies"]})
    assert counts == [3, 0]


def test_register_returns_none_and_lists_the_namespace() -> None:
    t = convex_test(modules=APP)
    assert list(t.backend.namespaces) == [""]
    assert t.register_component("tally", modules=TALLY) is None
    assert list(t.backend.namespaces) == ["", "tally"]
    assert t.backend.namespace("tally").registry.namespace == "tally"


def test_modules_may_be_a_dotted_package_name() -> None:
    t = convex_test(modules=APP)
    t.register_component("tally", modules="tests.fixtures.apps.component_tally")
    t.mutation(components.tally.public.add, {"name": "a", "count": 2})
    assert t.query(components.tally.public.count, {"name": "a"}) == 2


def test_schema_defaults_to_the_components_schema_py(t: ConvexTest) -> None:
    # The component's schema applies inside it...
    with pytest.raises(SchemaValidationError, match='Table "notes" is not in the schema'):
        t.mutation(components.tally.public.insert_into, {"table": "notes", "doc": {"text": "x"}})
    # ...and its own indexes exist (count uses by_name).
    assert t.query(components.tally.public.count, {"name": "x"}) == 0


def test_explicit_schema_replaces_schema_py() -> None:
    t = convex_test(modules=APP)
    counters = define_table({"name": v.string(), "value": v.float64(), "shard": v.float64()})
    schema = define_schema(
        {"counters": counters.index("by_name", ["name", "shard"]), "extra": define_table({})}
    )
    t.register_component("tally", modules=TALLY, schema=schema)
    doc_id = t.mutation(components.tally.public.insert_into, {"table": "extra", "doc": {}})
    assert t.query(components.tally.public.normalize, {"table": "extra", "id": doc_id}) == doc_id


def test_a_component_without_a_schema_accepts_any_table() -> None:
    t = convex_test(modules=APP)
    # component_counter (the discovery fixture) has no schema.py.
    t.register_component("plain", modules=FIXTURES / "component_counter")
    doc_id = t.run(lambda ctx: ctx.db.insert("anything", {"x": 1}), component="plain")
    assert t.run(lambda ctx: ctx.db.get(doc_id), component="plain")["x"] == 1


def test_table_numbers_continue_across_components() -> None:
    t = convex_test(modules=APP)  # messages = 10001, notes = 10002
    t.register_component("tally", modules=TALLY)  # counters = 10003
    t.register_component("tally2", modules=TALLY)  # counters = 10004
    message_id = t.run(lambda ctx: ctx.db.insert("messages", {"body": "hi"}))
    first = t.mutation(components.tally.public.insert_counter, {"name": "a"})
    second = t.mutation(components.tally2.public.insert_counter, {"name": "a"})
    assert [table_number_of(i) for i in (message_id, first, second)] == [10001, 10003, 10004]


def test_two_mounts_of_the_same_modules_are_independent(t2: ConvexTest) -> None:
    t2.mutation(components.tally.public.add, {"name": "beans", "count": 3})
    t2.mutation(components.tally2.public.add, {"name": "beans", "count": 5})
    assert t2.mutation(api.calls.counts_of_both) == {"tally": 3, "tally2": 5}


def test_separate_backends_are_isolated() -> None:
    first = convex_test(modules=APP)
    second = convex_test(modules=APP)
    for tester in (first, second):
        tester.register_component("tally", modules=TALLY)
    first.mutation(components.tally.public.add, {"name": "beans", "count": 100})
    second.mutation(components.tally.public.add, {"name": "beans", "count": 200})
    assert first.query(components.tally.public.count, {"name": "beans"}) == 100
    assert second.query(components.tally.public.count, {"name": "beans"}) == 200


def test_with_identity_views_share_registered_components(t: ConvexTest) -> None:
    as_ada = t.with_identity(name="Ada")
    as_ada.register_component("tally2", modules=TALLY)
    t.mutation(components.tally2.public.add, {"name": "n", "count": 1})
    assert as_ada.query(components.tally2.public.count, {"name": "n"}) == 1


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("name", ["", "Bad-Name", "1x", "a//b", "/a", 5, None])
def test_invalid_component_paths(name: object) -> None:
    t = convex_test(modules=APP)
    with pytest.raises(ConvexTestError, match="component"):
        t.register_component(name, modules=TALLY)  # type: ignore[arg-type]
    assert list(t.backend.namespaces) == [""]


def test_registering_twice_raises(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError, match=r'^Component "tally" is already registered\.$'):
        t.register_component("tally", modules=TALLY)


def test_nested_path_needs_its_parent() -> None:
    t = convex_test(modules=APP)
    with pytest.raises(ConvexTestError, match='its parent component "ledger" is not registered'):
        t.register_component("ledger/audit", modules=TALLY)
    assert list(t.backend.namespaces) == [""]


def test_unknown_modules_raise_and_register_nothing() -> None:
    t = convex_test(modules=APP)
    with pytest.raises(ConvexTestError, match="Could not find the functions directory"):
        t.register_component("tally", modules=FIXTURES / "no_such_component")
    assert list(t.backend.namespaces) == [""]
    t.register_component("tally", modules=TALLY)  # the name is still free


def test_unregistered_component_from_the_test(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError) as info:
        t.query(components.tallyy.public.count, {"name": "x"})
    assert str(info.value).startswith(
        'Component "tallyy" is not registered. Call t.register_component(...)'
    )
    assert "Did you mean `tally`?" in str(info.value)


@pytest.mark.parametrize("method", ["query", "mutation", "action", "run"])
def test_unregistered_component_keyword(t: ConvexTest, method: str) -> None:
    call = getattr(t, method)
    with pytest.raises(
        ConvexTestError,
        match=r'^Component "counter" is not registered\. Call t\.register_component\(\.\.\.\)',
    ):
        call(lambda ctx: None, component="counter")


def test_unregistered_component_from_a_function(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError, match='Component "tallly" is not registered') as info:
        t.query(api.calls.call_unregistered)
    assert "(raised in Convex function calls:call_unregistered)" in info.value.__notes__


# ---------------------------------------------------------------- nested components


def test_nested_component_registered_by_hand() -> None:
    t = convex_test(modules=APP)
    t.register_component("tally", modules=TALLY)
    t.register_component("tally/inner", modules=TALLY)
    t.mutation(components.tally.inner.public.add, {"name": "n", "count": 4})
    assert t.query(components.tally.inner.public.count, {"name": "n"}) == 4
    assert t.query(components.tally.public.count, {"name": "n"}) == 0


def test_a_components_convex_config_mounts_its_children() -> None:
    t = convex_test(modules=APP)
    t.register_component("ledger", modules=LEDGER)
    assert list(t.backend.namespaces) == ["", "ledger", "ledger/tally"]
    assert t.mutation(components.ledger.book.record, {"name": "rent", "delta": 5}) == 5
    # The child is reachable from the test by its full path...
    assert t.query(components.ledger.tally.public.count, {"name": "rent"}) == 5
    assert t.query("public:count", {"name": "rent"}, component="ledger/tally") == 5
    # ...and is not the app-level "tally" (which is not registered here).
    with pytest.raises(ConvexTestError, match='Component "tally" is not registered'):
        t.query(components.tally.public.count, {"name": "rent"})


def test_app_convex_config_registers_components_automatically() -> None:
    t = convex_test(modules=APP_CONFIG)
    assert list(t.backend.namespaces) == ["", "tally", "ledger", "ledger/tally"]
    assert t.mutation(api.bump.bump, {"name": "n"}) == {"tally": 1, "ledger": 2}
    assert t.mutation(api.bump.bump, {"name": "n"}) == {"tally": 2, "ledger": 4}
    assert t.query(api.bump.totals, {"name": "n"}) == {"tally": 2, "ledger": 4}
    # The app-level tally and the ledger's own tally are different components.
    assert t.query(components.ledger.tally.public.count, {"name": "n"}) == 4


def test_auto_registered_table_numbers_follow_use_order() -> None:
    t = convex_test(modules=APP_CONFIG)  # notes = 10001
    ids = [
        t.run(lambda ctx: ctx.db.insert("notes", {"text": "x"})),
        t.mutation(components.tally.public.insert_counter, {"name": "a"}),  # 10002
        t.run(lambda ctx: ctx.db.insert("entries", {"name": "a", "delta": 1}), component="ledger"),
        t.mutation(components.ledger.tally.public.insert_counter, {"name": "a"}),  # 10004
    ]
    assert [table_number_of(i) for i in ids] == [10001, 10002, 10003, 10004]


def test_registering_over_an_auto_registered_name_raises() -> None:
    t = convex_test(modules=APP_CONFIG)
    with pytest.raises(ConvexTestError, match='Component "tally" is already registered'):
        t.register_component("tally", modules=TALLY)
    t.register_component("ledger/extra", modules=TALLY)
    assert "ledger/extra" in t.backend.namespaces


def test_convex_config_with_a_bad_component_fails_the_backend(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "convex_config.py").write_text(
        "from convex_test import define_app\n"
        "app = define_app()\n"
        "app.use('missing', modules='../nowhere')\n"
    )
    with pytest.raises(ConvexTestError, match="Could not find the functions directory"):
        convex_test(modules=root)
