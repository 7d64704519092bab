from __future__ import annotations

import calendar
import datetime
import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convex_test.errors import ConvexTestError, UnsupportedValueError
from convex_test.scheduler.crons import (
    DAYS_OF_WEEK,
    CronJob,
    Crons,
    cron_jobs,
    parse_cron,
    stable_minute,
)

UTC = datetime.UTC
MIN = 60_000
DAY = 86_400_000


def ms(*args: int) -> float:
    return datetime.datetime(*args, tzinfo=UTC).timestamp() * 1000  # type: ignore[arg-type,misc]


def dt(value: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value / 1000, UTC)


def fn() -> None:
    """A stand-in function reference."""


# ---------------------------------------------------------------------------
# An independent reference: expand fields naively, match minute by minute.
# ---------------------------------------------------------------------------

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def ref_value(text: str, names: list[str] | None, lo: int) -> int:
    if names and text.upper() in names:
        return names.index(text.upper()) + lo
    return int(text)


def ref_expand(text: str, lo: int, hi: int, names: list[str] | None = None) -> set[int]:
    if text == "*":
        return set(range(lo, hi + 1))
    out: set[int] = set()
    for item in text.split(","):
        step, slash = 1, "/" in item
        if slash:
            item, step_text = item.split("/")
            step = int(step_text)
        if item == "*":
            a, b = lo, hi
        elif "-" in item:
            a, b = (ref_value(p, names, lo) for p in item.split("-"))
        else:
            a = ref_value(item, names, lo)
            b = hi if slash else a
        cycle = list(range(lo, hi + 1))
        # walk the cycle from a to b (wrapping), keeping every step-th value
        i, values = cycle.index(a), []
        while True:
            values.append(cycle[i % len(cycle)])
            if cycle[i % len(cycle)] == b:
                break
            i += 1
        out.update(values[::step])
    return out


class Ref:
    """What a spec means, read straight from the rules (Vixie subset, no L/W/#)."""

    def __init__(self, spec: str) -> None:
        m, h, dom, mon, dow = spec.split()
        self.minutes = ref_expand(m, 0, 59)
        self.hours = ref_expand(h, 0, 23)
        self.dom = ref_expand(dom, 1, 31)
        self.months = ref_expand(mon, 1, 12, MONTHS)
        self.dow = ref_expand(dow, 0, 6, DAYS)
        self.dom_star = dom == "*"
        self.dow_star = dow == "*"

    def day_ok(self, d: datetime.date) -> bool:
        if d.month not in self.months:
            return False
        dom_hit = d.day in self.dom
        dow_hit = (d.weekday() + 1) % 7 in self.dow
        if self.dom_star and self.dow_star:
            return True
        if self.dom_star:
            return dow_hit
        if self.dow_star:
            return dom_hit
        return dom_hit or dow_hit  # both restricted: either matches

    def next_after(self, start: float, max_days: int) -> float | None:
        minute = int(start // MIN) + 1
        while True:
            day0 = minute // 1440
            if day0 - start // DAY > max_days:
                return None
            day = datetime.date(1970, 1, 1) + datetime.timedelta(days=day0)
            if not self.day_ok(day):
                minute = (day0 + 1) * 1440
                continue
            h, m = divmod(minute % 1440, 60)
            if h in self.hours and m in self.minutes:
                return float(minute * MIN)
            minute += 1


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "expected 5 fields"),
        ("* * * *", "got 4"),
        ("* * * * * *", "got 6"),
        (" * * * * *", "leading or trailing whitespace"),
        ("* * * * * ", "leading or trailing whitespace"),
        ("*\n* * * *", "got 4"),
        ("60 * * * *", "minute 60 is out of range 0-59"),
        ("* 24 * * *", "hour 24 is out of range 0-23"),
        ("* * 0 * *", "day of month 0 is out of range 1-31"),
        ("* * 32 * *", "day of month 32 is out of range 1-31"),
        ("* * * 0 *", "month 0 is out of range 1-12"),
        ("* * * 13 *", "month 13 is out of range 1-12"),
        ("* * * * 7", "does not accept 7"),
        ("*/0 * * * *", "invalid minute step '0': expected a number 1-59"),
        ("*/60 * * * *", "invalid minute step '60'"),
        ("* */24 * * *", "expected a number 1-23"),
        ("* * * */12 *", "expected a number 1-11"),
        ("* * * * */7", "expected a number 1-6"),
        ("*/ * * * *", "invalid minute step ''"),
        ("*,5 * * * *", "'*' must stand alone"),
        ("5,* * * * *", "'*' must stand alone"),
        ("1,,2 * * * *", "invalid minute ''"),
        ("1- * * * *", "invalid minute ''"),
        ("1-2-3 * * * *", "invalid minute '2-3'"),
        ("a * * * *", "invalid minute 'a': expected a number 0-59"),
        ("-1 * * * *", "invalid minute ''"),
        ("* * * JANUARY *", "invalid month 'JANUARY'"),
        ("* * * * MONDAY", "invalid day of week 'MONDAY'"),
        ("* * * * mon-", "invalid day of week ''"),
        ("0 0 l * *", "invalid day of month 'l'"),
        ("0 0 L-31 * *", "expected L-1 to L-30"),
        ("0 0 L-0 * *", "expected L-1 to L-30"),
        ("0 0 0W * *", "day of month 0 is out of range"),
        ("0 0 W * *", "invalid day of month 'W'"),
        ("0 0 1W,2 * *", "cannot be combined"),
        ("0 0 L,2 * *", "cannot be combined"),
        ("0 0 * * 1#6", "the n in day#n must be 1-5"),
        ("0 0 * * 1#0", "the n in day#n must be 1-5"),
        ("0 0 * * 7#1", "out of range"),
        ("0 0 * * 5L,1", "cannot be combined"),
        ("0 0 * * 1#2,3", "cannot be combined"),
        ("٣ * * * *", "invalid minute"),
    ],
)
def test_parse_errors(spec: str, reason: str) -> None:
    with pytest.raises(ConvexTestError) as info:
        parse_cron(spec)
    message = str(info.value)
    assert message.startswith(f'Failed to parse cron expression "{spec}": ')
    assert reason in message


