"""Cron jobs: ``cron_jobs()`` definitions and their schedule math, in UTC.

``crons.py`` of an app builds a :class:`Crons` with Convex's builders and messages::

    crons = cron_jobs()
    crons.interval("clear presence", {"seconds": 30}, internal.presence.clear)
    crons.daily("report", {"hourUTC": 17, "minuteUTC": 30}, internal.reports.send)
    crons.cron("bill", "0 16 1 * *", internal.billing.run, {"plan": "pro"})

Each becomes a :class:`CronJob` whose ``schedule`` is normalised as Convex stores it:
an interval in ms, or a 5-field cron spec (``hourly``/``daily``/``weekly``/``monthly``
become ``"m h * * *"``-style specs). Specs are parsed like Convex's parser (the ``saffron``
crate, Convex's fork with ``0`` = Sunday): numbers, ``*``, ``a-b``, ``*/n``, ``a-b/n``,
``a/n``, lists, ``JAN``-``DEC`` and ``SUN``-``SAT`` (any case), ranges that wrap
(``FRI-MON``, ``22-2``), and Quartz's ``L``, ``LW``, ``L-n``, ``L-nW``, ``nW`` (day of month),
``L``, ``nL``, ``n#k`` (day of week). When both day of month and day of week are
restricted, a day matches if **either** matches.

Runs (how the runner uses these):

- **Interval jobs** run at once when new (:meth:`CronJob.next_after` with no previous
  run returns "now"), then every interval after the previous *scheduled* run.
- **Clock jobs** run at each occurrence strictly after the previous scheduled run (or
  after "now" when new).
- ``t.advance_time`` simulates time passing: the runner runs every occurrence in the
  window at its own time (:meth:`CronJob.occurrences_between`).
- ``t.set_time`` jumps: Convex's catch-up rule applies: an overdue job runs **once**,
  late, and the occurrences it missed are skipped, never replayed. After that run the
  next one is :meth:`CronJob.next_after_catch_up`.

Divergences from Convex, on purpose: the day of week ``7`` is rejected as Convex's parser
does (no "7 = Sunday"); a wrapping range is exactly its values (Convex's parser also
adds the value before the range's start, e.g. ``22-2`` hours includes 21); a ``*`` inside
a list is rejected (Convex reads it as the field's minimum); a spec that parses but can
never run (``"0 0 31W 2 *"``) is rejected at definition, where Convex fails only when it
schedules the job; schedule dicts with unknown keys are rejected (TypeScript would flag
them). Convex also delays each run by a random splay of up to a minute; the mock runs
on the minute.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import hashlib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from convex_test import errors
from convex_test._guards import checked_arity, checked_call
from convex_test.scheduler.clock import _show, ms_to_datetime
from convex_test.values.types import convert

__all__ = [
    "DAYS_OF_WEEK",
    "CronJob",
    "CronSpec",
    "Crons",
    "ScheduleKind",
    "cron_jobs",
    "parse_cron",
    "stable_minute",
]

ScheduleKind = Literal["interval", "hourly", "daily", "weekly", "monthly", "cron"]

DAYS_OF_WEEK: Final = (
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
)

_MINUTE_MS: Final = 60_000
_DAY_MINUTES: Final = 1440
_EPOCH_ORDINAL: Final = datetime.date(1970, 1, 1).toordinal()
_MAX_ORDINAL: Final = datetime.date.max.toordinal()
# The Gregorian calendar (dates and weekdays) repeats every 400 years, so a spec with no
# run in 401 years never runs.
_SEARCH_YEARS: Final = 401
_MAX_ARGS_SIZE: Final = 1 << 20
_FIELD_SEPARATOR: Final = re.compile(r"[ \t]+")

_MONTH_NAMES: Final = {
    name: i + 1
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
_DAY_NAMES: Final = {
    name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))
}

_INTERVAL_UNITS_MS: Final = {"seconds": 1000, "minutes": 60_000, "hours": 3_600_000}
_SCHEDULE_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "interval": ("seconds", "minutes", "hours"),
    "hourly": ("minuteUTC",),
    "daily": ("hourUTC", "minuteUTC"),
    "weekly": ("dayOfWeek", "hourUTC", "minuteUTC"),
    "monthly": ("day", "hourUTC", "minuteUTC"),
}
_SCHEDULE_EXAMPLES: Final = {
    "interval": '{"minutes": 5}',
    "hourly": '{"minuteUTC": 30}',
    "daily": '{"hourUTC": 17, "minuteUTC": 30}',
    "weekly": '{"dayOfWeek": "tuesday", "hourUTC": 17, "minuteUTC": 30}',
    "monthly": '{"day": 1, "hourUTC": 17, "minuteUTC": 30}',
}


def stable_minute(name: str) -> int:
    """The minute (0-59) a job without ``minuteUTC`` runs at, derived from its name.

    Convex picks a stable random minute per job; the mock derives one from a SHA-256 of
    the name, so it is the same in every process (unlike ``hash()``).
    """
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % 60


# ---------------------------------------------------------------------------
# Cron spec parsing
# ---------------------------------------------------------------------------


class _ParseError(Exception):
    """A reason a cron spec does not parse; becomes CRON_PARSE."""


class _Field:
    __slots__ = ("hi", "label", "lo", "names")

    def __init__(self, label: str, lo: int, hi: int, names: Mapping[str, int] | None) -> None:
        self.label = label
        self.lo = lo
        self.hi = hi
        self.names = names


_MINUTE: Final = _Field("minute", 0, 59, None)
_HOUR: Final = _Field("hour", 0, 23, None)
_DOM: Final = _Field("day of month", 1, 31, None)
_MONTH: Final = _Field("month", 1, 12, _MONTH_NAMES)
_DOW: Final = _Field("day of week", 0, 6, _DAY_NAMES)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _value(text: str, f: _Field) -> int:
    if _digits(text):
        n = int(text)
        if f.lo <= n <= f.hi:
            return n
        hint = ""
        if f is _DOW and n == 7:
            hint = " (Convex's cron parser uses 0 for Sunday and does not accept 7)"
        raise _ParseError(f"{f.label} {n} is out of range {f.lo}-{f.hi}{hint}")
    if f.names is not None and text.upper() in f.names:
        return f.names[text.upper()]
    what = f" or a name like {next(iter(f.names))}" if f.names else ""
    raise _ParseError(f"invalid {f.label} {text!r}: expected a number {f.lo}-{f.hi}{what}")


def _step(text: str, f: _Field) -> int:
    top = f.hi - f.lo
    if _digits(text) and 1 <= int(text) <= top:
        return int(text)
    raise _ParseError(f"invalid {f.label} step {text!r}: expected a number 1-{top}")


def _expand(item: str, f: _Field) -> list[int]:
    base, slash, step_text = item.partition("/")
    step = _step(step_text, f) if slash else 1
    if base == "*":
        if not slash:
            raise _ParseError(f"'*' must stand alone in the {f.label} field, not in a list")
        start, end = f.lo, f.hi
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _value(first, f), _value(last, f)
    else:
        start = _value(base, f)
        end = f.hi if slash else start
    if start <= end:
        values = list(range(start, end + 1))
    else:
        # Quartz-style wrap-around, e.g. FRI-MON or 22-2.
        values = [*range(start, f.hi + 1), *range(f.lo, end + 1)]
    return values[::step]


def _set(text: str, f: _Field) -> tuple[int, ...] | None:
    """The sorted values of a field, or None for a lone ``*``."""
    if text == "*":
        return None
    out: set[int] = set()
    for item in text.split(","):
        out.update(_expand(item, f))
    return tuple(sorted(out))


def _dom_rule(text: str) -> tuple[str, int, tuple[int, ...]]:
    """(kind, n, days) for the day-of-month field; kind in ``* days L LW W``."""
    if "L" in text or "W" in text:
        if "," in text:
            raise _ParseError("L and W cannot be combined with other days in a list")
        if text == "L":
            return "L", 0, ()
        if text == "LW":
            return "LW", 0, ()
        if text.startswith("L-"):
            rest, weekday = (text[2:-1], True) if text.endswith("W") else (text[2:], False)
            if not (_digits(rest) and 1 <= int(rest) <= 30):
                raise _ParseError(f"invalid day of month {text!r}: expected L-1 to L-30")
            return ("LW" if weekday else "L"), int(rest), ()
        if text.endswith("W") and _digits(text[:-1]):
            return "W", _value(text[:-1], _DOM), ()
        raise _ParseError(f"invalid day of month {text!r}")
    days = _set(text, _DOM)
    return ("*", 0, ()) if days is None else ("days", 0, days)


def _dow_rule(text: str) -> tuple[str, int, int, tuple[int, ...]]:
    """(kind, weekday, nth, days) for the day-of-week field; kind in ``* days L #``."""
    if text == "L":
        return "days", 0, 0, (6,)  # a lone L is the last day of the week: Saturday
    if "#" in text or "L" in text:  # no day name contains an L
        if "," in text:
            raise _ParseError("L and # cannot be combined with other days in a list")
        if text.endswith("L"):
            return "L", _value(text[:-1], _DOW), 0, ()
        day, _, nth = text.partition("#")
        if not (_digits(nth) and 1 <= int(nth) <= 5):
            raise _ParseError(f"invalid day of week {text!r}: the n in day#n must be 1-5")
        return "#", _value(day, _DOW), int(nth), ()
    days = _set(text, _DOW)
    return ("*", 0, 0, ()) if days is None else ("days", 0, 0, days)


