"""Scheduled functions end to end through ``t``: Python counterparts of convex-test's
``scheduler.test.ts``, then validation, transactionality, the job state machine,
components and draining rules (SPEC §8)."""

from __future__ import annotations

import asyncio
import logging
import math
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from convex_test import ConvexError, Int64, api, internal
from convex_test.errors import ConvexTestError
from convex_test.harness import ConvexTest, convex_test
from convex_test.values.size import value_size

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "scheduler_app"
NOON = 1_718_452_800_000.0  # 2024-06-15T12:00:00Z
TOO_MANY_ALL = (
    "finish_all_scheduled_functions: too many iterations. Check for infinitely recursive "
    "scheduled functions, or increase max_iterations."
)


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP, start_time=NOON)


def make_app(tmp_path: Path, files: dict[str, str], name: str = "convex") -> Path:
    root = tmp_path / name
    root.mkdir()
    for file, source in files.items():
        (root / file).write_text(textwrap.dedent(source))
    return root


def jobs(t: ConvexTest) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = t.query(internal.scheduler.jobs)
    return result


def kinds(t: ConvexTest) -> list[str]:
    return [job["state"]["kind"] for job in jobs(t)]


def bodies(t: ConvexTest) -> list[str]:
    return [m["body"] for m in t.query(internal.scheduler.list_messages)]


# --- convex-test scheduler.test.ts, "with fake timers" -------------------------------------


def test_mutation_scheduling_action(t: ConvexTest) -> None:
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 10_000, "body": "hi"})
    (job,) = jobs(t)
    assert job["state"] == {"kind": "pending"}
    assert job["args"] == [{"body": "hi"}]

    t.advance_time(5000)
    assert kinds(t) == ["pending"]

    t.advance_time(5000)  # reaches the scheduled time exactly
    assert [(m["body"], m["author"]) for m in t.query(internal.scheduler.list_messages)] == [
        ("hi", "AI")
    ]
    assert kinds(t) == ["success"]


def test_mutation_scheduling_action_drained_with_finish_all(t: ConvexTest) -> None:
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 10_000, "body": "hi"})
    t.finish_all_scheduled_functions()
    assert bodies(t) == ["hi"]
    assert kinds(t) == ["success"]


def test_mutation_scheduling_action_then_unrelated_mutation_fails(t: ConvexTest) -> None:
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 10_000, "body": "hi"})
    t.finish_all_scheduled_functions()
    assert kinds(t) == ["success"]
    # An unrelated failing mutation does not touch jobs that already ran.
    with pytest.raises(RuntimeError, match="failed as intended"):
        t.mutation(api.scheduler.add, {"body": "FAIL THIS", "author": "AI"})
    assert kinds(t) == ["success"]


def test_cancel_from_mutation(t: ConvexTest) -> None:
    job_id = t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 10_000, "body": "x"})
    t.mutation(api.scheduler.cancel, {"id": job_id})
    (job,) = jobs(t)
    assert job["state"] == {"kind": "canceled"}
    assert job["completedTime"] == NOON
    t.finish_all_scheduled_functions()
    assert bodies(t) == []
    assert kinds(t) == ["canceled"]


def test_action_scheduling_action(t: ConvexTest) -> None:
    t.action(api.scheduler.action_scheduling_action, {"delayMs": 0, "body": "hi"})
    (job,) = jobs(t)
    assert job["state"] == {"kind": "pending"}
    assert job["args"] == [{"body": "hi"}]
    t.finish_in_progress_scheduled_functions()
    assert bodies(t) == ["hi"]
    assert kinds(t) == ["success"]


def test_action_scheduling_action_many_times(t: ConvexTest) -> None:
    # Jobs scheduled by jobs are picked up across iterations of finish_all.
    t.action(api.scheduler.action_scheduling_action_n_times, {"count": 10})
    t.finish_all_scheduled_functions()
    assert bodies(t)[-1] == "count 0"
    assert len(bodies(t)) == 11
    assert kinds(t) == ["success"] * 10


def test_cancel_from_action(t: ConvexTest) -> None:
    job_id = t.action(api.scheduler.action_scheduling_action, {"delayMs": 10_000, "body": "x"})
    t.action(api.scheduler.cancel_action, {"id": job_id})
    assert kinds(t) == ["canceled"]
    t.finish_all_scheduled_functions()
    assert bodies(t) == []


def test_failed_scheduled_function(t: ConvexTest, caplog: pytest.LogCaptureFixture) -> None:
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 0, "body": "FAIL THIS"})
    with caplog.at_level(logging.ERROR, logger="convex_test.scheduler"):
        t.finish_in_progress_scheduled_functions()  # never raises into the test
    (job,) = jobs(t)
    assert job["state"] == {
        "kind": "failed",
        "error": "Uncaught RuntimeError: failed as intended",
    }
    assert job["args"] == [{"body": "FAIL THIS"}]
    assert job["completedTime"] == NOON
    assert "scheduler:action_calling_mutation" in caplog.text
    assert "failed as intended" in caplog.text