@pytest.mark.parametrize(
    "spec",
    [
        "0 0 31 2 *",
        "0 0 30 2 *",
        "0 0 30,31 2 *",
        "0 0 31 4,6,9,11 *",
        "0 0 31W 2 *",
        "0 0 L-29 2 *",
        "* * 31 FEB-FEB *",
    ],
)
def test_specs_that_never_run_are_rejected(spec: str) -> None:
    message = f'The cron spec "{spec}" will never match any time'
    with pytest.raises(ConvexTestError, match=f"^{re.escape(message)}$"):
        parse_cron(spec)


@pytest.mark.parametrize("spec", ["0 0 29 2 *", "0 0 31 4,5 *", "0 0 L-28 2 *", "0 0 31 2 1"])
def test_rare_but_possible_specs_are_accepted(spec: str) -> None:
    parse_cron(spec)


def test_spec_must_be_a_string() -> None:
    with pytest.raises(
        ConvexTestError, match=r'A cron spec must be a string like "0 16 1 \* \*", got 5'
    ):
        parse_cron(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("0 0 * jan mon", "0 0 * 1 1"),
        ("0 0 * Jan-Mar Mon-Fri", "0 0 * 1-3 1-5"),
        ("0 0 * * sun,SAT", "0 0 * * 0,6"),
        ("0\t0  *\t * *", "0 0 * * *"),
        ("*/15 * * * *", "0,15,30,45 * * * *"),
        ("5/20 * * * *", "5,25,45 * * * *"),
        ("10-30/10 * * * *", "10,20,30 * * * *"),
        ("0 22-2 * * *", "0 0,1,2,22,23 * * *"),
        ("0 20-4/2 * * *", "0 0,2,4,20,22 * * *"),
        ("0 0 * * FRI-MON", "0 0 * * 0,1,5,6"),
        ("0 0 * NOV-FEB *", "0 0 * 1,2,11,12 *"),
        ("0 0 30-2 * *", "0 0 1,2,30,31 * *"),
        ("007 00 * * *", "7 0 * * *"),
        ("0 0 * * L", "0 0 * * 6"),
        ("5-5 0-0 * * *", "5 0 * * *"),
    ],
)
def test_equivalent_specs(a: str, b: str) -> None:
    start = ms(2023, 12, 25)
    left = list(parse_cron(a).occurrences_between(start, start + 120 * DAY))
    right = list(parse_cron(b).occurrences_between(start, start + 120 * DAY))
    assert left == right
    assert left


def test_spec_equality_and_repr() -> None:
    assert parse_cron("0 0 * * *") == parse_cron("0 0 * * *")
    assert parse_cron("0 0 * * *") != parse_cron("0 0 * * 0")
    assert len({parse_cron("0 0 * * *"), parse_cron("0 0 * * *")}) == 1
    assert repr(parse_cron("1 2 3 4 5")) == "CronSpec('1 2 3 4 5')"


