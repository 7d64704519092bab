"""Hypothesis strategies of canonical Convex values, shared by the tests of values/."""

from __future__ import annotations

import struct
from typing import Any

from hypothesis import strategies as st

from convex_test.values.types import Int64

FIELD_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
field_names = st.text(FIELD_CHARS, max_size=6).filter(lambda k: not k.startswith("$"))


def _float_from_bits(bits: int) -> float:
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    # Any bit pattern: NaN payloads, negative NaNs, subnormals.
    st.integers(0, 2**64 - 1).map(_float_from_bits),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, float("inf"), float("-inf")]),
)

scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    floats,
    st.integers(-(2**53), 2**53),  # plain int: a Float64
    st.integers(-(2**63), 2**63 - 1).map(Int64),
    st.sampled_from([Int64(0), Int64(1), Int64(-1), 0, 1, -1]),
    st.text(max_size=8),
    st.binary(max_size=8),
)

convex_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(field_names, children, max_size=4),
    ),
    max_leaves=12,
)
