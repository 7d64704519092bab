"""convex_test: a fast, faithful in-memory mock of the Convex backend for pytest.

Everything a test or an app module needs is importable from here; Hypothesis strategies
live in :mod:`convex_test.strategies`.  Heavy dependencies (numpy, hypothesis, rapidfuzz)
load lazily, on first use.
"""

from __future__ import annotations

from convex_test.engine.pagination import pagination_opts_validator
from convex_test.errors import (
    ArgumentValidationError,
    ConvexError,
    ConvexTestError,
    InvalidCursorError,
    InvalidIdError,
    ReturnsValidationError,
    SchemaDefinitionError,
    SchemaValidationError,
    UnsupportedValueError,
    ValidationError,
)
from convex_test.functions import (
    action,
    api,
    components,
    define_app,
    http_action,
    internal,
    internal_action,
    internal_mutation,
    internal_query,
    mutation,
    query,
)
from convex_test.harness import ConvexTest, convex_test
from convex_test.http.router import HttpRouter
from convex_test.scheduler.crons import cron_jobs
from convex_test.schema.definition import define_schema, define_table
from convex_test.schema.validators import v
from convex_test.values import UNDEFINED, Int64

__version__ = "0.1.0"

__all__ = [
    "UNDEFINED",
    "ArgumentValidationError",
    "ConvexError",
    "ConvexTest",
    "ConvexTestError",
    "HttpRouter",
    "Int64",
    "InvalidCursorError",
    "InvalidIdError",
    "ReturnsValidationError",
    "SchemaDefinitionError",
    "SchemaValidationError",
    "UnsupportedValueError",
    "ValidationError",
    "action",
    "api",
    "components",
    "convex_test",
    "cron_jobs",
    "define_app",
    "define_schema",
    "define_table",
    "http_action",
    "internal",
    "internal_action",
    "internal_mutation",
    "internal_query",
    "mutation",
    "pagination_opts_validator",
    "query",
    "v",
]
