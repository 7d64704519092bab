"""v.array(v.float64()) takes a one-pass fast path for lists of plain floats; same results."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convex_test import Int64, v
from convex_test.errors import ValidationError
from convex_test.values import values_equal

FLOATS = v.array(v.float64())


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50))
def test_float_lists_come_back_as_equal_copies(items: list[float]) -> None:
    out = FLOATS.validate(items)
    assert out is not items
    assert values_equal(out, items)
    assert all(type(x) is float for x in out)


def test_tuples_become_lists() -> None:
    assert FLOATS.validate((1.0, -0.0, math.inf)) == [1.0, -0.0, math.inf]


@pytest.mark.parametrize(
    ("items", "path", "shown"),
    [
        ([1.0, True], "[1]", "true"),
        ([1.0, 2.0, Int64(3)], "[2]", "3"),
        (["x"], "[0]", '"x"'),
    ],
)
def test_non_floats_still_fail_with_their_path(items: list[Any], path: str, shown: str) -> None:
    with pytest.raises(ValidationError) as info:
        FLOATS.validate(items)
    assert f"Path: {path}\nValue: {shown}\n" in str(info.value)


def test_plain_ints_still_take_the_checked_path() -> None:
    assert FLOATS.validate([1, 2.5]) == [1, 2.5]