# ---------------------------------------------------------------------------
# next_after
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "start", "expected"),
    [
        ("0 16 1 * *", ms(2024, 1, 15), ms(2024, 2, 1, 16)),
        ("0 16 1 * *", ms(2024, 2, 1, 16), ms(2024, 3, 1, 16)),  # strictly after
        ("0 16 1 * *", ms(2024, 2, 1, 15, 59, 59) + 999, ms(2024, 2, 1, 16)),
        ("* * * * *", ms(2024, 1, 1, 0, 0, 30), ms(2024, 1, 1, 0, 1)),
        ("* * * * *", ms(2024, 12, 31, 23, 59), ms(2025, 1, 1)),
        ("0 0 29 2 *", ms(2024, 3, 1), ms(2028, 2, 29)),
        ("0 0 29 2 *", ms(2096, 3, 1), ms(2104, 2, 29)),  # 2100 is not a leap year
        ("0 0 31 * *", ms(2024, 4, 1), ms(2024, 5, 31)),
        ("0 0 31 * *", ms(2024, 5, 31), ms(2024, 7, 31)),
        ("0 0 L 2 *", ms(2023, 1, 1), ms(2023, 2, 28)),
        ("0 0 L 2 *", ms(2024, 1, 1), ms(2024, 2, 29)),
        ("0 0 L 2 *", ms(2100, 1, 1), ms(2100, 2, 28)),
        ("0 0 L-2 * *", ms(2024, 1, 1), ms(2024, 1, 29)),
        ("0 0 LW * *", ms(2024, 3, 1), ms(2024, 3, 29)),  # Mar 31 2024 is a Sunday
        ("0 0 LW * *", ms(2024, 8, 1), ms(2024, 8, 30)),  # Aug 31 2024 is a Saturday
        ("0 0 LW * *", ms(2024, 9, 1), ms(2024, 9, 30)),  # Sep 30 2024 is a Monday
        ("0 0 15W * *", ms(2024, 6, 1), ms(2024, 6, 14)),  # Jun 15 2024: Saturday
        ("0 0 15W * *", ms(2024, 9, 1), ms(2024, 9, 16)),  # Sep 15 2024: Sunday
        ("0 0 1W * *", ms(2024, 5, 31), ms(2024, 6, 3)),  # Jun 1 2024: Saturday
        ("0 0 30W * *", ms(2024, 6, 1), ms(2024, 6, 28)),  # Jun 30 2024: last day, Sunday
        ("0 0 L-1W * *", ms(2024, 6, 1), ms(2024, 6, 28)),  # Jun 29 2024: Saturday
        ("0 0 * * 5L", ms(2024, 1, 1), ms(2024, 1, 26)),
        ("0 0 * * 1#2", ms(2024, 1, 1), ms(2024, 1, 8)),
        ("0 0 * * MON#1", ms(2024, 1, 1), ms(2024, 2, 5)),
        ("0 0 * * 5#5", ms(2024, 1, 1), ms(2024, 3, 29)),
        ("0 0 13 * 5", ms(2024, 1, 1), ms(2024, 1, 5)),  # a Friday OR the 13th
        ("0 0 13 * 5", ms(2024, 1, 12), ms(2024, 1, 13)),
        ("0 0 */2 * 1", ms(2024, 1, 1), ms(2024, 1, 3)),  # */2 restricts: OR with Mondays
        ("0 0 * * 1", ms(2024, 1, 1), ms(2024, 1, 8)),
        ("30 9 * * 1-5", ms(2024, 1, 5, 9, 30), ms(2024, 1, 8, 9, 30)),  # Fri -> Mon
        ("0 0 1 1 *", ms(2024, 1, 1), ms(2025, 1, 1)),
        ("59 23 31 12 *", ms(1969, 6, 1), ms(1969, 12, 31, 23, 59)),
    ],
)
def test_next_after(spec: str, start: float, expected: float) -> None:
    got = parse_cron(spec).next_after(start)
    assert dt(got) == dt(expected)
    assert got == expected


def fields(lo: int, hi: int, names: list[str] | None = None) -> st.SearchStrategy[str]:
    value = st.integers(lo, hi).map(str)
    if names:
        value = value | st.sampled_from(names).flatmap(
            lambda n: st.sampled_from([n, n.lower(), n.title()])
        )
    step = st.integers(1, hi - lo).map(str)
    item = st.one_of(
        value,
        st.tuples(value, value).map("-".join),
        st.tuples(value, value, step).map(lambda t: f"{t[0]}-{t[1]}/{t[2]}"),
        st.tuples(value, step).map("/".join),
        step.map(lambda s: f"*/{s}"),
    )
    return st.one_of(st.just("*"), st.lists(item, min_size=1, max_size=3).map(",".join))


