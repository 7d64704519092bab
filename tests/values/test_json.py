"""Convex JSON (values/json.py) and the JSON of ConvexError messages."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import pytest
from hypothesis import given

from convex_test.errors import ConvexError, ConvexTestError, UnsupportedValueError
from convex_test.values import UNDEFINED, Int64, values_equal
from convex_test.values.json import from_convex_json, to_convex_json, to_json_compatible
from tests.values.value_strategies import convex_values


def _float(bits: int) -> float:
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


# Encodings documented by the backend (crates/value/src/json).
KNOWN = [
    (Int64(0), {"$integer": "AAAAAAAAAAA="}),
    (Int64(1), {"$integer": "AQAAAAAAAAA="}),
    (Int64(-1), {"$integer": "//////////8="}),
    (Int64(2**63 - 1), {"$integer": "/////////38="}),
    (float("nan"), {"$float": "AAAAAAAA+H8="}),
    (float("inf"), {"$float": "AAAAAAAA8H8="}),
    (float("-inf"), {"$float": "AAAAAAAA8P8="}),
    (-0.0, {"$float": "AAAAAAAAAIA="}),
    (b"", {"$bytes": ""}),
    (b"\x00\xffhi", {"$bytes": "AP9oaQ=="}),
    (None, None),
    (True, True),
    ("é\U0001f600", "é\U0001f600"),
    (0.0, 0.0),
    (1.5, 1.5),
    (5e-324, 5e-324),
    ([1.0, None], [1.0, None]),
]


@pytest.mark.parametrize(("value", "encoded"), KNOWN, ids=repr)
def test_known_encodings(value: Any, encoded: Any) -> None:
    assert to_convex_json(value) == encoded
    assert values_equal(from_convex_json(encoded), value)


def test_plain_int_is_a_float64() -> None:
    out = to_convex_json({"n": 5})
    assert out == {"n": 5.0} and type(out["n"]) is float
    assert json.dumps(out) == '{"n": 5.0}'


def test_objects_come_out_sorted_and_undefined_fields_dropped() -> None:
    out = to_convex_json({"b": 1, "a": {"d": 1, "c": 2}, "u": UNDEFINED})
    assert list(out) == ["a", "b"] and list(out["a"]) == ["c", "d"]


def test_tuples_and_bytearrays_encode_like_their_canonical_twins() -> None:
    assert to_convex_json((1, bytearray(b"a"))) == [1.0, {"$bytes": "YQ=="}]


def test_nan_payload_survives() -> None:
    odd_nan = _float(0xFFF8_0000_0000_0001)
    back = from_convex_json(json.loads(json.dumps(to_convex_json(odd_nan))))
    assert struct.pack("<d", back) == struct.pack("<d", odd_nan)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({1, 2}, r"\{1, 2\} is not a supported Convex type"),
        ({"a": [object()]}, r"is not a supported Convex type at path \.a\[0\]"),
        ({"a": {1: 2}}, r"keys must be strings, got 1 at path \.a"),
        ({"n": 2**60}, r"Integer 1152921504606846976 .* at path \.n.*Int64"),
    ],
    ids=["set", "object", "int-key", "big-int"],
)
def test_to_convex_json_rejects_non_convex_values(bad: Any, message: str) -> None:
    with pytest.raises(UnsupportedValueError, match=message):
        to_convex_json(bad)


def test_to_convex_json_is_depth_bounded() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(UnsupportedValueError, match="too nested"):
        to_convex_json(cycle)


@given(convex_values)
def test_round_trip(value: Any) -> None:
    text = json.dumps(to_convex_json(value), allow_nan=False)
    assert values_equal(from_convex_json(json.loads(text)), value)


@given(convex_values)
def test_decoding_gives_canonical_types(value: Any) -> None:
    decoded = from_convex_json(json.loads(json.dumps(to_convex_json(value))))
    stack = [decoded]
    while stack:
        item = stack.pop()
        assert type(item) in (type(None), bool, float, Int64, str, bytes, list, dict)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def test_every_json_number_is_a_float64() -> None:
    out = from_convex_json(json.loads('{"a": 5, "b": [-0, 1e2]}'))
    assert out == {"a": 5.0, "b": [0.0, 100.0]}
    assert type(out["a"]) is float and all(type(x) is float for x in out["b"])


def test_special_keys_only_count_alone() -> None:
    with pytest.raises(UnsupportedValueError, match=r"Field name \$integer starts with a '\$'"):
        from_convex_json({"$integer": "AAAAAAAAAAA=", "x": 1})


def _b64_f64(x: float) -> str:
    import base64

    return base64.standard_b64encode(struct.pack("<d", x)).decode()


@pytest.mark.parametrize(
    ("j", "message"),
    [
        ({"$integer": "AAAA"}, r"Int64 must be exactly eight bytes"),
        ({"$float": "AAAA"}, r"Float64 must be exactly eight bytes"),
        ({"$float": _b64_f64(1.0)}, r"Float64 1 should be encoded as a number"),
        ({"$float": _b64_f64(5e-324)}, r"Float64 0\.0+5 should be encoded as a number"),
        ({"$integer": 5}, r"\$integer must hold a base64 string, got 5"),
        ({"$bytes": None}, r"\$bytes must hold a base64 string, got None"),
        ({"$bytes": "!!"}, r"not standard base64"),
        ({"$bytes": "YQ"}, r"not standard base64"),  # missing padding
        ({"$bytes": "YR=="}, r"not standard base64"),  # non-zero trailing bits
        ({"$bytes": "Y Q=="}, r"not standard base64"),
        ({"$undefined": None}, r"Field name \$undefined starts with a '\$'"),
        ({"$foo": 1, "$bar": 2}, r"starts with a '\$'"),
        ({"a": {"b\x01": 1}}, r"invalid character .* at path \.a"),
        ({"a": {1: 1}}, r"keys must be strings"),
        ({"a": [float("nan")]}, r"Invalid Convex JSON at path \.a\[0\]: nan is not a JSON number"),
        ([float("inf")], r"inf is not a JSON number"),
        ({"n": 10**400}, r"at path \.n: the number 1+0+ does not fit in a Float64"),
        ({"s": "\ud800"}, r"lone surrogate\) at path \.s"),
        ((1, 2), r"is not a JSON value"),
        ({"b": b"x"}, r"at path \.b: .*is not a JSON value"),
        ({"i": Int64(1)}, None),  # an int: fine, a number
        ([0] * 8193, r"Array length is too long"),
        ({f"k{i}": 1 for i in range(1025)}, r"Object has too many fields"),
    ],
    ids=repr,
)
def test_decoding_is_strict(j: Any, message: str | None) -> None:
    if message is None:
        from_convex_json(j)
        return
    with pytest.raises(UnsupportedValueError, match=message) as info:
        from_convex_json(j)
    assert isinstance(info.value, ConvexTestError)


def test_decoding_is_depth_bounded() -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(UnsupportedValueError, match="nested 65 levels deep"):
        from_convex_json(deep)
    ok: Any = 1
    for _ in range(64):
        ok = [ok]
    assert values_equal(from_convex_json(ok), ok)


# --- the JSON of ConvexError messages (JS JSON.stringify with Convex's replacer) ------


def test_convex_error_message_matches_js() -> None:
    data = {
        "code": 1,
        "f": 1.0,
        "g": 1.5,
        "big": Int64(5),
        "nan": float("nan"),
        "inf": float("-inf"),
        "neg0": -0.0,
        "bytes": b"x",
        "list": [None, True, "é"],
        "huge": 1e21,
    }
    assert str(ConvexError(data)) == (
        '{"code":1,"f":1,"g":1.5,"big":"5n","nan":null,"inf":null,"neg0":0,"bytes":{},'
        '"list":[null,true,"é"],"huge":1e+21}'
    )
    assert str(ConvexError("plain")) == "plain"


def test_to_json_compatible_prints_undefined_like_js() -> None:
    assert to_json_compatible({"u": UNDEFINED}) == {"u": "undefined"}


@given(convex_values)
def test_to_json_compatible_never_raises_for_canonical_values(value: Any) -> None:
    out = to_json_compatible(value)
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == out
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        assert ("." not in text and "e" not in text) or abs(value) >= 1e21


def test_to_json_compatible_raises_for_other_input() -> None:
    cycle: dict[str, Any] = {}
    cycle["c"] = cycle
    for bad in ({1, 2}, cycle, {1: 2}):
        with pytest.raises(UnsupportedValueError):
            to_json_compatible(bad)
    # ConvexError falls back to repr and never raises.
    assert str(ConvexError({"s": {1, 2}})) == "{'s': {1, 2}}"
