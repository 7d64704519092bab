"""Cron jobs end to end: ``crons.py`` loaded with the app, run by ``t.advance_time`` at
each occurrence, caught up once after ``t.set_time``, and run on demand by
``t.run_cron`` (SPEC §8, convex-semantics §11)."""

from __future__ import annotations

import logging
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test import api, internal
from convex_test.errors import ConvexTestError
from convex_test.harness import ConvexTest, convex_test

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "scheduler_app"
NOON = 1_718_452_800_000.0  # 2024-06-15T12:00:00Z, a Saturday
MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
NINE_AM_16TH = datetime(2024, 6, 16, 9, tzinfo=UTC).timestamp() * 1000


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP, start_time=NOON)


def runs(t: ConvexTest) -> list[list[Any]]:
    result: list[list[Any]] = t.query(internal.cron_targets.runs)
    return result


def times(t: ConvexTest, name: str) -> list[float]:
    return [at for cron, at in runs(t) if cron == name]


def make_app(tmp_path: Path, files: dict[str, str], name: str = "convex") -> Path:
    root = tmp_path / name
    root.mkdir()
    for file, source in files.items():
        (root / file).write_text(textwrap.dedent(source))
    return root


RECORDER = """
    import time
    from convex_test import internal_action, internal_mutation, internal_query, query

    @internal_mutation
    def record(ctx, args):
        ctx.db.insert("runs", {
            "name": args.get("name", "?"),
            "at": time.time() * 1000,
            "identity": ctx.auth.get_user_identity(),
        })
        return args.get("name")

    @internal_action
    def record_action(ctx, args):
        ctx.run_mutation(record, {"name": "action:" + args["name"]})

    @internal_mutation
    def explode(ctx, args):
        ctx.db.insert("runs", {"name": "explode", "at": time.time() * 1000, "identity": None})
        raise RuntimeError("cron failed")

    @query
    def a_query(ctx, args):
        return None

    @internal_query
    def runs(ctx, args):
        return [(r["name"], r["at"]) for r in ctx.db.query("runs")]
"""


def recorder_app(tmp_path: Path, crons: str, name: str = "convex") -> Path:
    return make_app(tmp_path, {"jobs.py": RECORDER, "crons.py": crons}, name=name)


def recorded(t: ConvexTest, component: str = "") -> list[list[Any]]:
    result: list[list[Any]] = t.query("jobs:runs", component=component)
    return result


# --- occurrences in advance_time ------------------------------------------------------------


def test_an_interval_cron_is_due_when_the_backend_starts(t: ConvexTest) -> None:
    assert runs(t) == []  # nothing runs by itself
    t.advance_time(0)
    assert runs(t) == [["heartbeat", NOON]]
    t.advance_time(0)
    assert runs(t) == [["heartbeat", NOON]]


def test_advance_time_runs_every_occurrence_at_its_own_time(t: ConvexTest) -> None:
    t.advance_time(timedelta(hours=2))
    assert times(t, "heartbeat") == [NOON + k * 30 * MINUTE for k in range(5)]
    assert times(t, "daily") == []
    assert t.now_ms() == NOON + 2 * HOUR


def test_daily_cron_runs_at_its_hour(t: ConvexTest) -> None:
    t.advance_time(timedelta(days=2))
    assert times(t, "daily") == [NINE_AM_16TH, NINE_AM_16TH + DAY]
    assert len(times(t, "heartbeat")) == 2 * 48 + 1


def test_windows_split_anywhere_give_the_same_runs() -> None:
    whole = convex_test(modules=APP, start_time=NOON)
    whole.advance_time(timedelta(hours=26))
    pieces = convex_test(modules=APP, start_time=NOON)
    for step in (7 * MINUTE, 23 * MINUTE, 0, HOUR + 1, 24 * HOUR + 30 * MINUTE - 1):
        pieces.advance_time(step)
    assert pieces.now_ms() == whole.now_ms()
    assert runs(pieces) == runs(whole)


