"""Vector search ranks a few candidates in Python and many with numpy: same results.

Also checks searches through the int8 screen (``quantized.screen``, then exact float64
rescoring) against plain exact searches, through the index's public ``search``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test.search import vector
from convex_test.search.vector import VectorIndex

# Few distinct directions: many exact ties; NaN rows (inf in the input) and zero rows.
_BASIS: list[list[float]] = [
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [1.0, 1.0, 0.0],
    [-1.0, 0.5, 2.0],
    [0.0, 0.0, 0.0],
    [math.inf, 1.0, 0.0],
    [3.0, 3.0, 0.0],
    [1e-300, 1e-300, 1e-300],
    [-1.0, 0.0, 0.0],  # score exactly -1 against the first query
    # Normalised, its cosine with itself rounds to 1.0000000000000002 (clipped to 1).
    [-0.648688758794882, 0.7263578446997732, 0.08292244049818343],
]


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.integers(min_value=0, max_value=len(_BASIS) - 1), min_size=1, max_size=90),
    query=st.sampled_from(
        [
            [1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.3, -2.0, 1.0],
            [0.0, 0.0, 1.0],
            [-0.648688758794882, 0.7263578446997732, 0.08292244049818343],
        ]
    ),
    limit=st.integers(min_value=1, max_value=100),
)
def test_python_and_numpy_rankings_agree(rows: list[int], query: list[float], limit: int) -> None:
    index = VectorIndex("v", 3)
    for i, row in enumerate(rows):
        index.add(f"id{(i * 37) % 101:03d}", {"v": _BASIS[row]})
    with pytest.MonkeyPatch.context() as m:
        m.setattr(vector, "_SMALL_RANKING", 10_000)
        few = index.search(query, limit=min(limit, 256))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(vector, "_SMALL_RANKING", 0)
        many = index.search(query, limit=min(limit, 256))
    assert repr(few) == repr(many)  # repr: NaN scores compare equal


@pytest.mark.parametrize("seed", range(4))
def test_screened_search_equals_the_exact_ranking(seed: int, monkeypatch: Any) -> None:
    rng = np.random.default_rng(seed)
    dims = 64
    data = rng.uniform(-1.0, 1.0, (600, dims))
    data[10] = data[20]  # an exact tie
    index = VectorIndex("v", dims)
    for i, row in enumerate(data):
        index.add(f"id{i:04d}", {"v": row.tolist()})
    query = rng.uniform(-1.0, 1.0, dims).tolist()
    monkeypatch.setattr(vector, "_SCREEN_MIN_CELLS", 1)
    screened = index.search(query, limit=12)
    monkeypatch.setattr(vector, "_SCREEN_MIN_CELLS", 1 << 60)
    assert screened == index.search(query, limit=12)


@settings(max_examples=40, deadline=None)
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.integers(1, 40)),
            st.tuples(st.just("remove"), st.integers(0, 10_000)),
            st.tuples(st.just("search"), st.integers(0, 10_000)),
        ),
        max_size=30,
    )
)
def test_screened_searches_stay_exact_across_adds_and_removes(ops: list[Any]) -> None:
    # Screened searches read the int8 rows, which follow the matrix lazily: appended rows
    # are quantized at the next search, swap-removes move the last row's codes into the
    # hole at once (``Int8Rows.move``), and the int8 arrays grow with the matrix.  Each
    # screened search must equal the exact one.
    rng = np.random.default_rng(7)
    dims = 16
    index = VectorIndex("v", dims)
    live: list[str] = []
    serial = 0
    with pytest.MonkeyPatch.context() as m:
        for op, arg in [*ops, ("search", 0)]:
            if op == "add":
                for _ in range(arg):
                    doc_id = f"id{serial:05d}"
                    serial += 1
                    index.add(doc_id, {"v": rng.uniform(-1.0, 1.0, dims).tolist()})
                    live.append(doc_id)
            elif op == "remove" and live:
                index.remove(live.pop(arg % len(live)))
            elif op == "search":
                query = rng.uniform(-1.0, 1.0, dims).tolist()
                m.setattr(vector, "_SCREEN_MIN_CELLS", 1)
                screened = index.search(query, limit=3)
                m.setattr(vector, "_SCREEN_MIN_CELLS", 1 << 60)
                assert screened == index.search(query, limit=3)
                assert len(screened) == min(3, len(live))


def test_a_documents_score_does_not_depend_on_the_other_rows_scored() -> None:
    # A filter (or the screen) scores a subset of the rows; BLAS would round each row's
    # dot product differently depending on its neighbours.
    rng = np.random.default_rng(3)
    index = VectorIndex("v", 37, ["kind"])
    for i in range(203):
        index.add(f"id{i:04d}", {"v": rng.uniform(-1, 1, 37).tolist(), "kind": f"k{i % 3}"})
    for _ in range(20):
        query = rng.uniform(-1, 1, 37).tolist()
        everything = dict(index.search(query, limit=256))
        for kind in ("k0", "k1", "k2"):
            some = index.search(query, limit=256, filter=lambda q, k=kind: q.eq("kind", k))
            assert all(everything[doc_id] == score for doc_id, score in some)


_components = st.one_of(
    st.floats(-1.0, 1.0, allow_nan=False),
    st.sampled_from([0.0, 1.0, -1.0, 1e-200, 1e200, 0.5, -0.25]),
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.one_of(
            st.lists(_components, min_size=6, max_size=6),
            st.sampled_from([[0.0] * 6, [1.0, 0, 0, 0, 0, 0], [1e200, 1e-200, 0, 0, 0, 1.0]]),
        ),
        min_size=1,
        max_size=60,
    ),
    query=st.lists(_components, min_size=6, max_size=6),
    limit=st.integers(1, 256),
    kinds=st.integers(1, 3),
)
def test_int8_screen_keeps_every_exact_result(
    rows: list[list[float]], query: list[float], limit: int, kinds: int
) -> None:
    # Coarse int8 codes (huge and tiny components in one row, duplicates, zero rows):
    # the bounds must keep every row of the exact top `limit`, ties included.
    index = VectorIndex("v", 6, ["kind"])
    for i, row in enumerate(rows):
        index.add(f"id{(i * 7) % 61:03d}x{i}", {"v": row, "kind": f"k{i % kinds}"})
    for filter_ in (None, lambda q: q.eq("kind", "k0")):
        with pytest.MonkeyPatch.context() as m:
            m.setattr(vector, "_SCREEN_MIN_CELLS", 1)
            screened = index.search(query, limit=limit, filter=filter_)
            m.setattr(vector, "_SCREEN_MIN_CELLS", 1 << 60)
            exact = index.search(query, limit=limit, filter=filter_)
        assert screened == exact


def test_rows_with_non_finite_vectors_are_scored_without_the_screen(monkeypatch: Any) -> None:
    index = VectorIndex("v", 3)
    for i, row in enumerate([[1.0, 0.0, 0.0], [math.inf, 1.0, 0.0], [0.5, 0.5, 0.0]] * 40):
        index.add(f"id{i:03d}", {"v": row})
    monkeypatch.setattr(vector, "_SCREEN_MIN_CELLS", 1)
    screened = index.search([1.0, 0.2, 0.0], limit=100)
    monkeypatch.setattr(vector, "_SCREEN_MIN_CELLS", 1 << 60)
    assert repr(screened) == repr(index.search([1.0, 0.2, 0.0], limit=100))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    spread=st.sampled_from([1e-6, 1e-4, 1e-3, 1e-2, 1e-1]),
    limit=st.integers(1, 12),
    dims=st.sampled_from([2, 5, 32, 200]),
)
def test_int8_screen_is_exact_when_rows_differ_by_less_than_a_step(
    seed: int, spread: float, limit: int, dims: int
) -> None:
    # Rows around one direction, closer together than an int8 step resolves: only the
    # error bounds keep the exact best rows among the candidates.
    rng = np.random.default_rng(seed)
    base = rng.uniform(-1.0, 1.0, dims)
    index = VectorIndex("v", dims)
    for i in range(300):
        index.add(f"id{i:04d}", {"v": (base + spread * rng.standard_normal(dims)).tolist()})
    query = (base + spread * rng.standard_normal(dims)).tolist()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(vector, "_SCREEN_MIN_CELLS", 1)
        screened = index.search(query, limit=limit)
        m.setattr(vector, "_SCREEN_MIN_CELLS", 1 << 60)
        exact = index.search(query, limit=limit)
    assert screened == exact
