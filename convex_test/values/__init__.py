"""Convex values in Python: the type mapping, the total order, sizes, limits and JSON."""

from convex_test.values.order import compare, sort_key, values_equal
from convex_test.values.types import (
    UNDEFINED,
    Int64,
    UndefinedType,
    Value,
    convert,
    copy_value,
    type_name,
)

__all__ = [
    "UNDEFINED",
    "Int64",
    "UndefinedType",
    "Value",
    "compare",
    "convert",
    "copy_value",
    "sort_key",
    "type_name",
    "values_equal",
]
