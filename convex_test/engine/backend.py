"""``Backend``: the one object that owns all state of an in-memory Convex deployment.

It holds the engine clock, the document store (tables, indexes, IDs), the function
registries of the app and of every mounted component, and the runner.  Each
``convex_test(...)`` call builds a new one; nothing is shared between backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from convex_test import errors
from convex_test.discovery import LoadedApp, load_modules
from convex_test.engine.context import ActionCtx, MutationCtx, QueryCtx
from convex_test.engine.database import DatabaseReader, DatabaseWriter
from convex_test.engine.execution import CallRecord, Frame, Runner
from convex_test.engine.store import Store
from convex_test.functions import FunctionDefinition, FunctionReference, FunctionRegistry
from convex_test.scheduler.clock import Clock
from convex_test.storage import Files, storage_for


@dataclass(slots=True)
class Namespace:
    """The app (``path == ""``) or one mounted component."""

    path: str
    registry: FunctionRegistry
    loaded: LoadedApp | None


class Backend:
    """All state of one in-memory Convex backend."""

    def __init__(
        self,
        *,
        schema: Any = None,
        modules: Any = None,
        start_time: float | datetime | None = None,
        capture_output: bool = False,
    ) -> None:
        if isinstance(start_time, datetime):
            start_ms: float | None = start_time.timestamp() * 1000
        else:
            start_ms = None if start_time is None else float(start_time)
        self.clock = Clock(start_ms)
        self.store = Store(self.clock)
        # File storage of every namespace; also the site's upload/file URL endpoints.
        self.files = Files(self.store, self.clock)
        self.runner = Runner(self)
        self.capture_output = capture_output
        self.calls: list[CallRecord] = []
        self.namespaces: dict[str, Namespace] = {}
        loaded = load_modules(modules) if modules is not None else None
        if schema is None and loaded is not None:
            schema = loaded.schema
        self._mount("", schema, loaded)

    # ------------------------------------------------------------------ namespaces
    def _mount(self, path: str, schema: Any, loaded: LoadedApp | None) -> Namespace:
        self.store.add_namespace(path, schema)
        registry = loaded.registry if loaded is not None else FunctionRegistry()
        namespace = Namespace(path, registry, loaded)
        self.namespaces[path] = namespace
        return namespace

    def namespace(self, path: str) -> Namespace:
        try:
            return self.namespaces[path]
        except KeyError:
            name = path.rsplit("/", 1)[-1]
            raise errors.ConvexTestError(
                f'Component "{name}" is not registered. Call t.register_component(...)'
                + errors.did_you_mean(path, [p for p in self.namespaces if p])
            ) from None

    # ------------------------------------------------------------------ functions
    def resolve_function(
        self, target: Any, namespace: str, *, inline_ok: bool
    ) -> tuple[FunctionDefinition | None, str, str]:
        """Map anything that names a function to (definition, namespace, path).

        Returns ``(None, namespace, "<inline>")`` for an inline handler ``fn(ctx)``.
        """
        if isinstance(target, FunctionReference):
            ns_path = _join(namespace, target.component) if target.component else namespace
            ns = self.namespace(ns_path)
            fdef = ns.registry.resolve(target)
            return fdef, ns_path, target.path
        if isinstance(target, str):
            ns = self.namespace(namespace)
            fdef = ns.registry.resolve(target)
            return fdef, namespace, fdef.path or target
        if isinstance(target, FunctionDefinition):
            if target.path is not None:
                for candidate in (namespace, *self.namespaces):
                    ns = self.namespaces.get(candidate)
                    if ns is not None and target.path in ns.registry:
                        if ns.registry.resolve(target.path) is target:
                            return target, candidate, target.path
            if inline_ok:
                # A decorated function that no functions dir exports: run it directly.
                return target, namespace, target.path or target.__name__
            return self.namespace(namespace).registry.resolve(target), namespace, str(target.path)
        if callable(target) and inline_ok:
            return None, namespace, "<inline>"
        raise errors.ConvexTestError(errors.INLINE_NOT_CALLABLE.format(value=repr(target)))

    def describe_target(self, target: Any) -> str:
        if isinstance(target, FunctionReference):
            return target.path
        if isinstance(target, str):
            return target
        path = getattr(target, "path", None)
        if path:
            return str(path)
        return "<inline>"

    def make_ctx(self, frame: Frame) -> Any:
        auth = _Auth(frame.identity)
        storage = storage_for(self.files.namespace(frame.namespace), frame)
        if frame.kind == "query":
            return QueryCtx(frame, DatabaseReader(frame.txn, frame.namespace), auth, storage)
        if frame.kind == "mutation":
            return MutationCtx(
                frame, DatabaseWriter(frame.txn, frame.namespace), auth, storage, None
            )
        return ActionCtx(frame, auth, storage, None, None)

    def table_resolver(self, namespace: str) -> Any:
        return self.store.namespace(namespace).resolver

    def after_commit(self, namespace: str) -> None:
        """Hook run after a top-level mutation commits (nothing to do yet)."""


class _Auth:
    """``ctx.auth``."""

    __slots__ = ("_identity",)

    def __init__(self, identity: dict[str, Any] | None) -> None:
        self._identity = identity

    def get_user_identity(self) -> dict[str, Any] | None:
        """The caller's identity (a copy), or ``None`` when unauthenticated."""
        if self._identity is None:
            return None
        from convex_test.values.types import copy_value

        identity: dict[str, Any] = copy_value(self._identity)
        return identity


def _join(base: str, child: str) -> str:
    return f"{base}/{child}" if base else child
