"""Properties of the component boundary over random call sequences."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test import ConvexError, components, convex_test
from convex_test.ids import table_number_of

from .conftest import APP, TALLY

MOUNTS = ("tally", "tally2")
NAMES = ("a", "b")

operation = st.tuples(
    st.sampled_from(MOUNTS),
    st.sampled_from(NAMES),
    st.integers(min_value=1, max_value=50),
    st.sampled_from(["ok", "component_fails", "caller_fails", "caught"]),
)


def _fresh() -> Any:
    t = convex_test(modules=APP)
    for mount in MOUNTS:
        t.register_component(mount, modules=TALLY)
    return t


@settings(max_examples=40, deadline=None)
@given(st.lists(operation, max_size=12))
def test_component_state_matches_a_model_of_committed_calls(ops: list[Any]) -> None:
    """Only the writes of calls that committed are visible, per mount and name."""
    t = _fresh()
    model = {(m, n): 0 for m in MOUNTS for n in NAMES}
    notes = 0
    for mount, name, count, outcome in ops:
        ref = getattr(components, mount).public

        def caller(
            ctx: Any, ref: Any = ref, name: str = name, count: int = count, outcome: str = outcome
        ) -> None:
            ctx.db.insert("notes", {"text": name})
            ctx.run_mutation(ref.add, {"name": name, "count": count})
            if outcome == "component_fails":
                ctx.run_mutation(ref.add_then_fail, {"name": name, "count": count})
            elif outcome == "caught":
                with contextlib.suppress(ConvexError):
                    ctx.run_mutation(ref.add_then_fail, {"name": name, "count": 1000})
            elif outcome == "caller_fails":
                raise ConvexError("caller fails")

        try:
            t.run(caller)
        except ConvexError:
            assert outcome in ("component_fails", "caller_fails")
        else:
            model[(mount, name)] += count
            notes += 1
    for (mount, name), expected in model.items():
        assert t.query(getattr(components, mount).public.count, {"name": name}) == expected
    assert t.query(lambda ctx: len(ctx.db.query("notes").collect())) == notes


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["", *MOUNTS]), min_size=1, max_size=10))
def test_every_id_is_valid_in_exactly_one_namespace(writers: list[str]) -> None:
    t = _fresh()
    created: list[tuple[str, str, str]] = []
    for namespace in writers:
        if namespace:
            table = "counters"
            doc_id = t.mutation(getattr(components, namespace).public.insert_counter, {"name": "x"})
        else:
            table = "notes"
            doc_id = t.run(lambda ctx: ctx.db.insert("notes", {"text": "x"}))
        created.append((namespace, table, doc_id))
    for home, table, doc_id in created:
        for namespace in ("", *MOUNTS):
            found = t.query(lambda ctx, i=doc_id: ctx.db.get(i), component=namespace)
            normalized = t.query(
                lambda ctx, tb=table, i=doc_id: ctx.db.normalize_id(tb, i), component=namespace
            )
            assert (found is not None) == (namespace == home)
            assert (normalized == doc_id) == (namespace == home)
    numbers_by_namespace: dict[str, set[int | None]] = {}
    for home, _, doc_id in created:
        numbers_by_namespace.setdefault(home, set()).add(table_number_of(doc_id))
    all_numbers = [n for ns in numbers_by_namespace.values() for n in ns]
    assert len(all_numbers) == len(set(all_numbers))