SPECS = st.tuples(
    fields(0, 59),
    fields(0, 23),
    st.just("*") | fields(1, 31),
    st.just("*") | fields(1, 12, MONTHS),
    st.just("*") | fields(0, 6, DAYS),
).map(" ".join)
TIMES = st.integers(0, 4_102_444_800_000).map(float) | st.floats(0, 4.1e12)


def ref_never_matches(ref: Ref) -> bool:
    # Only day-of-month + month can make a spec impossible (a weekday always comes).
    if not ref.dow_star:
        return False
    days = range(1, 32) if ref.dom_star else ref.dom
    return not any(d <= calendar.monthrange(2024, m)[1] for m in ref.months for d in days)


@settings(max_examples=300, deadline=None)
@given(SPECS, TIMES)
def test_next_after_matches_a_brute_force_walk(spec: str, start: float) -> None:
    ref = Ref(spec)
    if ref_never_matches(ref):
        with pytest.raises(ConvexTestError, match="will never match any time"):
            parse_cron(spec)
        return
    cron = parse_cron(spec)
    got = cron.next_after(start)
    expected = ref.next_after(start, max_days=366 * 9)
    assert expected is not None  # every possible spec runs within 8 years
    assert dt(got) == dt(expected)
    assert cron.matches(got)
    assert not cron.matches(got - MIN) or got - MIN <= start


@settings(max_examples=100, deadline=None)
@given(SPECS, TIMES, st.integers(0, 3 * 1440))
def test_occurrences_between_matches_the_reference(spec: str, start: float, minutes: int) -> None:
    ref = Ref(spec)
    assume(not ref_never_matches(ref))
    end = start + minutes * MIN
    expected = []
    t = ref.next_after(start, max_days=366 * 9)
    while t is not None and t <= end:
        expected.append(t)
        t = ref.next_after(t, max_days=366 * 9)
    assert list(parse_cron(spec).occurrences_between(start, end)) == expected


def test_first_at_or_after() -> None:
    cron = parse_cron("0 * * * *")
    assert cron.first_at_or_after(ms(2024, 1, 1, 5)) == ms(2024, 1, 1, 5)
    assert cron.first_at_or_after(ms(2024, 1, 1, 5) + 0.5) == ms(2024, 1, 1, 6)
    assert cron.first_at_or_after(ms(2024, 1, 1, 5, 1)) == ms(2024, 1, 1, 6)


def test_sub_millisecond_start_just_before_a_minute() -> None:
    cron = parse_cron("* * * * *")
    boundary = ms(2024, 1, 1, 0, 1)
    assert cron.next_after(boundary - 0.25) == boundary
    assert cron.next_after(boundary) == boundary + MIN


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "x", None, True])
def test_bad_times(bad: Any) -> None:
    cron = parse_cron("* * * * *")
    with pytest.raises(ConvexTestError, match="finite milliseconds"):
        cron.next_after(bad)
    with pytest.raises(ConvexTestError, match="finite milliseconds"):
        list(cron.occurrences_between(0, bad))


def test_no_run_before_year_10000() -> None:
    cron = parse_cron("0 0 29 2 *")
    with pytest.raises(ConvexTestError, match=r'"0 0 29 2 \*" has no run between 9997'):
        cron.next_after(ms(9997, 1, 1))
    assert cron.next_after(ms(9995, 1, 1)) == ms(9996, 2, 29)
    assert list(cron.occurrences_between(ms(9995, 1, 1), ms(9999, 12, 31))) == [ms(9996, 2, 29)]
    assert not cron.matches(1e16)


def test_search_is_fast_for_sparse_specs() -> None:
    started = time.perf_counter()
    for spec in ("0 0 29 2 *", "0 0 29 2 1", "0 0 * 2 1#5", "59 23 31 12 *"):
        cron = parse_cron(spec)
        t = 0.0
        for _ in range(50):
            t = cron.next_after(t)
    # ~200 far jumps; a minute-by-minute walk would take hours.
    assert time.perf_counter() - started < 2


def test_occurrences_over_a_long_window() -> None:
    yearly = list(parse_cron("0 0 1 1 *").occurrences_between(ms(2000, 1, 1), ms(2099, 12, 31)))
    assert yearly == [ms(y, 1, 1) for y in range(2001, 2100)]
    assert list(parse_cron("0 0 1 1 *").occurrences_between(ms(2000, 1, 2), ms(2000, 1, 3))) == []


