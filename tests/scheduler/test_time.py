"""The engine clock through ``t``: time pinned inside functions, ``advance_time`` and
``set_time`` with scheduled jobs, and tests that move time with freezegun or
time-machine instead (SPEC §8, convex-semantics §16.4)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from freezegun import freeze_time

from convex_test import api, internal
from convex_test.errors import ConvexTestError
from convex_test.harness import ConvexTest, convex_test

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "scheduler_app"
NOON = 1_718_452_800_000.0  # 2024-06-15T12:00:00Z
NOON_DT = datetime(2024, 6, 15, 12, tzinfo=UTC)
Y2030 = datetime(2030, 1, 1, tzinfo=UTC)
Y2030_MS = Y2030.timestamp() * 1000


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP, start_time=NOON)


def ticks(t: ConvexTest) -> list[list[Any]]:
    result: list[list[Any]] = t.query(internal.scheduler.ticks)
    return result


def kinds(t: ConvexTest) -> list[str]:
    return [j["state"]["kind"] for j in t.query(internal.scheduler.jobs)]


# --- time inside functions ------------------------------------------------------------------


def test_a_mutation_sees_one_frozen_time_however_long_it_runs(t: ConvexTest) -> None:
    first, second, third, from_ns = t.mutation(api.scheduler.slow_mutation, {"sleepMs": 60})
    assert first == second == third == from_ns == NOON
    # ... and its writes carry that time.
    assert ticks(t) == [["slow", NOON]]


def test_queries_read_the_engine_clock(t: ConvexTest) -> None:
    now = t.query(api.scheduler.now)
    assert now["time"] == NOON
    assert now["datetime"] == "2024-06-15T12:00:00+00:00"
    t.advance_time(timedelta(minutes=5))
    assert t.query(api.scheduler.now)["datetime"] == "2024-06-15T12:05:00+00:00"


def test_time_is_real_again_outside_functions(t: ConvexTest) -> None:
    before = time.time()
    t.query(api.scheduler.now)
    assert abs(time.time() - before) < 60  # the pin ended with the call


def test_the_engine_clock_never_ticks_by_itself(t: ConvexTest) -> None:
    time.sleep(0.01)
    assert t.now_ms() == NOON
    assert t.query(api.scheduler.now)["time"] == NOON


def test_start_time_accepts_datetimes_and_defaults_to_now() -> None:
    assert convex_test(modules=APP, start_time=NOON_DT).now_ms() == NOON
    before = time.time() * 1000
    default = convex_test(modules=APP).now_ms()
    assert before - 1 <= default <= time.time() * 1000 + 1


# --- advance_time / set_time ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "expected"),
    [(1500, NOON + 1500), (0.5, NOON + 0.5), (timedelta(hours=1), NOON + 3_600_000), (0, NOON)],
)
def test_advance_time(t: ConvexTest, delta: Any, expected: float) -> None:
    t.advance_time(delta)
    assert t.now_ms() == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (NOON + 10, NOON + 10),
        (datetime(2030, 1, 1, tzinfo=UTC), Y2030_MS),
        (datetime(2030, 1, 1), Y2030_MS),  # naive means UTC
        (NOON - 86_400_000, NOON - 86_400_000),  # backwards
    ],
)
def test_set_time(t: ConvexTest, when: Any, expected: float) -> None:
    t.set_time(when)
    assert t.now_ms() == expected
    assert t.query(api.scheduler.now)["time"] == expected


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), timedelta(seconds=-1), "1", True])
def test_advance_time_rejects_bad_deltas(t: ConvexTest, bad: Any) -> None:
    with pytest.raises(ConvexTestError, match=r"^advance_time: the delta must be"):
        t.advance_time(bad)
    assert t.now_ms() == NOON


@pytest.mark.parametrize("bad", ["2024-01-01", float("nan"), None, 1e20])
def test_set_time_rejects_bad_times(t: ConvexTest, bad: Any) -> None:
    with pytest.raises(ConvexTestError, match=r"^set_time: the time must be"):
        t.set_time(bad)


def test_creation_times_stay_increasing_when_time_goes_backwards(t: ConvexTest) -> None:
    t.mutation(internal.scheduler.record_tick, {"name": "a"})
    t.set_time(NOON - 60_000)
    t.mutation(internal.scheduler.record_tick, {"name": "b"})
    times = t.query(lambda ctx: [d["_creationTime"] for d in ctx.db.query("ticks")])
    assert times[0] == NOON
    assert times[1] > times[0]
    assert ticks(t) == [["a", NOON], ["b", NOON - 60_000]]


def test_advance_time_runs_each_job_at_its_own_time(t: ConvexTest) -> None:
    # A job chain: at +1 s, then 2 s later, then 4 s later (+7 s), then 10 s later (+17 s).
    t.run(
        lambda ctx: ctx.scheduler.run_after(
            1000, internal.scheduler.chain, {"name": "c", "delays": [2000, 4000, 10_000]}
        )
    )
    t.mutation(api.scheduler.schedule_tick, {"name": "other", "delayMs": 3000})
    t.advance_time(10_000)
    assert ticks(t) == [
        ["c", NOON + 1000],
        ["other", NOON + 3000],  # same time: scheduling order ("other" was scheduled first)
        ["c", NOON + 3000],
        ["c", NOON + 7000],
    ]
    assert t.now_ms() == NOON + 10_000  # the window's end
    assert kinds(t).count("pending") == 1  # the +17 s job is outside the window
    t.advance_time(7000)
    assert ticks(t)[-1] == ["c", NOON + 17_000]


def test_advance_time_includes_the_window_end_and_excludes_later_jobs(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "edge", "delayMs": 1000})
    t.mutation(api.scheduler.schedule_tick, {"name": "later", "delayMs": 1000.5})
    t.advance_time(1000)
    assert ticks(t) == [["edge", NOON + 1000]]


def test_set_time_runs_nothing_and_due_jobs_wait(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 1000})
    t.set_time(NOON + 5000)
    assert kinds(t) == ["pending"]
    t.finish_in_progress_scheduled_functions()  # runs it late, at the current time
    assert ticks(t) == [["x", NOON + 5000]]


def test_overdue_jobs_run_first_in_advance_time(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "overdue", "delayMs": 1000})
    t.set_time(NOON + 5000)
    t.mutation(api.scheduler.schedule_tick, {"name": "inside", "delayMs": 500})
    t.advance_time(1000)
    assert ticks(t) == [["overdue", NOON + 5000], ["inside", NOON + 5500]]


def test_set_time_backwards_delays_pending_jobs(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 10_000})
    t.set_time(NOON - 86_400_000)
    t.finish_in_progress_scheduled_functions()
    assert kinds(t) == ["pending"]
    t.advance_time(timedelta(days=1))
    assert ticks(t) == []  # the window ends at NOON, the job is due at NOON + 10 s
    t.advance_time(10_000)
    assert ticks(t) == [["x", NOON + 10_000]]


def test_finish_all_moves_the_clock_job_by_job(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "a", "delayMs": 60_000})
    t.mutation(api.scheduler.schedule_tick, {"name": "b", "delayMs": 1000})
    t.finish_all_scheduled_functions()
    assert ticks(t) == [["b", NOON + 1000], ["a", NOON + 60_000]]
    assert t.now_ms() == NOON + 60_000
    t.finish_all_scheduled_functions()  # nothing pending: the clock stays
    assert t.now_ms() == NOON + 60_000


def test_finish_all_never_moves_the_clock_back(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "a", "delayMs": 1000})
    t.set_time(NOON + 3000)
    t.finish_all_scheduled_functions()
    assert ticks(t) == [["a", NOON + 3000]]
    assert t.now_ms() == NOON + 3000


def test_finish_in_progress_never_moves_the_clock(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "a", "delayMs": 0})
    t.mutation(api.scheduler.schedule_tick, {"name": "b", "delayMs": 1})
    t.finish_in_progress_scheduled_functions()
    assert ticks(t) == [["a", NOON]]
    assert t.now_ms() == NOON


def test_scheduling_uses_the_frozen_function_time(t: ConvexTest) -> None:
    t.advance_time(250)
    job_id = t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 1000})
    job = t.query(api.scheduler.job, {"id": job_id})
    assert job["_creationTime"] == NOON + 250
    assert job["scheduledTime"] == NOON + 1250


# --- freezegun and time-machine around t calls -----------------------------------------------


def test_freezegun_time_is_the_engine_time() -> None:
    with freeze_time("2030-01-01 00:00:00") as frozen:
        t = convex_test(modules=APP)
        assert t.now_ms() == Y2030_MS
        assert t.query(api.scheduler.now)["time"] == Y2030_MS
        t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 10_000})

        frozen.tick(timedelta(seconds=5))
        assert t.now_ms() == Y2030_MS + 5000
        t.finish_in_progress_scheduled_functions()
        assert kinds(t) == ["pending"]

        frozen.tick(timedelta(seconds=5))
        t.finish_in_progress_scheduled_functions()
        assert ticks(t) == [["x", Y2030_MS + 10_000]]

        # t moving time moves freezegun's time: the test and the engine agree.
        t.advance_time(timedelta(minutes=1))
        assert time.time() * 1000 == Y2030_MS + 70_000
        t.set_time(datetime(2031, 1, 1))
        assert datetime.now(UTC) == datetime(2031, 1, 1, tzinfo=UTC)
        frozen.move_to("2032-01-01")
        assert t.query(api.scheduler.now)["datetime"] == "2032-01-01T00:00:00+00:00"
    # After freezegun stops, the engine keeps the last time it saw.
    assert t.now_ms() == datetime(2032, 1, 1, tzinfo=UTC).timestamp() * 1000


def test_freezegun_entered_after_the_backend_was_created(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 1000})
    with freeze_time(NOON_DT + timedelta(seconds=2)):
        t.finish_in_progress_scheduled_functions()
        assert ticks(t) == [["x", NOON + 2000]]


def test_freezegun_mutation_time_is_frozen() -> None:
    with freeze_time("2030-01-01 00:00:00"):
        t = convex_test(modules=APP)
        first, second, third, _ = t.mutation(api.scheduler.slow_mutation, {"sleepMs": 20})
        assert first == second == third == Y2030_MS


def test_time_machine_traveller_is_the_engine_time() -> None:
    with time_machine.travel(Y2030, tick=False) as traveller:
        t = convex_test(modules=APP)
        assert t.now_ms() == Y2030_MS
        t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 10_000})
        traveller.shift(timedelta(seconds=10))
        t.finish_in_progress_scheduled_functions()
        assert ticks(t) == [["x", Y2030_MS + 10_000]]
        t.advance_time(timedelta(seconds=30))
        assert time.time() * 1000 == Y2030_MS + 40_000
        t.set_time(NOON)
        assert time.time() * 1000 == NOON
        first, second, _, _ = t.mutation(api.scheduler.slow_mutation, {"sleepMs": 20})
        assert first == second == NOON


def test_ticking_time_machine_is_pinned_inside_functions() -> None:
    with time_machine.travel(Y2030, tick=True):
        t = convex_test(modules=APP)
        first, second, third, _ = t.mutation(api.scheduler.slow_mutation, {"sleepMs": 20})
        assert first == second
        assert third == pytest.approx(first, abs=0.001)  # datetime has microseconds
        assert time.time() * 1000 > first  # the user's clock ticks on outside


def test_time_machine_fixture(time_machine: Any) -> None:
    time_machine.move_to(Y2030, tick=False)
    t = convex_test(modules=APP)
    t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 3000})
    time_machine.shift(3)
    t.finish_in_progress_scheduled_functions()
    assert ticks(t) == [["x", Y2030_MS + 3000]]


def test_jobs_survive_the_end_of_a_user_time_travel() -> None:
    with time_machine.travel(Y2030, tick=False):
        t = convex_test(modules=APP)
        t.mutation(api.scheduler.schedule_tick, {"name": "x", "delayMs": 1000})
    # Outside the travel the engine stays at the time it last saw (no jump to 2024).
    assert t.now_ms() == Y2030_MS
    t.advance_time(1000)
    assert ticks(t) == [["x", Y2030_MS + 1000]]
