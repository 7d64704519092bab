"""Hypothesis strategies for engine tests: small Convex values covering every type."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from convex_test.values.types import Int64

scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3).map(Int64),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, float("inf"), float("-inf"), float("nan")]),
    st.integers(min_value=-3, max_value=3),  # plain int = Float64
    st.sampled_from(["", "a", "b", "B", "ab", "é", "😀"]),
    st.sampled_from([b"", b"\x00", b"\x01\x02", b"\xff"]),
)

values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=2),
        st.dictionaries(st.sampled_from(["a", "b", "x"]), inner, max_size=2),
    ),
    max_leaves=4,
)

# A field value or "missing" (None would be a null).
MISSING = object()
maybe_values: st.SearchStrategy[Any] = st.one_of(st.just(MISSING), values)


# A small pool, so that documents and bounds often hold equal values.
POOL: list[Any] = [
    None, False, True, Int64(-1), Int64(1), -1.0, -0.0, 0.0, 1, float("nan"), "", "a", "b",
    b"", b"\x01", [], [1], [Int64(1)], {}, {"x": 1}, {"x": "a"},
]  # fmt: skip
pool_values: st.SearchStrategy[Any] = st.sampled_from(POOL)


def small_doc(fields: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """A document over ``fields`` (each possibly missing), values from a small pool."""
    pools = st.one_of(st.just(MISSING), pool_values)

    def build(parts: list[Any]) -> dict[str, Any]:
        return {f: p for f, p in zip(fields, parts) if p is not MISSING}

    return st.lists(pools, min_size=len(fields), max_size=len(fields)).map(build)