def test_crons_and_jobs_interleave_in_time_order(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "job", "delayMs": 30 * MINUTE})
    t.mutation(api.scheduler.schedule_tick, {"name": "job", "delayMs": 45 * MINUTE})
    t.advance_time(timedelta(hours=1))
    docs = t.query(
        lambda ctx: sorted(
            [(d["_creationTime"], d["name"], d["at"]) for d in ctx.db.query("ticks")]
            + [(d["_creationTime"], d["name"], d["at"]) for d in ctx.db.query("cron_runs")]
        )
    )
    assert [(name, at - NOON) for _, name, at in docs] == [
        ("heartbeat", 0),
        ("job", 30 * MINUTE),  # one-shot jobs first at the same time
        ("heartbeat", 30 * MINUTE),
        ("job", 45 * MINUTE),
        ("heartbeat", 60 * MINUTE),
    ]


def test_jobs_scheduled_by_crons_run_in_the_same_window(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": RECORDER
            + """
    @internal_mutation
    def schedule_follow_up(ctx, args):
        ctx.scheduler.run_after(5 * 60_000, record, {"name": "follow-up"})
""",
            "crons.py": """
                from convex_test import cron_jobs, internal

                crons = cron_jobs()
                crons.cron("every quarter", "*/15 * * * *", internal.jobs.schedule_follow_up)
            """,
        },
    )
    t = convex_test(modules=root, start_time=NOON + 7 * MINUTE)
    t.advance_time(timedelta(minutes=30))
    assert recorded(t) == [
        ["follow-up", NOON + 20 * MINUTE],
        ["follow-up", NOON + 35 * MINUTE],
    ]
    assert t.now_ms() == NOON + 37 * MINUTE


def test_cron_spec_schedules_in_utc(tmp_path: Path) -> None:
    root = recorder_app(
        tmp_path,
        """
        from convex_test import cron_jobs, internal

        crons = cron_jobs()
        crons.cron("quarter", "*/15 * * * *", internal.jobs.record, {"name": "quarter"})
        crons.hourly("hourly", {"minuteUTC": 5}, internal.jobs.record, {"name": "hourly"})
        crons.weekly(
            "weekly",
            {"dayOfWeek": "monday", "hourUTC": 8, "minuteUTC": 0},
            internal.jobs.record_action,
            {"name": "weekly"},
        )
        crons.monthly("monthly", {"day": 1, "hourUTC": 0, "minuteUTC": 0}, internal.jobs.record, {"name": "monthly"})
        """,
    )
    t = convex_test(modules=root, start_time=datetime(2024, 6, 30, 23, 7, tzinfo=UTC))
    t.advance_time(timedelta(minutes=60))
    assert recorded(t) == [
        ["quarter", datetime(2024, 6, 30, 23, 15, tzinfo=UTC).timestamp() * 1000],
        ["quarter", datetime(2024, 6, 30, 23, 30, tzinfo=UTC).timestamp() * 1000],
        ["quarter", datetime(2024, 6, 30, 23, 45, tzinfo=UTC).timestamp() * 1000],
        ["quarter", datetime(2024, 7, 1, tzinfo=UTC).timestamp() * 1000],
        ["monthly", datetime(2024, 7, 1, tzinfo=UTC).timestamp() * 1000],
        ["hourly", datetime(2024, 7, 1, 0, 5, tzinfo=UTC).timestamp() * 1000],
    ]
    t.set_time(datetime(2024, 7, 1, 7, 59, tzinfo=UTC))
    t.advance_time(0)  # catch-up: quarter and hourly once each
    t.advance_time(timedelta(minutes=1))
    assert recorded(t)[-1] == [
        "action:weekly",
        datetime(2024, 7, 1, 8, tzinfo=UTC).timestamp() * 1000,
    ]


# --- set_time and the catch-up rule ---------------------------------------------------------


def test_set_time_runs_nothing_then_overdue_crons_run_once(t: ConvexTest) -> None:
    now = NOON + 10 * DAY + 5 * MINUTE
    t.set_time(now)
    assert runs(t) == []
    t.advance_time(0)
    assert runs(t) == [["heartbeat", now], ["daily", now]]  # once each, late
    t.advance_time(timedelta(hours=1))
    # Back on the interval's grid (anchored at the backend's start), skipping the missed.
    assert times(t, "heartbeat")[1:] == [NOON + 10 * DAY + 30 * MINUTE, NOON + 10 * DAY + HOUR]
    # The daily job's next run is the next 09:00, not one of the nine it missed.
    t.advance_time(timedelta(days=1))
    assert times(t, "daily") == [now, NINE_AM_16TH + 10 * DAY]


