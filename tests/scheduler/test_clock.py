from __future__ import annotations

import datetime
import math
import subprocess
import sys
import time

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from convex_test.errors import ConvexTestError
from convex_test.scheduler.clock import MAX_TIME_MS, Clock, ms_to_datetime, to_ms

UTC = datetime.UTC
NOON_2024 = 1_718_452_800_000.0  # 2024-06-15T12:00:00Z
REAL_NOW_FLOOR = 1_700_000_000  # seconds; any real "now" while these tests run is later


def test_starts_at_given_time_and_never_ticks() -> None:
    clock = Clock(NOON_2024)
    first = clock.now_ms()
    time.sleep(0.002)
    assert first == clock.now_ms() == NOON_2024


def test_default_start_is_wall_clock() -> None:
    before = time.time() * 1000
    clock = Clock()
    after = time.time() * 1000
    assert before - 1 <= clock.now_ms() <= after + 1


def test_default_start_follows_a_user_time_machine() -> None:
    with time_machine.travel(datetime.datetime(2031, 2, 3, tzinfo=UTC), tick=False):
        clock = Clock()
    assert clock.now_datetime() == datetime.datetime(2031, 2, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (0, NOON_2024),
        (1500, NOON_2024 + 1500),
        (0.25, NOON_2024 + 0.25),
        (datetime.timedelta(minutes=2), NOON_2024 + 120_000),
        (datetime.timedelta(days=1, microseconds=500), NOON_2024 + 86_400_000.5),
    ],
)
def test_advance(delta: float | datetime.timedelta, expected: float) -> None:
    clock = Clock(NOON_2024)
    clock.advance(delta)
    assert clock.now_ms() == expected


@pytest.mark.parametrize(
    "delta",
    [-1, -0.001, datetime.timedelta(seconds=-1), math.nan, math.inf, True, "5", None],
)
def test_advance_rejects_bad_deltas(delta: object) -> None:
    clock = Clock(NOON_2024)
    with pytest.raises(ConvexTestError, match="advance_time: the delta must be a finite number"):
        clock.advance(delta)  # type: ignore[arg-type]
    assert clock.now_ms() == NOON_2024


def test_advance_past_year_9999_is_an_error() -> None:
    clock = Clock(MAX_TIME_MS - 10)
    with pytest.raises(ConvexTestError, match="set_time"):
        clock.advance(11)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (0, 0.0),
        (NOON_2024, NOON_2024),
        (1_718_452_800_123.5, 1_718_452_800_123.5),
        (datetime.datetime(2024, 6, 15, 12), NOON_2024),  # naive = UTC
        (datetime.datetime(2024, 6, 15, 12, tzinfo=UTC), NOON_2024),
        (
            datetime.datetime(
                2024, 6, 15, 14, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            NOON_2024,
        ),
        (datetime.datetime(2024, 6, 15, 12, 0, 0, 1500), NOON_2024 + 1.5),
        (-86_400_000, -86_400_000.0),
    ],
)
def test_set(when: float | datetime.datetime, expected: float) -> None:
    clock = Clock(NOON_2024 + 10**9)
    clock.set(when)
    assert clock.now_ms() == expected


def test_set_moves_backwards() -> None:
    clock = Clock(NOON_2024)
    clock.set(NOON_2024 - 86_400_000)
    assert clock.now_ms() == NOON_2024 - 86_400_000


@pytest.mark.parametrize(
    "when",
    [
        math.nan,
        math.inf,
        -math.inf,
        MAX_TIME_MS + 1,
        -1e20,
        "2024-01-01",
        None,
        True,
        datetime.date(2024, 1, 1),
    ],
)
def test_set_rejects_bad_times(when: object) -> None:
    clock = Clock(NOON_2024)
    with pytest.raises(ConvexTestError, match="set_time: the time must be a finite number"):
        clock.set(when)  # type: ignore[arg-type]
    if when is not None:  # Clock(None) starts at the wall-clock time
        with pytest.raises(ConvexTestError):
            Clock(when)  # type: ignore[arg-type]