def _all(f: _Field, values: tuple[int, ...] | None) -> tuple[int, ...]:
    return tuple(range(f.lo, f.hi + 1)) if values is None else values


class CronSpec:
    """A parsed 5-field cron spec (``"m h dom mon dow"``, UTC) with its schedule math.

    Build with :func:`parse_cron`. Times are ms since the epoch; occurrences fall on
    whole minutes.
    """

    __slots__ = (
        "_dom_days",
        "_dom_kind",
        "_dom_n",
        "_dow_days",
        "_dow_kind",
        "_dow_nth",
        "_dow_w",
        "_hours",
        "_minutes",
        "_month_set",
        "_months",
        "expression",
    )

    def __init__(self, expression: str) -> None:
        if not isinstance(expression, str):
            raise errors.ConvexTestError(
                errors.CRON_SPEC_NOT_STRING.format(value=_show(expression))
            )
        self.expression = expression
        try:
            self._parse(expression)
        except _ParseError as exc:
            raise errors.ConvexTestError(
                errors.CRON_PARSE.format(spec=expression, reason=exc)
            ) from None
        if self._search(0, _SEARCH_YEARS) is None:
            raise errors.ConvexTestError(errors.CRON_NEVER_MATCHES.format(spec=expression))

    def _parse(self, text: str) -> None:
        if text != text.strip():
            raise _ParseError("leading or trailing whitespace")
        fields = _FIELD_SEPARATOR.split(text)
        if len(fields) != 5:
            raise _ParseError(
                f"expected 5 fields (minute hour day-of-month month day-of-week) separated "
                f"by spaces, got {len(fields)}"
            )
        minute, hour, dom, month, dow = fields
        self._minutes = _all(_MINUTE, _set(minute, _MINUTE))
        self._hours = _all(_HOUR, _set(hour, _HOUR))
        self._dom_kind, self._dom_n, self._dom_days = _dom_rule(dom)
        self._months = _all(_MONTH, _set(month, _MONTH))
        self._month_set = frozenset(self._months)
        self._dow_kind, self._dow_w, self._dow_nth, self._dow_days = _dow_rule(dow)

    def __repr__(self) -> str:
        return f"CronSpec({self.expression!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CronSpec) and other.expression == self.expression

    def __hash__(self) -> int:
        return hash(self.expression)

    # -- matching --------------------------------------------------------------------

    def _dom_match(self, d: int, dim: int, wd: int) -> bool:
        kind, n = self._dom_kind, self._dom_n
        if kind == "days":
            return d in self._dom_days
        if kind == "L":
            return d + n == dim
        weekday = 1 <= wd <= 5
        if kind == "LW":
            if n == 0:  # the last Monday-Friday of the month
                return (weekday and d == dim) or (wd == 5 and dim - d < 3)
            # The weekday nearest to the n-th day before the last, as Convex's parser
            # computes it (which also fires on the Monday after a Saturday target).
            target = dim - n
            return (
                (weekday and d == target)
                or (wd == 1 and 0 <= d - target < 3)
                or (wd == 5 and d + 1 == target)
            )
        # "W": the weekday nearest to day n, not crossing into another month.
        return (
            (weekday and d == n)
            or (wd == 1 and d - 1 == n)
            or (wd == 1 and d == 3 and n == 1)
            or (wd == 5 and d + 1 == n)
            or (wd == 5 and d + 2 == n and n == dim)
        )

    def _dow_match(self, d: int, dim: int, wd: int) -> bool:
        kind = self._dow_kind
        if kind == "days":
            return wd in self._dow_days
        if kind == "L":  # the last such weekday of the month
            return wd == self._dow_w and d + 7 > dim
        return wd == self._dow_w and (d - 1) // 7 + 1 == self._dow_nth

    def _day_ok(self, y: int, m: int, d: int, dim: int) -> bool:
        dom_star = self._dom_kind == "*"
        dow_star = self._dow_kind == "*"
        if dom_star and dow_star:
            return True
        wd = (datetime.date(y, m, d).weekday() + 1) % 7  # 0 = Sunday
        if dow_star:
            return self._dom_match(d, dim, wd)
        if dom_star:
            return self._dow_match(d, dim, wd)
        return self._dow_match(d, dim, wd) or self._dom_match(d, dim, wd)

    def matches(self, ms: float) -> bool:
        """Whether the minute containing ``ms`` is an occurrence."""
        minute = _minute_floor(ms)
        days, rem = divmod(minute, _DAY_MINUTES)
        if not 1 <= _EPOCH_ORDINAL + days <= _MAX_ORDINAL:
            return False
        date = datetime.date.fromordinal(_EPOCH_ORDINAL + days)
        h, mi = divmod(rem, 60)
        return (
            date.month in self._month_set
            and h in self._hours
            and mi in self._minutes
            and self._day_ok(
                date.year, date.month, date.day, calendar.monthrange(date.year, date.month)[1]
            )
        )

    # -- searching -------------------------------------------------------------------

    def _search(self, minute: int, years: int) -> int | None:
        """The first occurrence at or after ``minute`` (minutes since the epoch).

        Skips by month, day and hour, so a far occurrence costs a few hundred steps. None
        if there is none within ``years`` years or before the year 10000.
        """
        days, rem = divmod(minute, _DAY_MINUTES)
        ordinal = _EPOCH_ORDINAL + days
        if ordinal > _MAX_ORDINAL:
            return None
        if ordinal < 1:
            ordinal, rem = 1, 0
        start = datetime.date.fromordinal(ordinal)
        y, mo, d = start.year, start.month, start.day
        h, mi = divmod(rem, 60)
        last_year = min(y + years, 9999)
        months, month_set = self._months, self._month_set
        hours, minutes = self._hours, self._minutes
        jump_days = self._dom_kind == "days" and self._dow_kind == "*"
        dom_days = self._dom_days
        while True:
            if mo not in month_set:
                i = bisect.bisect_left(months, mo)
                if i == len(months):
                    y += 1
                    mo = months[0]
                else:
                    mo = months[i]
                d, h, mi = 1, 0, 0
                if y > last_year:
                    return None
            dim = calendar.monthrange(y, mo)[1]
            if jump_days:
                i = bisect.bisect_left(dom_days, d)
                nd = dom_days[i] if i < len(dom_days) else 32
                if nd != d:
                    d, h, mi = nd, 0, 0
            else:
                while d <= dim and not self._day_ok(y, mo, d, dim):
                    d, h, mi = d + 1, 0, 0
            if d > dim:
                mo, d, h, mi = mo + 1, 1, 0, 0
                if mo > 12:
                    y, mo = y + 1, 1
                    if y > last_year:
                        return None
                continue
            i = bisect.bisect_left(hours, h)
            if i == len(hours):
                d, h, mi = d + 1, 0, 0
                continue
            if hours[i] != h:
                h, mi = hours[i], 0
            j = bisect.bisect_left(minutes, mi)
            if j == len(minutes):
                h, mi = h + 1, 0
                continue
            mi = minutes[j]
            ordinal = datetime.date(y, mo, d).toordinal()
            return (ordinal - _EPOCH_ORDINAL) * _DAY_MINUTES + h * 60 + mi

    def _next_minute_after(self, ms: float) -> int | None:
        return self._search(_minute_floor(ms) + 1, _SEARCH_YEARS)

    def next_after(self, ms: float) -> float:
        """The first occurrence strictly after ``ms``, in ms.

        Raises :class:`~convex_test.errors.ConvexTestError` if there is none before the
        year 10000.
        """
        found = self._next_minute_after(ms)
        if found is None:
            raise errors.ConvexTestError(
                errors.CRON_PAST_YEAR_9999.format(spec=self.expression, when=_iso(ms))
            )
        return float(found * _MINUTE_MS)

    def first_at_or_after(self, ms: float) -> float:
        """The first occurrence at or after ``ms``, in ms."""
        return self.next_after(ms - _MINUTE_MS) if ms % _MINUTE_MS == 0 else self.next_after(ms)

    def occurrences_between(
        self, start_ms_exclusive: float, end_ms_inclusive: float
    ) -> Iterator[float]:
        """Every occurrence in ``(start, end]``, in order."""
        _minute_floor(end_ms_inclusive)  # validates
        found = self._next_minute_after(start_ms_exclusive)
        while found is not None and found * _MINUTE_MS <= end_ms_inclusive:
            yield float(found * _MINUTE_MS)
            found = self._search(found + 1, _SEARCH_YEARS)


