"""The function runner: resolve, validate, open a transaction, build ctx, run, commit.

One :class:`Runner` belongs to one :class:`~convex_test.engine.backend.Backend`.  Every
call (from ``t``, ``ctx.run_*``, the scheduler, crons or the HTTP router) goes through
:meth:`Runner.call` or :meth:`Runner.call_nested`, so argument/return validation, the call
matrix, the depth limit, transactions and error decoration are enforced in one place.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from convex_test import errors
from convex_test._guards import call_callback
from convex_test.engine.transaction import TransactionLimits
from convex_test.values.types import convert

if TYPE_CHECKING:
    from convex_test.engine.backend import Backend

MAX_CALL_DEPTH = 8

_UNBOUNDED = 1 << 62
_NO_LIMITS = TransactionLimits(_UNBOUNDED, _UNBOUNDED, _UNBOUNDED, _UNBOUNDED, _UNBOUNDED)

# What handlers usually return: never awaitable, never a query (saves ABC checks).
_PLAIN_TYPES: frozenset[type] = frozenset(
    {type(None), str, dict, list, tuple, int, float, bool, bytes}
)

_KIND_TITLES = {
    "query": "Query",
    "mutation": "Mutation",
    "action": "Action",
    "http_action": "HttpAction",
}

# Which kinds may call which (server-enforced matrix, convex-semantics §16.2).
_ALLOWED_CALLS: dict[str, frozenset[str]] = {
    "query": frozenset({"query"}),
    "mutation": frozenset({"query", "mutation"}),
    "action": frozenset({"query", "mutation", "action"}),
    "http_action": frozenset({"query", "mutation", "action"}),
}


@dataclass(slots=True)
class Frame:
    """One function execution: what it may do and which transaction it runs in."""

    runner: Runner
    kind: str
    namespace: str
    identity: dict[str, Any] | None
    txn: Any
    depth: int
    path: str
    full_storage: bool = False


@dataclass(slots=True)
class CallRecord:
    """A top-level call a test made, for the pytest failure report."""

    path: str
    kind: str
    args: Any
    outcome: str = "running"
    duration_ms: float = 0.0
    output: list[str] = field(default_factory=list)


class Runner:
    """Runs functions for one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        # Held while a transaction of this backend is open, so that tests calling `t`
        # from several threads (or actions running mutations from worker threads) get
        # serializable transactions, as Convex guarantees, instead of lost updates.
        # Re-entrant: a handler may call `t` again on its own thread.
        self._txn_lock = threading.RLock()

    # ------------------------------------------------------------------ entry points
    def call(
        self,
        target: Any,
        args: Any,
        kind: str,
        *,
        identity: dict[str, Any] | None,
        namespace: str = "",
        inline_kind: str | None = None,
    ) -> Any:
        """Run ``target`` as a top-level call of ``kind`` (from ``t``, scheduler, crons...).

        ``inline_kind`` allows a plain callable ``fn(ctx)`` run as that kind (``t.run``).
        """
        return self._run(target, args, kind, namespace, identity, None, 0, inline_kind)

    def call_nested(self, parent: Frame, target: Any, args: Any, kind: str) -> Any:
        """Run ``target`` from inside ``parent`` (``ctx.run_query`` and friends)."""
        if kind not in _ALLOWED_CALLS[parent.kind]:
            raise errors.ConvexTestError(
                errors.CANNOT_CALL.format(callee=kind, caller=_caller_name(parent.kind))
            )
        depth = parent.depth + 1
        if depth > MAX_CALL_DEPTH:
            raise errors.ConvexTestError(
                errors.CALL_DEPTH.format(limit=MAX_CALL_DEPTH, path=_describe(target))
            )
        return self._run(target, args, kind, parent.namespace, parent.identity, parent, depth, None)

    # ------------------------------------------------------------------ core
    def _run(
        self,
        target: Any,
        args: Any,
        kind: str,
        namespace: str,
        identity: dict[str, Any] | None,
        parent: Frame | None,
        depth: int,
        inline_kind: str | None,
    ) -> Any:
        backend = self.backend
        fdef, namespace, path = backend.resolve_function(
            target, namespace, inline_ok=parent is None, nested=parent is not None
        )
        if fdef is None:
            # An inline handler fn(ctx) (t.query(fn), t.run(fn)).
            handler: Callable[..., Any] = target
            args_validator = returns_validator = None
            call_args: Any = None
        else:
            if fdef.kind != kind:
                raise errors.ConvexTestError(
                    errors.WRONG_KIND.format(
                        path=path, expected=_KIND_TITLES[kind], actual=_KIND_TITLES[fdef.kind]
                    )
                )
            handler = fdef.handler
            args_validator = fdef.args_validator
            returns_validator = fdef.returns_validator
            if parent is not None and parent.namespace != namespace:
                identity = None  # components never see the caller's identity
            # An HTTP action gets the httpx.Request as is (it has no args validator).
            call_args = (
                args
                if kind == "http_action"
                else self._prepare_args(args, args_validator, namespace)
            )

        parent_txn = parent.txn if parent is not None else None
        savepoint: int | None = None
        if kind == "query":
            if parent_txn is not None and parent.kind in ("query", "mutation"):  # type: ignore[union-attr]
                txn = parent_txn
            else:
                txn = self._begin(read_only=True)
        elif kind == "mutation":
            if parent_txn is not None and parent.kind == "mutation":  # type: ignore[union-attr]
                txn = parent_txn
                savepoint = txn.savepoint()
            else:
                txn = self._begin(read_only=False)
                if inline_kind == "run":
                    # t.run seeds and inspects data: no per-transaction limits.
                    txn.limits = _NO_LIMITS
        else:
            txn = None
        owns_txn = txn is not None and txn is not parent_txn

        try:
            frame = Frame(self, kind, namespace, identity, txn, depth, path, inline_kind == "run")
            ctx = backend.make_ctx(frame)
            try:
                clock = backend.clock
                clock.enter_pin()  # `with clock.pinned():` without the context manager calls
                try:
                    if fdef is None:
                        # An inline fn(ctx) that cannot take ctx is the caller's mistake.
                        result = call_callback(
                            handler, ctx, what="The inline function", form="fn(ctx)"
                        )
                    else:
                        result = handler(ctx, call_args) if fdef.accepts_args else handler(ctx)
                    if type(result) not in _PLAIN_TYPES and inspect.isawaitable(result):
                        result = _drive(result)
                finally:
                    clock.exit_pin()
                if kind == "http_action":
                    pass  # an httpx.Response, which the HTTP transport checks and serves
                elif fdef is None:
                    result = _convert_result(result)
                else:
                    result = self._prepare_result(result, returns_validator, namespace, path)
            except BaseException as exc:
                if txn is not None:
                    if owns_txn:
                        txn.rollback()
                    elif savepoint is not None:
                        txn.rollback_to(savepoint)
                _decorate(exc, path)
                raise
            if owns_txn:
                if kind == "mutation":
                    txn.commit()
                else:
                    txn.rollback()
            return result
        finally:
            if owns_txn:
                self._txn_lock.release()

    def _begin(self, *, read_only: bool) -> Any:
        """Open a top-level transaction, holding the backend's transaction lock."""
        self._txn_lock.acquire()
        try:
            return self.backend.store.begin(read_only=read_only)
        except BaseException:
            self._txn_lock.release()
            raise

    def _prepare_args(self, args: Any, validator: Any, namespace: str) -> Any:
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise errors.ArgumentValidationError(
                errors.ARGS_NOT_OBJECT.format(value=_display(args))
            )
        if validator is None:
            return convert(args)
        try:
            return validator.validate(args, tables=self.backend.table_resolver(namespace))
        except errors.ArgumentValidationError:
            raise
        except errors.ValidationError as exc:
            raise errors.ArgumentValidationError(str(exc)) from None

    def _prepare_result(self, result: Any, validator: Any, namespace: str, path: str) -> Any:
        if validator is None:
            return _convert_result(result)
        if _looks_like_query(result):
            raise errors.ConvexTestError(errors.RETURNED_QUERY)
        try:
            return validator.validate(result, tables=self.backend.table_resolver(namespace))
        except errors.ReturnsValidationError:
            raise
        except errors.ValidationError as exc:
            raise errors.ReturnsValidationError(str(exc)) from None


