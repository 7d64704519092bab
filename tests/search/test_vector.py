"""Vector search: cosine scores vs a brute-force reference, limits, filters, maintenance."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test.errors import ConvexTestError, UnsupportedValueError
from convex_test.search.vector import VectorFilterBuilder, VectorIndex
from convex_test.values import UNDEFINED, Int64
from convex_test.values.order import sort_key


def reference_scores(
    docs: dict[str, dict[str, Any]], query: list[float], dims: int
) -> dict[str, float]:
    """Cosine similarity of every validly indexed doc, computed the obvious way."""
    q = np.array(query, dtype=float)
    out = {}
    for doc_id, doc in docs.items():
        vec = doc.get("v")
        if not (
            type(vec) is list and len(vec) == dims and all(type(x) in (float, int) for x in vec)
        ):
            continue
        v = np.array(vec, dtype=float)
        denominator = np.linalg.norm(q) * np.linalg.norm(v)
        out[doc_id] = 0.0 if denominator == 0 else float(q @ v / denominator)
    return out


def check_against_reference(
    got: list[tuple[str, float]], expected: dict[str, float], limit: int
) -> None:
    assert len(got) == min(limit, len(expected))
    assert len({d for d, _ in got}) == len(got)
    for doc_id, score in got:
        assert score == pytest.approx(expected[doc_id], abs=1e-9)
        assert -1.0 <= score <= 1.0
    returned = [s for _, s in got]
    assert returned == sorted(returned, reverse=True)
    if got:
        floor = min(returned)
        left_out = set(expected) - {d for d, _ in got}
        assert all(expected[d] <= floor + 1e-9 for d in left_out)


components = st.one_of(
    st.floats(-10, 10, allow_nan=False, width=32),
    st.integers(-3, 3),
    st.just(0.0),
)


@settings(max_examples=200, deadline=None)
@given(
    dims=st.integers(2, 5),
    data=st.data(),
    limit=st.integers(1, 40),
)
def test_scores_match_brute_force(dims: int, data: st.DataObject, limit: int) -> None:
    vectors = data.draw(st.lists(st.lists(components, min_size=dims, max_size=dims), max_size=30))
    query = data.draw(st.lists(components, min_size=dims, max_size=dims))
    index = VectorIndex("v", dims, [])
    docs = {f"d{i}": {"v": vec} for i, vec in enumerate(vectors)}
    for doc_id, doc in docs.items():
        index.add(doc_id, doc)
    got = index.search(query, limit=limit)
    check_against_reference(got, reference_scores(docs, query, dims), limit)


kinds = st.sampled_from(["a", "b", Int64(1), 1.0, None, UNDEFINED])


@settings(max_examples=150, deadline=None)
@given(
    ops=st.lists(
        st.tuples(
            st.integers(0, 20),
            st.one_of(
                st.lists(components, min_size=3, max_size=3),
                st.lists(components, min_size=2, max_size=2),  # wrong length
                st.none(),  # a delete
            ),
            kinds,
        ),
        max_size=60,
    ),
    query=st.lists(components, min_size=3, max_size=3),
    wanted=st.lists(kinds, max_size=3),
    limit=st.integers(1, 25),
)
def test_random_writes_and_filters_match_brute_force(
    ops: list[tuple[int, Any, Any]], query: list[float], wanted: list[Any], limit: int
) -> None:
    index = VectorIndex("v", 3, ["kind"])
    docs: dict[str, dict[str, Any]] = {}
    for key, vec, kind in ops:
        doc_id = f"k{key}"
        if doc_id in docs:
            index.remove(doc_id, docs.pop(doc_id))
            if vec is None:
                continue
        doc: dict[str, Any] = {"v": vec if vec is not None else "no vector"}
        if kind is not UNDEFINED:
            doc["kind"] = kind
        docs[doc_id] = doc
        index.add(doc_id, doc)
    assert len(index) == len(docs)

    def build(q: VectorFilterBuilder) -> Any:
        return q.or_(*(q.eq("kind", k) for k in wanted))

    got = index.search(query, limit=limit, filter=build if wanted else None)
    keys = {sort_key(k) for k in wanted}
    matching = {
        d: doc
        for d, doc in docs.items()
        if not wanted or sort_key(doc.get("kind", UNDEFINED)) in keys
    }
    check_against_reference(got, reference_scores(matching, query, 3), limit)


# ---------------------------------------------------------------------------
# Ordering
# ---------------------------------------------------------------------------


def test_exact_ties_go_to_the_larger_doc_id() -> None:
    # The backend sorts (score, internal id) descending.
    index = VectorIndex("v", 2, [])
    for doc_id in ["m", "c", "x", "a", "q"]:
        index.add(doc_id, {"v": [1.0, 1.0]})
    index.add("best", {"v": [1.0, 0.9]})
    got = index.search([1.0, 0.9], limit=4)
    assert [d for d, _ in got] == ["best", "x", "q", "m"]
    # Removing and re-adding (rows move) does not change the order.
    index.remove("m", {"v": [1.0, 1.0]})
    index.add("m", {"v": [1.0, 1.0]})
    assert [d for d, _ in index.search([1.0, 1.0], limit=6)] == ["x", "q", "m", "c", "a", "best"]
    index.remove("c", {"v": [1.0, 1.0]})  # "m", the last row, moves into the hole
    assert [d for d, _ in index.search([1.0, 1.0], limit=6)] == ["x", "q", "m", "a", "best"]


def test_ties_at_the_limit_boundary_are_deterministic() -> None:
    index = VectorIndex("v", 2, [])
    for i in range(50):
        index.add(f"d{i:02}", {"v": [1.0, 0.0] if i % 2 else [0.0, 1.0]})
    assert [d for d, _ in index.search([1.0, 0.0], limit=3)] == ["d49", "d47", "d45"]
    assert [d for d, _ in index.search([0.0, 1.0], limit=3)] == ["d48", "d46", "d44"]


def test_scores_are_cosine_similarity() -> None:
    index = VectorIndex("v", 2, [])
    index.add("same", {"v": [3.0, 4.0]})
    index.add("opposite", {"v": [-3, -4]})
    index.add("orthogonal", {"v": [4.0, -3.0]})
    index.add("scaled", {"v": [300.0, 400.0]})
    index.add("huge", {"v": [3e300, 4e300]})
    got = dict(index.search([0.6, 0.8]))
    assert got == {
        "same": pytest.approx(1.0),
        "scaled": pytest.approx(1.0),
        "huge": pytest.approx(1.0),
        "orthogonal": pytest.approx(0.0, abs=1e-12),
        "opposite": pytest.approx(-1.0),
    }


def test_zero_vectors_score_zero() -> None:
    index = VectorIndex("v", 3, [])
    index.add("zero", {"v": [0.0, 0.0, 0.0]})
    index.add("one", {"v": [1.0, 0.0, 0.0]})
    assert index.search([1.0, 0.0, 0.0]) == [("one", 1.0), ("zero", 0.0)]
    assert index.search([0.0, 0.0, 0.0]) == [("zero", 0.0), ("one", 0.0)]


def test_non_finite_stored_vectors_rank_last() -> None:
    index = VectorIndex("v", 2, [])
    index.add("nan", {"v": [math.nan, 1.0]})
    index.add("inf", {"v": [math.inf, 1.0]})
    index.add("bad", {"v": [-1.0, 0.0]})
    got = index.search([1.0, 0.0])
    assert [d for d, _ in got] == ["bad", "nan", "inf"]
    assert got[0][1] == -1.0 and math.isnan(got[1][1]) and math.isnan(got[2][1])


def test_many_documents_grow_the_matrix() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 8))
    index = VectorIndex("v", 8, [])
    docs = {f"d{i}": {"v": [float(x) for x in row]} for i, row in enumerate(vectors)}
    for doc_id, doc in docs.items():
        index.add(doc_id, doc)
    for i in range(0, 300, 3):
        index.remove(f"d{i}", docs.pop(f"d{i}"))
    query = [float(x) for x in rng.normal(size=8)]
    got = index.search(query, limit=256)
    check_against_reference(got, reference_scores(docs, query, 8), 256)
    assert len(index) == index.num_indexed == 200


# ---------------------------------------------------------------------------
# What gets indexed
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        {"v": [1.0, 2.0, 3.0]},  # wrong length
        {"v": [1.0]},
        {"v": []},
        {"v": [Int64(1), 2.0]},  # Int64 is not Float64
        {"v": [True, 2.0]},
        {"v": ["1", 2.0]},
        {"v": [None, 2.0]},
        {"v": [[1.0], 2.0]},
        {"v": "1, 2"},
        {"v": {"0": 1.0, "1": 2.0}},
        {"v": None},
        {},
    ],
)
def test_invalid_vectors_are_not_indexed(doc: dict[str, Any]) -> None:
    index = VectorIndex("v", 2, [])
    index.add("bad", doc)
    index.add("good", {"v": [1.0, 2.0]})
    assert [d for d, _ in index.search([1.0, 2.0])] == ["good"]
    assert len(index) == 2 and index.num_indexed == 1
    index.remove("bad", doc)
    assert len(index) == 1 and "bad" not in index


def test_plain_ints_and_nested_paths_are_indexed() -> None:
    index = VectorIndex("emb.values", 2, ["meta.kind"])
    index.add("a", {"emb": {"values": [1, 0]}, "meta": {"kind": "x"}})
    index.add("b", {"emb": [1.0, 0.0]})
    assert index.search([1.0, 0.0]) == [("a", 1.0)]
    assert index.search([1.0, 0.0], filter=lambda q: q.eq("meta.kind", "x")) == [("a", 1.0)]


def test_add_twice_and_remove_unknown_raise() -> None:
    index = VectorIndex("v", 2, [], name="docs.by_v")
    index.add("a", {"v": [1.0, 0.0]})
    index.add("b", {})
    with pytest.raises(ConvexTestError, match=r"already in docs\.by_v"):
        index.add("a", {"v": [0.0, 1.0]})
    with pytest.raises(ConvexTestError, match=r"already in docs\.by_v"):
        index.add("b", {"v": [0.0, 1.0]})
    with pytest.raises(ConvexTestError, match=r"is not in docs\.by_v"):
        index.remove("c", {})
    with pytest.raises(ConvexTestError):
        index.add(5, {})  # type: ignore[arg-type]
    with pytest.raises(ConvexTestError):
        index.add("c", [1.0, 0.0])  # type: ignore[arg-type]
    assert index.search([1.0, 0.0]) == [("a", 1.0)]


def test_update_moves_a_document() -> None:
    index = VectorIndex("v", 2, ["kind"])
    old = {"v": [1.0, 0.0], "kind": "a"}
    new = {"v": [0.0, 1.0], "kind": "b"}
    index.add("x", old)
    index.add("y", {"v": [1.0, 1.0], "kind": "a"})
    index.remove("x", old)
    index.add("x", new)
    assert index.search([0.0, 1.0], limit=1) == [("x", 1.0)]
    assert [d for d, _ in index.search([0.0, 1.0], filter=lambda q: q.eq("kind", "a"))] == ["y"]
    index.remove("x", new)
    index.remove("y", {})
    assert len(index) == 0
    assert index.search([0.0, 1.0]) == []
    assert index.search([0.0, 1.0], filter=lambda q: q.eq("kind", "a")) == []


# ---------------------------------------------------------------------------
# Limits and validation
# ---------------------------------------------------------------------------


def populated(n: int = 300) -> VectorIndex:
    index = VectorIndex("v", 2, ["kind", "n"], name="docs.by_v")
    for i in range(n):
        index.add(f"d{i}", {"v": [1.0, i / n], "kind": "odd" if i % 2 else "even", "n": i})
    return index


def test_default_limit_is_10() -> None:
    assert len(populated().search([1.0, 0.0])) == 10
    assert len(populated().search([1.0, 0.0], limit=None)) == 10


@pytest.mark.parametrize("limit", [1, 3, 256, 3.0])
def test_valid_limits(limit: Any) -> None:
    assert len(populated().search([1.0, 0.0], limit=limit)) == int(limit)


def test_limit_over_256() -> None:
    with pytest.raises(ConvexTestError) as info:
        populated().search([1.0, 0.0], limit=257)
    assert str(info.value) == "Vector queries can fetch at most 256 results, requested 257."


@pytest.mark.parametrize("limit", [0, -1, 1.5, True, "3", math.nan, Int64(3)])
def test_invalid_limits(limit: Any) -> None:
    with pytest.raises(ConvexTestError, match="must be an integer from 1 to 256"):
        populated().search([1.0, 0.0], limit=limit)


def test_dimension_mismatch() -> None:
    with pytest.raises(ConvexTestError) as info:
        populated().search([1.0, 0.0, 0.0])
    assert str(info.value) == "Expected a vector with dimensions 2, received 3."


@pytest.mark.parametrize(
    ("vector", "message"),
    [
        ([], "`vector` must be a non-empty Array in vectorSearch"),
        ([1.0, True], "found true at index 1"),
        ([Int64(1), 0.0], "found 1 at index 0"),
        ([1.0, "x"], 'found "x" at index 1'),
        ([1.0, None], "found null at index 1"),
        ([math.nan, 1.0], "found NaN at index 0"),
        ([1.0, -math.inf], "found -inf at index 1"),
        ("ab", "must be a list of numbers"),
        (5, "must be a list of numbers"),
        ({"a": 1.0}, "must be a list of numbers"),
    ],
)
def test_invalid_query_vectors(vector: Any, message: str) -> None:
    with pytest.raises(ConvexTestError, match=message.replace("(", r"\(").replace("[", r"\[")):
        populated().search(vector)


def test_query_vector_may_be_any_sequence_of_reals() -> None:
    index = populated(5)
    expected = index.search([1.0, 0.0])
    assert index.search((1, 0)) == expected
    assert index.search(np.array([1.0, 0.0])) == expected
    assert index.search(np.array([1.0, 0.0], dtype=np.float32)) == expected


@pytest.mark.parametrize("dimensions", [1, 4097, 0, True, 2.0, "3"])
def test_invalid_dimensions(dimensions: Any) -> None:
    with pytest.raises(ConvexTestError, match="must be between 2 and 4096"):
        VectorIndex("v", dimensions, [])


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


def kinds_index() -> VectorIndex:
    index = VectorIndex("v", 2, ["kind", "lang"], name="docs.by_v")
    docs: list[dict[str, Any]] = [
        {"kind": "a", "lang": "en"},
        {"kind": "b", "lang": "pt"},
        {"kind": Int64(1)},
        {"kind": 1.0},
        {"kind": None},
        {"lang": "en"},
    ]
    for i, doc in enumerate(docs):
        index.add(f"d{i}", {"v": [1.0, i / 10], **doc})
    return index


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda q: q.eq("kind", "a"), {"d0"}),
        (lambda q: q.or_(q.eq("kind", "a"), q.eq("kind", "b")), {"d0", "d1"}),
        (lambda q: q.or_(q.eq("kind", "a"), q.eq("lang", "en")), {"d0", "d5"}),  # across fields
        (lambda q: q.eq("kind", Int64(1)), {"d2"}),
        (lambda q: q.eq("kind", 1), {"d3"}),
        (lambda q: q.eq("kind", None), {"d4"}),
        (lambda q: q.eq("kind", UNDEFINED), {"d5"}),
        (lambda q: q.eq("lang", UNDEFINED), {"d2", "d3", "d4"}),
        (lambda q: q.or_(q.or_(q.eq("kind", "b")), q.or_(q.eq("kind", None))), {"d1", "d4"}),
        (lambda q: q.eq("kind", "zzz"), set()),
        (lambda q: q.or_(), {f"d{i}" for i in range(6)}),  # no condition at all
    ],
)
def test_filters(build: Any, expected: set[str]) -> None:
    got = kinds_index().search([1.0, 0.0], limit=256, filter=build)
    assert {d for d, _ in got} == expected


def test_filtered_scores_equal_unfiltered_scores() -> None:
    index = kinds_index()
    everything = dict(index.search([0.3, 1.0], limit=256))
    some = dict(index.search([0.3, 1.0], filter=lambda q: q.eq("kind", "b")))
    assert some == {"d1": everything["d1"]}


def test_filter_on_a_non_filter_field() -> None:
    with pytest.raises(ConvexTestError) as info:
        kinds_index().search([1.0, 0.0], filter=lambda q: q.eq("knd", "a"))
    assert str(info.value) == (
        'Vector query against docs.by_v contains a filter on "knd" but that field isn\'t '
        'indexed for filtering in `filterFields`. The index\'s filterFields are ["kind", '
        '"lang"]. Did you mean `kind`?'
    )


def test_at_most_64_distinct_conditions() -> None:
    index = kinds_index()

    def conditions(n: int, *, repeat: bool = False) -> Any:
        def build(q: VectorFilterBuilder) -> Any:
            exprs = [q.eq("kind", f"k{i}") for i in range(n)]
            if repeat:
                exprs.append(q.eq("kind", "k0"))
            return q.or_(*exprs)

        return build

    assert index.search([1.0, 0.0], filter=conditions(64)) == []
    assert index.search([1.0, 0.0], filter=conditions(64, repeat=True)) == []
    with pytest.raises(ConvexTestError) as info:
        index.search([1.0, 0.0], filter=conditions(65))
    assert (
        str(info.value)
        == "Vector query against docs.by_v has too many conditions. Max: 64 Actual: 65"
    )


@pytest.mark.parametrize(
    "operator",
    [
        "and_",
        "not_",
        "neq",
        "lt",
        "lte",
        "gt",
        "gte",
        "field",
        "add",
        "sub",
        "mul",
        "div",
        "mod",
        "neg",
    ],
)
def test_unsupported_operators(operator: str) -> None:
    def build(q: VectorFilterBuilder) -> Any:
        method = getattr(q, operator)
        return method(*[q.eq("kind", "a")] * len(inspect.signature(method).parameters))

    with pytest.raises(ConvexTestError) as info:
        kinds_index().search([1.0, 0.0], filter=build)
    assert str(info.value).startswith("Filters should be a combination of `q.eq` and `q.or`")
    assert f"`q.{operator}`" in str(info.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda q: None, "the filter function returned null"),
        (lambda q: True, "the filter function returned true"),
        (lambda q: ("kind", "a"), "the filter function returned"),
        (lambda q: q.eq(1, "a"), "`q.eq` must take a field path"),
        (lambda q: q.or_(q.eq("kind", "a"), "kind"), "combination of `q.eq` and `q.or`"),
        ("not callable", "the filter function returned"),
    ],
)
def test_malformed_filters(build: Any, message: str) -> None:
    with pytest.raises(ConvexTestError, match=message.replace("(", r"\(")):
        kinds_index().search([1.0, 0.0], filter=build)


def test_unsupported_filter_value() -> None:
    with pytest.raises(UnsupportedValueError):
        kinds_index().search([1.0, 0.0], filter=lambda q: q.eq("kind", {1, 2}))


def test_deeply_nested_or_does_not_recurse() -> None:
    def build(q: VectorFilterBuilder) -> Any:
        expr = q.eq("kind", "a")
        for _ in range(5000):
            expr = q.or_(expr)
        return expr

    assert [d for d, _ in kinds_index().search([1.0, 0.0], filter=build)] == ["d0"]


def test_check_order_matches_the_backend() -> None:
    """limit, then filter fields, then condition count, then dimensions."""
    index = kinds_index()
    with pytest.raises(ConvexTestError, match="at most 256"):
        index.search([1.0], limit=300, filter=lambda q: q.eq("nope", 1))
    with pytest.raises(ConvexTestError, match="isn't indexed for filtering"):
        index.search([1.0], filter=lambda q: q.eq("nope", 1))
    with pytest.raises(ConvexTestError, match="Expected a vector with dimensions 2"):
        index.search([1.0], filter=lambda q: q.eq("kind", 1))
