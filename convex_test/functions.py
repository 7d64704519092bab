"""Convex functions: the decorators, ``FunctionDefinition``, references and the registry.

A functions module declares functions with the decorators::

    @mutation(args={"body": v.string()})
    def send(ctx, args): ...

and code names them with references: the function object itself, a path string
(``"messages:send"``; a bare ``"messages"`` means its ``default`` export) or an attribute
chain on :data:`api`, :data:`internal` or :data:`components` (``api.messages.send``,
``api.admin.users.ban`` -> ``"admin/users:ban"``).  :func:`function_name` turns any of
these into ``(component_path, function_path)``; :class:`FunctionRegistry` maps the
paths of one namespace (the app or a component) to their definitions.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import re
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, TypeAlias, overload

from convex_test import errors
from convex_test._guards import checked_arity, checked_call

if TYPE_CHECKING:
    from convex_test.schema.validators import Validator

__all__ = [
    "KIND_DISPLAY_NAMES",
    "AppDefinition",
    "ComponentUse",
    "FunctionDefinition",
    "FunctionKind",
    "FunctionReference",
    "FunctionRegistry",
    "Visibility",
    "action",
    "api",
    "check_component_path",
    "check_kind",
    "components",
    "define_app",
    "function_name",
    "http_action",
    "internal",
    "internal_action",
    "internal_mutation",
    "internal_query",
    "mutation",
    "normalize_function_path",
    "query",
    "reference_scope",
    "resolve_function",
]

FunctionKind: TypeAlias = Literal["query", "mutation", "action", "http_action"]
Visibility: TypeAlias = Literal["public", "internal"]
Handler: TypeAlias = Callable[..., Any]
ArgsSpec: TypeAlias = "Mapping[str, Validator] | Validator | None"

KIND_DISPLAY_NAMES: Final[Mapping[str, str]] = {
    "query": "Query",
    "mutation": "Mutation",
    "action": "Action",
    "http_action": "HttpAction",
}
"""How Convex spells each kind in its messages (``Trying to execute ... as Query``)."""

_READ_ONLY: Final = frozenset(
    {
        "kind",
        "visibility",
        "handler",
        "args_validator",
        "returns_validator",
        "is_async",
        "accepts_args",
    }
)


def _describe(value: Any) -> str:
    """A short, never-failing description of an arbitrary object for error texts."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{text} ({type(value).__name__})"


# ---------------------------------------------------------------------------
# FunctionDefinition and the decorators
# ---------------------------------------------------------------------------


