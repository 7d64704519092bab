"""The Convex total order (values/order.py), checked against an independent reference."""

from __future__ import annotations

import functools
import math
import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convex_test.errors import UnsupportedValueError
from convex_test.values import UNDEFINED, Int64, compare, sort_key, values_equal
from convex_test.values.order import MAX_TAG, concat_sort_keys, float_key
from tests.values.value_strategies import convex_values


def _bits(x: float) -> int:
    value: int = struct.unpack("<Q", struct.pack("<d", x))[0]
    return value


def _float(bits: int) -> float:
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


NEG_NAN = _float(0xFFF8_0000_0000_0000)
NAN_PAYLOAD = _float(0x7FF8_0000_0000_0001)  # after the canonical NaN in totalOrder

# Strictly increasing in the Convex order: every type, and the tricky floats.
ORDERED: list[Any] = [
    UNDEFINED,
    None,
    Int64(-(2**63)),
    Int64(-1),
    Int64(0),
    Int64(1),
    Int64(2**53 + 1),
    Int64(2**63 - 1),
    NEG_NAN,
    float("-inf"),
    -1.7976931348623157e308,
    -1.0,
    -2.2250738585072014e-308,  # smallest normal
    -5e-324,  # subnormal
    -0.0,
    0.0,
    5e-324,
    2.2250738585072014e-308,
    0.5,
    1,  # a plain int is the Float64 1.0
    1.5,
    2**53,
    1.7976931348623157e308,
    float("inf"),
    float("nan"),
    NAN_PAYLOAD,
    False,
    True,
    "",
    "\x00",
    "A",
    "Z",
    "a",
    "ab",
    "b",
    "é",
    "\uffff",
    "\U0001f600",  # astral: after U+FFFF by code point (JS UTF-16 order would differ)
    b"",
    b"\x00",
    b"\x00\x00",
    b"\x01",
    b"\xff",
    [],
    [None],
    [Int64(5)],
    [-1.0],
    [1.0],
    [1.0, None],
    [1.0, 2.0],
    [2.0],
    [True],
    ["a"],
    [b""],
    [[]],
    [[None]],
    [{}],
    {},
    {"": None},
    {"a": None},
    {"a": Int64(9)},
    {"a": 1.0},
    {"a": 1.0, "b": 1.0},
    {"a": 1.0, "c": 0.0},
    {"a": 2.0},
    {"a": "x"},
    {"aa": None},
    {"b": None},
]


def test_ordered_fixture_is_sane() -> None:
    assert float_key(NEG_NAN) < float_key(float("-inf"))
    assert math.isnan(NEG_NAN) and math.copysign(1.0, NEG_NAN) < 0


@pytest.mark.parametrize("i", range(len(ORDERED)), ids=[repr(v)[:30] for v in ORDERED])
def test_every_pair_of_the_total_order(i: int) -> None:
    a = ORDERED[i]
    for j, b in enumerate(ORDERED):
        expected = (i > j) - (i < j)
        assert compare(a, b) == expected, (a, b)
        assert (sort_key(a) < sort_key(b)) == (i < j), (a, b)
        assert values_equal(a, b) == (i == j), (a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"b": 2, "a": 1}, {"a": 1, "b": 2}),
        (float("nan"), float("nan")),
        (1, 1.0),
        (Int64(3), Int64(3)),
        ((1, 2), [1.0, 2.0]),
        (bytearray(b"xy"), b"xy"),
        (memoryview(b"xy"), b"xy"),
        ({"k": (1, {"z": 1, "y": 2})}, {"k": [1.0, {"y": 2.0, "z": 1.0}]}),
    ],
)
def test_equal_values(a: Any, b: Any) -> None:
    assert values_equal(a, b)
    assert compare(a, b) == 0
    assert sort_key(a) == sort_key(b)
    assert hash(sort_key(a)) == hash(sort_key(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (Int64(1), 1.0),
        (Int64(0), 0),
        (-0.0, 0.0),
        (True, 1),
        (False, 0),
        (False, None),
        ("1", 1),
        (b"a", "a"),
        ([], {}),
        (NEG_NAN, float("nan")),
        (NAN_PAYLOAD, float("nan")),
        ({"a": None}, {}),
        ([None], []),
    ],
)
def test_unequal_values(a: Any, b: Any) -> None:
    assert not values_equal(a, b)
    assert compare(a, b) != 0
    assert compare(a, b) == -compare(b, a)


def test_int64_sorts_before_every_float64() -> None:
    assert compare(Int64(2**63 - 1), float("-inf")) < 0
    assert compare(Int64(1000), 0.5) < 0


def test_float_key_is_ieee_total_order() -> None:
    xs = [NEG_NAN, float("-inf"), -1.0, -5e-324, -0.0, 0.0, 5e-324, 1.0, float("inf")]
    keys = [float_key(x) for x in xs]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


