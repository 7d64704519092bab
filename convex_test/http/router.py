"""``HttpRouter``: the routing table of a deployment's HTTP actions (``convex/http.py``).

Follows convex-js ``server/router.ts``: exact ``path`` routes and ``path_prefix`` routes
per method; lookup tries the exact path first, then the longest matching prefix; HEAD is
looked up as GET.  Unlike JS, methods are accepted in any case (stored upper-case).
"""

from __future__ import annotations

from typing import Any

from convex_test import errors
from convex_test._guards import checked_arity
from convex_test.errors import ConvexTestError
from convex_test.values.display import safe_repr, shown

__all__ = ["ROUTABLE_HTTP_METHODS", "HttpRouter"]

#: Methods a route may be registered for.  HEAD is served by the GET route.
ROUTABLE_HTTP_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
_ROUTABLE = frozenset(ROUTABLE_HTTP_METHODS)
_RESERVED = "/.files"


@checked_arity("http")
class HttpRouter:
    """The routes of a deployment's HTTP actions.

    ``handler`` is kept opaque (an ``@http_action`` definition or a plain callable); the
    function runner resolves and calls it.
    """

    __slots__ = ("_exact", "_prefixes")

    def __init__(self) -> None:
        # path -> method -> handler
        self._exact: dict[str, dict[str, Any]] = {}
        # method -> prefix -> handler
        self._prefixes: dict[str, dict[str, Any]] = {}

    def route(
        self,
        *,
        path: str | None = None,
        path_prefix: str | None = None,
        method: str,
        handler: Any,
    ) -> None:
        """Route ``method`` requests for ``path`` (exact) or ``path_prefix`` to ``handler``.

        A prefix must start and end with ``/`` and matches every path beginning with it.
        """
        # Same check order as convex-js, so the first error reported is the same one.
        if handler is None:
            raise ConvexTestError(errors.ROUTE_REQUIRES_HANDLER)
        if method is None or method == "":
            raise ConvexTestError(errors.ROUTE_REQUIRES_METHOD)
        normalized = method.upper() if isinstance(method, str) else method
        if not isinstance(normalized, str) or normalized not in _ROUTABLE:
            raise ConvexTestError(
                errors.ROUTE_METHOD_NOT_ALLOWED.format(
                    method=normalized if isinstance(normalized, str) else safe_repr(normalized)
                )
            )
        if path is not None and path_prefix is not None:
            raise ConvexTestError(errors.ROUTE_PATH_AND_PREFIX)
        if path is not None:
            self._add_exact(path, normalized)
            self._exact.setdefault(path, {})[normalized] = handler
        elif path_prefix is not None:
            self._add_prefix(path_prefix, normalized)
            self._prefixes.setdefault(normalized, {})[path_prefix] = handler
        else:
            raise ConvexTestError(errors.ROUTE_NO_PATH)

    def _add_exact(self, path: object, method: str) -> None:
        if not isinstance(path, str):
            raise ConvexTestError(errors.ROUTE_NOT_STRING.format(field="path", value=shown(path)))
        if not path.startswith("/"):
            raise ConvexTestError(errors.ROUTE_PATH_NO_SLASH.format(path=path))
        if path == _RESERVED or path.startswith(_RESERVED + "/"):
            raise ConvexTestError(errors.ROUTE_PATH_RESERVED.format(path=path))
        if method in self._exact.get(path, {}):
            raise ConvexTestError(errors.ROUTE_PATH_IN_USE.format(path=path, method=method))

    def _add_prefix(self, prefix: object, method: str) -> None:
        if not isinstance(prefix, str):
            raise ConvexTestError(
                errors.ROUTE_NOT_STRING.format(field="path_prefix", value=shown(prefix))
            )
        if not prefix.startswith("/"):
            raise ConvexTestError(errors.ROUTE_PREFIX_NO_SLASH.format(prefix=prefix))
        if not prefix.endswith("/"):
            raise ConvexTestError(errors.ROUTE_PREFIX_NO_TRAILING_SLASH.format(prefix=prefix))
        if prefix.startswith(_RESERVED + "/"):
            raise ConvexTestError(errors.ROUTE_PREFIX_RESERVED.format(prefix=prefix))
        if prefix in self._prefixes.get(method, {}):
            raise ConvexTestError(errors.ROUTE_PREFIX_IN_USE.format(method=method, prefix=prefix))

    def lookup(self, path: str, method: str) -> tuple[Any, str] | None:
        """Return ``(handler, routed_path)`` for a URL pathname and method, or ``None``.

        ``routed_path`` is the exact path, or ``"<prefix>*"`` for a prefix route (as in
        convex-js, where it names the route in logs).  An exact path registered only for
        other methods falls through to the prefixes.
        """
        if not isinstance(path, str) or not isinstance(method, str):
            return None
        method = method.upper()
        if method == "HEAD":
            method = "GET"
        handler = self._exact.get(path, {}).get(method)
        if handler is not None:
            return handler, path
        prefixes = self._prefixes.get(method)
        if not prefixes:
            return None
        # Every prefix ends with "/", so the candidates are the path cut just after each
        # "/": walk them from the longest down.  Cost is O(len(path)), not O(#routes).
        end = len(path)
        while (slash := path.rfind("/", 0, end)) >= 0:
            candidate = path[: slash + 1]
            handler = prefixes.get(candidate)
            if handler is not None:
                return handler, candidate + "*"
            end = slash
        return None

    def get_routes(self) -> list[tuple[str, str, Any]]:
        """Return every route as ``(path, method, handler)``, like convex-js ``getRoutes``.

        Exact routes come first (sorted by path, then method), then prefix routes (sorted
        by method, then prefix) written ``"<prefix>*"``.
        """
        exact = [
            (path, method, methods[method])
            for path, methods in sorted(self._exact.items())
            for method in sorted(methods)
        ]
        prefixed = [
            (prefix + "*", method, prefixes[prefix])
            for method, prefixes in sorted(self._prefixes.items())
            for prefix in sorted(prefixes)
        ]
        return exact + prefixed

    def __repr__(self) -> str:
        routes = ", ".join(f"{method} {path}" for path, method, _ in self.get_routes())
        return f"HttpRouter([{routes}])"