class FunctionDefinition:
    """A registered Convex function: what ``@query``, ``@mutation``, ... return.

    Not callable: run it through ``t.query(...)`` or ``ctx.run_query(...)`` (the plain
    function stays available as :attr:`handler`).  All fields are read-only except
    :attr:`path`, which discovery sets to the first path the function is exported under.
    """

    kind: FunctionKind
    visibility: Visibility
    handler: Handler
    args_validator: Validator | None
    returns_validator: Validator | None
    is_async: bool
    accepts_args: bool
    """False when the handler takes only ``ctx`` (like JS ``handler: async (ctx) => ...``);
    the runner then calls ``handler(ctx)`` instead of ``handler(ctx, args)``."""
    path: str | None
    __name__: str
    __qualname__: str
    __wrapped__: Handler

    def __init__(
        self,
        kind: FunctionKind,
        visibility: Visibility,
        handler: Handler,
        *,
        args_validator: Validator | None = None,
        returns_validator: Validator | None = None,
    ) -> None:
        if kind not in KIND_DISPLAY_NAMES:
            raise errors.SchemaDefinitionError(f"Unknown function kind {kind!r}.")
        if visibility not in ("public", "internal"):
            raise errors.SchemaDefinitionError(f"Unknown function visibility {visibility!r}.")
        accepts_args = _check_handler(kind, handler)
        init = object.__setattr__
        init(self, "kind", kind)
        init(self, "visibility", visibility)
        init(self, "handler", handler)
        init(self, "args_validator", args_validator)
        init(self, "returns_validator", returns_validator)
        init(self, "is_async", _is_async(handler))
        init(self, "accepts_args", accepts_args)
        init(self, "path", None)
        # functools.update_wrapper without copying the handler's __dict__ (which could
        # shadow our fields).
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            with contextlib.suppress(AttributeError):
                init(self, attr, getattr(handler, attr))
        init(self, "__wrapped__", handler)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _READ_ONLY:
            raise AttributeError(f"FunctionDefinition.{name} is read-only")
        object.__setattr__(self, name, value)
        FunctionRegistry.generation = next(_GENERATIONS)  # its resolution may change

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FunctionDefinition.{name} cannot be deleted")

    @property
    def display_kind(self) -> str:
        """``Query``, ``Mutation``, ``Action`` or ``HttpAction``."""
        return KIND_DISPLAY_NAMES[self.kind]

    @property
    def label(self) -> str:
        """The path when registered, else the handler's qualified name."""
        if self.path is not None:
            return self.path
        return str(getattr(self, "__qualname__", None) or getattr(self, "__name__", "<handler>"))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.kind == "http_action":
            how = "Route it with an HttpRouter in http.py and call it with t.fetch(...)."
        else:
            method = self.kind
            ref = f'"{self.path}"' if self.path is not None else "ref"
            how = (
                f"Use t.{method}({ref}, args) in tests or ctx.run_{method}(...) inside a "
                "Convex function."
            )
        raise errors.ConvexTestError(
            errors.FUNCTION_CALLED_DIRECTLY.format(
                function=self.label, kind=self.kind.replace("_", " "), how=how
            )
        )

    def __repr__(self) -> str:
        prefix = "internal_" if self.visibility == "internal" else ""
        where = self.path if self.path is not None else f"{self.label} (unregistered)"
        return f"<{prefix}{self.kind} {where}>"


def _is_async(handler: Handler) -> bool:
    if inspect.iscoroutinefunction(handler):
        return True
    if inspect.isfunction(handler) or inspect.ismethod(handler):
        return False
    # A callable object whose __call__ is ``async def``.
    return inspect.iscoroutinefunction(type(handler).__call__)


def _check_handler(kind: FunctionKind, handler: Any) -> bool:
    """Validate the handler and return whether it takes the ``args`` parameter."""
    if not callable(handler) or inspect.isclass(handler) or isinstance(handler, FunctionDefinition):
        if isinstance(handler, FunctionDefinition):
            raise errors.SchemaDefinitionError(
                f"{handler!r} is already a Convex function; decorate the plain function once."
            )
        raise errors.SchemaDefinitionError(
            errors.HANDLER_NOT_CALLABLE.format(
                kind=kind.replace("_", " "), value=_describe(handler)
            )
        )
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):
        return True  # builtins and C callables: assume (ctx, args)
    try:
        signature.bind(object(), object())
        return True
    except TypeError:
        pass
    if kind != "http_action":
        try:
            signature.bind(object())
            return False
        except TypeError:
            pass
    params = "(ctx, request)" if kind == "http_action" else "(ctx, args) or (ctx)"
    name = getattr(handler, "__qualname__", None) or type(handler).__name__
    raise errors.SchemaDefinitionError(
        errors.HANDLER_BAD_SIGNATURE.format(
            kind=kind.replace("_", " "), params=params, name=name, signature=signature
        )
    )


def _object_validator(spec: Mapping[Any, Any], what: str) -> Validator:
    from convex_test.schema.validators import Validator, v

    fields: dict[str, Validator] = {}
    for key, value in spec.items():
        if not isinstance(key, str):
            raise errors.SchemaDefinitionError(
                f"{what} field names must be strings, got {_describe(key)}."
            )
        if not isinstance(value, Validator):
            raise errors.SchemaDefinitionError(
                errors.ARGS_FIELD_NOT_VALIDATOR.format(what=what, field=key, value=_describe(value))
            )
        fields[key] = value
    return v.object(fields)


def _args_validator(spec: Any) -> Validator | None:
    from convex_test.schema.validators import Validator

    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return _object_validator(spec, "args")
    if (
        isinstance(spec, Validator)
        and getattr(spec, "kind", None) in ("object", "any")
        and not spec.is_optional
    ):
        return spec
    raise errors.SchemaDefinitionError(
        errors.ARGS_NOT_OBJECT_VALIDATOR.format(value=_describe(spec))
    )


