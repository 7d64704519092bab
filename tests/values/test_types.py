"""The Python <-> Convex mapping: convert(), Int64, UNDEFINED, type_name."""

from __future__ import annotations

import datetime
import enum
import pickle
from typing import Any

import pytest
from hypothesis import given

from convex_test.errors import ConvexTestError, UnsupportedValueError
from convex_test.values import UNDEFINED, Int64, convert, copy_value, type_name, values_equal
from convex_test.values.types import check_field_name
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