def _convert_result(result: Any) -> Any:
    if result is None:
        return None
    if _looks_like_query(result):
        raise errors.ConvexTestError(errors.RETURNED_QUERY)
    return convert(result)


def _looks_like_query(value: Any) -> bool:
    if type(value) in _PLAIN_TYPES:
        return False
    return hasattr(value, "collect") and hasattr(value, "paginate") and hasattr(value, "take")


def _display(value: Any) -> str:
    from convex_test.values.display import display_value

    return display_value(value)


def _caller_name(kind: str) -> str:
    return "HTTP action" if kind == "http_action" else kind


def _describe(target: Any) -> str:
    path = getattr(target, "path", None)
    return str(path) if path else repr(target)


def _decorate(exc: BaseException, path: str) -> None:
    """Note the innermost Convex function an exception escaped from, and copy its data."""
    if isinstance(exc, errors.ConvexError) and not isinstance(exc, errors.InvalidCursorError):
        try:
            exc.data = convert(exc.data) if exc.data is not None else None
        except errors.ConvexTestError as bad:
            exc.data = None
            exc.args = (errors.CONVEX_ERROR_INVALID_DATA.format(reason=bad),)
    if getattr(exc, "_convex_test_noted", False):
        return
    try:
        exc.add_note(f"(raised in Convex function {path})")
        exc._convex_test_noted = True  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # exotic exception types without __dict__
        pass


def _drive(awaitable: Any) -> Any:
    """Run an awaitable to completion from synchronous code.

    When an event loop is already running in this thread (an async test calling ``t``, or
    an async action running another async action), the awaitable runs on a fresh loop in
    a helper thread, so ``t`` methods work from sync and async code alike.
    """

    import asyncio  # lazily: asyncio costs ~15 ms of `import convex_test`

    async def _wrap() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_wrap())
    outcome: dict[str, Any] = {}

    def _target() -> None:
        try:
            outcome["value"] = asyncio.run(_wrap())
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=_target, name="convex_test-async")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
