"""The ``ctx`` objects handed to each kind of function.

| kind      | ctx                                                                   |
|-----------|-----------------------------------------------------------------------|
| query     | db (reader), auth, storage (reader), run_query                        |
| mutation  | db (writer), auth, storage (writer), scheduler, run_query, run_mutation |
| action    | run_query, run_mutation, run_action, scheduler, auth, storage, vector_search |

Using what a kind lacks raises a :class:`~convex_test.errors.ConvexTestError` naming the
kind instead of an ``AttributeError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convex_test import errors
from convex_test._guards import checked_arity

if TYPE_CHECKING:
    from convex_test.engine.execution import Frame

_HINTS: dict[str, str] = {
    "db": "Actions have no database access: use ctx.run_query / ctx.run_mutation.",
    "scheduler": "Schedule functions from a mutation or an action.",
    "vector_search": "Vector search is only available in actions.",
}

_KIND_TITLE = {
    "query": "query",
    "mutation": "mutation",
    "action": "action",
    "http_action": "HTTP action",
}


@checked_arity("ctx")
class _BaseCtx:
    """Shared behaviour: ``auth``, ``run_query`` and clear errors for missing members."""

    _frame: Frame
    auth: Any

    def __getattr__(self, name: str) -> Any:
        if name == "meta":
            # Convex has it; the mock does not (SPEC §13: unsupported -> NotImplementedError).
            raise NotImplementedError(errors.CTX_META_UNSUPPORTED)
        if name in _HINTS:
            kind = _KIND_TITLE.get(self._frame.kind, self._frame.kind)
            raise errors.ConvexTestError(
                errors.CTX_MISSING.format(
                    name=name,
                    article="an" if kind[0] in "aeiouAEIOU" or kind.startswith("HTTP") else "a",
                    kind=kind,
                    hint=_HINTS[name],
                )
            )
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def run_query(self, ref: Any, args: Any = None) -> Any:
        """Run a query (in the caller's transaction inside queries and mutations)."""
        return self._frame.runner.call_nested(self._frame, ref, args, "query")

    def run_mutation(self, ref: Any, args: Any = None) -> Any:
        """Not allowed here: Convex only lets mutations and actions run mutations."""
        raise errors.ConvexTestError(
            errors.CANNOT_CALL.format(callee="mutation", caller=self._frame.kind)
        )

    def run_action(self, ref: Any, args: Any = None) -> Any:
        """Not allowed here: only actions may run actions (mutations may schedule them)."""
        raise errors.ConvexTestError(
            errors.CANNOT_CALL.format(callee="action", caller=self._frame.kind)
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._frame.path}>"


@checked_arity("ctx")
class QueryCtx(_BaseCtx):
    """``ctx`` of a query: read-only database, auth, storage reader, ``run_query``."""

    def __init__(self, frame: Frame, db: Any, auth: Any, storage: Any) -> None:
        self._frame = frame
        self.db = db
        self.auth = auth
        if storage is not None:
            self.storage = storage


@checked_arity("ctx")
class MutationCtx(_BaseCtx):
    """``ctx`` of a mutation: database writer, auth, storage, scheduler, nested calls."""

    def __init__(self, frame: Frame, db: Any, auth: Any, storage: Any, scheduler: Any) -> None:
        self._frame = frame
        self.db = db
        self.auth = auth
        if storage is not None:
            self.storage = storage
        if scheduler is not None:
            self.scheduler = scheduler

    def run_mutation(self, ref: Any, args: Any = None) -> Any:
        """Run a mutation as a sub-transaction: if it raises, only its writes roll back."""
        return self._frame.runner.call_nested(self._frame, ref, args, "mutation")


@checked_arity("ctx")
class ActionCtx(_BaseCtx):
    """``ctx`` of an action or HTTP action: no ``db``; each ``run_*`` is its own transaction."""

    def __init__(
        self, frame: Frame, auth: Any, storage: Any, scheduler: Any, vector_search: Any
    ) -> None:
        self._frame = frame
        self.auth = auth
        if storage is not None:
            self.storage = storage
        if scheduler is not None:
            self.scheduler = scheduler
        if vector_search is not None:
            self.vector_search = vector_search

    def run_mutation(self, ref: Any, args: Any = None) -> Any:
        """Run a mutation in its own transaction."""
        return self._frame.runner.call_nested(self._frame, ref, args, "mutation")

    def run_action(self, ref: Any, args: Any = None) -> Any:
        """Run another action."""
        return self._frame.runner.call_nested(self._frame, ref, args, "action")
