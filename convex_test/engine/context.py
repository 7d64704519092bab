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

from typing import TYPE_CHECKING, Any, ClassVar

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
    # Members built on first use (most functions never touch them): the backend makes
    # them for this frame and they stay as plain attributes.
    _LAZY: ClassVar[frozenset[str]] = frozenset()

    def __getattr__(self, name: str) -> Any:
        if name in self._LAZY:
            frame = self._frame
            value = frame.runner.backend.ctx_member(frame, name)
            self.__dict__[name] = value
            return value
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

    _LAZY = frozenset({"storage"})

    def __init__(self, frame: Frame, db: Any, auth: Any) -> None:
        self._frame = frame
        self.db = db
        self.auth = auth


@checked_arity("ctx")
class MutationCtx(_BaseCtx):
    """``ctx`` of a mutation: database writer, auth, storage, scheduler, nested calls."""

    _LAZY = frozenset({"storage", "scheduler"})

    def __init__(self, frame: Frame, db: Any, auth: Any) -> None:
        self._frame = frame
        self.db = db
        self.auth = auth

    def run_mutation(self, ref: Any, args: Any = None) -> Any:
        """Run a mutation as a sub-transaction: if it raises, only its writes roll back."""
        return self._frame.runner.call_nested(self._frame, ref, args, "mutation")


@checked_arity("ctx")
class ActionCtx(_BaseCtx):
    """``ctx`` of an action or HTTP action: no ``db``; each ``run_*`` is its own transaction."""

    _LAZY = frozenset({"storage", "scheduler", "vector_search"})

    def __init__(self, frame: Frame, auth: Any) -> None:
        self._frame = frame
        self.auth = auth

    def run_mutation(self, ref: Any, args: Any = None) -> Any:
        """Run a mutation in its own transaction."""
        return self._frame.runner.call_nested(self._frame, ref, args, "mutation")

    def run_action(self, ref: Any, args: Any = None) -> Any:
        """Run another action."""
        return self._frame.runner.call_nested(self._frame, ref, args, "action")