def test_to_ms_and_ms_to_datetime_round_trip() -> None:
    when = datetime.datetime(2024, 6, 15, 12, 0, 0, 123_000, tzinfo=UTC)
    assert to_ms(when) == NOON_2024 + 123
    assert ms_to_datetime(NOON_2024 + 123) == when


def test_pinned_freezes_time_and_datetime() -> None:
    clock = Clock(NOON_2024 + 123)
    with clock.pinned():
        assert time.time_ns() == 1_718_452_800_123_000_000
        assert time.time() * 1000 == pytest.approx(NOON_2024 + 123, abs=1e-3)
        assert datetime.datetime.now(UTC) == datetime.datetime(
            2024, 6, 15, 12, 0, 0, 123_000, tzinfo=UTC
        )
        assert datetime.datetime.utcnow() == datetime.datetime(2024, 6, 15, 12, 0, 0, 123_000)
        # Noon UTC is the same date in every time zone within +-12 h.
        assert datetime.date.today() == datetime.date(2024, 6, 15)
        first = time.time_ns()
        time.sleep(0.002)
        assert time.time_ns() == first  # frozen, not ticking
    assert time.time() > REAL_NOW_FLOOR  # restored
    assert datetime.datetime.now(UTC).year >= 2023


def test_pinned_exact_to_the_nanosecond_for_fractional_ms() -> None:
    clock = Clock(1_718_452_800_123.25)
    with clock.pinned():
        assert time.time_ns() == 1_718_452_800_123_250_000


def test_pinned_nests_with_one_traveller() -> None:
    clock = Clock(NOON_2024)
    depth_before = len(time_machine.traveller_stack)
    with clock.pinned():
        assert clock.is_pinned
        assert len(time_machine.traveller_stack) == depth_before + 1
        with clock.pinned(), clock.pinned():
            assert len(time_machine.traveller_stack) == depth_before + 1
            assert time.time() * 1000 == pytest.approx(NOON_2024, abs=1e-3)
        assert clock.is_pinned
        assert time.time() * 1000 == pytest.approx(NOON_2024, abs=1e-3)
    assert not clock.is_pinned
    assert len(time_machine.traveller_stack) == depth_before
    assert time.time() > REAL_NOW_FLOOR


def test_pinned_restores_on_exception() -> None:
    clock = Clock(NOON_2024)
    with pytest.raises(KeyError), clock.pinned(), clock.pinned():
        raise KeyError("boom")
    assert not clock.is_pinned
    assert time.time() > REAL_NOW_FLOOR


def test_moving_the_clock_inside_a_pin_moves_the_pinned_time() -> None:
    clock = Clock(NOON_2024)
    with clock.pinned():
        clock.advance(1000)
        assert time.time_ns() == (NOON_2024 + 1000) * 1_000_000
        clock.set(0)
        assert time.time_ns() == 0
        with clock.pinned():
            assert time.time_ns() == 0
    assert clock.now_ms() == 0
    assert time.time() > REAL_NOW_FLOOR


def test_pins_of_two_clocks_do_not_leak_into_each_other() -> None:
    first, second = Clock(NOON_2024), Clock(0)
    with first.pinned():
        # The first clock's traveller is not "the user's time-machine" for the second.
        assert second.now_ms() == 0
        with second.pinned():
            assert time.time_ns() == 0
        assert time.time_ns() == NOON_2024 * 1_000_000
    assert first.now_ms() == NOON_2024


def test_follows_a_user_time_machine_traveller() -> None:
    clock = Clock(0)
    with time_machine.travel(datetime.datetime(2030, 1, 1, tzinfo=UTC), tick=False) as traveller:
        start = to_ms(datetime.datetime(2030, 1, 1))
        assert clock.now_ms() == start
        traveller.shift(60)
        assert clock.now_ms() == start + 60_000
        clock.advance(1000)  # moves the user's traveller too
        assert time.time() * 1000 == pytest.approx(start + 61_000, abs=1e-3)
        clock.set(datetime.datetime(2029, 1, 1))
        assert time.time() * 1000 == pytest.approx(to_ms(datetime.datetime(2029, 1, 1)), abs=1e-3)
        with clock.pinned():
            assert time.time() * 1000 == pytest.approx(clock.now_ms(), abs=1e-3)
            clock.advance(5)
            assert time.time() * 1000 == pytest.approx(clock.now_ms(), abs=1e-3)
        # The user's traveller moved with the clock inside the pin as well.
        assert time.time() * 1000 == pytest.approx(clock.now_ms(), abs=1e-3)
        last = clock.now_ms()
    # Once the user's time travel ends, the clock stays where it last saw it.
    assert clock.now_ms() == last