def _minute_floor(ms: float) -> int:
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not math.isfinite(ms):
        raise errors.ConvexTestError(errors.CRON_BAD_TIME.format(value=_show(ms)))
    # floor(ms) first: floor(ms / 60000) in floats can round up just below a minute.
    return math.floor(ms) // _MINUTE_MS


def _iso(ms: float) -> str:
    try:
        return ms_to_datetime(ms).isoformat()
    except OverflowError:
        return f"{ms} ms"


def parse_cron(expression: str) -> CronSpec:
    """Parse a 5-field cron spec (UTC) with Convex's rules; see the module docstring.

    Raises :class:`~convex_test.errors.ConvexTestError` with ``Failed to parse cron
    expression ...`` or ``The cron spec ... will never match any time``.
    """
    return CronSpec(expression)


# ---------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CronJob:
    """One registered cron job.

    ``schedule`` is normalised: an ``int`` interval in ms, or a 5-field cron spec string
    (UTC). ``ref`` is stored as given (function, path string or reference) for the runner
    to resolve; ``args`` is the canonical args dict (copy it before handing it to user
    code). ``spec`` is the parsed spec of clock schedules, None for intervals.
    """

    name: str
    schedule: int | str
    ref: Any = field(hash=False)
    args: dict[str, Any] = field(hash=False)
    kind: ScheduleKind = "cron"
    spec: CronSpec | None = field(default=None, repr=False, compare=False, hash=False)

    @property
    def interval_ms(self) -> int | None:
        """The interval in ms, or None for clock schedules."""
        return self.schedule if isinstance(self.schedule, int) else None

    def _cron(self) -> CronSpec:
        if self.spec is None:  # a CronJob built by hand
            object.__setattr__(self, "spec", parse_cron(str(self.schedule)))
        assert self.spec is not None
        return self.spec

    def next_after(self, ms: float, last_run_ms: float | None = None) -> float:
        """When the job is due next, Convex's ``compute_next_ts(prev, now=ms)``.

        Interval: ``ms`` itself if the job never ran (a new interval job runs at once),
        else ``last_run_ms + interval``. Clock schedule: the first occurrence strictly
        after ``last_run_ms``, or after ``ms`` if the job never ran. ``last_run_ms`` is the
        previous *scheduled* time, not when that run actually happened.
        """
        interval = self.interval_ms
        if interval is not None:
            base = ms if last_run_ms is None else last_run_ms
            _minute_floor(base)  # validates
            return float(base) if last_run_ms is None else base + interval
        return self._cron().next_after(ms if last_run_ms is None else last_run_ms)

    def next_after_catch_up(self, prev_ms: float, now_ms: float) -> float:
        """The next due time after a run scheduled at ``prev_ms`` finished at ``now_ms``.

        Convex's catch-up rule: the next scheduled time after ``prev_ms``, skipping (never
        replaying) every one before ``now_ms``. The result is ``>= now_ms``.
        """
        nxt = self.next_after(now_ms, prev_ms)
        if nxt >= now_ms:
            return nxt
        interval = self.interval_ms
        if interval is not None:
            nxt += math.ceil((now_ms - nxt) / interval) * interval
            while nxt < now_ms:  # float rounding
                nxt += interval
            return nxt
        return self._cron().first_at_or_after(now_ms)

    def occurrences_between(
        self,
        start_ms_exclusive: float,
        end_ms_inclusive: float,
        last_run_ms: float | None = None,
    ) -> Iterator[float]:
        """Every time the job is due in ``(start, end]``, in order.

        For ``t.advance_time``, which runs each at its own time (``t.set_time`` instead
        collapses missed runs, see :meth:`next_after_catch_up`). Interval occurrences lie on
        the grid ``last_run_ms + k * interval``; without ``last_run_ms`` the grid starts
        at ``start_ms_exclusive`` (a brand-new job's immediate first run is
        :meth:`next_after`'s, not this window's).
        """
        interval = self.interval_ms
        if interval is None:
            yield from self._cron().occurrences_between(start_ms_exclusive, end_ms_inclusive)
            return
        _minute_floor(start_ms_exclusive)
        _minute_floor(end_ms_inclusive)
        anchor = start_ms_exclusive if last_run_ms is None else last_run_ms
        _minute_floor(anchor)
        k = max(1, math.floor((start_ms_exclusive - anchor) / interval) + 1)
        t = anchor + k * interval
        while t <= start_ms_exclusive:  # float rounding
            k += 1
            t = anchor + k * interval
        while t <= end_ms_inclusive:
            yield t
            k += 1
            t = anchor + k * interval