@pytest.mark.parametrize("bad", [{1, 2}, object(), 10**400, {1: "a", "b": 2}, [{1, 2}]])
def test_sort_key_rejects_non_convex_values(bad: Any) -> None:
    with pytest.raises(UnsupportedValueError, match="is not a supported Convex type"):
        sort_key(bad)


# --- an independent reference, written from the spec, not from order.py -------------


def _rank(v: Any) -> int:
    if v is UNDEFINED:
        return 0
    if v is None:
        return 1
    if isinstance(v, bool):
        return 4
    if isinstance(v, Int64):
        return 2
    if isinstance(v, (int, float)):
        return 3
    if isinstance(v, str):
        return 5
    if isinstance(v, bytes):
        return 6
    if isinstance(v, list):
        return 7
    assert isinstance(v, dict)
    return 8


def _total_order_bits(x: float) -> int:
    bits = _bits(float(x))
    # Negative floats (sign bit set) sort in reverse bit order, below the positives.
    return -(bits & 0x7FFF_FFFF_FFFF_FFFF) - 1 if bits >> 63 else bits


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def ref_compare(a: Any, b: Any) -> int:
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return _cmp(ra, rb)
    if ra == 3:
        return _cmp(_total_order_bits(a), _total_order_bits(b))
    if ra == 5:
        return _cmp([ord(c) for c in a], [ord(c) for c in b])
    if ra == 7:
        for x, y in zip(a, b):
            c = ref_compare(x, y)
            if c:
                return c
        return _cmp(len(a), len(b))
    if ra == 8:
        pa, pb = sorted(a.items()), sorted(b.items())
        for (ka, va), (kb, vb) in zip(pa, pb):
            c = _cmp(ka.encode(), kb.encode()) or ref_compare(va, vb)
            if c:
                return c
        return _cmp(len(pa), len(pb))
    if ra in (0, 1):
        return 0
    return _cmp(a, b)  # int64, boolean, bytes compare natively


def test_reference_agrees_on_the_fixture() -> None:
    for i, a in enumerate(ORDERED):
        for j, b in enumerate(ORDERED):
            assert ref_compare(a, b) == _cmp(i, j), (a, b)


@given(convex_values, convex_values)
def test_compare_matches_reference(a: Any, b: Any) -> None:
    expected = ref_compare(a, b)
    assert compare(a, b) == expected
    assert values_equal(a, b) == (expected == 0)
    assert (sort_key(a) == sort_key(b)) == (expected == 0)


@given(convex_values, convex_values)
def test_antisymmetric(a: Any, b: Any) -> None:
    assert compare(a, b) == -compare(b, a)
    assert values_equal(a, b) == values_equal(b, a)


@given(convex_values, convex_values, convex_values)
def test_transitive(a: Any, b: Any, c: Any) -> None:
    x, y, z = sorted([a, b, c], key=sort_key)
    assert compare(x, y) <= 0 and compare(y, z) <= 0 and compare(x, z) <= 0
    if values_equal(x, y) and values_equal(y, z):
        assert values_equal(x, z)


@given(convex_values)
def test_reflexive_and_hash_consistent(a: Any) -> None:
    assert values_equal(a, a)
    assert compare(a, a) == 0
    assert hash(sort_key(a)) == hash(sort_key(a))


@given(st.lists(convex_values, max_size=8))
def test_sorting_by_key_equals_sorting_by_reference(items: list[Any]) -> None:
    by_key = sorted(items, key=sort_key)
    by_ref = sorted(items, key=functools.cmp_to_key(ref_compare))
    assert [sort_key(v) for v in by_key] == [sort_key(v) for v in by_ref]


# Index keys are concat_sort_keys of a document's field values; prefix bounds end in MAX_TAG.
_field_values = st.one_of(convex_values, st.just(UNDEFINED), st.sampled_from(ORDERED))


@given(st.lists(_field_values, max_size=4), st.lists(_field_values, max_size=4))
def test_concatenated_keys_compare_like_the_sequences_of_keys(a: list[Any], b: list[Any]) -> None:
    nested_a = tuple(sort_key(v) for v in a)
    nested_b = tuple(sort_key(v) for v in b)
    flat_a, flat_b = concat_sort_keys(a), concat_sort_keys(b)
    assert (flat_a < flat_b) == (nested_a < nested_b)
    assert (flat_a == flat_b) == (nested_a == nested_b)


@given(st.lists(_field_values, max_size=3), _field_values, st.lists(_field_values, max_size=3))
def test_max_tag_closes_every_extension_of_a_prefix(
    prefix: list[Any], value: Any, rest: list[Any]
) -> None:
    key = concat_sort_keys([*prefix, value, *rest])
    assert concat_sort_keys(prefix) <= key < (*concat_sort_keys(prefix), MAX_TAG)
    # The bound after `value` (a `gt`) sits above every key continuing with `value`...
    assert key < (*concat_sort_keys([*prefix, value]), MAX_TAG)
    # ... and still inside the range of the prefix.
    assert (*concat_sort_keys([*prefix, value]), MAX_TAG) < (
        *concat_sort_keys(prefix),
        MAX_TAG,
    )
