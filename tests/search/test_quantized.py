"""The int8 screen (convex_test/search/quantized.py): rounding, bounds, upkeep, k-th largest."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convex_test.search.quantized import Int8Rows, kth_largest, quantize, screen

_unit_floats = st.floats(-1.0, 1.0, allow_nan=False, width=64)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=40), elements=_unit_floats
    )
)
def test_quantize_keeps_every_element_within_half_a_step(rows: np.ndarray) -> None:
    codes, scales = quantize(rows)
    assert codes.dtype == np.int8 and np.abs(codes.astype(int)).max(initial=0) <= 127
    error = np.abs(rows - codes * scales[:, np.newaxis])
    assert np.all(error <= scales[:, np.newaxis] * (0.5 + 1e-12) + 1e-300)
    assert np.all(scales[~rows.any(axis=1)] == 0.0)  # zero rows


def _unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    rows = rng.uniform(-1.0, 1.0, (n, d))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    d=st.sampled_from([2, 3, 16, 300]),
    count=st.integers(1, 20),
    duplicates=st.booleans(),
)
def test_screen_keeps_every_row_of_the_exact_top(
    seed: int, n: int, d: int, count: int, duplicates: bool
) -> None:
    rng = np.random.default_rng(seed)
    matrix = _unit_rows(rng, n, d)
    if duplicates:
        matrix[n // 2 :] = matrix[0]  # exact ties at the top or the bottom
    q = _unit_rows(rng, 1, d)[0]
    count = min(count, n)
    rows = Int8Rows(d).synced(matrix, n)
    kept = set(screen(rows, np.arange(n), True, q, count).tolist())
    exact = matrix @ q
    kth = np.sort(exact)[::-1][count - 1]
    # Every row scoring at least the k-th best (ties included), with float64's rounding.
    must = set(np.flatnonzero(exact >= kth - 1e-13).tolist())
    assert must <= kept
    # And a subset of candidates: the same guarantee, reported by candidate position.
    subset = np.arange(0, n, 2)
    if len(subset) >= count:
        kept_sub = set(screen(rows, subset, False, q, count).tolist())
        sub_kth = np.sort(exact[subset])[::-1][count - 1]
        assert set(subset[exact[subset] >= sub_kth - 1e-13].tolist()) <= kept_sub


def test_rows_follow_growth_and_swap_removes() -> None:
    rng = np.random.default_rng(1)
    matrix = _unit_rows(rng, 64, 8)
    rows = Int8Rows(8).synced(matrix[:16].copy(), 10)  # capacity 16, 10 quantized
    full = Int8Rows(8).synced(matrix, 64)
    bigger = np.concatenate([matrix[:16], np.zeros((16, 8))])
    bigger[16:20] = matrix[16:20]
    rows.synced(bigger, 20)  # grows to the new capacity, quantizes rows 10..19
    assert rows.codes1.shape[0] == 32 and rows.valid == 20
    assert np.array_equal(rows.codes1[:20], full.codes1[:20])
    assert np.array_equal(rows.stats[:20], full.stats[:20])
    # Swap-remove row 3: the last row (19) moves into it; 19 rows remain.
    bigger[3] = bigger[19]
    rows.move(bigger, 19, 3, 19)
    assert rows.valid == 19
    assert np.array_equal(rows.codes2[3], full.codes2[19])
    # A move from a row not quantized yet quantizes the target from the matrix.
    bigger[20:24] = matrix[20:24]
    bigger[5] = bigger[23]
    rows.move(bigger, 23, 5, 23)
    assert np.array_equal(rows.codes1[5], full.codes1[23])
    assert np.array_equal(rows.stats[5], full.stats[23])


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=False, width=32) | st.sampled_from([-math.inf, 0.0, -0.0, 1.0]),
        min_size=1,
        max_size=3000,
    ),
    k=st.integers(min_value=1, max_value=40),
)
def testkth_largest(values: list[float], k: int) -> None:
    array = np.array(values, dtype=np.float32)
    k = min(k, len(values))
    assert kth_largest(array, k) == sorted(array.tolist(), reverse=True)[k - 1]


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
    assert kth_largest(array, k) == np.sort(array)[size - k]
