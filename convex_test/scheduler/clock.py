"""The engine clock: virtual time that moves only when the test moves it.

A :class:`Clock` holds milliseconds since the Unix epoch (a ``float``, like JS
``Date.now()``). It never ticks on its own. While a function runs, the engine enters
:meth:`Clock.pinned`, which freezes ``time.time()``, ``datetime.now()``,
``date.today()`` and friends at :meth:`Clock.now_ms` with time-machine (Convex freezes
``Date.now()`` for the whole execution the same way).

**A user's time-travel library wins.** Tests may move time with freezegun or
time-machine instead of ``t.advance_time``; the clock then follows them:

- *freezegun active* (``freeze_time`` entered; detected through
  ``sys.modules["freezegun.api"].freeze_factories``, freezegun is never imported here):
  :meth:`~Clock.now_ms` reads freezegun's current time, :meth:`~Clock.advance` and
  :meth:`~Clock.set` move freezegun's frozen time (``factory.move_to``), so the test's own
  ``time.time()`` and the engine agree. :meth:`~Clock.pinned` does nothing then
  (time-machine refuses to start under freezegun, and freezegun already freezes time,
  unless the user asked it to tick).
- *a time-machine traveller of the user active* (``time_machine.travel`` or the
  ``time_machine`` fixture): the same, through the traveller's ``shift``/``move_to``.
  Pinning nests a non-ticking traveller on top of the user's.

Each read of a user's clock is remembered, so when the user's freezegun/time-machine
stops, the engine clock stays where it last saw it (it does not jump back to its own
earlier time). A ``start_ms`` given to the constructor only matters while no such
library is active.
"""

from __future__ import annotations

import datetime
import math
import sys
import time
from contextlib import AbstractContextManager
from types import ModuleType, TracebackType
from typing import Any, Final

from convex_test import errors

__all__ = ["MAX_TIME_MS", "MIN_TIME_MS", "Clock", "ms_to_datetime", "to_delta_ms", "to_ms"]

_UTC: Final = datetime.UTC
_EPOCH_NAIVE: Final = datetime.datetime(1970, 1, 1)
_EPOCH_AWARE: Final = datetime.datetime(1970, 1, 1, tzinfo=_UTC)

MIN_TIME_MS: Final = -62_135_596_800_000.0
"""0001-01-01T00:00:00Z in ms: the earliest time a datetime can show."""
MAX_TIME_MS: Final = 253_402_300_799_999.0
"""9999-12-31T23:59:59.999Z in ms: the latest time a datetime can show."""

# ids of the time-machine travellers our pins started (of every Clock), so that a pin
# of one backend is never mistaken for the user's own time travel.
_OWN_TRAVELLERS: set[int] = set()
_time_machine: ModuleType | None = None


def _tm() -> ModuleType:
    # Imported on first pin only: `import convex_test` stays light.
    global _time_machine
    if _time_machine is None:
        import time_machine

        _time_machine = time_machine
    return _time_machine


def _timedelta_ms(delta: datetime.timedelta) -> float:
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds / 1000


def _float(number: int | float) -> float:
    try:
        return float(number)
    except OverflowError:  # an int beyond any float: out of range like inf
        return math.inf if number > 0 else -math.inf


