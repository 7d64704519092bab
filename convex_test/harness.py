"""The ``t`` object: drive a Convex backend from tests.

>>> t = convex_test(schema, modules="convex")
>>> message_id = t.mutation(api.messages.send, {"body": "hi"})
>>> t.query("messages:list", {})
"""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from convex_test._guards import checked_call
from convex_test.engine.backend import Backend
from convex_test.engine.execution import CallRecord
from convex_test.values.display import safe_repr

if TYPE_CHECKING:
    import httpx
    from httpx._types import HeaderTypes, QueryParamTypes, RequestContent

__all__ = ["ConvexTest", "convex_test"]


@checked_call("convex_test")
def convex_test(
    schema: Any = None,
    modules: Any = None,
    *,
    start_time: float | datetime | None = None,
    capture_output: bool = False,
) -> ConvexTest:
    """Create a fresh, fully isolated in-memory backend and return its ``t``.

    ``schema`` defaults to the functions dir's ``schema.py``; ``modules`` is a functions
    directory (``str`` or ``Path``), a dotted package name, or a package module.
    ``start_time`` (ms since the epoch or a datetime) sets the engine clock; by default it
    starts at the current time (as a user's freezegun or time-machine shows it).
    """
    backend = Backend(
        schema=schema, modules=modules, start_time=start_time, capture_output=capture_output
    )
    return ConvexTest(backend)


