"""Scheduled functions and components: jobs run inside the component that scheduled them."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from convex_test import ConvexTest, ConvexTestError, api, components, convex_test

from .conftest import APP

tally = components.tally.public


def _app_jobs(t: ConvexTest) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = t.query(
        lambda ctx: ctx.db.system.query("_scheduled_functions").collect()
    )
    return jobs


def test_a_component_schedules_its_own_function(t: ConvexTest) -> None:
    t.mutation(api.calls.schedule_in_component, {"name": "beans"})
    # The job lives in the component's _scheduled_functions, not the app's.
    jobs = t.query(tally.jobs)
    assert [(j["name"], j["state"]["kind"]) for j in jobs] == [("public:add", "pending")]
    assert _app_jobs(t) == []
    assert t.query(tally.count, {"name": "beans"}) == 0
    t.finish_all_scheduled_functions()
    assert t.query(tally.count, {"name": "beans"}) == 1
    assert [j["state"]["kind"] for j in t.query(tally.jobs)] == ["success"]


def test_direct_component_call_schedules_in_the_component(t: ConvexTest) -> None:
    job_id = t.mutation(tally.schedule, {"name": "d", "delay": 1000})
    t.advance_time(999)
    assert t.query(tally.count, {"name": "d"}) == 0
    t.advance_time(1)
    assert t.query(tally.count, {"name": "d"}) == 1
    assert t.query(tally.system_get, {"id": job_id})["state"]["kind"] == "success"
    assert t.query(lambda ctx: ctx.db.system.get(job_id)) is None


def test_two_mounts_schedule_independently(t2: ConvexTest) -> None:
    t2.mutation(api.calls.schedule_on_both, {"name": "beans"})
    t2.finish_all_scheduled_functions()
    assert t2.query(tally.count, {"name": "beans"}) == 1
    assert t2.query(components.tally2.public.count, {"name": "beans"}) == 1


def test_action_scheduling_across_components(t2: ConvexTest) -> None:
    t2.action(api.calls.action_schedules_in_component, {"name": "a"})
    t2.finish_all_scheduled_functions()
    assert t2.mutation(api.calls.counts_of_both) == {"tally": 0, "tally2": 0}
    assert t2.query(tally.count, {"name": "a"}) == 1
    assert t2.query(components.tally2.public.count, {"name": "a"}) == 1


def test_the_app_may_schedule_a_component_function(t: ConvexTest) -> None:
    job_id = t.mutation(api.calls.schedule_component_function, {"name": "s"})
    # The app scheduled it: the job is the app's; it runs in the component.
    assert [j["_id"] for j in _app_jobs(t)] == [job_id]
    assert t.query(tally.jobs) == []
    t.finish_all_scheduled_functions()
    assert t.query(tally.count, {"name": "s"}) == 2


def test_scheduling_a_components_internal_function_needs_a_handle(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError, match="Could not find public function"):
        t.mutation(api.calls.schedule_component_internal, {"name": "x"})
    t.mutation(tally.add, {"name": "x", "count": 1})
    t.mutation(api.calls.schedule_component_internal_by_handle, {"name": "x"})
    t.finish_all_scheduled_functions()
    assert t.query(tally.count, {"name": "x"}) == 0


def test_a_rolled_back_component_mutation_drops_its_jobs(t: ConvexTest) -> None:
    t.mutation(api.calls.catch_component_schedule_failure, {"name": "r"})
    assert t.query(tally.jobs) == []
    t.finish_all_scheduled_functions()
    assert t.query(tally.count, {"name": "r"}) == 0


def test_scheduled_component_jobs_get_no_identity(t: ConvexTest) -> None:
    as_ada = t.with_identity(name="Ada")
    as_ada.mutation(api.calls.identity_probe)
    # Called directly with an identity, the scheduled job still runs without one.
    as_ada.mutation(tally.schedule_identity_probe)
    t.finish_all_scheduled_functions()
    assert t.query(tally.count, {"name": "identity:anonymous"}) == 2
    assert t.query(tally.count, {"name": "identity:Ada"}) == 0


def test_a_components_crons_run_inside_it(tmp_path: Path) -> None:
    component = tmp_path / "ticker"
    component.mkdir()
    (component / "ticks.py").write_text(
        textwrap.dedent(
            """
            from convex_test import internal_mutation, query

            @internal_mutation(args={})
            def tick(ctx, args):
                ctx.db.insert("ticks", {"at": 1})

            @query(args={})
            def count(ctx, args):
                return len(ctx.db.query("ticks").collect())
            """
        )
    )
    (component / "crons.py").write_text(
        textwrap.dedent(
            """
            from convex_test import cron_jobs, internal

            crons = cron_jobs()
            crons.interval("tick", {"minutes": 1}, internal.ticks.tick)
            """
        )
    )
    t = convex_test(modules=APP)
    t.register_component("ticker", modules=component)
    t.advance_time(timedelta(minutes=3))
    ticks = t.query(components.ticker.ticks.count)
    assert ticks >= 3  # the cron's own timing rules are tested in tests/scheduler
    assert t.query(lambda ctx: ctx.db.query("ticks").collect()) == []
    assert t.run_cron("tick", component="ticker") is None
    assert t.query("ticks:count", component="ticker") == ticks + 1
