"""Port of convex-test ``convex/components.test.ts`` (the counter component).

JS runs calls in parallel with ``Promise.all``; here parallel top-level calls use worker
threads (``t`` serializes transactions, as the backend does). Function handles are
``FunctionReference(path, component=...)`` objects rather than strings.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from convex_test import components, internal
from tests.convex_test_parity.conftest import with_counter, with_two_counters


def parallel(*calls: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


def beans(t: Any, counter: Any) -> Any:
    return t.query(counter.public.count, {"name": "beans"})


def test_direct_call() -> None:
    t = with_counter()
    t.mutation(components.counter.public.add, {"name": "beans", "count": 3})
    assert beans(t, components.counter) == 3
    counts = t.action(components.counter.public.count_many, {"names": ["beans", "pennies"]})
    assert counts == [3, 0]


def test_generated_attributes() -> None:
    # JS's name for an action calling a component's mutations, action and query.
    t = with_counter()
    assert t.action(internal.component.direct_call) == 3


def test_component_scheduler() -> None:
    t = with_counter()
    t.mutation(internal.component.schedule)
    assert beans(t, components.counter) == 0
    t.finish_all_scheduled_functions()
    assert beans(t, components.counter) == 1


def test_function_handle() -> None:
    t = with_counter()
    t.mutation(internal.component.call_handle)
    assert t.query(internal.component.direct_call2) == 3


def test_function_handle_scheduler() -> None:
    t = with_counter()
    t.mutation(internal.component.schedule_handle)
    t.finish_all_scheduled_functions()
    assert t.query(internal.component.direct_call2) == 3


def test_component_nested_query() -> None:
    t = with_counter()
    assert t.mutation(internal.component.mutation_with_nested_query) == 3


def test_parallel_queries_on_different_components() -> None:
    t = with_two_counters()
    parallel(
        lambda: t.mutation(components.counter.public.add, {"name": "beans", "count": 3}),
        lambda: t.mutation(components.counter2.public.add, {"name": "beans", "count": 5}),
    )
    result = t.mutation(internal.component.parallel_component_queries)
    assert result == {"count1": 3, "count2": 5}


def test_scheduled_mutations_on_components_do_not_conflict_with_nested_locks() -> None:
    t = with_two_counters()
    t.mutation(internal.component.schedule_on_both_components)
    t.finish_all_scheduled_functions()
    assert parallel(
        lambda: beans(t, components.counter), lambda: beans(t, components.counter2)
    ) == [1, 1]


def test_parallel_actions_on_different_components() -> None:
    t = with_two_counters()
    counts = parallel(
        lambda: t.action(internal.component.action_on_counter1),
        lambda: t.action(internal.component.action_on_counter2),
    )
    assert counts == [10, 20]


def test_auth_does_not_propagate_across_component_boundaries_from_query() -> None:
    as_sarah = with_counter().with_identity({"name": "Sarah"})
    assert as_sarah.query(internal.component.query_component_auth) is None


def test_auth_does_not_propagate_across_component_boundaries_from_mutation() -> None:
    as_sarah = with_counter().with_identity({"name": "Sarah"})
    assert as_sarah.mutation(internal.component.mutation_component_auth) is None


def test_auth_does_not_propagate_across_component_boundaries_from_action() -> None:
    as_sarah = with_counter().with_identity({"name": "Sarah"})
    assert as_sarah.action(internal.component.action_component_auth) is None


def test_auth_does_not_propagate_across_component_boundaries_from_action_to_action() -> None:
    as_sarah = with_counter().with_identity({"name": "Sarah"})
    assert as_sarah.action(internal.component.action_calling_component_action) is None


def test_auth_applies_to_directly_called_component_function() -> None:
    as_sarah = with_counter().with_identity({"name": "Sarah"})
    assert as_sarah.query(components.counter.public.get_identity_name) == "Sarah"


def test_parallel_actions_scheduling_across_components() -> None:
    t = with_two_counters()
    count1, count2, _ = parallel(
        lambda: t.action(internal.component.action_on_counter1),
        lambda: t.action(internal.component.action_on_counter2),
        lambda: t.action(internal.component.action_scheduling_on_both_components),
    )
    assert (count1, count2) == (10, 20)
    t.finish_all_scheduled_functions()
    assert beans(t, components.counter) == 11
    assert beans(t, components.counter2) == 21


def test_separate_convex_test_instances_are_isolated_with_scheduling() -> None:
    t1, t2 = with_two_counters(), with_two_counters()
    parallel(
        lambda: t1.mutation(components.counter.public.add, {"name": "beans", "count": 100}),
        lambda: t2.mutation(components.counter.public.add, {"name": "beans", "count": 200}),
    )
    parallel(
        lambda: t1.action(internal.component.action_scheduling_on_both_components),
        lambda: t2.action(internal.component.action_scheduling_on_both_components),
    )
    parallel(t1.finish_all_scheduled_functions, t2.finish_all_scheduled_functions)
    assert beans(t1, components.counter) == 101
    assert beans(t2, components.counter) == 201


ZEROS = {"count1a": 0, "count1b": 0, "count2a": 0, "count2b": 0}


def test_parallel_sequential_cross_component_queries_issue_80() -> None:
    t = with_two_counters()
    assert t.query(internal.component.parallel_sequential_component_queries) == ZEROS


def test_parallel_sequential_cross_component_actions() -> None:
    t = with_two_counters()
    assert t.action(internal.component.parallel_sequential_component_actions) == ZEROS


def test_parallel_mutations_on_different_components() -> None:
    t = with_two_counters()
    t.mutation(internal.component.parallel_component_mutations)
    assert parallel(
        lambda: beans(t, components.counter), lambda: beans(t, components.counter2)
    ) == [1, 1]