def test_self_scheduling_mutation(t: ConvexTest) -> None:
    t.mutation(api.scheduler.self_scheduling_mutation, {})
    with pytest.raises(ConvexTestError) as info:
        t.finish_all_scheduled_functions()
    assert str(info.value) == TOO_MANY_ALL
    # 100 iterations ran; the 101st job is still pending.
    assert kinds(t).count("success") == 100
    assert kinds(t).count("pending") == 1


def test_scheduled_async_action_awaiting_inside(t: ConvexTest) -> None:
    # convex-test: "scheduled action that uses setTimeout internally".
    t.mutation(api.scheduler.mutation_scheduling_action_with_timeout, {"body": "delayed"})
    t.finish_all_scheduled_functions()
    assert bodies(t) == ["delayed"]


def test_drains_from_inside_a_running_event_loop(t: ConvexTest) -> None:
    async def main() -> None:
        t.mutation(api.scheduler.mutation_scheduling_action_with_timeout, {"body": "async"})
        t.finish_all_scheduled_functions()

    asyncio.run(main())
    assert bodies(t) == ["async"]


def test_keyboard_interrupt_in_a_job_stops_the_drain(tmp_path: Path) -> None:
    # convex-test: "stops pumping when advanceTimers throws": a BaseException is not a
    # job failure; it propagates and the drain stops.
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import internal_mutation

                @internal_mutation
                def interrupt(ctx, args):
                    raise KeyboardInterrupt
            """
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    t.run(lambda ctx: ctx.scheduler.run_after(0, "jobs:interrupt"))
    t.run(lambda ctx: ctx.scheduler.run_after(10, "jobs:interrupt"))
    with pytest.raises(KeyboardInterrupt):
        t.finish_all_scheduled_functions()
    states = t.query(lambda ctx: [j["state"] for j in ctx.db.system.query("_scheduled_functions")])
    assert states == [{"kind": "inProgress"}, {"kind": "pending"}]


def test_new_backend_after_orphaned_scheduled_functions(t: ConvexTest) -> None:
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 0, "body": "orphaned"})
    t2 = convex_test(modules=APP, start_time=NOON)
    t2.mutation(api.scheduler.add, {"body": "fresh", "author": "test"})
    t2.finish_all_scheduled_functions()  # the other backend's job is not its business
    assert bodies(t2) == ["fresh"]
    assert kinds(t2) == []
    assert kinds(t) == ["pending"]


def test_advancing_time_runs_only_jobs_whose_time_arrived(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_now_and_later, {})
    t.finish_in_progress_scheduled_functions()
    assert bodies(t) == ["immediate"]
    assert sorted(kinds(t)) == ["pending", "success"]
    t.finish_all_scheduled_functions()
    assert bodies(t) == ["immediate", "delayed"]


def test_scheduled_functions_do_not_run_until_the_test_says_so(t: ConvexTest) -> None:
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 0, "body": "scheduled"})
    # Other t calls never run due jobs.
    t.query(internal.scheduler.list_messages)
    t.mutation(api.scheduler.add, {"body": "other", "author": "me"})
    t.action(api.scheduler.action_calling_mutation, {"body": "action"})
    t.run(lambda ctx: None)
    assert kinds(t) == ["pending"]
    t.finish_in_progress_scheduled_functions()
    assert kinds(t) == ["success"]


def test_scheduled_mutations_run_after_the_parent_commits(t: ConvexTest) -> None:
    def parent(ctx: Any) -> None:
        ctx.scheduler.run_after(0, api.scheduler.add, {"body": "A-scheduled", "author": "AI"})
        ctx.db.insert("messages", {"body": "B-parent-after", "author": "ME"})

    t.run(parent)
    t.finish_in_progress_scheduled_functions()
    assert bodies(t) == ["B-parent-after", "A-scheduled"]


def test_rollback_cancels_scheduled_function(t: ConvexTest) -> None:
    def failing(ctx: Any) -> None:
        ctx.scheduler.run_after(0, api.scheduler.add, {"body": "should-not-run", "author": "AI"})
        raise RuntimeError("rollback")

    with pytest.raises(RuntimeError, match="rollback"):
        t.run(failing)
    t.finish_all_scheduled_functions()
    assert bodies(t) == []
    assert jobs(t) == []


def test_scheduling_from_a_nested_mutation_runs_as_top_level(t: ConvexTest) -> None:
    t.mutation(api.scheduler.parent_runs_mutation_that_schedules, {"body": "from-nested"})
    t.finish_in_progress_scheduled_functions()
    assert bodies(t) == ["from-nested"]


def test_argument_serialization(t: ConvexTest) -> None:
    t.mutation(
        api.scheduler.mutation_scheduling_action,
        {"delayMs": 10_000, "body": "big", "bigint": Int64(1)},
    )
    (job,) = jobs(t)
    assert job["args"] == [{"body": "big", "bigint": 1}]
    assert type(job["args"][0]["bigint"]) is Int64
    t.advance_time(5000)
    assert kinds(t) == ["pending"]
    t.finish_all_scheduled_functions()
    assert bodies(t) == ["big"]
    assert kinds(t) == ["success"]


# --- convex-test scheduler.test.ts, "with real timers" --------------------------------------


def test_action_polling_never_sees_a_job_run_by_itself(t: ConvexTest) -> None:
    # convex-test lets real timers fire jobs mid-action; here jobs run only when the test
    # drains them, so an action polling for a scheduled job's effect sees nothing.
    seen = t.action(api.scheduler.action_schedules_mutation_and_polls, {"body": "p", "polls": 5})
    assert seen == 0
    t.finish_in_progress_scheduled_functions()
    assert bodies(t) == ["p"]


def test_real_time_passing_does_not_make_jobs_due(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "later", "delayMs": 5})
    time.sleep(0.02)
    t.finish_in_progress_scheduled_functions()
    assert kinds(t) == ["pending"]
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 0, "body": "now"})
    t.finish_in_progress_scheduled_functions()
    assert bodies(t) == ["now"]


# --- convex-test scheduler.test.ts, "scheduled under real timers, drained under fake" ------


def test_jobs_scheduled_under_time_travel_are_drained_after_it() -> None:
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False):
        t = convex_test(modules=APP)
        t.mutation(internal.scheduler.child_schedules_add, {"body": "outbox"})
    t.finish_all_scheduled_functions()
    assert bodies(t) == ["outbox"]


def test_finish_all_runs_far_future_jobs_by_moving_the_clock(t: ConvexTest) -> None:
    # convex-test leaves a 60 s real timer pending; the engine clock simply jumps there.
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 60_000, "body": "later"})
    t.finish_all_scheduled_functions()
    assert kinds(t) == ["success"]
    assert t.now_ms() == NOON + 60_000


# --- the _scheduled_functions document ------------------------------------------------------


def test_document_shape_through_the_state_machine(t: ConvexTest) -> None:
    job_id = t.mutation(api.scheduler.schedule_tick, {"name": "a", "delayMs": 1500})
    pending = t.query(api.scheduler.job, {"id": job_id})
    assert pending == {
        "_id": job_id,
        "_creationTime": NOON,
        "name": "scheduler:record_tick",
        "args": [{"name": "a"}],
        "scheduledTime": NOON + 1500,
        "state": {"kind": "pending"},
    }
    t.advance_time(2000)
    done = t.query(api.scheduler.job, {"id": job_id})
    assert done == {**pending, "state": {"kind": "success"}, "completedTime": NOON + 1500}


def test_job_sees_itself_in_progress(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import action, internal_mutation, internal_query, mutation

                @internal_query
                def states(ctx, args):
                    return [j["state"]["kind"] for j in ctx.db.system.query("_scheduled_functions")]

                @mutation
                def observe(ctx, args):
                    ctx.db.insert("seen", {"by": "mutation", "states": states.handler(ctx, {})})

                @action
                def observe_action(ctx, args):
                    ctx.run_mutation("jobs:record", {"states": ctx.run_query("jobs:states")})

                @internal_mutation
                def record(ctx, args):
                    ctx.db.insert("seen", {"by": "action", "states": args["states"]})
            """
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    t.run(lambda ctx: ctx.scheduler.run_after(0, "jobs:observe"))
    t.run(lambda ctx: ctx.scheduler.run_after(1, "jobs:observe_action"))
    t.finish_all_scheduled_functions()
    seen = t.query(lambda ctx: [(s["by"], s["states"]) for s in ctx.db.query("seen")])
    assert seen == [
        ["mutation", ["inProgress", "pending"]],
        ["action", ["success", "inProgress"]],
    ]


