"""The Python <-> Convex mapping: convert(), Int64, UNDEFINED, type_name."""

from __future__ import annotations

import datetime
import enum
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test.errors import ConvexTestError, UnsupportedValueError
from convex_test.values import UNDEFINED, Int64, convert, copy_value, type_name, values_equal
from convex_test.values.order import sort_key
from convex_test.values.types import (
    MAX_ARRAY_LEN,
    MAX_OBJECT_FIELDS,
    MAX_VALUE_NESTING,
    _canonical_copy,
    _convert_checked,
    _NotCanonical,
    check_field_name,
    convert_scalar,
)
from tests.values.value_strategies import convex_values


def _cyclic_list() -> list[Any]:
    items: list[Any] = [1]
    items.append(items)
    return items


def _cyclic_dict() -> dict[str, Any]:
    obj: dict[str, Any] = {"a": 1}
    obj["self"] = {"again": obj}
    return obj


def _nested(depth: int) -> Any:
    value: Any = None
    for _ in range(depth):
        value = [value]
    return value


# A str mix-in Enum (not StrEnum): its str() is "Color.RED", not the value.
class Color(str, enum.Enum):  # noqa: UP042
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class MyFloat(float):
    pass


# (value, regex the message must match): each names the offending path.
REJECTED = [
    pytest.param({"a": {1, 2}}, r"\{1, 2\} is not a supported Convex type at path \.a", id="set"),
    pytest.param({"a": frozenset()}, r"is not a supported Convex type at path \.a", id="frozenset"),
    pytest.param(
        [datetime.datetime(2025, 1, 1)],
        r"datetime\.datetime\(2025, 1, 1, 0, 0\) is not a supported Convex type at path \[0\]",
        id="datetime",
    ),
    pytest.param(
        {"x": [object()]}, r"is not a supported Convex type at path \.x\[0\]", id="object"
    ),
    pytest.param({"x": {1: "a"}}, r"keys must be strings, got 1 at path \.x", id="int-key"),
    pytest.param({"x": {None: 1}}, r"keys must be strings, got None at path \.x", id="none-key"),
    pytest.param({"x": {"$a": 1}}, r"Field name \$a starts with a '\$'.* at path \.x", id="dollar"),
    pytest.param({"k\x01": 1}, r"Field name 'k\\x01' has invalid character", id="control-key"),
    pytest.param({"ok": {"é": 1}}, r"invalid character 'é'.* at path \.ok", id="non-ascii-key"),
    pytest.param(
        {"a": {"k" * 1025: 1}}, r"too long \(length 1025 > maximum length 1024\)", id="long-key"
    ),
    pytest.param({"s": ["ok", "\ud800"]}, r"lone surrogate\) at path \.s\[1\]", id="surrogate"),
    pytest.param({"n": 2**53 + 1}, r"Integer 9007199254740993 .*at path \.n.*Int64", id="2**53+1"),
    pytest.param(
        [-(2**53) - 1], r"outside the range .*Float64.* at path \[0\].*Int64", id="-2**53-1"
    ),
    pytest.param({"n": 2**64}, r"Int64", id="2**64"),
    pytest.param(_cyclic_list(), r"too nested .* at path \[1\]\[1\]", id="cyclic-list"),
    pytest.param(_cyclic_dict(), r"too nested .* at path \.self\.again\.self", id="cyclic-dict"),
    pytest.param(_nested(65), r"nested 65 levels deep > maximum nesting 64", id="deep"),
    pytest.param(_nested(100_000), r"nested 65 levels deep", id="very-deep"),
    pytest.param(
        {"a": [0] * 8193},
        r"Array length is too long \(8193 > maximum length 8192\) at path \.a",
        id="array",
    ),
    pytest.param(
        [{f"f{i}": i for i in range(1025)}],
        r"Object has too many fields \(1025 > maximum number 1024\) at path \[0\]",
        id="fields",
    ),
    pytest.param(
        [UNDEFINED], r"UNDEFINED is not a valid Convex value at path \[0\]", id="undefined"
    ),
    pytest.param(1 + 2j, r"is not a supported Convex type", id="complex"),
]


@pytest.mark.parametrize(("value", "message"), REJECTED)
def test_convert_rejects(value: Any, message: str) -> None:
    with pytest.raises(UnsupportedValueError, match=message) as info:
        convert(value)
    assert isinstance(info.value, ConvexTestError)


@pytest.mark.parametrize(
    "value",
    [
        2**53,
        -(2**53),
        _nested(64),
        [0] * 8192,
        {f"f{i}": i for i in range(1024)},
        {"k" * 1024: 1},
        {"": 1, " ~": 2, "_x": {"_y": 3}},
        "\U0001f600 é \x00",
        float("nan"),
        -0.0,
        Int64(-(2**63)),
    ],
    ids=repr,
)
def test_convert_accepts_limits(value: Any) -> None:
    assert values_equal(convert(value), value)


