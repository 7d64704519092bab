"""Backend-style display of values (values/display.py): the Rust Debug forms."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test.values import UNDEFINED, Int64
from convex_test.values.display import display_value, format_float


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (5.0, "5.0"),
        (-0.0, "-0.0"),
        (0.1, "0.1"),
        (float("nan"), "NaN"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (1.5e300, "1.5e300"),
        (0.0001, "0.0001"),
        (1e-05, "1e-5"),
        (-2.5e-7, "-2.5e-7"),
        (5e-324, "5e-324"),
    ],
)
def test_format_float_is_rust_debug(x: float, text: str) -> None:
    assert format_float(x) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (UNDEFINED, "undefined"),
        (True, "true"),
        (Int64(5), "5"),
        (5, "5.0"),
        ("plain", '"plain"'),
        ('q"b\\', '"q\\"b\\\\"'),
        ("t\tn\nz\x00c\x01d\x7f", '"t\\tn\\nz\\0c\\u{1}d\\u{7f}"'),
        ("it's é \U0001f600", '"it\'s é \U0001f600"'),
        ("e\u0301", '"e\\u{301}"'),  # combining mark
        (b"hi", 'b"aGk="'),
        ([1, "a", [None]], '[1.0, "a", [null]]'),
        ({"b": 1, "a": {"d": True, "c": b""}}, '{a: {c: b"", d: true}, b: 1.0}'),
    ],
)
def test_display_value(value: Any, text: str) -> None:
    assert display_value(value) == text
