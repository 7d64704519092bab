"""``Backend``: the one object that owns all state of an in-memory Convex deployment.

It holds the engine clock, the document store (tables, indexes, IDs), the function
registries of the app and of every mounted component, and the runner.  Each
``convex_test(...)`` call builds a new one; nothing is shared between backends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from convex_test import errors
from convex_test.auth import Auth
from convex_test.discovery import LoadedApp, load_modules
from convex_test.engine.context import ActionCtx, MutationCtx, QueryCtx
from convex_test.engine.database import DatabaseReader, DatabaseWriter
from convex_test.engine.execution import CallRecord, Frame, Runner
from convex_test.engine.store import Store
from convex_test.functions import (
    AppDefinition,
    FunctionDefinition,
    FunctionReference,
    FunctionRegistry,
    check_component_path,
    reference_scope,
    resolve_function,
)
from convex_test.scheduler.clock import Clock
from convex_test.scheduler.jobs import CtxScheduler, Scheduler
from convex_test.schema.definition import SchemaDefinition
from convex_test.search.action import vector_search_for
from convex_test.storage import Files, storage_for
from convex_test.values.display import safe_repr

_MAX_RESOLVED = 4096
_Resolved: TypeAlias = tuple[FunctionDefinition | None, str, str]


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
        start_ms = _start_ms(start_time)
        self.clock = Clock(start_ms)
        self.store = Store(self.clock)
        # File storage of every namespace; also the site's upload/file URL endpoints.
        self.files = Files(self.store, self.clock)
        self.runner = Runner(self)
        # Scheduled functions and cron jobs of every namespace.
        self.scheduler = Scheduler(self)
        self.capture_output = capture_output
        self.calls: list[CallRecord] = []
        self.namespaces: dict[str, Namespace] = {}
        self.registries: dict[str, FunctionRegistry] = {}
        # (target, namespace, nested, inline_ok) -> resolve_function's answer, for
        # references, path strings and function objects.  An answer stays right until a
        # namespace is mounted or a function is registered (FunctionRegistry.generation).
        self._resolved: dict[tuple[Any, str, bool, bool], _Resolved] = {}
        self._resolved_generation = -1
        loaded = load_modules(modules) if modules is not None else None
        if schema is None and loaded is not None:
            schema = loaded.schema
        self._mount("", schema, loaded)
        if loaded is not None and loaded.app is not None:
            # convex_config.py's app.use(...) mounts components (and theirs) automatically.
            self._use_components("", loaded.app)

    # ------------------------------------------------------------------ namespaces
    def _mount(self, path: str, schema: Any, loaded: LoadedApp | None) -> Namespace:
        if schema is not None and not isinstance(schema, SchemaDefinition):
            raise errors.SchemaDefinitionError(
                errors.SCHEMA_NOT_DEFINITION.format(value=safe_repr(schema))
            )
        self.store.add_namespace(path, schema)
        registry = loaded.registry if loaded is not None else FunctionRegistry()
        namespace = Namespace(path, registry, loaded)
        self.namespaces[path] = namespace
        self.registries[path] = registry
        self._resolved.clear()  # `components.*` may name the new namespace now
        self.scheduler.add_namespace(path, loaded.crons if loaded is not None else None)
        return namespace

    def namespace(self, path: str) -> Namespace:
        try:
            return self.namespaces[path]
        except (KeyError, TypeError):
            name = path if isinstance(path, str) else safe_repr(path)
            raise errors.ConvexTestError(
                errors.COMPONENT_NOT_REGISTERED.format(name=name)
                + errors.did_you_mean(name, [p for p in self.namespaces if p])
            ) from None

    def register_component(self, path: str, *, modules: Any, schema: Any = None) -> Namespace:
        """Mount the functions dir ``modules`` as the component ``path``.

        ``path`` is a name (``"counter"``) or, for a component of a component, the full
        path (``"counter/shards"``, whose parent must be registered first).  ``schema``
        defaults to the component's ``schema.py``.  The components its own
        ``convex_config.py`` uses are mounted under it (``"counter/<name>"``).
        """
        path = check_component_path(path)
        if not path:
            raise errors.ConvexTestError(errors.COMPONENT_PATH_EMPTY)
        if path in self.namespaces:
            raise errors.ConvexTestError(errors.COMPONENT_ALREADY_REGISTERED.format(path=path))
        parent = path.rpartition("/")[0]
        if parent and parent not in self.namespaces:
            raise errors.ConvexTestError(
                errors.COMPONENT_PARENT_NOT_REGISTERED.format(path=path, parent=parent)
            )
        loaded = load_modules(modules, namespace=path)
        namespace = self._mount(path, schema if schema is not None else loaded.schema, loaded)
        if loaded.app is not None:
            self._use_components(path, loaded.app)
        return namespace

    def _use_components(self, parent: str, app: AppDefinition) -> None:
        for use in app.components:
            self.register_component(
                _join(parent, use.name), modules=use.resolved_modules(), schema=use.schema
            )

    # ------------------------------------------------------------------ functions
    def resolve_function(
        self, target: Any, namespace: str, *, inline_ok: bool, nested: bool = False
    ) -> tuple[FunctionDefinition | None, str, str]:
        """Map anything that names a function to (definition, namespace, path).

        Returns ``(None, namespace, "<inline>")`` for an inline handler ``fn(ctx)``.  A
        decorated function that no functions dir exports runs directly when called from
        ``t`` (handy for testing a single function).  ``nested`` (a ``ctx.run_*`` call)
        applies the component boundary: there ``components.*`` reaches only the caller's
        own children, and only their public functions (tests are admin and may call any
        registered component's functions; ``FunctionReference(path, component=...)``
        works like a function handle and may name any function).
        """
        cls = type(target)
        if cls is FunctionReference or cls is str or cls is FunctionDefinition:
            resolved = self._resolved
            if self._resolved_generation != FunctionRegistry.generation:
                resolved.clear()
                self._resolved_generation = FunctionRegistry.generation
            key = (target, namespace, nested, inline_ok)
            hit = resolved.get(key)
            if hit is None:
                hit = self._resolve_uncached(target, namespace, inline_ok, nested)
                if len(resolved) >= _MAX_RESOLVED:
                    resolved.clear()
                resolved[key] = hit
            return hit
        return self._resolve_uncached(target, namespace, inline_ok, nested)

    def _resolve_uncached(
        self, target: Any, namespace: str, inline_ok: bool, nested: bool
    ) -> _Resolved:
        if isinstance(target, FunctionDefinition):
            registered = target.path is not None and any(
                ns.registry.path_of(target) is not None for ns in self.namespaces.values()
            )
            if not registered and inline_ok:
                return target, namespace, target.path or target.__name__
        elif not isinstance(target, (str, FunctionReference)):
            if callable(target) and inline_ok:
                return None, namespace, "<inline>"
            raise errors.ConvexTestError(errors.INLINE_NOT_CALLABLE.format(value=safe_repr(target)))
        return self._resolve(target, namespace, nested)

    def _resolve(
        self, target: Any, namespace: str, nested: bool
    ) -> tuple[FunctionDefinition, str, str]:
        registries: Mapping[str, FunctionRegistry] = self.registries
        via_components = nested and reference_scope(target) == "components"
        if via_components:
            registries = {
                p: r
                for p, r in self.registries.items()
                if p == namespace or p.rpartition("/")[0] == namespace
            }
        ns_path, path, fdef = resolve_function(target, registries, current=namespace)
        if via_components and fdef.visibility == "internal":
            raise errors.ConvexTestError(
                errors.COMPONENT_FUNCTION_INTERNAL.format(path=path, component=ns_path)
            )
        return fdef, ns_path, path

    def describe_target(self, target: Any) -> str:
        if isinstance(target, (str, FunctionReference)):
            return target if isinstance(target, str) else repr(target)
        path = getattr(target, "path", None)
        if path:
            return str(path)
        return "<inline>"

    def make_ctx(self, frame: Frame) -> Any:
        # ctx.storage, ctx.scheduler and ctx.vector_search are built on first use
        # (ctx_member), which most functions never make.
        kind = frame.kind
        if kind == "query":
            return QueryCtx(frame, DatabaseReader(frame.txn, frame.namespace), Auth(frame.identity))
        if kind == "mutation":
            return MutationCtx(
                frame, DatabaseWriter(frame.txn, frame.namespace), Auth(frame.identity)
            )
        return ActionCtx(frame, Auth(frame.identity))

    def ctx_member(self, frame: Frame, name: str) -> Any:
        """``ctx.storage``, ``ctx.scheduler`` or ``ctx.vector_search`` of ``frame``."""
        if name == "storage":
            return storage_for(self.files.namespace(frame.namespace), frame)
        if name == "scheduler":
            return CtxScheduler(self.scheduler, frame)
        if name == "vector_search":
            return vector_search_for(self.store, frame.namespace)
        raise AttributeError(name)

    def table_resolver(self, namespace: str) -> Any:
        return self.store.namespace(namespace).resolver


def _start_ms(start_time: Any) -> Any:
    """``start_time`` in ms; anything else is left for the clock to reject."""
    if isinstance(start_time, datetime):
        try:
            return start_time.timestamp() * 1000
        except (ValueError, OverflowError, OSError):
            pass  # outside the platform's range: Clock reports it
    return start_time


def _join(base: str, child: str) -> str:
    return f"{base}/{child}" if base else child