def test_convert_canonicalises_containers_and_bytes() -> None:
    inner = bytearray(b"ab")
    source = {"t": (1, (2, [3]), memoryview(b"mv")), "b": inner}
    out = convert(source)
    assert out == {"t": [1, [2, [3]], b"mv"], "b": b"ab"}
    assert type(out["t"]) is list and type(out["t"][1]) is list
    assert type(out["t"][2]) is bytes and type(out["b"]) is bytes


def test_convert_returns_copies() -> None:
    source: dict[str, Any] = {"a": [1, {"b": [2]}], "c": {"d": "x"}}
    out = convert(source)
    assert out == source
    assert out is not source and out["a"] is not source["a"]
    assert out["a"][1] is not source["a"][1] and out["c"] is not source["c"]
    out["a"][1]["b"].append(3)
    out["c"]["e"] = 1
    assert source == {"a": [1, {"b": [2]}], "c": {"d": "x"}}
    source["a"].append(9)
    assert out["a"] == [1, {"b": [2, 3]}]


def test_convert_drops_undefined_fields() -> None:
    assert convert({"a": UNDEFINED, "b": 1}) == {"b": 1}


def test_convert_keeps_types_apart() -> None:
    assert convert(True) is True
    assert type(convert(Int64(5))) is Int64
    out = convert(5)
    assert type(out) is int and out == 5  # stored unchanged: no int -> float coercion


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [
        (Color.RED, "red", str),
        (Level.HIGH, 3, int),
        (MyFloat(1.5), 1.5, float),
    ],
)
def test_convert_turns_subclasses_into_base_types(value: Any, expected: Any, kind: type) -> None:
    out = convert(value)
    assert type(out) is kind and out == expected


@given(convex_values)
def test_convert_is_identity_on_canonical_values(value: Any) -> None:
    out = convert(value)
    assert values_equal(out, value)
    assert values_equal(copy_value(value), value)


class TestInt64:
    def test_is_an_int(self) -> None:
        assert Int64(5) == 5 and isinstance(Int64(5), int)
        assert hash(Int64(5)) == hash(5)
        assert repr(Int64(-3)) == "Int64(-3)" and str(Int64(-3)) == "-3"

    @pytest.mark.parametrize("bad", [2**63, -(2**63) - 1])
    def test_range(self, bad: int) -> None:
        with pytest.raises(UnsupportedValueError, match="does not fit in a signed 64-bit"):
            Int64(bad)

    @pytest.mark.parametrize("bad", [True, "5", 5.0, None])
    def test_requires_an_int(self, bad: Any) -> None:
        with pytest.raises(UnsupportedValueError, match="Int64 requires an int"):
            Int64(bad)

    def test_pickles(self) -> None:
        value = pickle.loads(pickle.dumps(Int64(7)))
        assert type(value) is Int64 and value == 7


def test_undefined_is_a_falsy_singleton() -> None:
    assert not UNDEFINED
    assert repr(UNDEFINED) == "UNDEFINED"
    assert pickle.loads(pickle.dumps(UNDEFINED)) is UNDEFINED


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (UNDEFINED, "undefined"),
        (True, "boolean"),
        (Int64(1), "int64"),
        (1, "float64"),
        (1.0, "float64"),
        ("s", "string"),
        (b"b", "bytes"),
        ([], "array"),
        ({}, "object"),
    ],
)
def test_type_name(value: Any, name: str) -> None:
    assert type_name(value) == name


def test_check_field_name_returns_the_name() -> None:
    assert check_field_name("ok_1") == "ok_1"
    with pytest.raises(UnsupportedValueError, match=r"at path \.p"):
        check_field_name("$x", ".p")


# ------------------------------------------------ convert's fast path == the checked rules


