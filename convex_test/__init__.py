"""convex_test: a fast, faithful in-memory mock of the Convex backend for pytest."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it.  Loaded lazily so `import convex_test` stays light.
_EXPORTS: dict[str, str] = {
    "ConvexError": "convex_test.errors",
    "ConvexTestError": "convex_test.errors",
    "ArgumentValidationError": "convex_test.errors",
    "ReturnsValidationError": "convex_test.errors",
    "SchemaValidationError": "convex_test.errors",
    "SchemaDefinitionError": "convex_test.errors",
    "ValidationError": "convex_test.errors",
    "UnsupportedValueError": "convex_test.errors",
    "InvalidIdError": "convex_test.errors",
    "InvalidCursorError": "convex_test.errors",
    "Int64": "convex_test.values",
    "UNDEFINED": "convex_test.values",
    "v": "convex_test.schema.validators",
    "define_schema": "convex_test.schema.definition",
    "define_table": "convex_test.schema.definition",
    "query": "convex_test.functions",
    "mutation": "convex_test.functions",
    "action": "convex_test.functions",
    "internal_query": "convex_test.functions",
    "internal_mutation": "convex_test.functions",
    "internal_action": "convex_test.functions",
    "http_action": "convex_test.functions",
    "api": "convex_test.functions",
    "internal": "convex_test.functions",
    "components": "convex_test.functions",
    "define_app": "convex_test.functions",
    "HttpRouter": "convex_test.http.router",
    "cron_jobs": "convex_test.scheduler.crons",
    "pagination_opts_validator": "convex_test.engine.pagination",
    "convex_test": "convex_test.harness",
    "ConvexTest": "convex_test.harness",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'convex_test' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = sorted(_EXPORTS)