# ---------------------------------------------------------------------------
# cron_jobs(): builders, normalisation and Convex's messages
# ---------------------------------------------------------------------------


def job(build: Callable[[Crons], None]) -> CronJob:
    crons = cron_jobs()
    build(crons)
    (only,) = crons.jobs.values()
    return only


@pytest.mark.parametrize(
    ("build", "kind", "schedule"),
    [
        (lambda c: c.interval("j", {"seconds": 30}, fn), "interval", 30_000),
        (lambda c: c.interval("j", {"minutes": 5}, fn), "interval", 300_000),
        (lambda c: c.interval("j", {"hours": 2}, fn), "interval", 7_200_000),
        (lambda c: c.interval("j", {"hours": 2.0, "minutes": None}, fn), "interval", 7_200_000),
        (lambda c: c.hourly("j", {"minuteUTC": 30}, fn), "hourly", "30 * * * *"),
        (lambda c: c.daily("j", {"hourUTC": 17, "minuteUTC": 30}, fn), "daily", "30 17 * * *"),
        (
            lambda c: c.weekly("j", {"dayOfWeek": "tuesday", "hourUTC": 0, "minuteUTC": 0}, fn),
            "weekly",
            "0 0 * * 2",
        ),
        (
            lambda c: c.weekly("j", {"dayOfWeek": "sunday", "hourUTC": 23, "minuteUTC": 59}, fn),
            "weekly",
            "59 23 * * 0",
        ),
        (
            lambda c: c.monthly("j", {"day": 31, "hourUTC": 16, "minuteUTC": 0}, fn),
            "monthly",
            "0 16 31 * *",
        ),
        (lambda c: c.cron("j", "0 16 1 * *", fn), "cron", "0 16 1 * *"),
        (lambda c: c.cron("j", "0 9 * * mon-fri", fn), "cron", "0 9 * * mon-fri"),
    ],
)
def test_normalised_schedules(
    build: Callable[[Crons], None], kind: str, schedule: int | str
) -> None:
    j = job(build)
    assert (j.name, j.kind, j.schedule, j.ref, j.args) == ("j", kind, schedule, fn, {})
    if isinstance(schedule, int):
        assert j.interval_ms == schedule
        assert j.spec is None
    else:
        assert j.interval_ms is None
        assert j.spec == parse_cron(schedule)


def test_omitted_minute_is_stable_per_name() -> None:
    m = stable_minute("nightly")
    expected = int.from_bytes(hashlib.sha256(b"nightly").digest()[:8], "big") % 60
    assert m == expected
    assert job(lambda c: c.hourly("nightly", {}, fn)).schedule == f"{m} * * * *"
    assert job(lambda c: c.hourly("nightly", fn)).schedule == f"{m} * * * *"
    assert job(lambda c: c.hourly("nightly", None, fn)).schedule == f"{m} * * * *"
    assert job(lambda c: c.daily("nightly", {"hourUTC": 3}, fn)).schedule == f"{m} 3 * * *"
    assert (
        job(lambda c: c.weekly("nightly", {"dayOfWeek": "friday", "hourUTC": 3}, fn)).schedule
        == f"{m} 3 * * 5"
    )
    assert job(lambda c: c.monthly("nightly", {"day": 2, "hourUTC": 3}, fn)).schedule == (
        f"{m} 3 2 * *"
    )
    # Explicit None is "not given", as undefined is in JS.
    assert job(lambda c: c.daily("nightly", {"hourUTC": 3, "minuteUTC": None}, fn)).schedule == (
        f"{m} 3 * * *"
    )
    # Different names spread over the hour.
    assert len({stable_minute(f"job {i}") for i in range(200)}) > 40


def test_stable_minute_does_not_depend_on_hash_seed() -> None:
    code = "from convex_test.scheduler.crons import stable_minute; print(stable_minute('a job'))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert outputs == {str(stable_minute("a job"))}


def test_hourly_without_schedule_takes_args() -> None:
    j = job(lambda c: c.hourly("h", fn, {"x": 1}))
    assert j.args == {"x": 1}
    assert j.ref is fn


def test_args_are_canonical_copies() -> None:
    args: dict[str, Any] = {"tags": ("a", "b"), "blob": bytearray(b"xy")}
    j = job(lambda c: c.interval("j", {"seconds": 1}, "messages:send", args))
    assert j.args == {"tags": ["a", "b"], "blob": b"xy"}
    args["tags"] = ()
    assert j.args["tags"] == ["a", "b"]
    assert j.ref == "messages:send"