def _returns_validator(spec: Any) -> Validator | None:
    from convex_test.schema.validators import Validator

    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return _object_validator(spec, "returns")
    if isinstance(spec, Validator):
        return spec
    raise errors.SchemaDefinitionError(errors.RETURNS_NOT_VALIDATOR.format(value=_describe(spec)))


@checked_arity("", call=lambda decorator: decorator._name)
class _FunctionDecorator:
    """``query``, ``mutation``, ...: a bare decorator, a decorator factory or a function.

    ``@query``, ``@query(args=..., returns=...)``, ``query(fn)`` and
    ``query(args=..., handler=fn)`` all return a :class:`FunctionDefinition`.
    """

    __slots__ = ("_kind", "_name", "_visibility")

    def __init__(self, name: str, kind: FunctionKind, visibility: Visibility) -> None:
        self._name = name
        self._kind: FunctionKind = kind
        self._visibility: Visibility = visibility

    @overload
    def __call__(
        self, fn: Handler, /, *, args: ArgsSpec = None, returns: ArgsSpec = None
    ) -> FunctionDefinition: ...

    @overload
    def __call__(
        self,
        fn: None = None,
        /,
        *,
        args: ArgsSpec = None,
        returns: ArgsSpec = None,
        handler: Handler,
    ) -> FunctionDefinition: ...

    @overload
    def __call__(
        self, fn: None = None, /, *, args: ArgsSpec = None, returns: ArgsSpec = None
    ) -> Callable[[Handler], FunctionDefinition]: ...

    def __call__(
        self,
        fn: Any = None,
        /,
        *,
        args: Any = None,
        returns: Any = None,
        handler: Any = None,
    ) -> FunctionDefinition | Callable[[Handler], FunctionDefinition]:
        if fn is not None and handler is not None:
            raise errors.SchemaDefinitionError(
                f"{self._name}() got the handler twice (positionally and as handler=)."
            )
        if fn is not None and not callable(fn):
            raise errors.SchemaDefinitionError(
                f"{self._name}() takes the handler function as its only positional argument, "
                f"got {_describe(fn)}. Pass validators by keyword: "
                f"{self._name}(args={{...}}, returns=...)."
            )
        if self._kind == "http_action" and (args is not None or returns is not None):
            raise errors.SchemaDefinitionError(
                "http_action takes no args/returns validators: its handler receives (ctx, request)."
            )
        args_validator = _args_validator(args)
        returns_validator = _returns_validator(returns)
        target = fn if fn is not None else handler
        if target is not None:
            return self._define(target, args_validator, returns_validator)

        def decorate(func: Handler) -> FunctionDefinition:
            return self._define(func, args_validator, returns_validator)

        return decorate

    def _define(
        self, handler: Any, args_validator: Validator | None, returns_validator: Validator | None
    ) -> FunctionDefinition:
        return FunctionDefinition(
            self._kind,
            self._visibility,
            handler,
            args_validator=args_validator,
            returns_validator=returns_validator,
        )

    def __repr__(self) -> str:
        return f"<convex_test.{self._name}>"


query: Final = _FunctionDecorator("query", "query", "public")
mutation: Final = _FunctionDecorator("mutation", "mutation", "public")
action: Final = _FunctionDecorator("action", "action", "public")
internal_query: Final = _FunctionDecorator("internal_query", "query", "internal")
internal_mutation: Final = _FunctionDecorator("internal_mutation", "mutation", "internal")
internal_action: Final = _FunctionDecorator("internal_action", "action", "internal")
http_action: Final = _FunctionDecorator("http_action", "http_action", "public")


def check_kind(fdef: FunctionDefinition, expected: FunctionKind, path: str | None = None) -> None:
    """Raise ``Trying to execute P as Query, but it is defined as Mutation.`` on a mismatch."""
    if fdef.kind != expected:
        raise errors.ConvexTestError(
            errors.WRONG_KIND.format(
                path=path if path is not None else fdef.label,
                expected=KIND_DISPLAY_NAMES[expected],
                actual=KIND_DISPLAY_NAMES[fdef.kind],
            )
        )