def test_stored_sizes_stay_exact_through_state_changes(t: ConvexTest) -> None:
    # The scheduler adjusts stored sizes incrementally; they must equal a fresh measure.
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 0, "body": "FAIL THIS"})
    t.mutation(api.scheduler.schedule_tick, {"name": "é", "delayMs": 0})
    job_id = t.mutation(api.scheduler.schedule_tick, {"name": "c", "delayMs": 10})
    t.mutation(api.scheduler.cancel, {"id": job_id})
    t.finish_all_scheduled_functions()
    table = t.backend.store.namespace("").tables["_scheduled_functions"]
    assert len(table.docs) == 3
    for doc_id, doc in table.docs.items():
        assert table.sizes[doc_id] == value_size(doc)


def test_failed_job_error_texts(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import ConvexError, internal_mutation, v

                @internal_mutation(args={"n": v.number()})
                def typed(ctx, args):
                    return None

                @internal_mutation
                def convex_error(ctx, args):
                    raise ConvexError({"code": 1})
            """
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    # Bad arguments are accepted when scheduling and fail the job when it runs.
    t.run(lambda ctx: ctx.scheduler.run_after(0, "jobs:typed", {"n": "not a number"}))
    t.run(lambda ctx: ctx.scheduler.run_after(1, "jobs:convex_error"))
    t.finish_all_scheduled_functions()
    states = t.query(lambda ctx: [j["state"] for j in ctx.db.system.query("_scheduled_functions")])
    assert states[0]["kind"] == "failed"
    assert states[0]["error"].startswith("ArgumentValidationError: Value does not match validator")
    assert states[1] == {"kind": "failed", "error": 'Uncaught ConvexError: {"code":1}'}


# --- scheduling validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay", "message"),
    [
        ("5", "`delayMs` must be a number"),
        (None, "`delayMs` must be a number"),
        (True, "`delayMs` must be a number"),
        (math.nan, "`delayMs` must be a finite number"),
        (math.inf, "`delayMs` must be a finite number"),
        (-1, "`delayMs` must be non-negative"),
        (-0.5, "`delayMs` must be non-negative"),
    ],
)
def test_run_after_delay_validation(t: ConvexTest, delay: Any, message: str) -> None:
    with pytest.raises(ConvexTestError) as info:
        t.run(lambda ctx: ctx.scheduler.run_after(delay, api.scheduler.add, {}))
    assert str(info.value) == message
    assert jobs(t) == []


@pytest.mark.parametrize("when", ["2024-06-15", None, True, [1]])
def test_run_at_time_validation(t: ConvexTest, when: Any) -> None:
    with pytest.raises(ConvexTestError, match="The invoke time must a Date or a timestamp"):
        t.run(lambda ctx: ctx.scheduler.run_at(when, api.scheduler.add, {}))


@pytest.mark.parametrize("when", [math.nan, math.inf, -math.inf])
def test_run_at_non_finite(t: ConvexTest, when: float) -> None:
    with pytest.raises(ConvexTestError, match="must be a finite number of milliseconds"):
        t.run(lambda ctx: ctx.scheduler.run_at(when, api.scheduler.add, {}))


def test_run_at_accepts_datetimes_and_past_times(t: ConvexTest) -> None:
    def schedule(ctx: Any) -> None:
        ctx.scheduler.run_at(
            datetime(2024, 6, 15, 12, 0, 5, tzinfo=UTC),
            internal.scheduler.record_tick,
            {"name": "aware"},
        )
        ctx.scheduler.run_at(
            datetime(2024, 6, 15, 12, 0, 3), internal.scheduler.record_tick, {"name": "naive"}
        )
        ctx.scheduler.run_at(NOON - 86_400_000, internal.scheduler.record_tick, {"name": "past"})

    t.run(schedule)
    assert [j["scheduledTime"] for j in jobs(t)] == [NOON + 5000, NOON + 3000, NOON - 86_400_000]
    # The past job is due at once and keeps its requested scheduledTime.
    t.finish_in_progress_scheduled_functions()
    assert t.query(internal.scheduler.ticks) == [["past", NOON]]
    t.finish_all_scheduled_functions()
    assert t.query(internal.scheduler.ticks) == [
        ["past", NOON],
        ["naive", NOON + 3000],
        ["aware", NOON + 5000],
    ]


FIVE_YEARS = 5 * 366 * 86_400_000


def test_five_year_window(t: ConvexTest) -> None:
    t.run(lambda ctx: ctx.scheduler.run_after(FIVE_YEARS, api.scheduler.add, {}))
    t.run(lambda ctx: ctx.scheduler.run_at(NOON - FIVE_YEARS, api.scheduler.add, {}))
    assert len(jobs(t)) == 2
    with pytest.raises(ConvexTestError) as future:
        t.run(lambda ctx: ctx.scheduler.run_after(FIVE_YEARS + 1, api.scheduler.add, {}))
    assert (
        str(future.value) == "2029-06-19T12:00:00.001000+00:00 is more than 5 years in the future"
    )
    with pytest.raises(
        ConvexTestError,
        match=r"^2019-06-12T11:59:59.999000\+00:00 is more than 5 years in the past",
    ):
        t.run(lambda ctx: ctx.scheduler.run_at(NOON - FIVE_YEARS - 1, api.scheduler.add, {}))
    with pytest.raises(ConvexTestError, match="more than 5 years in the future"):
        t.run(lambda ctx: ctx.scheduler.run_at(1e300, api.scheduler.add, {}))


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            "nope:add",
            "Attempted to schedule function at nonexistent path: nope. "
            "Did you mean `scheduler:add`?",
        ),
        (
            "scheduler:ad",
            "Attempted to schedule function, but no exported function ad found in the file: "
            "scheduler. Did you forget to export it? Did you mean `scheduler:add`?",
        ),
        (
            api.schedulr.add,
            "Attempted to schedule function at nonexistent path: schedulr. "
            "Did you mean `scheduler:add`?",
        ),
    ],
)
def test_unknown_targets(t: ConvexTest, ref: Any, message: str) -> None:
    with pytest.raises(ConvexTestError) as info:
        t.run(lambda ctx: ctx.scheduler.run_after(0, ref, {}))
    assert str(info.value) == message


def test_only_mutations_and_actions_can_be_scheduled(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError) as info:
        t.run(lambda ctx: ctx.scheduler.run_after(0, internal.scheduler.list_messages))
    assert str(info.value) == (
        "Cannot schedule scheduler:list_messages: it is a query, and only mutations and "
        "actions can be scheduled."
    )


def test_targets_by_path_object_and_reference(t: ConvexTest) -> None:
    def schedule(ctx: Any) -> None:
        ctx.scheduler.run_after(0, "scheduler:record_tick", {"name": "path"})
        ctx.scheduler.run_after(1, internal.scheduler.record_tick, {"name": "ref"})

    t.run(schedule)
    t.finish_all_scheduled_functions()
    assert [name for name, _ in t.query(internal.scheduler.ticks)] == ["path", "ref"]


def test_function_objects_are_accepted(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import internal_mutation, mutation

                @internal_mutation
                def target(ctx, args):
                    ctx.db.insert("hits", {"n": args["n"]})

                @mutation
                def schedule(ctx, args):
                    ctx.scheduler.run_after(0, target, {"n": 1})
            """
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    t.mutation("jobs:schedule")
    t.finish_in_progress_scheduled_functions()
    assert t.query(lambda ctx: [h["n"] for h in ctx.db.query("hits")]) == [1]
    assert t.query(lambda ctx: ctx.db.system.query("_scheduled_functions").first()["name"]) == (
        "jobs:target"
    )


@pytest.mark.parametrize("args", [[1], "x", 5, ("a",)])
def test_args_must_be_a_dict(t: ConvexTest, args: Any) -> None:
    with pytest.raises(
        ConvexTestError, match=r"The arguments to a Convex function must be an object\. Received: "
    ):
        t.run(lambda ctx: ctx.scheduler.run_after(0, api.scheduler.add, args))


def test_args_are_converted_and_copied_when_scheduling(t: ConvexTest) -> None:
    args: dict[str, Any] = {"name": "original"}

    def schedule(ctx: Any) -> None:
        ctx.scheduler.run_after(0, internal.scheduler.record_tick, args)
        args["name"] = "mutated"

    t.run(schedule)
    assert jobs(t)[0]["args"] == [{"name": "original"}]
    with pytest.raises(ConvexTestError, match=r"not a supported Convex type at path \.x"):
        t.run(lambda ctx: ctx.scheduler.run_after(0, api.scheduler.add, {"x": {1, 2}}))


def test_no_args_means_an_empty_object(t: ConvexTest) -> None:
    t.run(lambda ctx: ctx.scheduler.run_after(0, api.scheduler.self_scheduling_mutation))
    assert jobs(t)[0]["args"] == [{}]


def test_at_most_1000_functions_per_mutation(t: ConvexTest) -> None:
    def schedule(n: int) -> Any:
        def handler(ctx: Any) -> None:
            for _ in range(n):
                ctx.scheduler.run_after(0, api.scheduler.self_scheduling_mutation)

        return handler

    t.run(schedule(1000))
    with pytest.raises(ConvexTestError) as info:
        t.run(schedule(1001))
    assert str(info.value) == "Too many functions scheduled by this mutation (limit: 1000)"
    assert len(jobs_raw(t)) == 1000  # the failing mutation rolled back all of its jobs
    # An action's schedules are separate transactions: no per-action limit.
    t.action(schedule(1001))
    assert len(jobs_raw(t)) == 2001


def jobs_raw(t: ConvexTest) -> dict[str, Any]:
    docs: dict[str, Any] = t.backend.store.namespace("").tables["_scheduled_functions"].docs
    return docs


def test_total_scheduled_args_size_per_mutation(t: ConvexTest) -> None:
    big = "x" * 1_000_000

    def schedule(ctx: Any) -> None:
        for _ in range(17):
            ctx.scheduler.run_after(0, api.scheduler.add, {"body": big, "author": "a"})

    with pytest.raises(ConvexTestError) as info:
        t.run(schedule)
    assert str(info.value) == (
        "Too large total size of the arguments of scheduled functions from this mutation "
        "(limit: 16777216 bytes)"
    )
    assert jobs_raw(t) == {}


# --- transactionality -----------------------------------------------------------------------


def test_failing_nested_mutation_rolls_back_only_its_jobs(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import internal_mutation, mutation

                @internal_mutation
                def noop(ctx, args):
                    pass

                @internal_mutation
                def child(ctx, args):
                    ctx.scheduler.run_after(0, noop, {"from": "child"})
                    raise ValueError("child fails")

                @mutation
                def parent(ctx, args):
                    ctx.scheduler.run_after(0, noop, {"from": "parent-before"})
                    try:
                        ctx.run_mutation(child)
                    except ValueError:
                        pass
                    ctx.scheduler.run_after(0, noop, {"from": "parent-after"})
            """
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    t.mutation("jobs:parent")
    t.finish_all_scheduled_functions()
    froms = t.query(
        lambda ctx: [
            (j["args"][0]["from"], j["state"]["kind"])
            for j in ctx.db.system.query("_scheduled_functions")
        ]
    )
    assert froms == [["parent-before", "success"], ["parent-after", "success"]]


def test_action_schedules_commit_at_once_even_if_it_fails(t: ConvexTest) -> None:
    def failing_action(ctx: Any) -> None:
        ctx.scheduler.run_after(0, internal.scheduler.record_tick, {"name": "kept"})
        raise RuntimeError("action fails")

    with pytest.raises(RuntimeError, match="action fails"):
        t.action(failing_action)
    assert kinds(t) == ["pending"]
    t.finish_in_progress_scheduled_functions()
    assert t.query(internal.scheduler.ticks) == [["kept", NOON]]


def test_cancel_is_transactional_in_mutations(t: ConvexTest) -> None:
    job_id = t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 10})

    def cancel_then_fail(ctx: Any) -> None:
        ctx.scheduler.cancel(job_id)
        raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        t.run(cancel_then_fail)
    assert kinds(t) == ["pending"]
    t.finish_all_scheduled_functions()
    assert kinds(t) == ["success"]


# --- cancel ---------------------------------------------------------------------------------


def test_cancel_of_a_finished_job_is_a_no_op(t: ConvexTest) -> None:
    job_id = t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 0})
    t.finish_in_progress_scheduled_functions()
    before = t.query(api.scheduler.job, {"id": job_id})
    t.advance_time(1000)
    t.mutation(api.scheduler.cancel, {"id": job_id})
    t.action(api.scheduler.cancel_action, {"id": job_id})
    assert t.query(api.scheduler.job, {"id": job_id}) == before


def test_cancel_twice_keeps_the_first_completed_time(t: ConvexTest) -> None:
    job_id = t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 5000})
    t.mutation(api.scheduler.cancel, {"id": job_id})
    t.advance_time(1000)
    t.mutation(api.scheduler.cancel, {"id": job_id})
    assert t.query(api.scheduler.job, {"id": job_id})["completedTime"] == NOON


@pytest.mark.parametrize("bad", ["not an id", 5, None])
def test_cancel_rejects_non_job_ids(t: ConvexTest, bad: Any) -> None:
    with pytest.raises(ConvexTestError, match="Invalid scheduled function ID"):
        t.run(lambda ctx: ctx.scheduler.cancel(bad))


def test_cancel_rejects_ids_of_other_tables(t: ConvexTest) -> None:
    message_id = t.run(lambda ctx: ctx.db.insert("messages", {"body": "b", "author": "a"}))
    with pytest.raises(ConvexTestError) as info:
        t.run(lambda ctx: ctx.scheduler.cancel(message_id))
    assert str(info.value).startswith(
        "Invalid scheduled function ID. The ID must be an ID on the '_scheduled_functions' table"
    )


def test_a_mutation_cannot_cancel_itself(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import internal_mutation

                @internal_mutation
                def cancel_self(ctx, args):
                    for job in ctx.db.system.query("_scheduled_functions"):
                        if job["state"]["kind"] == "inProgress":
                            ctx.scheduler.cancel(job["_id"])
            """
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    t.run(lambda ctx: ctx.scheduler.run_after(0, "jobs:cancel_self"))
    t.finish_in_progress_scheduled_functions()
    (state,) = t.query(
        lambda ctx: [j["state"] for j in ctx.db.system.query("_scheduled_functions")]
    )
    assert state == {"kind": "failed", "error": "ConvexTestError: A mutation cannot cancel itself"}


def test_canceled_running_action_finishes_but_its_new_jobs_are_canceled(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import internal_action, internal_mutation, internal_query

                @internal_mutation
                def noop(ctx, args):
                    ctx.db.insert("hits", {"n": args["n"]})

                @internal_query
                def running(ctx, args):
                    for job in ctx.db.system.query("_scheduled_functions"):
                        if job["state"]["kind"] == "inProgress":
                            return job["_id"]

                @internal_action
                def worker(ctx, args):
                    ctx.scheduler.run_after(0, noop, {"n": 1})
                    ctx.scheduler.cancel(ctx.run_query(running))
                    ctx.scheduler.run_after(0, noop, {"n": 2})
                    ctx.run_mutation(noop, {"n": 3})
            """
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    t.run(lambda ctx: ctx.scheduler.run_after(10, "jobs:worker"))
    t.finish_all_scheduled_functions()
    docs = t.query(
        lambda ctx: [
            (j["name"], j["args"][0].get("n"), j["state"]["kind"], j.get("completedTime"))
            for j in ctx.db.system.query("_scheduled_functions")
        ]
    )
    assert docs == [
        ["jobs:worker", None, "canceled", NOON + 10],  # it finished, but stays canceled
        ["jobs:noop", 1, "success", NOON + 10],  # scheduled before the cancel
        ["jobs:noop", 2, "canceled", NOON + 10],  # created canceled
    ]
    assert t.query(lambda ctx: sorted(h["n"] for h in ctx.db.query("hits"))) == [1, 3]


# --- identity, ctx, components --------------------------------------------------------------


def test_scheduled_runs_carry_no_identity(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import internal_action, internal_mutation, mutation

                @internal_mutation
                def record(ctx, args):
                    ctx.db.insert("who", {"identity": ctx.auth.get_user_identity(), "via": args["via"]})

                @internal_action
                def record_action(ctx, args):
                    ctx.run_mutation(record, {"via": "action:" + str(ctx.auth.get_user_identity())})

                @mutation
                def schedule(ctx, args):
                    assert ctx.auth.get_user_identity() is not None
                    ctx.scheduler.run_after(0, record, {"via": "mutation"})
                    ctx.scheduler.run_after(0, record_action, {})
            """
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    t.with_identity(name="Ada").mutation("jobs:schedule")
    t.with_identity(name="Ada").finish_in_progress_scheduled_functions()
    assert t.query(lambda ctx: [(w["via"], w["identity"]) for w in ctx.db.query("who")]) == [
        ["mutation", None],
        ["action:None", None],
    ]


def test_queries_have_no_scheduler(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError) as info:
        t.query(lambda ctx: ctx.scheduler.run_after(0, api.scheduler.add, {}))
    assert str(info.value).startswith("ctx.scheduler is not available in a query function.")


def test_camel_case_names_get_a_hint(t: ConvexTest) -> None:
    with pytest.raises(AttributeError, match="Did you mean `run_after`"):
        t.run(lambda ctx: ctx.scheduler.runAfter(0, api.scheduler.add, {}))
    with pytest.raises(AttributeError, match="Did you mean `run_at`"):
        t.run(lambda ctx: ctx.scheduler.runAt(0, api.scheduler.add, {}))


def test_http_actions_can_schedule(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import internal_mutation

                @internal_mutation
                def hit(ctx, args):
                    ctx.db.insert("hits", {"path": args["path"]})
            """,
            "http.py": """
                import httpx
                from convex_test import HttpRouter, http_action

                http = HttpRouter()

                @http_action
                def handler(ctx, request):
                    ctx.scheduler.run_after(0, "jobs:hit", {"path": request.url.path})
                    return httpx.Response(202)

                http.route(path="/hook", method="POST", handler=handler)
            """,
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    assert t.fetch("/hook", "POST").status_code == 202
    t.finish_in_progress_scheduled_functions()
    assert t.query(lambda ctx: [h["path"] for h in ctx.db.query("hits")]) == ["/hook"]


COMPONENT_LIB = """
    from convex_test import internal, internal_mutation, mutation, query

    @internal_mutation
    def bump(ctx, args):
        ctx.db.insert("counts", {"by": args["by"]})

    @mutation
    def bump_later(ctx, args):
        return ctx.scheduler.run_after(args["delay"], internal.lib.bump, {"by": "self"})

    @mutation
    def add(ctx, args):
        ctx.db.insert("counts", {"by": args["by"]})

    @query
    def counts(ctx, args):
        return [c["by"] for c in ctx.db.query("counts")]

    @query
    def job_names(ctx, args):
        return [j["name"] for j in ctx.db.system.query("_scheduled_functions")]
"""


def test_component_jobs_run_inside_the_component(tmp_path: Path) -> None:
    component = make_app(tmp_path, {"lib.py": COMPONENT_LIB}, name="counter")
    app = make_app(
        tmp_path,
        {
            "app.py": """
                from convex_test import components, mutation, query

                @mutation
                def schedule_component(ctx, args):
                    return ctx.scheduler.run_after(5, components.counter.lib.add, {"by": "app"})

                @query
                def job_names(ctx, args):
                    return [j["name"] for j in ctx.db.system.query("_scheduled_functions")]
            """
        },
    )
    t = convex_test(modules=app, start_time=NOON)
    t.register_component("counter", modules=component)
    # A component scheduling its own function: the job lives in the component.
    t.mutation("lib:bump_later", {"delay": 10}, component="counter")
    # The app scheduling a component function: the job lives in the app, runs there.
    t.mutation("app:schedule_component")
    assert t.query("app:job_names") == ["lib:add"]
    assert t.query("lib:job_names", component="counter") == ["lib:bump"]
    t.finish_all_scheduled_functions()
    assert t.query("lib:counts", component="counter") == ["app", "self"]
    app_jobs = t.query(
        lambda ctx: [j["state"]["kind"] for j in ctx.db.system.query("_scheduled_functions")]
    )
    assert app_jobs == ["success"]


def test_app_cannot_schedule_internal_component_functions(tmp_path: Path) -> None:
    component = make_app(tmp_path, {"lib.py": COMPONENT_LIB}, name="counter")
    app = make_app(tmp_path, {"app.py": "X = 1\n"})
    t = convex_test(modules=app, start_time=NOON)
    t.register_component("counter", modules=component)
    with pytest.raises(ConvexTestError, match="public functions"):
        t.run(lambda ctx: ctx.scheduler.run_after(0, components_ref("counter.lib.bump"), {}))


def components_ref(chain: str) -> Any:
    from convex_test import components

    ref: Any = components
    for part in chain.split("."):
        ref = getattr(ref, part)
    return ref


# --- draining -------------------------------------------------------------------------------


def test_jobs_run_by_time_then_scheduling_order(t: ConvexTest) -> None:
    def schedule(ctx: Any) -> None:
        for name, delay in [("c", 300), ("a1", 100), ("b", 200), ("a2", 100), ("now", 0)]:
            ctx.scheduler.run_after(delay, internal.scheduler.record_tick, {"name": name})

    t.run(schedule)
    t.finish_all_scheduled_functions()
    assert t.query(internal.scheduler.ticks) == [
        ["now", NOON],
        ["a1", NOON + 100],
        ["a2", NOON + 100],
        ["b", NOON + 200],
        ["c", NOON + 300],
    ]


def test_finish_in_progress_runs_due_chains_without_moving_the_clock(t: ConvexTest) -> None:
    t.mutation(internal.scheduler.chain, {"name": "x", "delays": [0, 0, 0, 10]})
    t.finish_in_progress_scheduled_functions()
    assert t.query(internal.scheduler.ticks) == [["x", NOON]] * 4
    assert kinds(t) == ["success", "success", "success", "pending"]
    assert t.now_ms() == NOON


def test_finish_in_progress_stops_an_infinite_chain(t: ConvexTest) -> None:
    t.mutation(api.scheduler.self_scheduling_mutation, {})
    with pytest.raises(ConvexTestError) as info:
        t.finish_in_progress_scheduled_functions(max_iterations=20)
    assert str(info.value) == (
        "finish_in_progress_scheduled_functions: too many iterations. Check for infinitely "
        "recursive scheduled functions, or increase max_iterations."
    )
    assert kinds(t).count("success") == 20


def test_finish_all_max_iterations(t: ConvexTest) -> None:
    t.mutation(internal.scheduler.chain, {"name": "x", "delays": [1] * 9})  # 9 more jobs
    with pytest.raises(ConvexTestError, match="too many iterations"):
        t.finish_all_scheduled_functions(max_iterations=8)
    t2 = convex_test(modules=APP, start_time=NOON)
    t2.mutation(internal.scheduler.chain, {"name": "x", "delays": [1] * 9})
    t2.finish_all_scheduled_functions(max_iterations=9)
    assert len(t2.query(internal.scheduler.ticks)) == 10
    # Pending jobs at the start of a drain count from zero again.
    t.finish_all_scheduled_functions(max_iterations=8)
    assert len(t.query(internal.scheduler.ticks)) == 10


def test_self_scheduling_with_delay_moves_the_clock_each_round(t: ConvexTest) -> None:
    t.mutation(api.scheduler.self_scheduling_mutation_with_delay, {"delayMs": 1000})
    with pytest.raises(ConvexTestError, match="too many iterations"):
        t.finish_all_scheduled_functions(max_iterations=5)
    assert t.now_ms() == NOON + 5000


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10", None])
def test_max_iterations_validation(t: ConvexTest, bad: Any) -> None:
    with pytest.raises(ConvexTestError, match="max_iterations must be a positive integer"):
        t.finish_all_scheduled_functions(max_iterations=bad)
    with pytest.raises(ConvexTestError, match="max_iterations must be a positive integer"):
        t.finish_in_progress_scheduled_functions(max_iterations=bad)
    with pytest.raises(ConvexTestError, match="max_iterations must be a positive integer"):
        t.advance_time(1, max_iterations=bad)


def test_draining_is_deterministic() -> None:
    def scenario() -> list[Any]:
        t = convex_test(modules=APP, start_time=NOON)
        t.mutation(api.scheduler.schedule_now_and_later, {})
        t.action(api.scheduler.action_scheduling_action_n_times, {"count": 3})
        t.mutation(internal.scheduler.chain, {"name": "c", "delays": [5, 0, 7]})
        t.advance_time(timedelta(seconds=30))
        t.finish_all_scheduled_functions()
        return [
            jobs(t),
            t.query(internal.scheduler.list_messages),
            t.query(internal.scheduler.ticks),
        ]

    assert scenario() == scenario()


def test_capture_output_records_drains_and_job_failures() -> None:
    t = convex_test(modules=APP, start_time=NOON, capture_output=True)
    t.mutation(api.scheduler.mutation_scheduling_action, {"delayMs": 0, "body": "FAIL THIS"})
    t.finish_all_scheduled_functions()
    record = t.calls[-1]
    assert record.path == "finish_all_scheduled_functions(max_iterations=100)"
    assert record.outcome == "ok"
    assert any("failed as intended" in line for line in record.output)


def test_convex_error_data_in_a_failed_job_does_not_escape(t: ConvexTest) -> None:
    def schedule(ctx: Any) -> None:
        ctx.scheduler.run_after(0, internal.scheduler.record_tick, {"name": 5})

    t.run(schedule)
    t.finish_in_progress_scheduled_functions()
    (job,) = jobs(t)
    assert job["state"]["kind"] == "failed"
    assert not isinstance(job["state"]["error"], ConvexError)


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.integers(-(2**53), 2**53),
    st.integers(-(2**63), 2**63 - 1).map(Int64),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.lists(st.integers(0, 9), max_size=3),
)


@given(st.dictionaries(st.text(min_size=1, max_size=10), _SCALARS, max_size=6))
def test_scheduled_args_size_matches_the_size_formula(args: dict[str, Any]) -> None:
    from convex_test.scheduler.jobs import _args_size
    from convex_test.values.types import convert

    try:
        canonical = convert(args)
    except ConvexTestError:
        return  # not a Convex value (e.g. a key starting with "$")
    assert _args_size(canonical) == value_size([canonical])