def test_jobs_keep_order_and_are_a_copy() -> None:
    crons = cron_jobs()
    crons.interval("b", {"seconds": 1}, fn)
    crons.cron("a", "* * * * *", fn)
    assert list(crons.jobs) == ["b", "a"]
    crons.jobs.clear()
    assert len(crons) == 2
    assert "a" in crons
    assert "c" not in crons
    assert repr(crons) == "<Crons ['b', 'a']>"


def test_cron_job_is_frozen_and_hashable() -> None:
    j = job(lambda c: c.interval("j", {"seconds": 1}, fn, {"x": [1]}))
    with pytest.raises(AttributeError):
        j.name = "k"  # type: ignore[misc]
    assert hash(j) == hash(CronJob("j", 1000, fn, {"x": [1]}, "interval"))
    assert j == CronJob("j", 1000, fn, {"x": [1]}, "interval")


def test_identifiers_may_be_any_printable_ascii() -> None:
    crons = cron_jobs()
    for name in ("", " ", "a b-c_d'e", "~!@#$%^&*()", "x" * 500):
        crons.interval(name, {"seconds": 1}, fn)
    assert len(crons) == 5


ERRORS: list[tuple[Callable[[Crons], None], str]] = [
    (lambda c: c.interval("j", {}, fn), "Must specify one of seconds, minutes, or hours"),
    (
        lambda c: c.interval("j", {"seconds": None}, fn),
        "Must specify one of seconds, minutes, or hours",
    ),
    (
        lambda c: c.interval("j", {"seconds": 1, "minutes": 1}, fn),
        "Must specify one of seconds, minutes, or hours",
    ),
    (lambda c: c.interval("j", {"minutes": 0}, fn), "Interval must be an integer greater than 0"),
    (lambda c: c.interval("j", {"hours": -1}, fn), "Interval must be an integer greater than 0"),
    (lambda c: c.interval("j", {"seconds": 1.5}, fn), "Interval must be an integer greater than 0"),
    (
        lambda c: c.interval("j", {"seconds": True}, fn),
        "Interval must be an integer greater than 0",
    ),
    (lambda c: c.interval("j", {"seconds": "5"}, fn), "Interval must be an integer greater than 0"),
    (
        lambda c: c.hourly("j", {"minuteUTC": 60}, fn),
        "Minute of hour must be an integer from 0 to 59",
    ),
    (
        lambda c: c.hourly("j", {"minuteUTC": -1}, fn),
        "Minute of hour must be an integer from 0 to 59",
    ),
    (
        lambda c: c.hourly("j", {"minuteUTC": 1.5}, fn),
        "Minute of hour must be an integer from 0 to 59",
    ),
    (
        lambda c: c.hourly("j", {"minuteUTC": "5"}, fn),
        "Minute of hour must be an integer from 0 to 59",
    ),
    (lambda c: c.daily("j", {}, fn), "Hour of day must be an integer from 0 to 23"),
    (lambda c: c.daily("j", {"hourUTC": 24}, fn), "Hour of day must be an integer from 0 to 23"),
    (lambda c: c.daily("j", {"hourUTC": False}, fn), "Hour of day must be an integer from 0 to 23"),
    (
        lambda c: c.daily("j", {"hourUTC": 5, "minuteUTC": 60}, fn),
        "Minute of hour must be an integer from 0 to 59",
    ),
    (
        lambda c: c.weekly("j", {"dayOfWeek": "Monday", "hourUTC": 1}, fn),
        'Day of week must be a string like "monday".',
    ),
    (
        lambda c: c.weekly("j", {"dayOfWeek": "mon", "hourUTC": 1}, fn),
        'Day of week must be a string like "monday".',
    ),
    (
        lambda c: c.weekly("j", {"dayOfWeek": 1, "hourUTC": 1}, fn),
        'Day of week must be a string like "monday".',
    ),
    (lambda c: c.weekly("j", {"hourUTC": 1}, fn), 'Day of week must be a string like "monday".'),
    (
        lambda c: c.weekly("j", {"dayOfWeek": "monday"}, fn),
        "Hour of day must be an integer from 0 to 23",
    ),
    (
        lambda c: c.monthly("j", {"day": 0, "hourUTC": 1}, fn),
        "Day of month must be an integer from 1 to 31",
    ),
    (
        lambda c: c.monthly("j", {"day": 32, "hourUTC": 1}, fn),
        "Day of month must be an integer from 1 to 31",
    ),
    (lambda c: c.monthly("j", {"hourUTC": 1}, fn), "Day of month must be an integer from 1 to 31"),
    (
        lambda c: c.monthly("j", {"day": 1, "hourUTC": -1}, fn),
        "Hour of day must be an integer from 0 to 23",
    ),
    (
        lambda c: c.interval("a\nb", {"seconds": 1}, fn),
        "Invalid cron identifier a\nb: use ASCII letters that are not control characters",
    ),
    (
        lambda c: c.cron("café", "* * * * *", fn),
        "Invalid cron identifier café: use ASCII letters that are not control characters",
    ),
    (
        lambda c: c.cron(5, "* * * * *", fn),  # type: ignore[arg-type]
        "Invalid cron identifier 5: use ASCII letters that are not control characters",
    ),
    (
        lambda c: c.interval("j", {"seconds": 1}, fn, [1]),  # type: ignore[arg-type]
        "The arguments to a Convex function must be an object. Received: [1]",
    ),
    (
        lambda c: c.interval("j", 5, fn),  # type: ignore[arg-type]
        "The schedule of the interval cron job 'j' must be a dict like {\"minutes\": 5}, got 5",
    ),
    (
        lambda c: c.daily("j", {"hour": 5}, fn),
        "Unknown key 'hour' in the schedule of the daily cron job 'j' "
        "(allowed: hourUTC, minuteUTC). Did you mean `hourUTC`?",
    ),
    (
        lambda c: c.interval("j", {"second": 5}, fn),
        "Unknown key 'second' in the schedule of the interval cron job 'j' "
        "(allowed: seconds, minutes, hours). Did you mean `seconds`?",
    ),
    (
        lambda c: c.interval("j", {"seconds": 5}, None),
        "The interval cron job 'j' needs a function reference to run, got None",
    ),
    (
        lambda c: c.hourly("j", {"minuteUTC": 5}),
        "The hourly cron job 'j' needs a function reference to run, got nothing",
    ),
    (lambda c: c.cron("j", "61 * * * *", fn), 'Failed to parse cron expression "61 * * * *"'),
    (
        lambda c: c.cron("j", "0 0 31 2 *", fn),
        'The cron spec "0 0 31 2 *" will never match any time',
    ),
]


