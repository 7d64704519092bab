"""Vector search ranks a few candidates in Python and many with numpy: same results.

Also checks the two-pass screen (float32 scan, exact float64 rescoring) against a plain
exact search, and its k-th-largest helper against a full sort.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test.search import vector
from convex_test.search.vector import VectorIndex, _kth_largest

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


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=False, width=32) | st.sampled_from([-math.inf, 0.0, -0.0, 1.0]),
        min_size=1,
        max_size=3000,
    ),
    k=st.integers(min_value=1, max_value=40),
)
def test_kth_largest(values: list[float], k: int) -> None:
    array = np.array(values, dtype=np.float32)
    k = min(k, len(values))
    assert _kth_largest(array, k) == sorted(array.tolist(), reverse=True)[k - 1]


@pytest.mark.parametrize("size", [128, 1000, 10_000, 40_000])
@pytest.mark.parametrize("k", [1, 2, 10, 64, 256])
@pytest.mark.parametrize("kind", ["normal", "few values", "sorted", "reversed"])
def test_kth_largest_of_large_arrays(size: int, k: int, kind: str) -> None:
    # Large enough for the sampled first pass (size >= 128 * k).
    rng = np.random.default_rng(size + k)
    array = rng.standard_normal(size).astype(np.float32)
    if kind == "few values":
        array = np.round(array).astype(np.float32)
    elif kind == "sorted":
        array = np.sort(array)
    elif kind == "reversed":
        array = np.sort(array)[::-1].copy()
    k = min(k, size)
    assert _kth_largest(array, k) == np.sort(array)[size - k]