# ---------------------------------------------------------------------------
# Paths and references
# ---------------------------------------------------------------------------

_COMPONENT_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def normalize_function_path(path: Any) -> str:
    """Canonical ``"module/path:export"`` form of a path string.

    A bare ``"messages"`` names the ``default`` export; a ``.py``/``.js`` suffix on the
    module is dropped (Convex prints ``messages.js:send`` in some places).
    """
    if not isinstance(path, str):
        raise errors.ConvexTestError(errors.INVALID_FUNCTION_NAME.format(value=_describe(path)))
    module, sep, export = path.partition(":")
    if not sep:
        export = "default"
    for suffix in (".py", ".js"):
        if module.endswith(suffix):
            module = module[: -len(suffix)]
            break
    parts = module.split("/")
    if (
        not export
        or ":" in export
        or "/" in export
        or any(not p or p.startswith(".") or p != p.strip() for p in parts)
        or export != export.strip()
    ):
        raise errors.ConvexTestError(errors.INVALID_FUNCTION_PATH.format(path=_quote(path)))
    return f"{module}:{export}"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _join(base: str, rest: str) -> str:
    return f"{base}/{rest}" if base else rest


def check_component_path(component: Any) -> str:
    """``component`` if it is ``""`` (the app) or names joined by ``/``, else an error."""
    if not isinstance(component, str) or (
        component and not all(_COMPONENT_NAME.match(p) for p in component.split("/"))
    ):
        raise errors.ConvexTestError(
            f'Invalid component path {_describe(component)}: expected "" (the app) or '
            'names joined by "/", e.g. "counter" or "counter/shards".'
        )
    return component


_Root: TypeAlias = Literal["api", "internal", "components", "explicit"]

_MAX_CACHED_CHILDREN: Final = 1024
# Values of FunctionRegistry.generation (next() on a count is atomic, unlike +=).
_GENERATIONS: Final = itertools.count(1)


class FunctionReference:
    """A reference to a Convex function.

    Built by attribute chains on :data:`api` / :data:`internal` (relative to the calling
    namespace: inside a component they name the component's own functions) and
    :data:`components` (``components.<name>.<module...>.<export>``, children of the
    calling namespace), or directly as ``FunctionReference("lib:add", component="counter")``
    (an absolute component path).  Every public attribute name extends the chain, so the
    reference's own data is read with :func:`function_name`; names starting with ``_``
    never do (they raise ``AttributeError``), which keeps copy, pickle and introspection
    working.  References are immutable, hashable and compare by what they name.
    """

    # The instance ``__dict__`` holds only cached children (public names): see __getattr__.
    __slots__ = ("__dict__", "_component", "_hash", "_parts", "_path", "_root")

    _root: _Root
    _parts: tuple[str, ...]
    _component: str
    _path: str | None
    _hash: int | None

    def __init__(self, path: str, component: str = "") -> None:
        init = object.__setattr__
        init(self, "_root", "explicit")
        init(self, "_parts", ())
        init(self, "_component", check_component_path(component))
        init(self, "_path", normalize_function_path(path))
        init(self, "_hash", None)

    @classmethod
    def _chain(cls, root: _Root, parts: tuple[str, ...]) -> FunctionReference:
        ref = object.__new__(cls)
        init = object.__setattr__
        init(ref, "_root", root)
        init(ref, "_parts", parts)
        init(ref, "_component", "")
        init(ref, "_path", None)
        init(ref, "_hash", None)
        return ref

    def __getattr__(self, name: str) -> FunctionReference:
        # Only reached when normal lookup fails: a name that extends the chain.
        if name.startswith("_"):
            # Never repr(self) here: an unset slot lands here too, and repr reads slots.
            raise AttributeError(name)
        if self._root == "explicit":
            raise AttributeError(f"{self!r} has no attribute {name!r}")
        child = FunctionReference._chain(self._root, (*self._parts, name))
        # References are immutable, so the child is kept as a plain instance attribute:
        # the next `api.messages.send` finds it by normal lookup, without a new chain
        # (names starting with "_", the only class members, never land here).
        if type(name) is str and len(self.__dict__) < _MAX_CACHED_CHILDREN:
            object.__setattr__(self, name, child)
        return child

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("function references are immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("function references are immutable")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise errors.ConvexTestError(errors.REFERENCE_CALLED.format(ref=repr(self)))

    def _key(self) -> tuple[Any, ...]:
        if self._root == "explicit":
            return ("explicit", self._component, self._path)
        scope = "components" if self._root == "components" else "app"
        return (scope, self._parts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FunctionReference):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        # Cached: references are dict keys of the backends' resolution caches.
        value = self._hash
        if value is None:
            value = hash(self._key())
            object.__setattr__(self, "_hash", value)
        return value

    def __repr__(self) -> str:
        if self._root == "explicit":
            if self._component:
                return f"FunctionReference({self._path!r}, component={self._component!r})"
            return f"FunctionReference({self._path!r})"
        return ".".join((self._root, *self._parts))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_reference, (self._root, self._parts, self._component, self._path))