def _reference_convert(value: Any, path: str = "", depth: int = 0) -> Any:
    """convert() as a plain recursive walk of the documented rules (no fast path)."""
    if isinstance(value, (list, tuple)):
        if depth >= MAX_VALUE_NESTING:
            raise UnsupportedValueError(f"too nested {depth + 1} {path}")
        if len(value) > MAX_ARRAY_LEN:
            raise UnsupportedValueError(f"too long {path}")
        return [_reference_convert(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if depth >= MAX_VALUE_NESTING:
            raise UnsupportedValueError(f"too nested {depth + 1} {path}")
        if len(value) > MAX_OBJECT_FIELDS:
            raise UnsupportedValueError(f"too many fields {path}")
        out = {}
        for k, v in value.items():
            k = check_field_name(k, path)
            if v is not UNDEFINED:
                out[k] = _reference_convert(v, f"{path}.{k}", depth + 1)
        return out
    if value is UNDEFINED:
        raise UnsupportedValueError(f"undefined {path}")
    return convert_scalar(value, path)


class _Key(str):
    pass


class _Dict(dict):  # type: ignore[type-arg]
    pass


_odd_scalars = st.one_of(
    st.sampled_from(
        [
            2**53,
            -(2**53),
            2**53 + 1,
            2**60,
            UNDEFINED,
            {1, 2},
            bytearray(b"x"),
            memoryview(b"m"),
            "\ud800",
            "é",
            Color.RED,
            Level.HIGH,
            MyFloat(2.5),
            True,
            object(),
        ]
    ),
    st.builds(Int64, st.integers(-(2**63), 2**63 - 1)),
    st.integers(-(2**54), 2**54),
)
_odd_keys = st.one_of(
    st.sampled_from(["$b", "\x01", "é", "x" * 1025, 1, None]),
    st.builds(_Key, st.sampled_from(["a", "b"])),
)
# Mostly valid keys, so that values deep inside objects get checked too.
_keys = st.integers(0, 7).flatmap(
    lambda i: _odd_keys if i == 0 else st.sampled_from(["a", "_c", "d e", "", "~", "x" * 1024])
)
values_with_odd_inputs = st.recursive(
    st.one_of(convex_values, _odd_scalars),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_keys, inner, max_size=3),
        st.dictionaries(_keys, inner, max_size=3).map(_Dict),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(value=values_with_odd_inputs)
def test_convert_agrees_with_the_checked_rules(value: Any) -> None:
    # The fast path must give the same result, and fail exactly where the rules fail.
    try:
        expected = _reference_convert(value)
    except UnsupportedValueError:
        with pytest.raises(UnsupportedValueError):
            convert(value)
        return
    got = convert(value)
    assert repr(got) == repr(expected)
    assert sort_key(got) == sort_key(expected)
    assert _types(got) == _types(expected)


@settings(max_examples=100, deadline=None)
@given(
    filler=st.sampled_from([0.5, True, None, Int64(3), b"x"]),
    odd=st.one_of(st.none(), _odd_scalars, convex_values),
    at=st.integers(0, 99),
)
def test_long_arrays_agree_with_the_checked_rules(filler: Any, odd: Any, at: int) -> None:
    # Arrays of 64+ items take a one-pass type check when every item is a plain scalar.
    value = [filler] * 100
    if odd is not None:
        value[at] = odd
    test_convert_agrees_with_the_checked_rules.hypothesis.inner_test(value)  # type: ignore[attr-defined]


def _types(value: Any) -> Any:
    if isinstance(value, list):
        return [list, *(_types(v) for v in value)]
    if isinstance(value, dict):
        return [dict, *((type(k), _types(v)) for k, v in value.items())]
    return type(value)


@settings(max_examples=300, deadline=None)
@given(value=values_with_odd_inputs, at=st.sampled_from(["", ".a", "[3]"]))
def test_convert_errors_are_the_checked_path_errors(value: Any, at: str) -> None:
    # Same class and same text (with the path) as the checked conversion alone.
    try:
        expected = _convert_checked(value, at, 0)
    except UnsupportedValueError as exc:
        with pytest.raises(UnsupportedValueError) as info:
            convert(value, at)
        assert str(info.value) == str(exc)
        return
    assert repr(convert(value, at)) == repr(expected)


@pytest.mark.parametrize(
    "value",
    [
        _nested(MAX_VALUE_NESTING),
        _nested(MAX_VALUE_NESTING + 1),
        [0] * MAX_ARRAY_LEN,
        [0] * (MAX_ARRAY_LEN + 1),
        {f"k{i}": i for i in range(MAX_OBJECT_FIELDS)},
        {f"k{i}": i for i in range(MAX_OBJECT_FIELDS + 1)},
        _cyclic_list(),
        _cyclic_dict(),
        {"a": [{"b": (1, {"c": 2**53 + 1})}]},
        {_Key("a"): 1, "a": 2},
    ],
    ids=[
        "depth-64",
        "depth-65",
        "8192",
        "8193",
        "1024-fields",
        "1025-fields",
        "cycle-list",
        "cycle-dict",
        "deep-bad-int",
        "str-subclass-key",
    ],
)
def test_convert_limits_agree_with_the_checked_rules(value: Any) -> None:
    try:
        expected = _convert_checked(value, "", 0)
    except UnsupportedValueError as exc:
        with pytest.raises(UnsupportedValueError) as info:
            convert(value)
        assert str(info.value) == str(exc)
        return
    got = convert(value)
    assert repr(got) == repr(expected) and _types(got) == _types(expected)


def test_convert_fast_path_takes_plain_values_and_copies() -> None:
    value = {"a": [1, {"b": 2.5, "c": None}], "d": ("x", b"y", Int64(3)), "e": UNDEFINED}
    copied = _canonical_copy(value, 0)
    assert copied == {"a": [1, {"b": 2.5, "c": None}], "d": ["x", b"y", Int64(3)]}
    assert copied == convert(value)
    copied["a"][1]["b"] = 3
    assert value["a"] == [1, {"b": 2.5, "c": None}]
    for odd in ({"$a": 1}, [UNDEFINED], 2**54, Color.RED, {_Key("a"): 1}, bytearray(b"")):
        with pytest.raises(_NotCanonical):
            _canonical_copy(odd, 0)