class ConvexTest:  # not @checked_arity: that would cost ~0.15 us per t call
    """The test harness for one backend.  Tests are admin: internal functions are callable."""

    def __init__(self, backend: Backend, identity: dict[str, Any] | None = None) -> None:
        self._backend = backend
        self._identity = identity

    # ------------------------------------------------------------------ introspection
    @property
    def backend(self) -> Backend:
        """The engine behind this ``t`` (shared by its ``with_identity`` views)."""
        return self._backend

    @property
    def calls(self) -> list[CallRecord]:
        """Every top-level call made through this backend, in order."""
        return self._backend.calls

    # ------------------------------------------------------------------ functions
    # ``component="counter"`` runs the call inside that registered component: an inline
    # ``fn(ctx)`` gets the component's ctx (its tables, storage), and path strings and
    # ``api.*`` references name the component's functions (like JS ``runInComponent``).
    def query(self, ref: Any, args: Mapping[str, Any] | None = None, *, component: str = "") -> Any:
        """Run a query (a reference, a path string, or an inline ``fn(ctx)``)."""
        return self._call(ref, args, "query", component=component)

    def mutation(
        self, ref: Any, args: Mapping[str, Any] | None = None, *, component: str = ""
    ) -> Any:
        """Run a mutation as one transaction: all its writes commit, or none do."""
        return self._call(ref, args, "mutation", component=component)

    def action(
        self, ref: Any, args: Mapping[str, Any] | None = None, *, component: str = ""
    ) -> Any:
        """Run an action (or an inline ``fn(ctx)`` with an action ctx)."""
        return self._call(ref, args, "action", component=component)

    def run(self, fn: Any, *, component: str = "") -> Any:
        """Run ``fn(ctx)`` as a mutation transaction with full storage access."""
        return self._call(fn, None, "mutation", inline_kind="run", component=component)

    def _call(
        self,
        ref: Any,
        args: Any,
        kind: str,
        inline_kind: str | None = None,
        *,
        component: str = "",
    ) -> Any:
        __tracebackhide__ = True
        backend = self._backend
        if not isinstance(component, str) or component:
            backend.namespace(component)  # "Component "x" is not registered. ..."
        if not backend.capture_output:
            return backend.runner.call(
                ref,
                _plain_args(args),
                kind,
                identity=self._identity,
                namespace=component,
                inline_kind=inline_kind,
            )
        record = CallRecord(path=backend.describe_target(ref), kind=kind, args=args)
        return _recorded(
            backend,
            record,
            _runner_call,
            backend,
            ref,
            args,
            kind,
            self._identity,
            component,
            inline_kind,
        )

    # ------------------------------------------------------------------ components
    def register_component(self, name: str, *, modules: Any, schema: Any = None) -> None:
        """Mount the functions dir ``modules`` as component ``name`` of this backend.

        ``name`` is ``"counter"``, or ``"counter/shards"`` for a component of a registered
        component.  ``schema`` defaults to the component's ``schema.py``; components that
        its ``convex_config.py`` uses are mounted too.  App code calls it through
        ``components.counter.<module>.<function>``; tests may call it directly.
        """
        self._backend.register_component(name, modules=modules, schema=schema)

    # ------------------------------------------------------------------ identity
    def with_identity(self, identity: Mapping[str, Any] | None = None, **claims: Any) -> ConvexTest:
        """A view of the same backend whose calls carry this user identity."""
        from convex_test.auth import build_identity

        return ConvexTest(self._backend, build_identity(identity, **claims))

    # ------------------------------------------------------------------ HTTP actions
    def fetch(
        self,
        path_or_url: str | httpx.URL,
        method: str = "GET",
        *,
        headers: HeaderTypes | None = None,
        params: QueryParamTypes | None = None,
        content: RequestContent | None = None,
        json: Any = None,
        raise_errors: bool = False,
    ) -> httpx.Response:
        """Send one request to the app's HTTP actions (``http.py``) and storage URLs.

        ``path_or_url`` is a path (``"/send?x=1"``) or an absolute URL on the site URL
        (upload URLs and file URLs from ``ctx.storage``).  The handler runs as this
        ``t``'s identity.  An uncaught handler error becomes the 500 JSON response of a
        dev deployment; with ``raise_errors=True`` it propagates to the test instead.
        """
        __tracebackhide__ = True
        from convex_test.http.actions import send, transport_for
        from convex_test.http.transport import build_request

        request = build_request(
            path_or_url,
            method,
            site_url=self._backend.files.site_url,
            headers=headers,
            params=params,
            content=content,
            json=json,
        )
        transport = transport_for(self._backend, self._invoke_http, raise_errors=raise_errors)
        return send(transport, request)

    def http_client(self, *, raise_errors: bool = False) -> httpx.Client:
        """An ``httpx.Client`` routed to the app, with the site URL as ``base_url``.

        ``raise_errors`` as in :meth:`fetch`.  Use it as a context manager.
        """
        from convex_test.http.actions import transport_for
        from convex_test.http.transport import make_client

        transport = transport_for(self._backend, self._invoke_http, raise_errors=raise_errors)
        return make_client(transport, self._backend.files.site_url)

    def async_http_client(self, *, raise_errors: bool = False) -> httpx.AsyncClient:
        """The ``httpx.AsyncClient`` twin of :meth:`http_client`."""
        from convex_test.http.actions import async_transport_for
        from convex_test.http.transport import make_async_client

        transport = async_transport_for(self._backend, self._invoke_http, raise_errors=raise_errors)
        return make_async_client(transport, self._backend.files.site_url)

    def _invoke_http(self, handler: Any, request: httpx.Request) -> Any:
        from convex_test.http.actions import as_http_action

        return self._call(as_http_action(handler), request, "http_action")

    # ------------------------------------------------------------------ time
    def now_ms(self) -> float:
        """The engine clock, in ms since the epoch."""
        return self._backend.clock.now_ms()

    def advance_time(self, delta: float | timedelta, *, max_iterations: int = 100) -> None:
        """Let ``delta`` (ms or a ``timedelta``) pass on the engine clock.

        Every scheduled job and cron occurrence due in the window runs with the clock at
        its own time, in order (including jobs scheduled inside the window); the clock
        then stays at the window's end. Overdue crons run once (Convex's catch-up rule).
        A chain of more than ``max_iterations`` jobs due at one instant raises.
        """
        __tracebackhide__ = True
        scheduler = self._backend.scheduler
        self._scheduler_call(
            f"advance_time({safe_repr(delta)})",
            lambda: scheduler.advance_time(delta, max_iterations),
        )

    def set_time(self, when: float | datetime) -> None:
        """Move the engine clock to ``when`` (ms since the epoch or a datetime, naive = UTC).

        May go backwards. Runs nothing: jobs that became due wait for the next
        ``advance_time``/``finish_*``; crons jumped over run once at the next
        ``advance_time``.
        """
        self._backend.scheduler.set_time(when)

    def finish_in_progress_scheduled_functions(self, *, max_iterations: int = 100) -> None:
        """Run every scheduled job already due, without moving the clock.

        Loops until none is due (jobs they schedule that are due run too). Failing jobs
        are marked ``failed`` and never raise here.
        """
        __tracebackhide__ = True
        scheduler = self._backend.scheduler
        self._scheduler_call(
            "finish_in_progress_scheduled_functions()",
            lambda: scheduler.finish_in_progress(max_iterations),
        )

    def finish_all_scheduled_functions(self, max_iterations: int = 100) -> None:
        """Run scheduled jobs until none is pending, moving the clock to each job's time.

        Order: scheduled time, then scheduling order. Crons do not run. Jobs scheduled
        by jobs count as further iterations; more than ``max_iterations`` raise.
        """
        __tracebackhide__ = True
        scheduler = self._backend.scheduler
        self._scheduler_call(
            f"finish_all_scheduled_functions(max_iterations={safe_repr(max_iterations)})",
            lambda: scheduler.finish_all(max_iterations),
        )

    def run_cron(self, name: str, *, component: str = "") -> Any:
        """Run the cron job ``name`` (of ``crons.py``) once, now; return its result.

        Its schedule is unchanged. Errors propagate, like ``t.mutation``.
        ``component`` names a component's cron instead of the app's.
        """
        __tracebackhide__ = True
        scheduler = self._backend.scheduler
        return self._scheduler_call(
            f"run_cron({safe_repr(name)})", lambda: scheduler.run_cron(name, component)
        )

    def _scheduler_call(self, label: str, fn: Callable[[], Any]) -> Any:
        __tracebackhide__ = True
        backend = self._backend
        if not backend.capture_output:
            return fn()
        return _recorded(backend, CallRecord(path=label, kind="scheduler", args=None), fn)

    def __repr__(self) -> str:
        who = f" as {self._identity.get('tokenIdentifier')}" if self._identity else ""
        return f"<ConvexTest{who}>"