def reference_scope(ref: Any) -> Literal["api", "internal", "components", "explicit"] | None:
    """How a reference names its function: ``"api"``/``"internal"`` (the calling
    namespace), ``"components"`` (a child of it), ``"explicit"``
    (``FunctionReference(path, component=...)``, an absolute path); ``None`` when
    ``ref`` is not a :class:`FunctionReference`."""
    return ref._root if isinstance(ref, FunctionReference) else None


def _rebuild_reference(
    root: _Root, parts: tuple[str, ...], component: str, path: str | None
) -> FunctionReference:
    if root == "explicit":
        assert path is not None
        return FunctionReference(path, component)
    return FunctionReference._chain(root, parts)


api: Final = FunctionReference._chain("api", ())
"""References to the calling namespace's functions: ``api.messages.send``."""
internal: Final = FunctionReference._chain("internal", ())
"""Same as :data:`api` (tests and ``ctx.run_*`` may call internal functions)."""
components: Final = FunctionReference._chain("components", ())
"""References to child components' functions: ``components.counter.lib.add``."""


def _chain_path(ref: FunctionReference, parts: tuple[str, ...], form: str) -> str:
    if len(parts) < 2:
        raise errors.ConvexTestError(errors.REFERENCE_TOO_SHORT.format(ref=repr(ref), form=form))
    return normalize_function_path("/".join(parts[:-1]) + ":" + parts[-1])


def _resolve_component(
    ref: FunctionReference, current: str, component_paths: Collection[str] | None
) -> tuple[str, str]:
    parts = ref._parts
    form = "components.<name>.<module>.<function>"
    if len(parts) < 3:
        raise errors.ConvexTestError(errors.REFERENCE_TOO_SHORT.format(ref=repr(ref), form=form))
    if component_paths is None:
        split = 1
    else:
        known = set(component_paths)
        # Longest registered prefix wins, leaving at least "<module>.<function>".
        for split in range(len(parts) - 2, 0, -1):
            if _join(current, "/".join(parts[:split])) in known:
                break
        else:
            name = _join(current, parts[0])
            hint = errors.did_you_mean(name, [p for p in known if p])
            raise errors.ConvexTestError(errors.COMPONENT_NOT_REGISTERED.format(name=name) + hint)
    return _join(current, "/".join(parts[:split])), _chain_path(ref, parts[split:], form)


def function_name(
    fn: Any, *, current: str = "", component_paths: Collection[str] | None = None
) -> tuple[str, str]:
    """``(component_path, function_path)`` of anything that names a function.

    ``current`` is the namespace the name is used from ("" = the app): path strings,
    ``api.*``/``internal.*`` references and function objects resolve there,
    ``components.*`` to its children.  With ``component_paths`` (every registered
    namespace) a ``components`` chain picks the longest registered component prefix;
    without it the first attribute is the component.
    """
    if isinstance(fn, FunctionReference):
        if fn._root == "explicit":
            assert fn._path is not None
            return fn._component, fn._path
        if fn._root == "components":
            return _resolve_component(fn, current, component_paths)
        return current, _chain_path(fn, fn._parts, f"{fn._root}.<module>.<function>")
    if isinstance(fn, FunctionDefinition):
        if fn.path is None:
            raise errors.ConvexTestError(
                errors.FUNCTION_NOT_REGISTERED.format(function=repr(fn), where="")
            )
        return current, fn.path
    if isinstance(fn, str):
        return current, normalize_function_path(fn)
    raise errors.ConvexTestError(errors.INVALID_FUNCTION_NAME.format(value=_describe(fn)))


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------