def test_finish_all_jumps_over_crons_which_catch_up_later(t: ConvexTest) -> None:
    t.mutation(api.scheduler.schedule_tick, {"name": "far", "delayMs": 3 * DAY})
    t.finish_all_scheduled_functions()
    assert runs(t) == []  # crons are not part of finish_all
    t.finish_in_progress_scheduled_functions()
    assert runs(t) == []
    t.advance_time(0)
    assert runs(t) == [["heartbeat", NOON + 3 * DAY], ["daily", NOON + 3 * DAY]]


def test_set_time_backwards_keeps_the_next_due_time(t: ConvexTest) -> None:
    t.advance_time(0)  # the immediate heartbeat; next due at NOON + 30 min
    t.set_time(NOON - DAY)
    t.advance_time(timedelta(days=1))
    assert times(t, "heartbeat") == [NOON]
    t.advance_time(30 * MINUTE)
    assert times(t, "heartbeat") == [NOON, NOON + 30 * MINUTE]


# --- run_cron -------------------------------------------------------------------------------


def test_run_cron_runs_one_now_and_returns_its_result(t: ConvexTest) -> None:
    assert t.run_cron("daily report") == "daily"
    assert runs(t) == [["daily", NOON]]
    # The schedule is unchanged: the interval's first run and the next 09:00 still come.
    t.advance_time(timedelta(hours=21))
    assert times(t, "daily") == [NOON, NINE_AM_16TH]
    assert times(t, "heartbeat")[0] == NOON


def test_run_cron_unknown_name(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError) as info:
        t.run_cron("daly report")
    assert str(info.value) == "No cron job named 'daly report'. Did you mean `daily report`?"


def test_run_cron_without_crons(tmp_path: Path) -> None:
    t = convex_test(modules=make_app(tmp_path, {"jobs.py": RECORDER}))
    with pytest.raises(ConvexTestError) as info:
        t.run_cron("x")
    assert str(info.value) == (
        "No cron job named 'x'. No cron jobs are defined (crons.py with `crons = cron_jobs()`)."
    )
    t.advance_time(DAY)  # no crons: nothing to do


def test_run_cron_propagates_errors_advance_time_logs_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = recorder_app(
        tmp_path,
        """
        from convex_test import cron_jobs, internal

        crons = cron_jobs()
        crons.interval("boom", {"minutes": 10}, internal.jobs.explode)
        """,
    )
    t = convex_test(modules=root, start_time=NOON)
    with pytest.raises(RuntimeError, match="cron failed"):
        t.run_cron("boom")
    with caplog.at_level(logging.ERROR, logger="convex_test.scheduler"):
        t.advance_time(20 * MINUTE)  # never raises; later occurrences still run
    assert "Error when running cron job 'boom' (jobs:explode)" in caplog.text
    assert "Uncaught RuntimeError: cron failed" in caplog.text
    assert recorded(t) == []  # every run rolled back


def test_crons_run_without_identity(tmp_path: Path) -> None:
    root = recorder_app(
        tmp_path,
        """
        from convex_test import cron_jobs, internal

        crons = cron_jobs()
        crons.interval("rec", {"hours": 1}, internal.jobs.record, {"name": "rec"})
        """,
    )
    t = convex_test(modules=root, start_time=NOON)
    ada = t.with_identity(name="Ada")
    ada.run_cron("rec")
    ada.advance_time(0)
    identities = t.query(lambda ctx: [r["identity"] for r in ctx.db.query("runs")])
    assert identities == [None, None]


def test_cron_args_are_copied_for_each_run(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        {
            "jobs.py": """
                from convex_test import internal_mutation

                @internal_mutation
                def mutate_args(ctx, args):
                    ctx.db.insert("seen", {"items": list(args["items"])})
                    args["items"].append("changed")
            """,
            "crons.py": """
                from convex_test import cron_jobs, internal

                crons = cron_jobs()
                crons.interval("m", {"minutes": 1}, internal.jobs.mutate_args, {"items": ["a"]})
            """,
        },
    )
    t = convex_test(modules=root, start_time=NOON)
    t.advance_time(MINUTE)
    t.run_cron("m")
    seen = t.query(lambda ctx: [s["items"] for s in ctx.db.query("seen")])
    assert seen == [["a"], ["a"], ["a"]]