def test_next_creation_time() -> None:
    clock = Clock(NOON_2024)
    assert clock.next_creation_time(None) == NOON_2024
    assert clock.next_creation_time(NOON_2024 - 5) == NOON_2024
    same = clock.next_creation_time(NOON_2024)
    assert same == math.nextafter(NOON_2024, math.inf)
    clock.set(0)  # backwards
    assert clock.next_creation_time(same) == math.nextafter(same, math.inf)


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("advance"), st.floats(0, 10_000)),
            st.tuples(st.just("set"), st.floats(-1e12, 2e12)),
            st.tuples(st.just("insert"), st.just(0.0)),
        ),
        max_size=40,
    )
)
def test_creation_times_strictly_increase_whatever_the_clock_does(
    ops: list[tuple[str, float]],
) -> None:
    clock = Clock(NOON_2024)
    last: float | None = None
    for op, value in ops:
        if op == "advance":
            clock.advance(value)
        elif op == "set":
            clock.set(value)
        else:
            created = clock.next_creation_time(last)
            assert last is None or created > last
            assert created >= clock.now_ms()
            last = created


def test_repr() -> None:
    assert repr(Clock(NOON_2024)) == "Clock(2024-06-15T12:00:00+00:00)"


# -- freezegun ---------------------------------------------------------------------


def test_follows_freezegun_and_moves_it() -> None:
    from freezegun import freeze_time

    clock = Clock(0)
    depth_before = len(time_machine.traveller_stack)
    with freeze_time("2024-06-15 12:00:00") as frozen:
        assert clock.now_ms() == NOON_2024
        frozen.tick(10)
        assert clock.now_ms() == NOON_2024 + 10_000
        clock.advance(1500)  # moves freezegun's frozen time
        assert time.time() * 1000 == NOON_2024 + 11_500
        assert datetime.datetime.now() == datetime.datetime(2024, 6, 15, 12, 0, 11, 500_000)
        clock.set(datetime.datetime(2020, 1, 1))  # backwards, freezegun follows
        assert time.time() == datetime.datetime(2020, 1, 1, tzinfo=UTC).timestamp()
        assert clock.now_ms() == to_ms(datetime.datetime(2020, 1, 1))
        with clock.pinned():
            # freezegun already freezes time; no time-machine traveller is started.
            assert len(time_machine.traveller_stack) == depth_before
            assert time.time() * 1000 == clock.now_ms()
            frozen.tick(1)
            assert clock.now_ms() == to_ms(datetime.datetime(2020, 1, 1, 0, 0, 1))
        assert not clock.is_pinned
        # A clock created under freezegun starts at freezegun's time.
        assert Clock().now_ms() == clock.now_ms()
        last = clock.now_ms()
    # After freezegun stops, the clock stays at the last time it showed.
    assert clock.now_ms() == last
    with clock.pinned():
        assert time.time() * 1000 == pytest.approx(last, abs=1e-3)


def test_freezegun_tick_true_is_followed() -> None:
    from freezegun import freeze_time

    clock = Clock(0)
    with freeze_time("2024-06-15 12:00:00", tick=True):
        first = clock.now_ms()
        time.sleep(0.01)
        assert NOON_2024 <= first < clock.now_ms() < NOON_2024 + 60_000


def test_freezegun_is_never_imported_by_the_clock() -> None:
    code = (
        "import sys, time\n"
        "from convex_test.scheduler import Clock, cron_jobs\n"
        "assert 'time_machine' not in sys.modules\n"
        "c = Clock(1000.0)\n"
        "c.advance(5); c.set(0); c.now_ms(); c.next_creation_time(None)\n"
        "with c.pinned():\n"
        "    assert time.time_ns() == 0\n"
        "assert 'freezegun' not in sys.modules and 'freezegun.api' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