@pytest.mark.parametrize(("build", "message"), ERRORS)
def test_convex_validation_messages(build: Callable[[Crons], None], message: str) -> None:
    crons = cron_jobs()
    with pytest.raises(ConvexTestError) as info:
        build(crons)
    assert str(info.value).startswith(message)
    assert len(crons) == 0


def test_duplicate_identifier() -> None:
    crons = cron_jobs()
    crons.interval("a", {"seconds": 1}, fn)
    with pytest.raises(ConvexTestError, match=r"^Cron identifier registered twice: a$"):
        crons.daily("a", {"hourUTC": 1}, fn)
    assert crons.jobs["a"].kind == "interval"


def test_checks_run_in_convex_order() -> None:
    crons = cron_jobs()
    crons.interval("dup", {"seconds": 1}, fn)
    # The schedule is checked before the args, the args before the name, the name
    # before duplicates, and duplicates before the args' values.
    with pytest.raises(ConvexTestError, match="Must specify"):
        crons.interval("bad\n", {}, fn, [1])  # type: ignore[arg-type]
    with pytest.raises(ConvexTestError, match="must be an object"):
        crons.interval("bad\n", {"seconds": 1}, fn, [1])  # type: ignore[arg-type]
    with pytest.raises(ConvexTestError, match="Invalid cron identifier"):
        crons.interval("bad\n", {"seconds": 1}, fn, {"x": object()})
    with pytest.raises(ConvexTestError, match="registered twice"):
        crons.interval("dup", {"seconds": 1}, fn, {"x": object()})


def test_args_must_be_convex_values() -> None:
    crons = cron_jobs()
    with pytest.raises(UnsupportedValueError, match="not a supported Convex type"):
        crons.interval("j", {"seconds": 1}, fn, {"x": object()})
    with pytest.raises(UnsupportedValueError):
        crons.interval("j", {"seconds": 1}, fn, {"$bad": 1})
    assert len(crons) == 0


def test_args_size_limit() -> None:
    crons = cron_jobs()
    crons.interval("ok", {"seconds": 1}, fn, {"s": "x" * 1_000_000})
    with pytest.raises(
        ConvexTestError, match=r"Cron job args too large \(\d+ bytes > maximum size 1 MiB\)"
    ):
        crons.interval("big", {"seconds": 1}, fn, {"s": "x" * (1 << 20)})


