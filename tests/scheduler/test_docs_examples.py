"""The examples of docs/scheduling-and-time.md, run against the fixture app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from convex_test import api, internal
from convex_test.harness import ConvexTest, convex_test

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "scheduler_app"
NOON = 1_718_452_800_000.0  # 2024-06-15T12:00:00Z


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP, start_time=NOON)


def test_reminder_is_sent_after_a_day(t: ConvexTest) -> None:
    reminder_id = t.mutation(api.reminders.create, {"text": "call mom"})

    t.advance_time(timedelta(hours=23))
    assert t.run(lambda ctx: ctx.db.get(reminder_id))["sent"] is False

    t.advance_time(timedelta(hours=1))
    assert t.run(lambda ctx: ctx.db.get(reminder_id))["sent"] is True
    job = t.query(lambda ctx: ctx.db.system.query("_scheduled_functions").first())
    assert job["state"] == {"kind": "success"}
    assert job["completedTime"] == NOON + 86_400_000


def test_retries_back_off_then_succeed(t: ConvexTest) -> None:
    start = t.now_ms()
    t.run(
        lambda ctx: ctx.scheduler.run_after(
            0, internal.retries.run, {"task": "sync", "attempt": 1, "succeedOn": 3}
        )
    )

    t.finish_all_scheduled_functions()

    attempts = t.query(internal.retries.attempts, {"task": "sync"})
    assert [(n, ok, at - start) for n, ok, at in attempts] == [
        (1, False, 0),
        (2, False, 1000),
        (3, True, 3000),
    ]


def test_retries_give_up_after_five_attempts(t: ConvexTest) -> None:
    t.run(
        lambda ctx: ctx.scheduler.run_after(
            0, internal.retries.run, {"task": "hopeless", "attempt": 1, "succeedOn": 99}
        )
    )
    t.advance_time(timedelta(seconds=14))  # 0 + 1 + 2 + 4 s: four attempts so far
    assert len(t.query(internal.retries.attempts, {"task": "hopeless"})) == 4
    t.finish_all_scheduled_functions()
    attempts = t.query(internal.retries.attempts, {"task": "hopeless"})
    assert [n for n, _, _ in attempts] == [1, 2, 3, 4, 5]
    assert t.now_ms() == NOON + 15_000


def test_daily_cron_runs_every_morning(t: ConvexTest) -> None:
    t.set_time(datetime(2024, 6, 20, 12, tzinfo=UTC))  # the clock jumps; no cron runs
    assert t.query(internal.cron_targets.runs) == []
    t.advance_time(0)  # overdue crons catch up once
    t.advance_time(timedelta(days=2))
    daily = [at for name, at in t.query(internal.cron_targets.runs) if name == "daily"]
    assert daily[-2:] == [
        datetime(2024, 6, 21, 9, tzinfo=UTC).timestamp() * 1000,
        datetime(2024, 6, 22, 9, tzinfo=UTC).timestamp() * 1000,
    ]


def test_run_cron_now(t: ConvexTest) -> None:
    assert t.run_cron("daily report") == "daily"
    assert t.query(internal.cron_targets.runs) == [["daily", NOON]]