# --- definition errors ----------------------------------------------------------------------


def test_cron_targets_must_be_mutations_or_actions(tmp_path: Path) -> None:
    root = recorder_app(
        tmp_path,
        """
        from convex_test import api, cron_jobs

        crons = cron_jobs()
        crons.daily("bad", {"hourUTC": 1}, api.jobs.a_query)
        """,
    )
    t = convex_test(modules=root, start_time=NOON)
    message = (
        "Cron job 'bad' cannot run: jobs:a_query is a query; cron jobs must run a mutation "
        "or an action."
    )
    with pytest.raises(ConvexTestError) as info:
        t.advance_time(1)
    assert str(info.value) == message
    with pytest.raises(ConvexTestError) as info:
        t.run_cron("bad")
    assert str(info.value) == message
    assert t.now_ms() == NOON


def test_cron_target_must_exist(tmp_path: Path) -> None:
    root = recorder_app(
        tmp_path,
        """
        from convex_test import cron_jobs

        crons = cron_jobs()
        crons.hourly("missing", {"minuteUTC": 0}, "jobs:recrod")
        """,
    )
    t = convex_test(modules=root, start_time=NOON)
    with pytest.raises(ConvexTestError, match=r"^Cron job 'missing' cannot run: .*jobs:recrod"):
        t.advance_time(1)


def test_crons_must_be_a_crons_object(tmp_path: Path) -> None:
    root = recorder_app(tmp_path, "crons = ['not', 'crons']\n")
    with pytest.raises(ConvexTestError) as info:
        convex_test(modules=root)
    assert str(info.value) == ("crons.py must define `crons = cron_jobs()`, got ['not', 'crons']")


# --- components -----------------------------------------------------------------------------


def test_component_crons_run_inside_the_component(tmp_path: Path) -> None:
    component = recorder_app(
        tmp_path,
        """
        from convex_test import cron_jobs, internal

        crons = cron_jobs()
        crons.interval("tick", {"minutes": 20}, internal.jobs.record, {"name": "component"})
        """,
        name="counter",
    )
    app = make_app(tmp_path, {"jobs.py": RECORDER})
    t = convex_test(modules=app, start_time=NOON)
    t.advance_time(HOUR)
    # Registered later: its interval job is due when it is mounted.
    t.register_component("counter", modules=component)
    t.advance_time(30 * MINUTE)
    assert recorded(t, "counter") == [
        ["component", NOON + HOUR],
        ["component", NOON + HOUR + 20 * MINUTE],
    ]
    assert recorded(t) == []
    assert t.run_cron("tick", component="counter") == "component"
    with pytest.raises(ConvexTestError, match="No cron job named 'tick'"):
        t.run_cron("tick")
    with pytest.raises(ConvexTestError, match='Component "nope" is not registered'):
        t.run_cron("tick", component="nope")


def test_crons_are_deterministic() -> None:
    def scenario() -> list[Any]:
        t = convex_test(modules=APP, start_time=NOON)
        t.advance_time(timedelta(hours=5))
        t.set_time(NOON + 3 * DAY)
        t.advance_time(timedelta(hours=30))
        return runs(t)

    assert scenario() == scenario()


@settings(max_examples=25, deadline=None)
@given(
    steps=st.lists(
        st.one_of(st.integers(0, 3 * HOUR), st.sampled_from([0, 30 * MINUTE, DAY])),
        min_size=1,
        max_size=6,
    )
)
def test_advance_time_is_split_invariant(steps: list[int]) -> None:
    """Advancing in pieces runs exactly what one advance over the whole window runs."""

    def start() -> ConvexTest:
        t = convex_test(modules=APP, start_time=NOON)
        t.mutation(internal.scheduler.chain, {"name": "c", "delays": [MINUTE, HOUR, 0, DAY]})
        return t

    pieces = start()
    for step in steps:
        pieces.advance_time(step)
    whole = start()
    whole.advance_time(sum(steps))
    assert pieces.now_ms() == whole.now_ms()
    assert runs(pieces) == runs(whole)
    assert pieces.query(internal.scheduler.ticks) == whole.query(internal.scheduler.ticks)