class FunctionRegistry:
    """The functions of one namespace (the app ``""`` or a component), by path."""

    generation: ClassVar[int] = 0
    """Bumped by every :meth:`register` of any registry (and by setting an attribute of
    a :class:`FunctionDefinition`): the backends' caches of resolved names compare it
    to know whether their answers may have changed."""

    def __init__(self, namespace: str = "", *, source: str | None = None) -> None:
        self.namespace = check_component_path(namespace)
        self.source = source
        """Where the functions came from (the functions directory), for error texts."""
        self._by_path: dict[str, FunctionDefinition] = {}
        self._canonical: dict[FunctionDefinition, str] = {}

    def register(self, path: str, fdef: FunctionDefinition) -> None:
        """Register ``fdef`` under ``path``; the first path of an object is its canonical one."""
        if not isinstance(fdef, FunctionDefinition):
            raise errors.ConvexTestError(
                f"Only Convex functions can be registered, got {_describe(fdef)}."
            )
        path = normalize_function_path(path)
        existing = self._by_path.get(path)
        if existing is not None and existing is not fdef:
            raise errors.ConvexTestError(
                f'Function path "{path}" is already registered to {existing!r}.'
            )
        self._by_path[path] = fdef
        self._canonical.setdefault(fdef, path)
        if fdef.path is None:
            fdef.path = path
        FunctionRegistry.generation = next(_GENERATIONS)

    def get(self, path: str) -> FunctionDefinition | None:
        return self._by_path.get(normalize_function_path(path))

    def path_of(self, fdef: FunctionDefinition) -> str | None:
        """The canonical path of a registered function object, else ``None``."""
        return self._canonical.get(fdef)

    def resolve(
        self, fn: Any, *, component_paths: Collection[str] | None = None
    ) -> FunctionDefinition:
        """The definition ``fn`` names in this namespace, or a ``ConvexTestError``."""
        return self.resolve_with_path(fn, component_paths=component_paths)[1]

    def resolve_with_path(
        self, fn: Any, *, component_paths: Collection[str] | None = None
    ) -> tuple[str, FunctionDefinition]:
        """Like :meth:`resolve`, also returning the function's path in this namespace.

        That is the path named (a re-export keeps its own path, as in Convex), or the
        canonical path when ``fn`` is the function object itself.
        """
        if isinstance(fn, FunctionDefinition):
            path = self._canonical.get(fn)
            if path is None:
                raise errors.ConvexTestError(
                    errors.FUNCTION_NOT_REGISTERED.format(function=repr(fn), where=self._where())
                )
            return path, fn
        component, path = function_name(fn, current=self.namespace, component_paths=component_paths)
        if component != self.namespace:
            raise errors.ConvexTestError(
                f"{fn!r} names a function of component {component!r}, not of "
                f"{self._namespace_label()}."
            )
        fdef = self._by_path.get(path)
        if fdef is None:
            raise errors.ConvexTestError(self._not_found(path))
        return path, fdef

    def _not_found(self, path: str) -> str:
        where = f' in component "{self.namespace}"' if self.namespace else ""
        hint = errors.did_you_mean(path, self._by_path)
        if not self._by_path:
            hint = " No functions are registered" + (
                f" (functions directory: {self.source})." if self.source else "."
            )
        return errors.FUNCTION_NOT_FOUND.format(path=path, where=where, hint=hint)

    def _where(self) -> str:
        return f" of component {self.namespace!r}" if self.namespace else ""

    def _namespace_label(self) -> str:
        return f"component {self.namespace!r}" if self.namespace else "the app"

    check_kind = staticmethod(check_kind)

    def paths(self) -> list[str]:
        """Every registered path, sorted."""
        return sorted(self._by_path)

    def items(self) -> list[tuple[str, FunctionDefinition]]:
        return [(p, self._by_path[p]) for p in self.paths()]

    def __contains__(self, item: object) -> bool:
        if isinstance(item, FunctionDefinition):
            return item in self._canonical
        if isinstance(item, str):
            try:
                return normalize_function_path(item) in self._by_path
            except errors.ConvexTestError:
                return False
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths())

    def __len__(self) -> int:
        return len(self._by_path)

    def __repr__(self) -> str:
        return f"<FunctionRegistry {self._namespace_label()}: {len(self)} functions>"


