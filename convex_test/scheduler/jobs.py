"""Scheduled functions and cron runs: the job queue of a backend and ``ctx.scheduler``.

Every scheduled job is a document of the scheduling namespace's ``_scheduled_functions``
table, written through the caller's transaction (so in a mutation it rolls back with the
mutation, or with a failing nested ``run_mutation``; an action writes it in a transaction
of its own, committed at once). The document is the truth about a job; the queue is a
heap of ``(due, seq, job)`` over candidates, checked against the document when popped, so
rolled-back and canceled jobs simply drop out.

A job runs only when the test says so (:meth:`Scheduler.finish_in_progress`,
:meth:`Scheduler.finish_all`, :meth:`Scheduler.advance_time`), in the order of its due
time, then scheduling order:

1. its document becomes ``{"kind": "inProgress"}`` (the job sees itself so while it runs);
2. the function runs as a top-level call without identity, in the namespace it was
   resolved in when scheduled (a component's job runs inside the component); its
   arguments are validated now, so bad arguments fail the job, not the scheduling;
3. the document becomes ``success`` or ``failed`` (with ``error``), with
   ``completedTime``. A failing job is logged (logger ``convex_test.scheduler``) and
   never raises into the test.

Cron jobs (``crons.py``) are kept per namespace with their next due time; only
:meth:`Scheduler.advance_time` and :meth:`Scheduler.run_cron` run them.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

from convex_test import errors
from convex_test._guards import checked_arity
from convex_test.scheduler.clock import (
    MAX_TIME_MS,
    _show,
    ms_to_datetime,
    to_delta_ms,
    to_ms,
)
from convex_test.scheduler.crons import CronJob, Crons
from convex_test.values.display import shown
from convex_test.values.size import value_size
from convex_test.values.types import Int64, convert, copy_value

if TYPE_CHECKING:
    from convex_test.engine.backend import Backend
    from convex_test.engine.execution import Frame
    from convex_test.engine.store import Table
    from convex_test.engine.transaction import Transaction

__all__ = [
    "MAX_SCHEDULED_ARGS_BYTES",
    "MAX_SCHEDULED_PER_MUTATION",
    "SCHEDULED_FUNCTIONS",
    "CtxScheduler",
    "Scheduler",
]

T = TypeVar("T")

SCHEDULED_FUNCTIONS: Final = "_scheduled_functions"
MAX_SCHEDULED_PER_MUTATION: Final = 1000
"""Convex's ``TRANSACTION_MAX_NUM_SCHEDULED``."""
MAX_SCHEDULED_ARGS_BYTES: Final = 1 << 24
"""Convex's ``TRANSACTION_MAX_SCHEDULED_TOTAL_ARGUMENT_SIZE_BYTES`` (16 MiB)."""
_MAX_OFFSET_MS: Final = 5 * 366 * 86_400_000  # Convex's "5 years" is 5 * 366 days
_SCHEDULABLE: Final = ("mutation", "action")
_OPEN_STATES: Final = ("pending", "inProgress")
_CAMEL_CASE: Final = {"runAfter": "run_after", "runAt": "run_at"}

logger = logging.getLogger("convex_test.scheduler")


def _when(ms: float) -> str:
    try:
        return ms_to_datetime(ms).isoformat()
    except (OverflowError, ValueError):
        return f"{ms} ms since the epoch"


def _article(word: str) -> str:
    return "an" if word[:1] in ("a", "e", "i", "o", "u") else "a"


def _kind_label(kind: str) -> str:
    return "HTTP action" if kind == "http_action" else kind


def _failure_message(exc: BaseException) -> str:
    """The ``error`` of a failed job, like the backend's: ``Uncaught Error: ...``.

    Errors the engine raises (argument validation, limits, ...) are system errors in
    Convex and carry no ``Uncaught`` prefix.
    """
    name = type(exc).__name__
    if isinstance(exc, errors.ConvexTestError):
        return f"{name}: {exc}"
    return f"Uncaught {name}: {exc}"