def _datetime_ms(dt: datetime.datetime) -> float:
    """Milliseconds since the epoch for ``dt`` (naive = UTC)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        return _timedelta_ms(dt.replace(tzinfo=None) - _EPOCH_NAIVE)
    return _timedelta_ms(dt - _EPOCH_AWARE)


def to_ms(when: Any) -> float:
    """Milliseconds since the epoch for a ``datetime`` (naive = UTC) or a number.

    Raises :class:`~convex_test.errors.ConvexTestError` for anything else, for NaN and
    infinities, and outside the years 1 to 9999.
    """
    if isinstance(when, datetime.datetime):
        ms = _datetime_ms(when)
    elif isinstance(when, (int, float)) and not isinstance(when, bool):
        ms = _float(when)
    else:
        raise errors.ConvexTestError(errors.CLOCK_BAD_TIME.format(value=_show(when)))
    if not MIN_TIME_MS <= ms <= MAX_TIME_MS:  # also rejects NaN
        raise errors.ConvexTestError(errors.CLOCK_BAD_TIME.format(value=_show(when)))
    return ms


def to_delta_ms(delta: Any) -> float:
    """Milliseconds in ``delta``: a number of ms or a ``timedelta``, finite and ``>= 0``.

    Raises :class:`~convex_test.errors.ConvexTestError` for anything else.
    """
    if isinstance(delta, datetime.timedelta):
        ms = _timedelta_ms(delta)
    elif isinstance(delta, (int, float)) and not isinstance(delta, bool):
        ms = _float(delta)
    else:
        raise errors.ConvexTestError(errors.CLOCK_BAD_DELTA.format(value=_show(delta)))
    if not 0 <= ms < math.inf:
        raise errors.ConvexTestError(errors.CLOCK_BAD_DELTA.format(value=_show(delta)))
    return ms


def ms_to_datetime(ms: float) -> datetime.datetime:
    """The aware UTC ``datetime`` for ``ms`` (microsecond resolution)."""
    return _EPOCH_AWARE + datetime.timedelta(microseconds=round(ms * 1000))


def _ms_to_ns(ms: float) -> int:
    # Exact: `ms * 1e6` in floats would be off by up to 256 ns at today's timestamps.
    whole = math.floor(ms)
    return whole * 1_000_000 + round((ms - whole) * 1_000_000)


def _show(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= 200 else text[:197] + "..."


def _freezegun_factory() -> Any:
    """The active freezegun time factory, or None (never imports freezegun)."""
    api = sys.modules.get("freezegun.api")
    if api is None:
        return None
    factories = getattr(api, "freeze_factories", None)
    return factories[-1] if factories else None


def _user_traveller() -> Any:
    """The innermost active time-machine traveller not started by a pin, or None."""
    tm = sys.modules.get("time_machine")
    if tm is None:
        return None
    stack = getattr(tm, "traveller_stack", None)
    if not stack:
        return None
    for traveller in reversed(stack):
        if id(traveller) not in _OWN_TRAVELLERS:
            return traveller
    return None


def _freezegun_ms(factory: Any) -> float:
    return _datetime_ms(factory())


class _Pin(AbstractContextManager[None]):
    __slots__ = ("_clock",)

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __enter__(self) -> None:
        self._clock.enter_pin()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._clock.exit_pin()


class Clock:
    """Virtual time for one backend, in ms since the epoch.

    ``Clock(start_ms)`` starts at ``start_ms``, else at ``time.time()`` (which already
    shows a user's active freezegun or time-machine). See the module docstring for how
    a user's freezegun/time-machine takes over.
    """

    __slots__ = ("_depth", "_ms", "_pin", "_spare", "_spare_ms", "_travel", "_traveller")

    def __init__(self, start_ms: float | None = None) -> None:
        self._depth = 0
        self._travel: Any = None
        self._spare: Any = None  # a stopped travel object, reused by the next pin
        self._spare_ms: float | None = None  # the time the travel object is set to
        self._traveller: Any = None
        self._pin = _Pin(self)
        if start_ms is None:
            external = self._external_ms()
            if external is None:
                external = time.time_ns() / 1_000_000
            self._ms = external
        else:
            self._ms = to_ms(start_ms)

    def __repr__(self) -> str:
        return f"Clock({ms_to_datetime(self.now_ms()).isoformat()})"

    # -- reading ---------------------------------------------------------------------

    def now_ms(self) -> float:
        """The current engine time in ms since the epoch (frozen while pinned)."""
        if self._travel is not None:
            return self._ms
        external = self._external_ms()
        if external is not None:
            self._ms = external
        return self._ms

    def now_datetime(self) -> datetime.datetime:
        """The current engine time as an aware UTC ``datetime``."""
        return ms_to_datetime(self.now_ms())

    def next_creation_time(self, after: float | None) -> float:
        """A ``_creationTime`` for a new document: now, but strictly above ``after``.

        Keeps creation times strictly increasing even when the clock moved backwards
        or two inserts happen at the same millisecond.
        """
        now = self.now_ms()
        if after is None:
            return now
        floor = math.nextafter(after, math.inf)
        return now if now > floor else floor

    # -- moving ----------------------------------------------------------------------

    def advance(self, ms: float | datetime.timedelta) -> None:
        """Move time forward by ``ms`` milliseconds or a ``timedelta`` (>= 0).

        Under a user's freezegun/time-machine, their frozen time moves with it.
        """
        target = self.now_ms() + to_delta_ms(ms)
        if target > MAX_TIME_MS:
            raise errors.ConvexTestError(errors.CLOCK_BAD_TIME.format(value=_show(target)))
        self._move_to(target)

    def set(self, when: float | datetime.datetime) -> None:
        """Jump to ``when`` (ms since the epoch, or a ``datetime``; naive means UTC).

        May move backwards. Under a user's freezegun/time-machine, theirs moves too.
        """
        self._move_to(to_ms(when))

    def _move_to(self, target: float) -> None:
        factory = _freezegun_factory()
        if factory is not None:
            # freezegun keeps naive UTC datetimes, at microsecond resolution.
            micros = round(target * 1000)
            factory.move_to(_EPOCH_NAIVE + datetime.timedelta(microseconds=micros))
            target = micros / 1000
        else:
            traveller = _user_traveller()
            if traveller is not None:
                traveller.move_to(target / 1000)
        self._ms = target
        if self._travel is not None:
            self._repin()

    def _external_ms(self) -> float | None:
        factory = _freezegun_factory()
        if factory is not None:
            return _freezegun_ms(factory)
        traveller = _user_traveller()
        if traveller is not None:
            # Read the user's traveller itself: another clock's pin may be on top of it.
            return int(traveller.time_ns()) / 1_000_000
        return None

    # -- pinning ---------------------------------------------------------------------

    def pinned(self) -> AbstractContextManager[None]:
        """Freeze ``time.time()``/``datetime.now()``/... at :meth:`now_ms` while inside.

        Re-entrant: only the outermost level starts a time-machine traveller, nested
        levels cost a counter. Under an active freezegun it does nothing (freezegun
        already controls time, and time-machine refuses to start then).
        """
        return self._pin

    @property
    def is_pinned(self) -> bool:
        """Whether a :meth:`pinned` block is active."""
        return self._depth > 0

    def enter_pin(self) -> None:
        """The first half of :meth:`pinned` (the runner's hot path calls the halves)."""
        if self._depth:
            self._depth += 1
            return
        # now_ms() and the freezegun check in one pass: this runs on every call.
        modules = sys.modules
        freezegun = modules.get("freezegun.api")
        factories = getattr(freezegun, "freeze_factories", None) if freezegun else None
        if factories:
            self._ms = _freezegun_ms(factories[-1])
        else:
            tm = modules.get("time_machine")
            if tm is not None and getattr(tm, "traveller_stack", None):
                traveller = _user_traveller()
                if traveller is not None:
                    self._ms = int(traveller.time_ns()) / 1_000_000
            self._start_travel(self._ms)
        self._depth = 1

    def exit_pin(self) -> None:
        """The second half of :meth:`pinned`: call once per :meth:`enter_pin`."""
        self._depth -= 1
        if self._depth == 0 and self._travel is not None:
            self._stop_travel()

    def _start_travel(self, ms: float) -> None:
        travel = self._spare
        if travel is None:
            travel = _tm().travel(ms / 1000, tick=False)
            self._spare_ms = None
        else:
            # Reusing a stopped travel saves parsing a destination on every call.
            self._spare = None
        if ms != self._spare_ms:
            # Pin the exact nanosecond (the float seconds can be ~256 ns off).
            travel.destination_timestamp_ns = _ms_to_ns(ms)
            self._spare_ms = ms
        traveller = travel.start()
        _OWN_TRAVELLERS.add(id(traveller))
        self._travel = travel
        self._traveller = traveller

    def _stop_travel(self) -> None:
        travel, traveller = self._travel, self._traveller
        self._travel = self._traveller = None
        _OWN_TRAVELLERS.discard(id(traveller))
        stack = _tm().traveller_stack
        if stack and stack[-1] is traveller:
            travel.stop()
            self._spare = travel
        elif traveller in stack:
            # Someone started a traveller inside the pin and left it running: remove
            # ours without popping theirs.
            stack.remove(traveller)

    def _repin(self) -> None:
        # The clock moved inside a pinned block: pin again at the new time.
        traveller = self._traveller
        stack = _tm().traveller_stack
        if stack and stack[-1] is traveller:
            self._stop_travel()
            self._start_travel(self._ms)
        else:
            traveller.move_to(self._ms / 1000)
