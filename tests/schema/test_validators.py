"""Validators: builders, checking rules, exact backend messages, copies, helpers."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from validator_strategies import validator_and_value

from convex_test import errors
from convex_test.schema import Validator, rewrap_validation_error, v, validation_errors_as
from convex_test.schema.validators import identifier_error
from convex_test.values import UNDEFINED, Int64, convert, values_equal


def no_match(value: str, validator: str, path: str = "") -> str:
    ctx = f"Path: {path}" if path else ""
    return f"Value does not match validator.\n{ctx}\nValue: {value}\nValidator: {validator}"


def error_of(validator: Validator, value: Any, **kw: Any) -> str:
    with pytest.raises(errors.ValidationError) as info:
        validator.validate(value, **kw)
    assert type(info.value) is errors.ValidationError
    return str(info.value)


class Tables:
    """A TableResolver over fixed IDs."""

    def __init__(self, ids: dict[str, tuple[str, bool]]) -> None:
        self.ids = ids

    def table_for_id(self, id: str) -> tuple[str, bool] | None:
        return self.ids.get(id)


TABLES = Tables({"u1": ("users", False), "m1": ("messages", False), "s1": ("_storage", True)})


# ---------------------------------------------------------------------------
# Accepting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "value", "expected"),
    [
        (v.null(), None, None),
        (v.number(), 1.5, 1.5),
        (v.number(), 3, 3),
        (v.number(), 2**53, 2**53),
        (v.number(), -(2**53), -(2**53)),
        (v.float64(), -0.0, -0.0),
        (v.float64(), math.inf, math.inf),
        (v.int64(), Int64(5), Int64(5)),
        (v.int64(), 5, Int64(5)),
        (v.bigint(), -(2**63), Int64(-(2**63))),
        (v.int64(), 2**63 - 1, Int64(2**63 - 1)),
        (v.boolean(), True, True),
        (v.boolean(), False, False),
        (v.string(), "héllo", "héllo"),
        (v.string(), "", ""),
        (v.bytes(), b"\x00\x01", b"\x00\x01"),
        (v.bytes(), bytearray(b"ab"), b"ab"),
        (v.bytes(), memoryview(b"ab"), b"ab"),
        (v.literal("a"), "a", "a"),
        (v.literal(1), 1, 1),
        (v.literal(1), 1.0, 1.0),
        (v.literal(1.5), 1.5, 1.5),
        (v.literal(True), True, True),
        (v.literal(Int64(3)), Int64(3), Int64(3)),
        (v.literal(-0.0), -0.0, -0.0),
        (v.array(v.number()), (1, 2.5), [1, 2.5]),
        (v.array(v.int64()), [1, Int64(2)], [Int64(1), Int64(2)]),
        (v.array(v.string()), [], []),
        (v.object({}), {}, {}),
        (v.object({"a": v.string(), "b": v.optional(v.number())}), {"a": "x"}, {"a": "x"}),
        (
            v.object({"a": v.string(), "b": v.optional(v.number())}),
            {"b": 2, "a": "x"},
            {"a": "x", "b": 2},
        ),
        (
            v.object({"a": v.string(), "b": v.optional(v.number())}),
            {"a": "x", "b": UNDEFINED},
            {"a": "x"},
        ),
        (v.object({"a": v.string()}), {"a": "x", "zz": UNDEFINED}, {"a": "x"}),
        (v.object({"n": v.object({"i": v.int64()})}), {"n": {"i": 7}}, {"n": {"i": Int64(7)}}),
        (v.record(v.string(), v.number()), {"a": 1, "b": 2.0}, {"a": 1, "b": 2.0}),
        (v.record(v.string(), v.int64()), {"a": 1, "u": UNDEFINED}, {"a": Int64(1)}),
        (v.record(v.string(), v.number()), {}, {}),
        (v.record(v.string(), v.any()), {"$": 1} if False else {"x y": 1}, {"x y": 1}),
        (v.union(v.string(), v.number()), 4, 4),
        (v.union(v.int64(), v.number()), 4, Int64(4)),
        (v.union(v.number(), v.int64()), 4, 4),
        (v.union(v.number(), v.int64()), 2**60, Int64(2**60)),
        (v.nullable(v.string()), None, None),
        (v.any(), (1, {"a": (b"x", None)}), [1, {"a": [b"x", None]}]),
        (v.any(), {"a": 1, "b": UNDEFINED}, {"a": 1}),
        (v.any(), Int64(2**62), Int64(2**62)),
        (v.id("users"), "u1", "u1"),
        (v.id("users"), "anything", "anything"),
    ],
)
def test_accepts(validator: Validator, value: Any, expected: Any) -> None:
    result = validator.validate(value)
    assert values_equal(result, expected)
    assert type(result) is type(expected)


def test_int64_results_are_int64_everywhere() -> None:
    validator = v.object({"a": v.array(v.int64()), "r": v.record(v.string(), v.int64())})
    out = validator.validate({"a": [1, 2], "r": {"k": -3}})
    assert [type(x) for x in out["a"]] == [Int64, Int64]
    assert type(out["r"]["k"]) is Int64


def test_subclass_inputs_become_exact_types() -> None:
    class S(str):
        pass

    class F(float):
        pass

    assert type(v.string().validate(S("a"))) is str
    assert type(v.id("t").validate(S("a"))) is str
    assert type(v.number().validate(F(1.5))) is float
    assert type(v.literal("a").validate(S("a"))) is str
    assert type(v.literal(1.5).validate(F(1.5))) is float


def test_optional_validator_accepts_undefined_at_top_level() -> None:
    assert v.optional(v.string()).validate(UNDEFINED) is UNDEFINED


def test_id_with_tables() -> None:
    assert v.id("users").validate("u1", tables=TABLES) == "u1"
    assert v.id("_storage").validate("s1", tables=TABLES) == "s1"


# ---------------------------------------------------------------------------
# Rejecting, with the backend's exact messages
# ---------------------------------------------------------------------------

OBJ = v.object({"a": v.string(), "b": v.optional(v.number())})
OBJ_TEXT = "v.object({a: v.string(), b: v.optional(v.float64())})"


@pytest.mark.parametrize(
    ("validator", "value", "message"),
    [
        (v.null(), False, no_match("false", "v.null()")),
        (v.number(), True, no_match("true", "v.float64()")),
        (v.number(), Int64(1), no_match("1", "v.float64()")),
        (v.number(), "1", no_match('"1"', "v.float64()")),
        (v.int64(), 1.0, no_match("1.0", "v.int64()")),
        (v.int64(), False, no_match("false", "v.int64()")),
        (v.boolean(), 1, no_match("1.0", "v.boolean()")),
        (v.boolean(), None, no_match("null", "v.boolean()")),
        (v.string(), 5.0, no_match("5.0", "v.string()")),
        (v.string(), b"x", no_match('b"eA=="', "v.string()")),
        (v.bytes(), "x", no_match('"x"', "v.bytes()")),
        (v.id("users"), 5, no_match("5.0", 'v.id("users")')),
        (v.array(v.number()), {"a": 1}, no_match("{a: 1.0}", "v.array(v.float64())")),
        (v.array(v.number()), [1, "x"], no_match('"x"', "v.float64()", "[1]")),
        (v.object({}), [], no_match("[]", "v.object({})")),
        (OBJ, "x", no_match('"x"', OBJ_TEXT)),
        (OBJ, {"a": 1}, no_match("1.0", "v.string()", ".a")),
        (OBJ, {"a": "x", "b": None}, no_match("null", "v.float64()", ".b")),
        (
            OBJ,
            {"b": 1},
            "Object is missing the required field `a`. Consider wrapping the field validator in "
            "`v.optional(...)` if this is expected.\n\nObject: {b: 1.0}\nValidator: " + OBJ_TEXT,
        ),
        (
            OBJ,
            {"a": UNDEFINED},
            "Object is missing the required field `a`. Consider wrapping the field validator in "
            "`v.optional(...)` if this is expected.\n\nObject: {}\nValidator: " + OBJ_TEXT,
        ),
        (
            OBJ,
            {"a": "x", "z": 1, "c": 2},
            "Object contains extra field `c` that is not in the validator.\n\n"
            'Object: {a: "x", c: 2.0, z: 1.0}\nValidator: ' + OBJ_TEXT,
        ),
        (
            v.object({"o": OBJ}),
            {"o": {"a": "x", "y": True}},
            "Object contains extra field `y` that is not in the validator.\nPath: .o\n"
            'Object: {a: "x", y: true}\nValidator: ' + OBJ_TEXT,
        ),
        (
            v.object({"n": v.int64(), "s": v.string()}),
            {"n": 1, "s": "x", "e": 0},
            "Object contains extra field `e` that is not in the validator.\n\n"
            'Object: {e: 0.0, n: 1, s: "x"}\nValidator: v.object({n: v.int64(), s: v.string()})',
        ),
        (v.literal("a"), "b", '`"b"` does not match literal validator `v.literal("a")`.'),
        (v.literal(0), -0.0, "`-0.0` does not match literal validator `v.literal(0.0)`."),
        (v.literal(0.5), 1, "`1.0` does not match literal validator `v.literal(0.5)`."),
        (v.literal(1), True, "`true` does not match literal validator `v.literal(1.0)`."),
        (v.literal(True), 1, "`1.0` does not match literal validator `v.literal(true)`."),
        (v.literal(Int64(1)), 1.0, "`1.0` does not match literal validator `v.literal(<bigint>)`."),
        (v.literal(Int64(1)), 1, "`1.0` does not match literal validator `v.literal(<bigint>)`."),
        (v.literal(1), Int64(1), "`1` does not match literal validator `v.literal(1.0)`."),
        (v.literal("a"), ["a"], '`["a"]` does not match literal validator `v.literal("a")`.'),
        (
            v.object({"k": v.literal("a")}),
            {"k": "b"},
            '`"b"` does not match literal validator `v.literal("a")`.Path: .k',
        ),
        (
            v.record(v.string(), v.number()),
            {"b": "x", "a": 1},
            no_match('"x"', "v.float64()", ".values()"),
        ),
        (
            v.record(v.string(), v.number()),
            {"b": "x", "a": "y"},
            no_match('"y"', "v.float64()", ".values()"),
        ),
        (
            v.record(v.id("users"), v.number()),
            {"u1": 1, "m1": 2},
            'Found ID "m1" from table `messages`, which does not match the table name in '
            'validator `v.id("users")`.Path: .keys()',
        ),
        (v.record(v.string(), v.number()), [], no_match("[]", "v.record(v.string(), v.float64())")),
        (
            v.union(v.string(), v.number()),
            None,
            no_match("null", "v.union(v.string(), v.float64())"),
        ),
        (
            v.union(v.object({"a": v.string()}), v.null()),
            {"a": 1},
            no_match("{a: 1.0}", "v.union(v.object({a: v.string()}), v.null())"),
        ),
        (v.union(v.object({"a": v.string()})), {"a": 1}, no_match("1.0", "v.string()", ".a")),
        (v.union(), 1, no_match("1.0", "v.union()")),
        (v.nullable(v.string()), 1, no_match("1.0", "v.union(v.string(), v.null())")),
        (
            v.array(v.object({"x": v.array(v.number())})),
            [{"x": []}, {"x": [1, 2, 3, "no"]}],
            no_match('"no"', "v.float64()", "[1].x[3]"),
        ),
    ],
)
def test_rejects_with_backend_message(validator: Validator, value: Any, message: str) -> None:
    assert error_of(validator, value, tables=TABLES) == message


def test_object_checks_fields_in_sorted_order() -> None:
    validator = v.object({"z": v.string(), "a": v.string()})
    assert error_of(validator, {"z": 1, "a": 2}) == no_match("2.0", "v.string()", ".a")
    assert repr(validator) == "v.object({a: v.string(), z: v.string()})"


def test_missing_field_reported_before_extra_field() -> None:
    message = error_of(v.object({"a": v.string()}), {"b": 1})
    assert message.startswith("Object is missing the required field `a`.")


def test_path_prefix() -> None:
    validator = v.object({"a": v.string()})
    assert error_of(validator, {"a": 1}, path=".args") == no_match("1.0", "v.string()", ".args.a")
    assert error_of(v.string(), 1, path="[2]") == no_match("1.0", "v.string()", "[2]")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "m1",
            'Found ID "m1" from table `messages`, which does not match the table name in '
            'validator `v.id("users")`.Path: .id',
        ),
        (
            "s1",
            'Found ID "s1" from a system table, which does not match the table name in '
            'validator `v.id("users")`.Path: .id',
        ),
        ("nope", no_match('"nope"', 'v.id("users")', ".id")),
        (5, no_match("5.0", 'v.id("users")', ".id")),
    ],
)
def test_id_table_checks(value: Any, message: str) -> None:
    assert error_of(v.object({"id": v.id("users")}), {"id": value}, tables=TABLES) == message


def test_id_at_root_has_no_path() -> None:
    assert error_of(v.id("users"), "m1", tables=TABLES) == (
        'Found ID "m1" from table `messages`, which does not match the table name in '
        'validator `v.id("users")`.'
    )


def test_union_first_success_wins_and_discriminants() -> None:
    shapes = v.union(
        v.object({"kind": v.literal("a"), "n": v.number()}),
        v.object({"kind": v.literal("a"), "n": v.int64(), "extra": v.boolean()}),
        v.object({"kind": v.literal("b"), "s": v.string()}),
        v.string(),
    )
    assert shapes.validate({"kind": "a", "n": 1}) == {"kind": "a", "n": 1}
    out = shapes.validate({"kind": "a", "n": 1, "extra": True})
    assert type(out["n"]) is Int64
    assert shapes.validate({"kind": "b", "s": "x"}) == {"kind": "b", "s": "x"}
    assert shapes.validate("plain") == "plain"
    with pytest.raises(errors.ValidationError, match=r"^Value does not match validator\.\n\n"):
        shapes.validate({"kind": "c"})
    with pytest.raises(errors.ValidationError, match=r"Value: \{kind: \"b\"\}"):
        shapes.validate({"kind": "b"})


# ---------------------------------------------------------------------------
# Int64 and the 2**53 hint
# ---------------------------------------------------------------------------

BIG = 2**53 + 1


@pytest.mark.parametrize(
    ("validator", "value", "where"),
    [
        (v.number(), BIG, ""),
        (v.number(), -BIG, "-"),
        (v.string(), BIG, ""),
        (v.null(), BIG, ""),
        (v.boolean(), BIG, ""),
        (v.literal(1), BIG, ""),
        (v.array(v.number()), [1, BIG], " at path [1]"),
        (v.object({"n": v.number()}), {"n": BIG}, " at path .n"),
        (v.object({"n": v.string()}), {"n": BIG}, " at path .n"),
        (v.union(v.string(), v.number()), BIG, ""),
        (v.union(v.object({"n": v.number()}), v.null()), {"n": BIG}, " at path .n"),
        (v.record(v.string(), v.number()), {"k": BIG}, " at path .values()"),
        (v.any(), {"a": [BIG]}, " at path .a[0]"),
    ],
)
def test_int_beyond_2_53_hints_int64(validator: Validator, value: Any, where: str) -> None:
    with pytest.raises(errors.UnsupportedValueError) as info:
        validator.validate(value)
    message = str(info.value)
    number = -BIG if where == "-" else BIG
    path = "" if where == "-" else where
    assert message == errors.INT_OUT_OF_FLOAT_RANGE.format(value=number, path=path)
    assert "Int64" in message
    assert "v.int64()" in message


def test_int64_accepts_big_ints_and_rejects_out_of_range() -> None:
    assert v.int64().validate(2**60) == Int64(2**60)
    assert v.object({"n": v.int64()}).validate({"n": -(2**62)}) == {"n": Int64(-(2**62))}
    with pytest.raises(errors.UnsupportedValueError) as info:
        v.object({"n": v.int64()}).validate({"n": 2**63})
    assert str(info.value) == (
        f"Int64 value {2**63} does not fit in a signed 64-bit integer at path .n."
    )


def test_big_int_under_int64_does_not_hide_a_real_mismatch() -> None:
    validator = v.object({"n": v.int64(), "s": v.string()})
    assert error_of(validator, {"n": 2**60, "s": 5}) == no_match("5.0", "v.string()", ".s")


# ---------------------------------------------------------------------------
# Non-Convex values: UnsupportedValueError with the path, never TypeError
# ---------------------------------------------------------------------------


def _cyclic() -> list[Any]:
    items: list[Any] = []
    items.append(items)
    return items


BAD_VALUES = [
    {1, 2},
    object(),
    {1: "x"},
    {"$a": 1},
    {"a\n": 1},
    [UNDEFINED],
    UNDEFINED,
    "\ud800",
    _cyclic(),
    {"a": {"b": {3}}},
    2**70,
    math,
]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize(
    "validator",
    [
        v.any(),
        v.string(),
        v.number(),
        v.int64(),
        v.array(v.any()),
        v.array(v.array(v.any())),
        v.object({"a": v.any()}),
        v.record(v.string(), v.any()),
        v.union(v.null(), v.object({"a": v.string()})),
        v.literal("x"),
        v.id("users"),
    ],
    ids=repr,
)
def test_non_convex_values_raise_unsupported(validator: Validator, bad: Any) -> None:
    with pytest.raises(errors.UnsupportedValueError):
        validator.validate(bad, tables=TABLES)
    # (An UNDEFINED field value means "absent", so wrap that one in a list.)
    wrapped = (
        {"a": bad} if validator.kind in ("object", "record") and bad is not UNDEFINED else [bad]
    )
    with pytest.raises(errors.UnsupportedValueError):
        validator.validate(wrapped)


@pytest.mark.parametrize(
    ("validator", "value", "message"),
    [
        (v.string(), {"a": {1, 2}}, "{1, 2} is not a supported Convex type at path .a."),
        (
            v.object({"a": v.string(), "b": v.any()}),
            {"a": 1, "b": [{3}]},
            "{3} is not a supported Convex type at path .b[0].",
        ),
        (v.object({"a": v.string()}), {1: 2}, "Convex object keys must be strings, got 1."),
        (
            v.record(v.string(), v.string()),
            {"ok": "x", "$no": "y"},
            "Field name $no starts with a '$', which is reserved.",
        ),
        (
            v.array(v.string()),
            ["a", UNDEFINED],
            "UNDEFINED is not a valid Convex value at path [1] (it is only allowed as a "
            "db.patch field value or in index/filter ranges).",
        ),
    ],
)
def test_unsupported_messages_name_the_path(validator: Validator, value: Any, message: str) -> None:
    with pytest.raises(errors.UnsupportedValueError) as info:
        validator.validate(value)
    assert str(info.value) == message


def test_too_nested_and_too_long() -> None:
    deep: Any = []
    for _ in range(70):
        deep = [deep]
    with pytest.raises(errors.UnsupportedValueError, match="too nested"):
        v.any().validate(deep)
    with pytest.raises(errors.UnsupportedValueError, match="Array length is too long"):
        v.array(v.null()).validate([None] * 8193)
    assert v.array(v.null()).validate([None] * 8192) == [None] * 8192
    with pytest.raises(errors.UnsupportedValueError, match="Object has too many fields"):
        v.record(v.string(), v.null()).validate({f"k{i}": None for i in range(1025)})


# ---------------------------------------------------------------------------
# Copies
# ---------------------------------------------------------------------------


@given(validator_and_value)
def test_validate_is_idempotent_on_its_output(pair: tuple[Validator, Any]) -> None:
    validator, value = pair
    once = validator.validate(value)
    twice = validator.validate(once)
    assert values_equal(once, twice)
    assert values_equal(once, convert(once))


@given(validator_and_value)
def test_validate_returns_fresh_containers(pair: tuple[Validator, Any]) -> None:
    validator, value = pair
    snapshot = repr(value)
    out = validator.validate(value)
    assert repr(value) == snapshot  # input untouched

    def containers(x: Any) -> list[int]:
        if isinstance(x, (list, tuple)):
            return [id(x), *(i for item in x for i in containers(item))]
        if isinstance(x, dict):
            return [id(x), *(i for item in x.values() for i in containers(item))]
        return []

    assert not set(containers(out)) & set(containers(value))


@given(
    st.recursive(
        st.one_of(
            st.none(), st.booleans(), st.floats(), st.text(max_size=3), st.binary(max_size=3)
        ),
        lambda c: st.one_of(
            st.lists(c, max_size=3),
            st.tuples(c),
            st.dictionaries(st.text(max_size=3), c, max_size=3),
        ),
        max_leaves=8,
    )
)
def test_any_agrees_with_convert(value: Any) -> None:
    try:
        expected = convert(value)
    except errors.UnsupportedValueError as exc:
        with pytest.raises(errors.UnsupportedValueError) as info:
            v.any().validate(value)
        assert str(info.value) == str(exc)
    else:
        assert values_equal(v.any().validate(value), expected)


def test_copies_are_not_aliases() -> None:
    inner = {"x": [1, 2]}
    value = {"a": inner, "b": [inner]}
    out = v.object({"a": v.any(), "b": v.array(v.object({"x": v.array(v.number())}))}).validate(
        value
    )
    out["a"]["x"].append(3)
    out["b"][0]["x"].append(4)
    assert inner == {"x": [1, 2]}


# ---------------------------------------------------------------------------
# Object helpers
# ---------------------------------------------------------------------------


def test_object_helpers() -> None:
    base = v.object({"a": v.string(), "b": v.number(), "c": v.optional(v.boolean())})
    assert base.pick("a", "c") == v.object({"a": v.string(), "c": v.optional(v.boolean())})
    assert base.omit("a") == v.object({"b": v.number(), "c": v.optional(v.boolean())})
    assert base.partial() == v.object(
        {"a": v.optional(v.string()), "b": v.optional(v.number()), "c": v.optional(v.boolean())}
    )
    assert base.extend({"b": v.string(), "d": v.null()}) == v.object(
        {"a": v.string(), "b": v.string(), "c": v.optional(v.boolean()), "d": v.null()}
    )
    assert base.extend(v.object({"d": v.null()})).fields["d"] == v.null()
    assert list(base.fields) == ["a", "b", "c"]
    assert base.optional().pick("a").is_optional
    fields = base.fields
    fields["zz"] = v.null()
    assert "zz" not in base.fields  # .fields is a copy


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda o: o.pick("autor"),
            "Cannot pick() field `autor`: the object validator has no such field. Did you mean `author`?",
        ),
        (
            lambda o: o.omit("zzz"),
            "Cannot omit() field `zzz`: the object validator has no such field.",
        ),
        (lambda o: o.pick(1), "Cannot pick() field `1`: the object validator has no such field."),
    ],
)
def test_object_helper_errors(call: Any, message: str) -> None:
    base = v.object({"author": v.string(), "body": v.string()})
    with pytest.raises(errors.SchemaDefinitionError) as info:
        call(base)
    assert str(info.value) == message


# ---------------------------------------------------------------------------
# repr, json, kind, equality
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "text"),
    [
        (v.id("t"), 'v.id("t")'),
        (v.null(), "v.null()"),
        (v.number(), "v.float64()"),
        (v.float64(), "v.float64()"),
        (v.int64(), "v.int64()"),
        (v.bigint(), "v.int64()"),
        (v.boolean(), "v.boolean()"),
        (v.string(), "v.string()"),
        (v.bytes(), "v.bytes()"),
        (v.any(), "v.any()"),
        (v.literal("x"), 'v.literal("x")'),
        (v.literal('q"uote'), 'v.literal("q\\"uote")'),
        (v.literal(3), "v.literal(3.0)"),
        (v.literal(1e20), "v.literal(1e20)"),
        (v.literal(True), "v.literal(true)"),
        (v.literal(Int64(3)), "v.literal(<bigint>)"),
        (v.array(v.string()), "v.array(v.string())"),
        (
            v.object({"b": v.optional(v.number()), "a": v.string()}),
            "v.object({a: v.string(), b: v.optional(v.float64())})",
        ),
        (v.record(v.string(), v.number()), "v.record(v.string(), v.float64())"),
        (v.union(v.string(), v.null()), "v.union(v.string(), v.null())"),
        (v.optional(v.string()), "v.optional(v.string())"),
        (v.string().optional(), "v.optional(v.string())"),
        (v.array(v.optional(v.string())), "v.array(v.string())"),
    ],
)
def test_repr(validator: Validator, text: str) -> None:
    assert repr(validator) == text


@pytest.mark.parametrize(
    ("validator", "json", "kind"),
    [
        (v.id("users"), {"type": "id", "tableName": "users"}, "id"),
        (v.null(), {"type": "null"}, "null"),
        (v.number(), {"type": "number"}, "float64"),
        (v.int64(), {"type": "bigint"}, "int64"),
        (v.boolean(), {"type": "boolean"}, "boolean"),
        (v.string(), {"type": "string"}, "string"),
        (v.bytes(), {"type": "bytes"}, "bytes"),
        (v.any(), {"type": "any"}, "any"),
        (v.literal("a"), {"type": "literal", "value": "a"}, "literal"),
        (
            v.literal(Int64(1)),
            {"type": "literal", "value": {"$integer": "AQAAAAAAAAA="}},
            "literal",
        ),
        (v.literal(-0.0), {"type": "literal", "value": {"$float": "AAAAAAAAAIA="}}, "literal"),
        (v.array(v.null()), {"type": "array", "value": {"type": "null"}}, "array"),
        (
            v.object({"a": v.optional(v.string())}),
            {
                "type": "object",
                "value": {"a": {"fieldType": {"type": "string"}, "optional": True}},
            },
            "object",
        ),
        (
            v.record(v.string(), v.null()),
            {
                "type": "record",
                "keys": {"type": "string"},
                "values": {"fieldType": {"type": "null"}, "optional": False},
            },
            "record",
        ),
        (
            v.union(v.null(), v.string()),
            {"type": "union", "value": [{"type": "null"}, {"type": "string"}]},
            "union",
        ),
    ],
)
def test_json_and_kind(validator: Validator, json: Any, kind: str) -> None:
    assert validator.json == json
    assert validator.kind == kind
    assert not validator.is_optional
    assert validator.optional().is_optional
    assert validator.optional().required() == validator


def test_structural_equality_and_hash() -> None:
    assert v.number() == v.float64()
    assert v.int64() == v.bigint()
    assert v.object({"a": v.string(), "b": v.null()}) == v.object({"b": v.null(), "a": v.string()})
    assert hash(v.object({"a": v.string()})) == hash(v.object({"a": v.string()}))
    assert v.string() != v.optional(v.string())
    assert v.literal(1) == v.literal(1.0)
    assert v.literal(0) != v.literal(-0.0)
    assert v.literal(1) != v.literal(Int64(1))
    assert v.literal(1) != v.literal(True)
    assert v.union(v.string(), v.null()) != v.union(v.null(), v.string())
    assert v.id("a") != v.id("b")
    assert v.nullable(v.string()) == v.union(v.string(), v.null())
    assert v.string() != "v.string()"
    assert len({v.string(), v.string(), v.number(), v.float64()}) == 2


# ---------------------------------------------------------------------------
# Definition errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: v.literal(None),
            "v.literal(value) must be a string, number, or boolean, got None (NoneType).",
        ),
        (
            lambda: v.literal([1]),
            "v.literal(value) must be a string, number, or boolean, got [1] (list).",
        ),
        (
            lambda: v.literal(math.nan),
            "Infinite or NaN values are not supported in literal validators.",
        ),
        (
            lambda: v.literal(math.inf),
            "Infinite or NaN values are not supported in literal validators.",
        ),
        (lambda: v.id(5), "v.id(tableName) requires a string, got 5 (int)."),
        (
            lambda: v.id("a-b"),
            "Identifier a-b has invalid character '-': Identifiers can only contain alphanumeric characters or underscores",
        ),
        (
            lambda: v.object({"a": "string"}),
            "v.object() field `a` must be a validator, got 'string' (str).",
        ),
        (
            lambda: v.object({"a": {"b": v.string()}}),
            "v.object() field `a` must be a validator, got {'b': v.string()} (dict). Wrap nested fields in v.object({...}).",
        ),
        (lambda: v.object({"a": v.string}), "v.object() field `a` must be a validator, got"),
        (
            lambda: v.object([("a", v.string())]),
            "v.object() takes a dict of field name -> validator, got [('a', v.string())] (list).",
        ),
        (lambda: v.object({1: v.string()}), "v.object() field names must be strings, got 1 (int)."),
        (
            lambda: v.object({"a-b": v.string()}),
            "Identifier a-b has invalid character '-': Identifiers can only contain alphanumeric characters or underscores",
        ),
        (
            lambda: v.object({"1a": v.string()}),
            "Invalid first character '1' in 1a: Identifiers must start with an alphabetic character or underscore",
        ),
        (lambda: v.object({"": v.string()}), "Identifier cannot be empty"),
        (lambda: v.object({"__": v.string()}), "Identifier __ cannot have exclusively underscores"),
        (lambda: v.object({"a" * 65: v.string()}), "Identifier is too long (65 > maximum 64)"),
        (
            lambda: v.object({"$a": v.string()}),
            "Field name $a starts with a '$', which is reserved.",
        ),
        (lambda: v.array("x"), "The element of v.array() must be a validator, got 'x' (str)."),
        (
            lambda: v.union(v.string(), None),
            "Member 1 of v.union() must be a validator, got None (NoneType).",
        ),
        (lambda: v.optional(3), "The argument of v.optional() must be a validator, got 3 (int)."),
        (lambda: v.nullable(3), "The argument of v.nullable() must be a validator, got 3 (int)."),
        (
            lambda: v.record("k", v.string()),
            "The key of v.record() must be a validator, got 'k' (str).",
        ),
        (
            lambda: v.record(v.string(), 1),
            "The value of v.record() must be a validator, got 1 (int).",
        ),
        (
            lambda: v.record(v.optional(v.string()), v.string()),
            "Record validator cannot have optional keys",
        ),
        (
            lambda: v.record(v.string(), v.optional(v.string())),
            "Record validator cannot have optional values",
        ),
        (
            lambda: v.record(v.number(), v.string()),
            "Records can only have string keys. Your validator contains a record with key typed as `v.float64()`, which is not a subtype of `v.string()`",
        ),
        (
            lambda: v.record(v.any(), v.string()),
            "Records can only have string keys. Your validator contains a record with key typed as `v.any()`, which is not a subtype of `v.string()`",
        ),
        (
            lambda: v.record(v.union(v.string(), v.null()), v.string()),
            "Records can only have string keys. Your validator contains a record with key typed as `v.union(v.string(), v.null())`, which is not a subtype of `v.string()`",
        ),
        (lambda: v.record(v.literal("a"), v.string()), "Records cannot have string literal keys"),
        (
            lambda: v.record(v.union(v.id("t"), v.literal("a")), v.string()),
            "Records cannot have string literal keys",
        ),
    ],
)
def test_definition_errors(build: Any, message: str) -> None:
    with pytest.raises(errors.SchemaDefinitionError) as info:
        build()
    assert str(info.value).startswith(message)


def test_record_accepts_string_like_keys() -> None:
    assert v.record(v.id("users"), v.any()).validate({"u1": 1}, tables=TABLES) == {"u1": 1}
    assert v.record(v.union(v.string(), v.id("t")), v.null()).validate({"k": None}) == {"k": None}


def test_validator_depth_is_capped() -> None:
    validator: Validator = v.null()
    for _ in range(150):
        validator = v.array(validator)
    assert repr(validator).startswith("v.array(v.array(")
    with pytest.raises(errors.SchemaDefinitionError, match="nested too deeply"):
        for _ in range(100):
            validator = v.array(validator)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("users", None),
        ("_storage", None),
        ("a1_b", None),
        ("a" * 64, None),
        ("", "Identifier cannot be empty"),
        (
            "9lives",
            "Invalid first character '9' in 9lives: Identifiers must start with an alphabetic character or underscore",
        ),
        (
            "é",
            "Invalid first character 'é' in é: Identifiers must start with an alphabetic character or underscore",
        ),
        (
            "it's",
            "Identifier it's has invalid character '\\'': Identifiers can only contain alphanumeric characters or underscores",
        ),
        (
            "a\x7f",
            "Identifier a\x7f has invalid character '\\u{7f}': Identifiers can only contain alphanumeric characters or underscores",
        ),
        ("_", "Identifier _ cannot have exclusively underscores"),
    ],
)
def test_identifier_rules(name: str, problem: str | None) -> None:
    assert identifier_error(name) == problem


# ---------------------------------------------------------------------------
# Re-raising as argument/returns/schema errors
# ---------------------------------------------------------------------------


def test_rewrap_keeps_message() -> None:
    with pytest.raises(errors.ValidationError) as info:
        v.string().validate(1)
    wrapped = rewrap_validation_error(info.value, errors.ArgumentValidationError)
    assert type(wrapped) is errors.ArgumentValidationError
    assert str(wrapped) == str(info.value)
    assert rewrap_validation_error(wrapped, errors.ArgumentValidationError) is wrapped
    prefixed = rewrap_validation_error(info.value, errors.ReturnsValidationError, "p: ")
    assert str(prefixed) == "p: " + str(info.value)


def test_validation_errors_as() -> None:
    with (
        pytest.raises(errors.ReturnsValidationError) as info,
        validation_errors_as(errors.ReturnsValidationError),
    ):
        v.string().validate(1)
    assert str(info.value) == no_match("1.0", "v.string()")
    assert info.value.__cause__ is None
    with (
        pytest.raises(errors.UnsupportedValueError),
        validation_errors_as(errors.ReturnsValidationError),
    ):
        v.string().validate({1, 2})