class _Job:
    """One heap entry: a scheduled job as the queue knows it."""

    __slots__ = (
        "drain",
        "due",
        "gen",
        "handle",
        "id",
        "igen",
        "kind",
        "namespace",
        "path",
        "table",
        "target",
    )

    def __init__(
        self,
        job_id: str,
        namespace: str,
        table: Table,
        target: str,
        path: str,
        handle: Any,
        kind: str,
        due: float,
        drain: int | None,
        gen: int,
        igen: int,
    ) -> None:
        self.id = job_id
        self.namespace = namespace  # where its _scheduled_functions document lives
        self.table = table
        self.target = target  # the namespace the function runs in
        self.path = path
        self.handle = handle  # an explicit reference to run it through
        self.kind = kind
        self.due = due
        # Iteration accounting for the drain that scheduled it (None: outside a drain):
        # ``gen`` counts jobs scheduled by jobs, ``igen`` only those due at once.
        self.drain = drain
        self.gen = gen
        self.igen = igen

    def pending(self) -> bool:
        doc = self.table.docs.get(self.id)
        return doc is not None and doc["state"].get("kind") == "pending"

    def __repr__(self) -> str:
        return f"<scheduled {self.path} due {_when(self.due)}>"


@dataclass(slots=True)
class _Run:
    """A job or cron run in progress (what functions it runs schedule under)."""

    job: _Job | None
    drain: int | None
    gen: int
    igen: int
    at: float


@dataclass(slots=True)
class _Cron:
    """A cron job of one namespace and when it is due next."""

    job: CronJob
    namespace: str
    next_ts: float
    prev_ts: float | None = None
    target: tuple[str, str, str] | None = None  # (namespace, path, kind), resolved lazily


@dataclass(slots=True)
class _TxnCount:
    txn: Transaction
    count: int = 0
    size: int = 0