def _runner_call(
    backend: Backend,
    ref: Any,
    args: Any,
    kind: str,
    identity: dict[str, Any] | None,
    component: str,
    inline_kind: str | None,
) -> Any:
    __tracebackhide__ = True
    return backend.runner.call(
        ref,
        _plain_args(args),
        kind,
        identity=identity,
        namespace=component,
        inline_kind=inline_kind,
    )


def _recorded(backend: Backend, record: CallRecord, fn: Callable[..., Any], *fargs: Any) -> Any:
    """Run ``fn(*fargs)`` as ``record``: listed in ``backend.calls``, timed, output captured."""
    __tracebackhide__ = True
    backend.calls.append(record)
    started = time.perf_counter()
    with _Capture(record):
        try:
            result = fn(*fargs)
        except BaseException as exc:
            record.outcome = _outcome(exc)
            raise
        finally:
            record.duration_ms = (time.perf_counter() - started) * 1000
    record.outcome = "ok"
    return result


def _outcome(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # an exception type whose __str__ fails must not mask it
        text = "<unprintable>"
    return f"raised {type(exc).__name__}: {text}"


def _plain_args(args: Any) -> Any:
    if type(args) is dict or args is None:
        return args  # the usual case, without the Mapping ABC check
    if isinstance(args, Mapping) and not isinstance(args, dict):
        return dict(args)
    return args


class _RecordHandler(logging.Handler):
    def __init__(self, record: CallRecord) -> None:
        super().__init__(logging.DEBUG)
        self._record = record

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._record.output.append(f"[{record.levelname}] {record.getMessage()}")
        except Exception:  # a broken log call must not break the function
            self.handleError(record)


class _Tee(io.TextIOBase):
    """Passes writes through to the real stdout and records whole lines for the report."""

    def __init__(self, record: CallRecord, original: Any) -> None:
        self._record = record
        self._original = original
        self._partial = ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        self._record.output.extend(lines)
        return int(self._original.write(text))

    def flush(self) -> None:
        self._original.flush()

    def close_record(self) -> None:
        if self._partial:
            self._record.output.append(self._partial)
            self._partial = ""


class _Capture:
    """Record the root logger's records and stdout's lines into ``record`` while inside.

    A class rather than a generator context manager, with logging handlers reused from
    a pool: this wraps every call of the pytest fixture's ``t``.
    """

    __slots__ = ("_handler", "_record", "_saved", "_tee")

    def __init__(self, record: CallRecord) -> None:
        self._record = record

    def __enter__(self) -> None:
        record = self._record
        try:
            handler = _IDLE_HANDLERS.pop()
            handler._record = record
        except IndexError:
            handler = _RecordHandler(record)
        self._handler = handler
        logging.getLogger().addHandler(handler)
        self._tee = tee = _Tee(record, sys.stdout)
        self._saved = sys.stdout
        sys.stdout = tee

    def __exit__(self, *exc_info: object) -> None:
        sys.stdout = self._saved
        self._tee.close_record()
        handler = self._handler
        logging.getLogger().removeHandler(handler)
        if len(_IDLE_HANDLERS) < 8:
            _IDLE_HANDLERS.append(handler)


# Handlers of finished captures (creating a logging.Handler takes a lock and registers it).
_IDLE_HANDLERS: list[_RecordHandler] = []
