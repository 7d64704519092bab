"""Hypothesis strategies: random validators, and values built to match a validator."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from convex_test.schema.validators import (
    Validator,
    VAny,
    VArray,
    VBoolean,
    VBytes,
    VFloat64,
    VId,
    VInt64,
    VLiteral,
    VNull,
    VObject,
    VRecord,
    VString,
    VUnion,
    v,
)
from convex_test.values import Int64

identifiers = st.text(string.ascii_letters, min_size=1, max_size=5)
literal_values = st.one_of(
    st.text(max_size=4),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**63), 2**63 - 1).map(Int64),
)
leaf_validators: st.SearchStrategy[Validator] = st.one_of(
    st.just(v.null()),
    st.just(v.number()),
    st.just(v.int64()),
    st.just(v.boolean()),
    st.just(v.string()),
    st.just(v.bytes()),
    st.just(v.any()),
    identifiers.map(v.id),
    literal_values.map(v.literal),
)


def _extend(children: st.SearchStrategy[Validator]) -> st.SearchStrategy[Validator]:
    fields = st.dictionaries(identifiers, st.tuples(children, st.booleans()), max_size=4).map(
        lambda d: v.object({k: (f.optional() if opt else f) for k, (f, opt) in d.items()})
    )
    return st.one_of(
        children.map(v.array),
        fields,
        st.tuples(st.sampled_from([v.string(), v.id("users")]), children).map(
            lambda kv: v.record(kv[0], kv[1])
        ),
        st.lists(children, min_size=1, max_size=3).map(lambda ms: v.union(*ms)),
    )


validators: st.SearchStrategy[Validator] = st.recursive(leaf_validators, _extend, max_leaves=8)

_any_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.floats(allow_nan=False),
        st.integers(-(2**53), 2**53),
        st.text(max_size=4),
        st.binary(max_size=4),
    ),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(identifiers, c, max_size=3)),
    max_leaves=6,
)


@st.composite
def value_for(draw: st.DrawFn, validator: Validator) -> Any:
    """A (possibly non-canonical) Python value that ``validator`` accepts."""
    if isinstance(validator, VNull):
        return None
    if isinstance(validator, VFloat64):
        return draw(st.one_of(st.floats(), st.integers(-(2**53), 2**53)))
    if isinstance(validator, VInt64):
        return draw(
            st.integers(-(2**63), 2**63 - 1).flatmap(lambda n: st.sampled_from([n, Int64(n)]))
        )
    if isinstance(validator, VBoolean):
        return draw(st.booleans())
    if isinstance(validator, (VString, VId)):
        return draw(st.text(max_size=6))
    if isinstance(validator, VBytes):
        return draw(st.binary(max_size=6).flatmap(lambda b: st.sampled_from([b, bytearray(b)])))
    if isinstance(validator, VLiteral):
        return validator.value
    if isinstance(validator, VAny):
        return draw(_any_values)
    if isinstance(validator, VArray):
        items = draw(st.lists(value_for(validator.element), max_size=3))
        return tuple(items) if draw(st.booleans()) else items
    if isinstance(validator, VObject):
        out = {}
        for name, field in validator.fields.items():
            if field.is_optional and draw(st.booleans()):
                continue
            out[name] = draw(value_for(field))
        return out
    if isinstance(validator, VRecord):
        keys = draw(st.lists(identifiers, max_size=3, unique=True))
        return {k: draw(value_for(validator.value)) for k in keys}
    if isinstance(validator, VUnion):
        return draw(value_for(draw(st.sampled_from(validator.members))))
    raise AssertionError(f"unknown validator {validator!r}")


validator_and_value = validators.flatmap(lambda val: st.tuples(st.just(val), value_for(val)))
