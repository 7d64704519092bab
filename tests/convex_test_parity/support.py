"""Helpers shared by the parity tests."""

from __future__ import annotations

from typing import Any

from convex_test.values.types import type_name


def matches(actual: Any, expected: Any) -> bool:
    """vitest's ``toMatchObject``: dicts match as subsets, lists element by element.

    Scalars compare by Convex type and value, so ``Int64(1)`` does not match ``1.0`` and
    ``True`` does not match ``1``.
    """
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(matches(a, e) for a, e in zip(actual, expected))
        )
    return typed(actual) == typed(expected)


def typed(value: Any) -> tuple[str, Any]:
    """A value with its Convex type, for comparisons that must not mix types."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (type_name(value), value)
    return (type(value).__name__, value)