_MISSING: Any = object()


def _as_int(value: Any) -> int | None:
    # Like JS Number.isInteger: 5 and 5.0 are integers, True is not.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _check_schedule(kind: str, name: Any, schedule: Any) -> Mapping[str, Any]:
    if not isinstance(name, str):
        name = _show(name)  # only shown in messages; _add rejects it
    if not isinstance(schedule, Mapping):
        raise errors.ConvexTestError(
            errors.CRON_SCHEDULE_NOT_DICT.format(
                kind=kind, name=name, example=_SCHEDULE_EXAMPLES[kind], value=_show(schedule)
            )
        )
    allowed = _SCHEDULE_KEYS[kind]
    for key in schedule:
        if key not in allowed:
            hint = errors.did_you_mean(key, allowed) if isinstance(key, str) else ""
            raise errors.ConvexTestError(
                errors.CRON_SCHEDULE_UNKNOWN_KEY.format(
                    key=key if isinstance(key, str) else _show(key),
                    kind=kind,
                    name=name,
                    allowed=", ".join(allowed),
                    hint=hint,
                )
            )
    return schedule


def _hour(schedule: Mapping[str, Any]) -> int:
    n = _as_int(schedule.get("hourUTC"))
    if n is None or not 0 <= n <= 23:
        raise errors.ConvexTestError(errors.CRON_HOUR)
    return n