def resolve_function(
    fn: Any, registries: Mapping[str, FunctionRegistry], *, current: str = ""
) -> tuple[str, str, FunctionDefinition]:
    """Resolve ``fn`` against every namespace: ``(component_path, path, definition)``.

    ``registries`` maps each registered namespace ("" = the app) to its registry.  A
    function object is looked up in ``current`` first, then in the other namespaces (a
    test may call a component's function object directly).
    """
    if isinstance(fn, FunctionDefinition):
        order = [current, *sorted(n for n in registries if n != current)]
        for namespace in order:
            registry = registries.get(namespace)
            path = registry.path_of(fn) if registry is not None else None
            if registry is not None and path is not None:
                return namespace, path, fn
        raise errors.ConvexTestError(
            errors.FUNCTION_NOT_REGISTERED.format(function=repr(fn), where="")
        )
    component, path = function_name(fn, current=current, component_paths=registries.keys())
    registry = registries.get(component)
    if registry is None:
        hint = errors.did_you_mean(component, [n for n in registries if n])
        raise errors.ConvexTestError(errors.COMPONENT_NOT_REGISTERED.format(name=component) + hint)
    path, fdef = registry.resolve_with_path(path)
    return component, path, fdef


# ---------------------------------------------------------------------------
# convex_config.py: define_app()
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentUse:
    """One ``app.use(name, modules=..., schema=...)`` of a ``convex_config.py``."""

    name: str
    modules: Any
    schema: Any = None
    base_dir: Path | None = None
    """Directory of the file that called ``use``; relative ``modules`` paths start here."""

    def resolved_modules(self) -> Any:
        """``modules`` with a relative directory path resolved against :attr:`base_dir`.

        Anything else (a dotted package name, a module object, an absolute path, a path
        that is not a directory there) is returned unchanged.
        """
        if isinstance(self.modules, (str, Path)) and self.base_dir is not None:
            candidate = Path(self.modules)
            if not candidate.is_absolute() and (self.base_dir / candidate).is_dir():
                return (self.base_dir / candidate).resolve()
        return self.modules


class AppDefinition:  # not @checked_arity: use() reads its caller's frame
    """What ``define_app()`` returns: the components an app (or component) mounts."""

    def __init__(self) -> None:
        self._uses: dict[str, ComponentUse] = {}

    def use(self, name: str, *, modules: Any, schema: Any = None) -> ComponentUse:
        """Mount the component in ``modules`` (a directory, package name or package) as ``name``."""
        if not isinstance(name, str) or not _COMPONENT_NAME.match(name):
            raise errors.SchemaDefinitionError(errors.INVALID_COMPONENT_NAME.format(name=name))
        if name in self._uses:
            raise errors.SchemaDefinitionError(errors.DUPLICATE_COMPONENT_NAME.format(name=name))
        caller_file = sys._getframe(1).f_globals.get("__file__")
        base_dir = Path(caller_file).resolve().parent if isinstance(caller_file, str) else None
        use = ComponentUse(name=name, modules=modules, schema=schema, base_dir=base_dir)
        self._uses[name] = use
        return use

    @property
    def components(self) -> list[ComponentUse]:
        """The mounted components, in ``use`` order."""
        return list(self._uses.values())

    def __repr__(self) -> str:
        return f"<AppDefinition components={list(self._uses)}>"


@checked_call("define_app")
def define_app() -> AppDefinition:
    """Start a ``convex_config.py``: ``app = define_app(); app.use("counter", modules=...)``."""
    return AppDefinition()