def test_days_of_week_are_convex_names() -> None:
    assert DAYS_OF_WEEK[0] == "sunday"
    for i, day in enumerate(DAYS_OF_WEEK):
        crons = cron_jobs()
        crons.weekly("w", {"dayOfWeek": day, "hourUTC": 12, "minuteUTC": 0}, fn)
        j = crons.jobs["w"]
        first = j.next_after(ms(2024, 1, 1))  # a Monday
        assert (dt(first).weekday() + 1) % 7 == i
        assert dt(first).hour == 12


# ---------------------------------------------------------------------------
# When jobs are due
# ---------------------------------------------------------------------------


def test_interval_runs_at_once_then_every_interval_after_the_scheduled_run() -> None:
    j = job(lambda c: c.interval("j", {"seconds": 30}, fn))
    start = ms(2024, 1, 1, 10, 30, 15)
    assert j.next_after(start) == start
    assert j.next_after(start, start - 5000) == start + 25_000
    # Anchored on the previous scheduled time, not on "now".
    assert j.next_after(start + 29_000, start) == start + 30_000


def test_clock_schedules_run_after_the_previous_scheduled_run() -> None:
    j = job(lambda c: c.hourly("j", {"minuteUTC": 5}, fn))
    now = ms(2023, 3, 1, 8, 35)
    first = j.next_after(now)
    assert first == ms(2023, 3, 1, 9, 5)
    assert j.next_after(now, first) == ms(2023, 3, 1, 10, 5)
    # Like Convex, the next run after a previous one is computed from it, even if late.
    assert j.next_after(ms(2023, 3, 2), first) == ms(2023, 3, 1, 10, 5)


def test_catch_up_skips_missed_runs() -> None:
    interval = job(lambda c: c.interval("j", {"minutes": 10}, fn))
    prev = ms(2024, 1, 1, 0, 0)
    assert interval.next_after_catch_up(prev, prev + 5 * MIN) == prev + 10 * MIN
    assert interval.next_after_catch_up(prev, prev + 35 * MIN) == prev + 40 * MIN
    assert interval.next_after_catch_up(prev, prev + 40 * MIN) == prev + 40 * MIN  # not skipped
    daily = job(lambda c: c.daily("d", {"hourUTC": 6, "minuteUTC": 0}, fn))
    prev = ms(2024, 1, 1, 6)
    assert daily.next_after_catch_up(prev, ms(2024, 1, 1, 7)) == ms(2024, 1, 2, 6)
    assert daily.next_after_catch_up(prev, ms(2024, 3, 1, 7)) == ms(2024, 3, 2, 6)
    assert daily.next_after_catch_up(prev, ms(2024, 3, 1, 6)) == ms(2024, 3, 1, 6)
    assert daily.next_after_catch_up(prev, ms(2024, 3, 1, 5, 59, 30)) == ms(2024, 3, 1, 6)


def brute_interval(anchor: float, every: int, start: float, end: float) -> Iterator[float]:
    t = anchor + every  # the anchor is the previous run, already done
    while t <= end:
        if t > start:
            yield t
        t += every


@given(
    st.integers(1, 50).map(lambda n: n * 1000),
    st.floats(0, 1e6),
    st.floats(0, 1e6),
    st.floats(0, 2e5),
)
def test_interval_occurrences(every: int, anchor: float, start: float, length: float) -> None:
    j = CronJob("i", every, fn, {}, "interval")
    end = start + length
    got = list(j.occurrences_between(start, end, last_run_ms=anchor))
    assert got == pytest.approx(list(brute_interval(anchor, every, start, end)), rel=0, abs=1e-6)
    assert all(start < t <= end for t in got)


def test_interval_occurrences_without_a_previous_run_start_at_the_window() -> None:
    j = job(lambda c: c.interval("j", {"seconds": 10}, fn))
    assert list(j.occurrences_between(1000.0, 35_000.0)) == [11_000.0, 21_000.0, 31_000.0]
    assert list(j.occurrences_between(1000.0, 1000.0)) == []


def test_cron_job_occurrences() -> None:
    j = job(lambda c: c.cron("c", "0 */6 * * *", fn))
    got = list(j.occurrences_between(ms(2024, 1, 1), ms(2024, 1, 2)))
    assert got == [ms(2024, 1, 1, 6), ms(2024, 1, 1, 12), ms(2024, 1, 1, 18), ms(2024, 1, 2)]


def test_hand_built_cron_job_parses_its_schedule() -> None:
    j = CronJob("c", "0 0 * * *", fn, {})
    assert j.next_after(ms(2024, 1, 1)) == ms(2024, 1, 2)
    with pytest.raises(ConvexTestError, match="finite milliseconds"):
        CronJob("i", 1000, fn, {}, "interval").next_after(float("nan"))