def _minute(schedule: Mapping[str, Any]) -> int | None:
    value = schedule.get("minuteUTC")
    if value is None:
        return None
    n = _as_int(value)
    if n is None or not 0 <= n <= 59:
        raise errors.ConvexTestError(errors.CRON_MINUTE)
    return n


@checked_arity("crons")
class Crons:
    """The cron jobs of an app: build with :func:`cron_jobs` in ``crons.py``.

    Every builder validates like Convex (same messages) and registers one
    :class:`CronJob` under a unique name. Times are UTC.
    """

    def __init__(self) -> None:
        self._jobs: dict[str, CronJob] = {}

    @property
    def jobs(self) -> dict[str, CronJob]:
        """The registered jobs by name, in registration order (a copy)."""
        return dict(self._jobs)

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def __repr__(self) -> str:
        return f"<Crons {list(self._jobs)}>"

    def interval(
        self,
        name: str,
        schedule: Mapping[str, Any],
        ref: Any,
        args: dict[str, Any] | None = None,
    ) -> None:
        """Run ``ref`` every ``{"seconds": n}``, ``{"minutes": n}`` or ``{"hours": n}``.

        The first run is due as soon as the backend starts.
        """
        schedule = _check_schedule("interval", name, schedule)
        given = [k for k in _INTERVAL_UNITS_MS if schedule.get(k) is not None]
        if len(given) != 1:
            raise errors.ConvexTestError(errors.CRON_INTERVAL_UNITS)
        n = _as_int(schedule[given[0]])
        if n is None or n <= 0:
            raise errors.ConvexTestError(errors.CRON_INTERVAL_VALUE)
        self._add("interval", name, n * _INTERVAL_UNITS_MS[given[0]], ref, args)

    def hourly(
        self,
        name: str,
        schedule: Any = None,
        ref: Any = _MISSING,
        args: dict[str, Any] | None = None,
    ) -> None:
        """Run ``ref`` every hour at ``{"minuteUTC": m}``.

        The schedule may be left out (``crons.hourly(name, ref, args)``); the job then
        runs at a stable minute chosen from its name.
        """
        if schedule is not None and not isinstance(schedule, Mapping):
            if ref is not _MISSING:
                args = ref
            schedule, ref = None, schedule
        minute = None if schedule is None else _minute(_check_schedule("hourly", name, schedule))
        self._add("hourly", name, (minute, "*", "*", "*", "*"), ref, args)

    def daily(
        self,
        name: str,
        schedule: Mapping[str, Any],
        ref: Any,
        args: dict[str, Any] | None = None,
    ) -> None:
        """Run ``ref`` every day at ``{"hourUTC": h, "minuteUTC": m}`` (minute optional)."""
        schedule = _check_schedule("daily", name, schedule)
        hour = _hour(schedule)
        minute = _minute(schedule)
        self._add("daily", name, (minute, hour, "*", "*", "*"), ref, args)

    def weekly(
        self,
        name: str,
        schedule: Mapping[str, Any],
        ref: Any,
        args: dict[str, Any] | None = None,
    ) -> None:
        """Run ``ref`` every week at ``{"dayOfWeek": "monday", "hourUTC": h, "minuteUTC": m}``."""
        schedule = _check_schedule("weekly", name, schedule)
        day = schedule.get("dayOfWeek")
        if day not in DAYS_OF_WEEK:
            raise errors.ConvexTestError(errors.CRON_DAY_OF_WEEK)
        hour = _hour(schedule)
        minute = _minute(schedule)
        self._add("weekly", name, (minute, hour, "*", "*", DAYS_OF_WEEK.index(day)), ref, args)

    def monthly(
        self,
        name: str,
        schedule: Mapping[str, Any],
        ref: Any,
        args: dict[str, Any] | None = None,
    ) -> None:
        """Run ``ref`` every month at ``{"day": d, "hourUTC": h, "minuteUTC": m}``.

        Months without that day (e.g. the 31st) are skipped.
        """
        schedule = _check_schedule("monthly", name, schedule)
        day = _as_int(schedule.get("day"))
        if day is None or not 1 <= day <= 31:
            raise errors.ConvexTestError(errors.CRON_DAY_OF_MONTH)
        hour = _hour(schedule)
        minute = _minute(schedule)
        self._add("monthly", name, (minute, hour, day, "*", "*"), ref, args)

    def cron(
        self,
        name: str,
        spec: str,
        ref: Any,
        args: dict[str, Any] | None = None,
    ) -> None:
        """Run ``ref`` on a 5-field cron spec in UTC, e.g. ``"15 7 * * *"`` (7:15 daily).

        Sunday is 0. Checked here as Convex checks it on deploy.
        """
        self._add("cron", name, parse_cron(spec), ref, args)

    def _add(
        self,
        kind: ScheduleKind,
        name: Any,
        schedule: int | tuple[int | str | None, ...] | CronSpec,
        ref: Any,
        args: Any,
    ) -> None:
        # Convex's order: the schedule (checked by the caller), the args being an
        # object, the identifier, duplicates, then the args' values.
        if ref is _MISSING or ref is None:
            raise errors.ConvexTestError(
                errors.CRON_NO_REF.format(
                    kind=kind, name=name, value="nothing" if ref is _MISSING else "None"
                )
            )
        if args is None:
            args = {}
        elif not isinstance(args, dict):
            raise errors.ConvexTestError(errors.CRON_ARGS_NOT_OBJECT.format(value=_show(args)))
        if not isinstance(name, str) or not all(" " <= c <= "~" for c in name):
            raise errors.ConvexTestError(
                errors.CRON_INVALID_IDENTIFIER.format(
                    name=name if isinstance(name, str) else _show(name)
                )
            )
        if name in self._jobs:
            raise errors.ConvexTestError(errors.CRON_DUPLICATE.format(name=name))
        canonical = convert(args)
        from convex_test.values.size import value_size

        size = value_size([canonical])
        if size > _MAX_ARGS_SIZE:
            raise errors.ConvexTestError(errors.CRON_ARGS_TOO_LARGE.format(size=size))
        spec: CronSpec | None
        if isinstance(schedule, int):
            normalized: int | str = schedule
            spec = None
        elif isinstance(schedule, CronSpec):
            spec = schedule
            normalized = spec.expression
        else:
            minute = stable_minute(name) if schedule[0] is None else schedule[0]
            normalized = " ".join(str(part) for part in (minute, *schedule[1:]))
            spec = parse_cron(normalized)
        self._jobs[name] = CronJob(name, normalized, ref, canonical, kind, spec)


@checked_call("cron_jobs")
def cron_jobs() -> Crons:
    """A new, empty set of cron jobs (``crons = cron_jobs()`` in ``crons.py``)."""
    return Crons()
