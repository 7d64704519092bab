"""The Convex size formula and the document limits (values/size.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given

from convex_test.errors import UnsupportedValueError
from convex_test.ids import IdGenerator
from convex_test.values import UNDEFINED, Int64
from convex_test.values.size import (
    MAX_DOCUMENT_SIZE,
    check_document,
    format_size,
    measure,
    value_size,
)
from tests.values.value_strategies import convex_values

ID = IdGenerator().new_id(10001)
SYSTEM = {"_id": ID, "_creationTime": 1735689600000.0}
SYSTEM_SIZE = (3 + 1 + 2 + len(ID)) + (13 + 1 + 9)  # key + separator + value, twice


def _nested(depth: int) -> Any:
    value: Any = 1.0
    for _ in range(depth):
        value = {"n": value}
    return value


def _reference_size(v: Any) -> int:
    if v is None or isinstance(v, bool):
        return 1
    if isinstance(v, (int, float)):
        return 9
    if isinstance(v, str):
        return 2 + len(v.encode("utf-8"))
    if isinstance(v, bytes):
        return 2 + len(v)
    if isinstance(v, list):
        return 2 + sum(_reference_size(x) for x in v)
    return 2 + sum(len(k) + 1 + _reference_size(x) for k, x in v.items())


def _reference_nesting(v: Any) -> int:
    if isinstance(v, list):
        return 1 + max((_reference_nesting(x) for x in v), default=0)
    if isinstance(v, dict):
        return 1 + max((_reference_nesting(x) for x in v.values()), default=0)
    return 0


@pytest.mark.parametrize(
    ("value", "size"),
    [
        (None, 1),
        (True, 1),
        (False, 1),
        (Int64(2**62), 9),
        (1.5, 9),
        (7, 9),
        (float("nan"), 9),
        ("", 2),
        ("abc", 5),
        ("é", 4),
        ("\U0001f600", 6),
        (b"", 2),
        (b"\x00\xff", 4),
        ([], 2),
        ([None, 1.0], 12),
        ({}, 2),
        ({"a": None}, 5),
        ({"ab": [True]}, 2 + 2 + 1 + 3),
        ({"a": UNDEFINED, "b": None}, 5),  # undefined fields do not count
        ((1, 2), 20),
        (bytearray(b"xyz"), 5),
    ],
    ids=repr,
)
def test_value_size(value: Any, size: int) -> None:
    assert value_size(value) == size


@given(convex_values)
def test_size_and_nesting_match_the_recursive_formula(value: Any) -> None:
    assert measure(value) == (_reference_size(value), _reference_nesting(value))


def test_measure_counts_nesting() -> None:
    assert measure([]) == (2, 1)
    assert measure([[], [[1.0]]]) == (2 + 2 + 2 + 2 + 9, 3)
    assert measure(_nested(64))[1] == 64


@pytest.mark.parametrize("depth", [65, 100_000])
def test_measure_is_depth_bounded(depth: int) -> None:
    with pytest.raises(UnsupportedValueError, match="nested 65 levels deep"):
        value_size(_nested(depth))


def test_measure_stops_cycles() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(UnsupportedValueError, match="too nested"):
        value_size(cycle)


@pytest.mark.parametrize("bad", [{1, 2}, [object()], {1: 2}])
def test_measure_rejects_non_convex_values(bad: Any) -> None:
    with pytest.raises(UnsupportedValueError):
        value_size(bad)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1 KiB"),
        (1536, "1.50 KiB"),
        (1 << 20, "1 MiB"),
        ((1 << 20) + 1, "1.00 MiB"),
        (int(1.125 * (1 << 20)), "1.12 MiB"),  # ties round to even, like Rust
        (3 * (1 << 20) // 2, "1.50 MiB"),
        (5 << 30, "5 GiB"),
    ],
)
def test_format_size(n: int, text: str) -> None:
    assert format_size(n) == text


class TestCheckDocument:
    def test_accepts_a_normal_document(self) -> None:
        check_document({**SYSTEM, "name": "x", "nested": {"_private": [1, {"_ok": 2}]}})

    def test_accepts_a_document_without_system_fields(self) -> None:
        check_document({"a": 1})

    def test_rejects_underscore_fields(self) -> None:
        doc = {**SYSTEM, "_x": 1.0, "ok": True}
        with pytest.raises(UnsupportedValueError) as info:
            check_document(doc, table="users")
        message = str(info.value)
        assert message == (
            f'Document(value: {{_creationTime: 1735689600000.0, _id: "{ID}", _x: 1.0, ok: true}})'
            " isn't a valid document: Field '_x' starts with an underscore, which is only "
            "allowed for system fields like '_id'"
        )

    def test_nesting_limit_counts_the_document(self) -> None:
        check_document({**SYSTEM, "a": _nested(15)})  # 1 + 15 = 16 levels
        with pytest.raises(
            UnsupportedValueError,
            match=re.escape(
                "isn't a valid document: Document is too nested "
                "(nested 17 levels deep > maximum nesting 16)"
            ),
        ):
            check_document({**SYSTEM, "a": _nested(16)})

    def test_reports_every_violation(self) -> None:
        with pytest.raises(UnsupportedValueError) as info:
            check_document({"_b": 1, "_a": _nested(20)})
        reason = str(info.value).split(" isn't a valid document: ", 1)[1]
        assert reason.split("\n ") == [
            "Document is too nested (nested 21 levels deep > maximum nesting 16)",
            "Field '_a' starts with an underscore, which is only allowed for system fields "
            "like '_id'",
            "Field '_b' starts with an underscore, which is only allowed for system fields "
            "like '_id'",
        ]

    def test_size_limit_includes_system_fields(self) -> None:
        overhead = 2 + (1 + 1) + 2  # object delimiters, key "s" + separator, string delimiters
        payload = "x" * (MAX_DOCUMENT_SIZE - overhead - SYSTEM_SIZE)
        doc = {**SYSTEM, "s": payload}
        assert value_size(doc) == MAX_DOCUMENT_SIZE
        check_document(doc)
        too_big = {**SYSTEM, "s": payload + "x"}
        with pytest.raises(
            UnsupportedValueError,
            match=re.escape("Value is too large (1.00 MiB > maximum size 1 MiB)"),
        ):
            check_document(too_big)
        # The same user fields fit without the system fields.
        check_document({"s": payload + "x" * SYSTEM_SIZE})

    def test_size_counts_utf8_bytes(self) -> None:
        with pytest.raises(UnsupportedValueError, match="Value is too large"):
            check_document({"s": "é" * (MAX_DOCUMENT_SIZE // 2)})

    def test_validity_is_checked_before_size(self) -> None:
        with pytest.raises(UnsupportedValueError, match="starts with an underscore"):
            check_document({"_x": "x" * (2 * MAX_DOCUMENT_SIZE)})

    @pytest.mark.parametrize("bad", [[1], "doc", None])
    def test_rejects_non_objects(self, bad: Any) -> None:
        with pytest.raises(UnsupportedValueError, match="isn't a valid document"):
            check_document(bad)

    def test_deep_or_cyclic_input_raises_cleanly(self) -> None:
        doc: dict[str, Any] = {}
        doc["me"] = doc
        with pytest.raises(UnsupportedValueError, match="too nested"):
            check_document(doc)
        with pytest.raises(UnsupportedValueError, match="too nested"):
            check_document({"a": _nested(100_000)})
