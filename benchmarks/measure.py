"""Timing primitives: per-op samples, summaries, results, and the oracle's PRNG."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Result",
    "Stats",
    "mulberry32",
    "sample_calls",
    "sample_totals",
]


@dataclass(slots=True)
class Stats:
    """A summary of timing samples, all in microseconds."""

    count: int
    median_us: float
    p95_us: float
    mean_us: float
    min_us: float

    @classmethod
    def of(cls, samples_us: Sequence[float]) -> Stats:
        ordered = sorted(samples_us)
        n = len(ordered)
        # Nearest-rank p95: the smallest sample with at least 95% of samples <= it.
        p95 = ordered[min(n - 1, max(0, -(-95 * n // 100) - 1))]
        return cls(
            count=n,
            median_us=statistics.median(ordered),
            p95_us=p95,
            mean_us=statistics.fmean(ordered),
            min_us=ordered[0],
        )

    def as_json(self) -> dict[str, float | int]:
        return {
            "count": self.count,
            "median_us": round(self.median_us, 3),
            "p95_us": round(self.p95_us, 3),
            "mean_us": round(self.mean_us, 3),
            "min_us": round(self.min_us, 3),
        }


@dataclass(slots=True)
class Result:
    """One measured workload (one row of the table).

    ``kind`` is ``"per_op"`` (a sample per call) or ``"total"`` (a sample per whole run,
    e.g. paging through a table).  ``js`` is filled in from the oracle's numbers.
    """

    key: str
    label: str
    kind: str = "per_op"
    n: int | None = None
    stats: Stats | None = None
    info: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None
    js: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "kind": self.kind}
        if self.n is not None:
            out["n"] = self.n
        if self.stats is not None:
            out["stats"] = self.stats.as_json()
        if self.info:
            out["info"] = self.info
        if self.skipped is not None:
            out["skipped"] = self.skipped
        if self.js is not None:
            out["js"] = self.js
        return out


_clock = time.perf_counter_ns


def sample_calls(
    call: Callable[[Any], object],
    args: Sequence[Any],
    *,
    warmup: int,
    repeats: int,
    max_seconds: float = 20.0,
) -> Stats:
    """Time ``call(a)`` for every ``a`` in ``args``, ``repeats`` times, one sample each.

    The first ``warmup`` arguments run untimed first.  Repeats stop early once the
    workload has used ``max_seconds`` (at least one full pass always runs).
    """
    for a in args[:warmup]:
        call(a)
    gc.collect()
    samples: list[float] = []
    append = samples.append
    clock = _clock
    started = clock()
    for _ in range(repeats):
        for a in args:
            t0 = clock()
            call(a)
            append((clock() - t0) / 1000.0)
        if (clock() - started) / 1e9 > max_seconds:
            break
    return Stats.of(samples)


def sample_totals(run: Callable[[], object], *, warmup: int, repeats: int) -> Stats:
    """Time whole runs of ``run()`` (``warmup`` untimed runs first)."""
    for _ in range(warmup):
        run()
    gc.collect()
    samples: list[float] = []
    for _ in range(repeats):
        t0 = _clock()
        run()
        samples.append((_clock() - t0) / 1000.0)
    return Stats.of(samples)


def mulberry32(seed: int) -> Callable[[], float]:
    """The oracle's ``rng(seed)`` (mulberry32): the same numbers as bench.test.ts."""
    state = seed & 0xFFFFFFFF

    def imul(a: int, b: int) -> int:
        return (a * b) & 0xFFFFFFFF

    def next_float() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), 1 | state)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return next_float