class Scheduler:
    """The scheduled jobs and cron jobs of one backend (``backend.scheduler``)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._heap: list[tuple[float, int, _Job]] = []
        self._seq = itertools.count()
        self._drains = itertools.count(1)
        self._running: list[_Run] = []
        self._crons: list[_Cron] = []
        self._per_txn: dict[int, _TxnCount] = {}
        self._resolved: dict[tuple[Any, str], tuple[str, str, str, Any]] = {}
        self._resolved_at = 0

    def __repr__(self) -> str:
        return f"<Scheduler queued={len(self._heap)} crons={len(self._crons)}>"

    # ------------------------------------------------------------------ namespaces
    def add_namespace(self, path: str, crons: Any) -> None:
        """Register the cron jobs of a newly mounted namespace (``crons.py``'s ``crons``).

        Interval jobs are due at once; clock jobs at their first occurrence after now.
        """
        if crons is None:
            return
        if not isinstance(crons, Crons):
            where = f' of component "{path}"' if path else ""
            raise errors.ConvexTestError(
                errors.CRONS_NOT_CRONS.format(where=where, value=_show(crons))
            )
        now = self._backend.clock.now_ms()
        for job in crons.jobs.values():
            try:
                first = job.next_after(now)
            except errors.ConvexTestError:
                first = math.inf
            self._crons.append(_Cron(job, path, first))

    # ------------------------------------------------------------------ scheduling
    def schedule(self, frame: Frame, when_ms: float, ref: Any, args: Any) -> str:
        """Write a pending job for ``ref`` at ``when_ms``; return its ID."""
        backend = self._backend
        args_value = _check_args(args)
        now = backend.clock.now_ms()
        if when_ms - now > _MAX_OFFSET_MS:
            raise errors.ConvexTestError(
                errors.SCHEDULER_TOO_FAR_FUTURE.format(when=_when(when_ms))
            )
        if now - when_ms > _MAX_OFFSET_MS:
            raise errors.ConvexTestError(errors.SCHEDULER_TOO_FAR_PAST.format(when=_when(when_ms)))
        target, path, kind, handle = self._resolve(ref, frame.namespace)
        namespace = frame.namespace
        table = backend.store.namespace(namespace).tables[SCHEDULED_FUNCTIONS]
        run = self._running[-1] if self._running else None
        canceled = run is not None and run.job is not None and _is_canceled(run.job)
        due = when_ms if when_ms > now else now

        def write(txn: Transaction) -> str:
            if frame.txn is not None:
                self._count(txn, args_value)
            if canceled:
                # The job running this was canceled: Convex creates what it schedules
                # already canceled.
                doc: dict[str, Any] = {
                    "name": path,
                    "args": [args_value],
                    "scheduledTime": now,
                    "completedTime": now,
                    "state": {"kind": "canceled"},
                }
            else:
                doc = {
                    "name": path,
                    "args": [args_value],
                    "scheduledTime": float(when_ms),
                    "state": {"kind": "pending"},
                }
            job_id: str = txn.insert(
                namespace, SCHEDULED_FUNCTIONS, doc, system=True, method="scheduler.runAfter"
            )
            return job_id

        job_id = self._in_txn(frame, write)
        if not canceled:
            if run is None:
                drain, gen, igen = None, 0, 0
            else:
                drain, gen = run.drain, run.gen + 1
                igen = run.igen + 1 if due <= run.at else 0
            job = _Job(job_id, namespace, table, target, path, handle, kind, due, drain, gen, igen)
            heapq.heappush(self._heap, (due, next(self._seq), job))
        return job_id

    def cancel(self, frame: Frame, job_id: Any) -> None:
        """Cancel a pending or running job; a finished or canceled one is left alone."""
        backend = self._backend
        namespace = frame.namespace
        nsd = backend.store.namespace(namespace)
        if not isinstance(job_id, str) or nsd.table_for_id(job_id) != (SCHEDULED_FUNCTIONS, True):
            raise errors.ConvexTestError(errors.SCHEDULER_BAD_JOB_ID.format(value=_show(job_id)))
        run = self._running[-1] if self._running else None
        if (
            run is not None
            and run.job is not None
            and run.job.id == job_id
            and run.job.kind == "mutation"
            and frame.kind == "mutation"
        ):
            raise errors.ConvexTestError(errors.SCHEDULER_CANCEL_SELF)
        now = backend.clock.now_ms()

        def write(txn: Transaction) -> None:
            doc = txn.get(namespace, job_id, system=True, method="scheduler.cancel")
            if doc is None or doc["state"].get("kind") not in _OPEN_STATES:
                return
            txn.patch(
                namespace,
                job_id,
                {"state": {"kind": "canceled"}, "completedTime": now},
                system=True,
                method="scheduler.cancel",
            )

        self._in_txn(frame, write)

    def _in_txn(self, frame: Frame, fn: Callable[[Transaction], T]) -> T:
        txn = frame.txn
        if txn is not None:
            result: T = fn(txn)
            return result
        # An action: its own transaction, committed at once.
        own = self._backend.store.begin(read_only=False)
        try:
            result = fn(own)
        except BaseException:
            own.rollback()
            raise
        own.commit()
        return result

    def _count(self, txn: Transaction, args_value: dict[str, Any]) -> None:
        per_txn = self._per_txn
        entry = per_txn.get(id(txn))
        if entry is None or entry.txn is not txn:
            if len(per_txn) > 64:  # forget finished transactions
                for key in [k for k, e in per_txn.items() if e.txn.closed]:
                    del per_txn[key]
            entry = per_txn[id(txn)] = _TxnCount(txn)
        if entry.count >= MAX_SCHEDULED_PER_MUTATION:
            raise errors.ConvexTestError(
                errors.SCHEDULER_TOO_MANY.format(limit=MAX_SCHEDULED_PER_MUTATION)
            )
        entry.count += 1
        size = _args_size(args_value)
        if entry.size + size > MAX_SCHEDULED_ARGS_BYTES:
            raise errors.ConvexTestError(
                errors.SCHEDULER_ARGS_TOO_LARGE.format(limit=MAX_SCHEDULED_ARGS_BYTES)
            )
        entry.size += size

    def _resolve(self, ref: Any, namespace: str) -> tuple[str, str, str, Any]:
        """(namespace, path, kind, handle) of a schedulable function, with Convex's errors.

        ``handle`` is an explicit reference the job runs through. Results are cached per
        (reference, calling namespace) until a component is registered.
        """
        backend = self._backend
        mounted = len(backend.namespaces)
        if mounted != self._resolved_at:
            self._resolved.clear()
            self._resolved_at = mounted
        try:
            key: tuple[Any, str] | None = (ref, namespace)
            cached = self._resolved.get(key)  # type: ignore[arg-type]
        except TypeError:  # an unhashable ref: resolution reports it
            key = cached = None
        if cached is not None:
            return cached
        try:
            fdef, target, path = backend.resolve_function(
                ref, namespace, inline_ok=False, nested=True
            )
        except errors.ConvexTestError as exc:
            message = self._not_found(ref, namespace)
            if message is None:
                raise
            raise errors.ConvexTestError(message) from exc
        assert fdef is not None
        if fdef.kind not in _SCHEDULABLE:
            kind = _kind_label(fdef.kind)
            raise errors.ConvexTestError(
                errors.SCHEDULER_NOT_SCHEDULABLE.format(
                    path=path, article=_article(kind), kind=kind
                )
            )
        from convex_test.functions import FunctionReference

        result = (target, path, fdef.kind, FunctionReference(path, component=target))
        if key is not None:
            self._resolved[key] = result
        return result

    def _not_found(self, ref: Any, namespace: str) -> str | None:
        """Convex's "nonexistent path" text for a path or reference naming nothing."""
        from convex_test.functions import FunctionReference, function_name

        if not isinstance(ref, (str, FunctionReference)):
            return None
        registries = self._backend.registries
        try:
            component, path = function_name(ref, current=namespace, component_paths=registries)
        except errors.ConvexTestError:
            return None
        registry = registries.get(component)
        if registry is None or path in registry:
            return None  # another problem than a missing function: keep its message
        module, _, function = path.partition(":")
        paths = registry.paths()
        hint = errors.did_you_mean(path, paths)
        if any(p.partition(":")[0] == module for p in paths):
            where = f' in component "{component}"' if component else ""
            return errors.SCHEDULER_NO_EXPORT.format(
                function=function, module=module, where=where, hint=hint
            )
        prefix = f"{component} " if component else ""
        return errors.SCHEDULER_NONEXISTENT_MODULE.format(
            component=prefix, module=module, hint=hint
        )

    # ------------------------------------------------------------------ running jobs
    def _peek(self) -> _Job | None:
        heap = self._heap
        while heap:
            job = heap[0][2]
            if job.pending():
                return job
            heapq.heappop(heap)
        return None

    def _run_job(self, job: _Job, drain: int, gen: int, igen: int) -> None:
        heapq.heappop(self._heap)  # the caller peeked it
        backend = self._backend
        doc = job.table.docs[job.id]
        stored_args = doc["args"]
        args = copy_value(stored_args[0]) if stored_args else {}
        _write_state(job, {"kind": "inProgress"}, None)
        self._running.append(_Run(job, drain, gen, igen, backend.clock.now_ms()))
        error: str | None = None
        try:
            backend.runner.call(job.handle, args, job.kind, identity=None, namespace=job.target)
        except Exception as exc:
            error = _failure_message(exc)
            logger.error("Error when running scheduled function %s: %s", job.path, error)
        finally:
            self._running.pop()
        done = job.table.docs.get(job.id)
        # A job canceled while it ran (an action) stays canceled.
        if done is not None and done["state"].get("kind") in _OPEN_STATES:
            state = {"kind": "success"} if error is None else {"kind": "failed", "error": error}
            _write_state(job, state, backend.clock.now_ms())

    # ------------------------------------------------------------------ draining
    def finish_in_progress(self, max_iterations: int = 100) -> None:
        """Run every job already due, without moving the clock, until none is due.

        Jobs they schedule that are due run too; a chain of more than ``max_iterations``
        such jobs raises (an infinitely self-scheduling job).
        """
        method = "finish_in_progress_scheduled_functions"
        _check_max_iterations(method, max_iterations)
        drain = next(self._drains)
        clock = self._backend.clock
        while True:
            job = self._peek()
            if job is None or job.due > clock.now_ms():
                return
            gen, igen = _generations(job, drain)
            if igen >= max_iterations:
                raise errors.ConvexTestError(
                    errors.SCHEDULER_TOO_MANY_ITERATIONS.format(method=method)
                )
            self._run_job(job, drain, gen, igen)

    def finish_all(self, max_iterations: int = 100) -> None:
        """Run every pending job, moving the clock forward to each one's time.

        Order: due time, then scheduling order. Crons do not run. A job scheduled by a
        job counts one more iteration than its parent; running one of iteration
        ``max_iterations`` raises.
        """
        method = "finish_all_scheduled_functions"
        _check_max_iterations(method, max_iterations)
        drain = next(self._drains)
        while True:
            job = self._peek()
            if job is None:
                return
            gen, igen = _generations(job, drain)
            if gen >= max_iterations:
                raise errors.ConvexTestError(
                    errors.SCHEDULER_TOO_MANY_ITERATIONS.format(method=method)
                )
            self._move_clock_to(job.due)
            self._run_job(job, drain, gen, igen)

    def advance_time(self, delta: Any, max_iterations: int = 100) -> None:
        """Let ``delta`` (ms or ``timedelta``) pass: run every job and cron occurrence due
        in the window, each with the clock at its own time, then stop at the window end.

        Overdue jobs and crons (after ``set_time`` or ``finish_all``) run first, at the
        current time; a cron runs once however many occurrences it missed.
        """
        method = "advance_time"
        delta_ms = to_delta_ms(delta)
        _check_max_iterations(method, max_iterations)
        self._resolve_crons()
        clock = self._backend.clock
        end = clock.now_ms() + delta_ms
        if end > MAX_TIME_MS:
            raise errors.ConvexTestError(errors.CLOCK_BAD_TIME.format(value=_show(end)))
        drain = next(self._drains)
        while True:
            job = self._peek()
            cron = self._next_cron()
            job_due = job.due if job is not None else math.inf
            cron_due = cron.next_ts if cron is not None else math.inf
            if job_due > end and cron_due > end:
                break
            if job is not None and job_due <= cron_due:
                gen, igen = _generations(job, drain)
                if igen >= max_iterations:
                    raise errors.ConvexTestError(
                        errors.SCHEDULER_TOO_MANY_ITERATIONS.format(method=method)
                    )
                self._move_clock_to(job_due)
                self._run_job(job, drain, gen, igen)
            else:
                assert cron is not None
                self._move_clock_to(cron_due)
                self._run_cron(cron, drain, propagate=False)
                self._reschedule(cron, clock.now_ms())
        self._move_clock_to(end)

    def set_time(self, when: Any) -> None:
        """Move the clock to ``when`` (ms or ``datetime``; may go backwards). Runs nothing."""
        self._backend.clock.set(when)

    def _move_clock_to(self, ms: float) -> None:
        clock = self._backend.clock
        if ms > clock.now_ms():
            clock.set(ms)

    # ------------------------------------------------------------------ crons
    def run_cron(self, name: str, component: str = "") -> Any:
        """Run the cron job ``name`` now (its schedule is unchanged); return its result."""
        backend = self._backend
        backend.namespace(component)  # an unregistered component raises
        crons = [c for c in self._crons if c.namespace == component]
        for cron in crons:
            if cron.job.name == name:
                return self._run_cron(cron, None, propagate=True)
        where = f' in component "{component}"' if component else ""
        if crons and isinstance(name, str):
            hint = errors.did_you_mean(name, [c.job.name for c in crons])
        else:
            hint = "" if crons else errors.CRON_NONE_DEFINED
        raise errors.ConvexTestError(
            errors.CRON_UNKNOWN.format(name=shown(name), where=where, hint=hint)
        )

    def _run_cron(self, cron: _Cron, drain: int | None, *, propagate: bool) -> Any:
        backend = self._backend
        namespace, path, kind = self._cron_target(cron)
        self._running.append(_Run(None, drain, 0, 0, backend.clock.now_ms()))
        try:
            return backend.runner.call(
                path, copy_value(cron.job.args), kind, identity=None, namespace=namespace
            )
        except Exception as exc:
            if propagate:
                raise
            logger.error(
                "Error when running cron job %r (%s): %s",
                cron.job.name,
                path,
                _failure_message(exc),
            )
            return None
        finally:
            self._running.pop()

    def _reschedule(self, cron: _Cron, ran_at: float) -> None:
        """Convex's catch-up rule: the next time after this run, skipping missed ones."""
        job = cron.job
        scheduled = cron.next_ts
        try:
            nxt = job.next_after_catch_up(scheduled, ran_at)
            if nxt <= ran_at:  # never run twice at the same instant
                nxt = job.next_after(ran_at, nxt)
        except errors.ConvexTestError:  # no run before the year 9999
            nxt = math.inf
        cron.prev_ts = scheduled
        cron.next_ts = nxt

    def _next_cron(self) -> _Cron | None:
        best: _Cron | None = None
        for cron in self._crons:  # ties: mount order, then registration order
            if best is None or cron.next_ts < best.next_ts:
                best = cron
        return best

    def _resolve_crons(self) -> None:
        for cron in self._crons:
            self._cron_target(cron)

    def _cron_target(self, cron: _Cron) -> tuple[str, str, str]:
        if cron.target is not None:
            return cron.target
        where = f' of component "{cron.namespace}"' if cron.namespace else ""
        try:
            fdef, namespace, path = self._backend.resolve_function(
                cron.job.ref, cron.namespace, inline_ok=False, nested=True
            )
        except errors.ConvexTestError as exc:
            raise errors.ConvexTestError(
                errors.CRON_TARGET.format(name=cron.job.name, where=where, reason=exc)
            ) from exc
        assert fdef is not None
        if fdef.kind not in _SCHEDULABLE:
            kind = _kind_label(fdef.kind)
            reason = errors.CRON_NOT_SCHEDULABLE.format(
                path=path, article=_article(kind), kind=kind
            )
            raise errors.ConvexTestError(
                errors.CRON_TARGET.format(name=cron.job.name, where=where, reason=reason)
            )
        cron.target = (namespace, path, fdef.kind)
        return cron.target


def _generations(job: _Job, drain: int) -> tuple[int, int]:
    if job.drain == drain:
        return job.gen, job.igen
    return 0, 0


_STATE_SIZES: Final = {
    kind: value_size({"kind": kind}) for kind in ("pending", "inProgress", "success", "canceled")
}
_COMPLETED_TIME_SIZE: Final = len("completedTime") + 1 + value_size(0.0)
_STATE_FIELDS: Final = frozenset(("state", "completedTime"))


def _state_size(state: dict[str, Any]) -> int:
    size = _STATE_SIZES.get(state["kind"]) if len(state) == 1 else None
    return value_size(state) if size is None else size


def _write_state(job: _Job, state: dict[str, Any], completed_at: float | None) -> None:
    """Set a job's state (and ``completedTime``), committed at once.

    The scheduler's own bookkeeping, outside any function's transaction, so it writes
    the stored document directly (no undo log is needed), adjusts its size by the
    difference instead of measuring the whole document again, and re-keys only the
    indexes on the fields it changes.
    """
    table = job.table
    old = table.docs.get(job.id)
    if old is None:
        return
    new = dict(old)
    size = table.sizes[job.id] - _state_size(old["state"]) + _state_size(state)
    new["state"] = state
    if completed_at is not None:
        if "completedTime" not in old:
            size += _COMPLETED_TIME_SIZE
        new["completedTime"] = completed_at
    table.swap(job.id, old, new, size, _STATE_FIELDS)


def _is_canceled(job: _Job) -> bool:
    doc = job.table.docs.get(job.id)
    return doc is not None and doc["state"].get("kind") == "canceled"


def _check_max_iterations(method: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.ConvexTestError(
            errors.SCHEDULER_MAX_ITERATIONS.format(method=method, value=_show(value))
        )


_SCALAR_SIZES: Final[dict[type, int]] = {
    float: 9,
    int: 9,
    Int64: 9,
    bool: 1,
    type(None): 1,
}


def _args_size(args: dict[str, Any]) -> int:
    """``value_size([args])`` (Convex counts the args array), fast for flat args."""
    size = 4  # the array's and the object's brackets
    for key, value in args.items():
        scalar = _SCALAR_SIZES.get(type(value))
        if scalar is None:
            if type(value) is not str or not value.isascii():
                return value_size([args])
            scalar = 2 + len(value)
        if not key.isascii():
            return value_size([args])
        size += len(key) + 1 + scalar
    return size


def _check_args(args: Any) -> dict[str, Any]:
    if args is None:
        return {}
    if type(args) is not dict and isinstance(args, Mapping):
        args = dict(args)
    if not isinstance(args, dict):
        raise errors.ConvexTestError(errors.SCHEDULER_ARGS_NOT_OBJECT.format(value=_show(args)))
    value: dict[str, Any] = convert(args)
    return value


def _delay_ms(delay: Any) -> float:
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        raise errors.ConvexTestError(errors.SCHEDULER_DELAY_NOT_NUMBER)
    if not _finite(delay):
        raise errors.ConvexTestError(errors.SCHEDULER_DELAY_NOT_FINITE)
    if delay < 0:
        raise errors.ConvexTestError(errors.SCHEDULER_DELAY_NEGATIVE)
    return float(delay)


def _finite(number: int | float) -> bool:
    # math.isfinite(10**400) raises OverflowError: such an int is no finite JS number.
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _time_ms(when: Any) -> float:
    if isinstance(when, datetime.datetime):
        return to_ms(when)
    if isinstance(when, bool) or not isinstance(when, (int, float)):
        raise errors.ConvexTestError(errors.SCHEDULER_BAD_TIME.format(value=_show(when)))
    if not _finite(when):
        raise errors.ConvexTestError(errors.SCHEDULER_TIME_NOT_FINITE.format(value=_show(when)))
    return float(when)


@checked_arity("ctx.scheduler")
class CtxScheduler:
    """``ctx.scheduler`` of a mutation or an action.

    In a mutation, scheduling and canceling are part of its transaction; in an action
    each call commits at once. Every method is a plain synchronous call.
    """

    __slots__ = ("_frame", "_scheduler")

    def __init__(self, scheduler: Scheduler, frame: Frame) -> None:
        self._scheduler = scheduler
        self._frame = frame

    def run_after(self, delay_ms: float, ref: Any, args: dict[str, Any] | None = None) -> str:
        """Run the mutation or action ``ref`` after ``delay_ms`` ms; return the job's ID.

        ``ref`` resolves like everywhere (reference, path string, function object); the
        ``args`` dict is copied now and validated when the job runs.
        """
        delay = _delay_ms(delay_ms)
        scheduler = self._scheduler
        return scheduler.schedule(self._frame, scheduler._backend.clock.now_ms() + delay, ref, args)

    def run_at(
        self, when: float | datetime.datetime, ref: Any, args: dict[str, Any] | None = None
    ) -> str:
        """Run ``ref`` at ``when`` (ms since the epoch or a ``datetime``, naive = UTC).

        A time in the past runs as soon as jobs run. Return the job's ID.
        """
        return self._scheduler.schedule(self._frame, _time_ms(when), ref, args)

    def cancel(self, id: str) -> None:
        """Cancel a scheduled job: a pending one never runs, a running action finishes
        but what it schedules from now on is created canceled. A finished job is left
        as it is.
        """
        self._scheduler.cancel(self._frame, id)

    def __getattr__(self, name: str) -> Any:
        hint = f" Did you mean `{_CAMEL_CASE[name]}`?" if name in _CAMEL_CASE else ""
        raise AttributeError(f"ctx.scheduler has no attribute {name!r}.{hint}")

    def __repr__(self) -> str:
        return f"<ctx.scheduler of {self._frame.path}>"
