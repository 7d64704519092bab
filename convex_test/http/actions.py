"""Wiring ``t.fetch`` / ``t.http_client()`` to a backend: router, storage and runner.

The harness builds its transports here; the runner executes each routed handler as an
``http_action`` (an action ctx, the caller's identity, no transaction of its own).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from convex_test.http.router import HttpRouter

if TYPE_CHECKING:
    import httpx

    from convex_test.engine.backend import Backend
    from convex_test.http.transport import ConvexAsyncHttpTransport, ConvexHttpTransport

__all__ = ["app_router", "as_http_action", "async_transport_for", "send", "transport_for"]

#: ``invoke(handler, request)``: runs one routed HTTP action (the harness's ``_call``).
Invoke = Callable[[Any, "httpx.Request"], Any]


def as_http_action(handler: Any) -> Any:
    """The routed ``handler`` as a function definition the runner can execute.

    ``@http_action`` definitions pass through (a definition of another kind is left for
    the runner to reject, naming both kinds); a plain ``(ctx, request)`` callable is
    wrapped, so small test routers need no decorator.
    """
    from convex_test.functions import FunctionDefinition, http_action

    if isinstance(handler, FunctionDefinition):
        return handler
    return http_action(handler)


def app_router(backend: Backend) -> HttpRouter | None:
    """The app's ``http.py`` router, or ``None`` when it has none."""
    loaded = backend.namespace("").loaded
    router: HttpRouter | None = getattr(loaded, "http", None) if loaded is not None else None
    return router


def _options(backend: Backend, raise_errors: bool) -> dict[str, Any]:
    """The transport options of ``backend``: its site URL, storage and request IDs."""
    files = backend.files
    return {
        "site_url": files.site_url,
        "raise_errors": raise_errors,
        "storage": files,
        "request_ids": files.request_ids,
    }


def transport_for(
    backend: Backend, invoke: Invoke, *, raise_errors: bool = False
) -> ConvexHttpTransport:
    """A sync transport serving ``backend``'s HTTP actions and storage URLs."""
    from convex_test.http.transport import ConvexHttpTransport

    return ConvexHttpTransport(app_router(backend), invoke, **_options(backend, raise_errors))


def send(transport: ConvexHttpTransport, request: httpx.Request) -> httpx.Response:
    """Send ``request`` straight through ``transport`` (``t.fetch``), timed like a client."""
    started = time.perf_counter()
    response = transport.handle_request(request)
    response.elapsed = timedelta(seconds=time.perf_counter() - started)
    return response


def async_transport_for(
    backend: Backend, invoke: Invoke, *, raise_errors: bool = False
) -> ConvexAsyncHttpTransport:
    """The async twin of :func:`transport_for` (for an ``httpx.AsyncClient``)."""
    from convex_test.http.transport import ConvexAsyncHttpTransport

    return ConvexAsyncHttpTransport(app_router(backend), invoke, **_options(backend, raise_errors))
