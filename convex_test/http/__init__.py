"""HTTP actions: the router of ``http.py`` and the in-process transport behind ``t.fetch``."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from convex_test.http.router import ROUTABLE_HTTP_METHODS, HttpRouter

#: The site URL of the mock deployment: HTTP actions, upload URLs and file URLs live here.
DEFAULT_SITE_URL = "https://convex.test.site"

if TYPE_CHECKING:
    from convex_test.http.transport import (
        ConvexAsyncHttpTransport,
        ConvexHttpTransport,
        StorageEndpoints,
        build_request,
        make_async_client,
        make_client,
    )

__all__ = [
    "DEFAULT_SITE_URL",
    "ROUTABLE_HTTP_METHODS",
    "ConvexAsyncHttpTransport",
    "ConvexHttpTransport",
    "HttpRouter",
    "StorageEndpoints",
    "build_request",
    "make_async_client",
    "make_client",
]

# The transport pulls in httpx; user code that only defines routes (http.py) skips it.
_TRANSPORT_NAMES = frozenset(__all__) - {"DEFAULT_SITE_URL", "HttpRouter", "ROUTABLE_HTTP_METHODS"}


def __getattr__(name: str) -> Any:
    if name not in _TRANSPORT_NAMES:
        raise AttributeError(f"module 'convex_test.http' has no attribute {name!r}")
    value = getattr(importlib.import_module("convex_test.http.transport"), name)
    globals()[name] = value
    return value
