"""Every error class and every error text of convex_test lives here.

Texts follow the real Convex backend's wording (see docs/divergences.md where they
differ).  Helpers below build the messages so that callers never format them ad hoc.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = [
    "ArgumentValidationError",
    "ConvexError",
    "ConvexTestError",
    "InvalidCursorError",
    "InvalidIdError",
    "ReturnsValidationError",
    "SchemaDefinitionError",
    "SchemaValidationError",
    "UnsupportedValueError",
    "ValidationError",
    "did_you_mean",
]


class ConvexError(Exception):
    """An application error carrying Convex-serialisable ``data`` (like JS ``ConvexError``)."""

    data: Any

    def __init__(self, data: Any = None) -> None:
        self.data = data
        super().__init__(_convex_error_message(data))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.data,))


def _convex_error_message(data: Any) -> str:
    if isinstance(data, str):
        return data
    try:
        from convex_test.values.json import to_json_compatible

        return json.dumps(to_json_compatible(data), separators=(",", ":"))
    except Exception:
        return repr(data)


class ConvexTestError(Exception):
    """Base class of every error the engine itself raises."""


class UnsupportedValueError(ConvexTestError):
    """A Python value that has no Convex counterpart, or breaks a value limit."""


class ValidationError(ConvexTestError):
    """A value that does not match a validator (bare, outside args/returns/schema)."""


class ArgumentValidationError(ValidationError):
    """Function arguments do not match the function's ``args`` validator."""


class ReturnsValidationError(ValidationError):
    """A function's return value does not match its ``returns`` validator."""


class SchemaValidationError(ValidationError):
    """A write does not match the schema, or targets a table missing from it."""


class SchemaDefinitionError(ConvexTestError):
    """An invalid validator, table or schema definition."""


class InvalidIdError(ConvexTestError):
    """A malformed document ID, or the ID of another table where a table is given."""


class InvalidCursorError(ConvexTestError, ConvexError):
    """A garbled pagination cursor, or a cursor of another query.

    Like the real backend this is also a :class:`ConvexError` whose data is
    ``{"isConvexSystemError": True, "paginationError": "InvalidCursor"}``.
    """

    def __init__(self, message: str) -> None:
        self.data = {"isConvexSystemError": True, "paginationError": "InvalidCursor"}
        Exception.__init__(self, message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),))


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return `` Did you mean `x`?`` for the closest candidate, or ``""``.

    Never guesses silently: the hint only decorates an error message.
    """
    choices = [c for c in candidates if c != name]
    if not choices:
        return ""
    from rapidfuzz import fuzz, process, utils

    best = process.extractOne(
        name, choices, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=60
    )
    if best is None:
        return ""
    return f" Did you mean `{best[0]}`?"


# ---------------------------------------------------------------------------
# Message templates (Convex wording).  Keep every engine-raised text here.
# ---------------------------------------------------------------------------

UNSUPPORTED_TYPE = "{value} is not a supported Convex type{path}."
NOT_STRING_KEY = "Convex object keys must be strings, got {key}{path}."
INT_OUT_OF_FLOAT_RANGE = (
    "Integer {value} is outside the range of a Convex Float64 (-2^53 to 2^53){path}. "
    "Consider using Int64(...) and a v.int64() validator for 64-bit integers."
)
INT64_OUT_OF_RANGE = "Int64 value {value} does not fit in a signed 64-bit integer."
INT64_NOT_INT = "Int64 requires an int, got {value!r}."
FIELD_STARTS_WITH_DOLLAR = "Field name {name} starts with '$', which is reserved{path}."
FIELD_NOT_ASCII = (
    "Field name {name} has invalid character {char!r}: Field names can only contain "
    "non-control ASCII characters{path}."
)
FIELD_TOO_LONG = "Field name {name} is too long (length {length} > maximum length 1024){path}."
LONE_SURROGATE = "String {value} is not valid UTF-8 (it contains a lone surrogate){path}."
ARRAY_TOO_LONG = "Array length is too long ({length} > maximum length 8192){path}."
TOO_MANY_FIELDS = "Object has too many fields ({count} > maximum number 1024){path}."
TOO_NESTED = "Value is too nested (nested {depth} levels deep > maximum nesting 64){path}."
DOCUMENT_TOO_NESTED = "Document is too nested (nested {depth} levels deep > maximum nesting 16)"
VALUE_TOO_LARGE = "Value is too large ({size} > maximum size 1 MiB)"
UNDERSCORE_FIELD = (
    "Field '{name}' starts with an underscore, which is only allowed for system fields "
    "like '_id'"
)
INVALID_DOCUMENT = "{value} isn't a valid document: {reason}"
