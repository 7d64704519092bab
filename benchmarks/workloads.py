"""The workloads: the same ones as the oracle's ``bench.test.ts``, plus a few of our own.

Every workload builds fresh backends from the app in ``benchmarks/app`` (the oracle's
tables and functions, in Python), times calls through ``t`` exactly as a test makes
them, and returns :class:`~benchmarks.measure.Result` rows.  Keys are stable: the report,
the JSON file and the oracle mapping use them.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import Result, Stats, mulberry32, sample_calls, sample_totals

__all__ = ["GROUPS", "Config", "run_group"]

APP_DIR = Path(__file__).resolve().parent / "app"
REPO_ROOT = Path(__file__).resolve().parent.parent

# The oracle's word list (bench.test.ts), in its order: the PRNG picks by position.
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
    "hello",
    "world",
    "convex",
    "python",
    "oracle",
    "index",
    "search",
    "vector",
    "table",
    "query",
    "mutation",
    "action",
]


@dataclass(slots=True)
class Config:
    """What to run and how hard."""

    ns: list[int] = field(default_factory=lambda: [1_000, 10_000, 50_000, 100_000])
    repeats: int = 5
    call_ops: int = 2_000
    query_ops: int = 200
    docs: int = 10_000
    """N for pagination, text and vector search, and the memory probe."""
    vector_1536_docs: int = 10_000
    chain: int = 10_000
    import_runs: int = 9
    quick: bool = False
    log: Callable[[str], None] = print


def _new_t() -> Any:
    from convex_test import convex_test

    return convex_test(modules=str(APP_DIR))


def _api() -> Any:
    from convex_test import api

    return api


def _body(r: Callable[[], float]) -> str:
    k = 3 + int(r() * 6)
    return " ".join(WORDS[int(r() * len(WORDS))] for _ in range(k))


def _messages(n: int, seed: int = 1) -> list[dict[str, Any]]:
    r = mulberry32(seed)
    return [
        {"author": f"a{i % 100}", "body": _body(r), "channel": f"c{i % 100}", "n": i}
        for i in range(n)
    ]


MAX_SCAN_DOCS = 32_000
"""Convex's limit on documents read by one function (a full scan of more fails)."""
SEED_BATCH = 8_000
SEED_SAMPLE_DOCS = 50_000
"""Seed rows repeat (on fresh backends) while the documents seeded stay within this."""
"""Inserts per ``t.run`` when seeding: Convex allows 16,000 writes per transaction."""


SEED_INDEXES = {"messages": ("by_channel", "by_author_n"), "items": ("by_value",)}
"""The database indexes of the benchmark app's tables (besides ``by_creation_time``)."""

_warmed_up = False


def _warm_up_seeding() -> None:
    """Pay one-time process costs (lazy imports such as time-machine's) outside the timing.

    The seed row measures the steady per-document cost; the first ``t.run`` of a process
    also imports modules, which would otherwise land on whichever N runs first.
    """
    global _warmed_up
    if not _warmed_up:
        _warmed_up = True
        _insert_all(_new_t(), "messages", _messages(100, seed=99))


def _insert_all(t: Any, table: str, docs: list[dict[str, Any]]) -> float:
    """Insert ``docs`` with ``t.run`` insert loops; return the seconds it took.

    The time runs until the documents are queryable: it ends with one read through
    every database index of the table, which merges the index keys the inserts
    deferred (see ``DbIndex.pending``), so no seeding work is left for the first query.
    """
    _warm_up_seeding()

    def seed(batch: list[dict[str, Any]]) -> Callable[[Any], None]:
        def run(ctx: Any) -> None:
            insert = ctx.db.insert
            for doc in batch:
                insert(table, doc)

        return run

    def read_every_index(ctx: Any) -> None:
        ctx.db.query(table).first()
        for index in SEED_INDEXES.get(table, ()):
            ctx.db.query(table).with_index(index).first()

    batches = [seed(docs[i : i + SEED_BATCH]) for i in range(0, len(docs), SEED_BATCH)]
    t0 = time.perf_counter()
    for batch in batches:
        t.run(batch)
    t.run(read_every_index)
    return time.perf_counter() - t0


def _first_ids(t: Any, count: int) -> list[str]:
    return list(t.run(lambda ctx: [d["_id"] for d in ctx.db.query("messages").take(count)]))


# ---------------------------------------------------------------------------
# (a) per-call overhead
# ---------------------------------------------------------------------------


def per_call(cfg: Config) -> list[Result]:
    api = _api()
    ops, warmup = cfg.call_ops, cfg.call_ops // 10
    results: list[Result] = []

    # A fresh backend per repeat, as the oracle uses one fresh instance of 2,000 inserts.
    inserts = [
        {"author": f"a{i % 100}", "body": f"b {i}", "channel": f"c{i % 100}", "n": i}
        for i in range(ops + warmup)
    ]
    samples: list[Stats] = []
    t = _new_t()
    for _ in range(cfg.repeats):
        t = _new_t()
        send = api.messages.send
        samples.append(
            sample_calls(
                lambda a, t=t, send=send: t.mutation(send, a),
                inserts,
                warmup=warmup,
                repeats=1,
            )
        )
    results.append(_merge("call.mutation_insert", "t.mutation insert (validated args)", samples))

    ids = _first_ids(t, ops)
    get = api.messages.get
    get_args = [{"id": ids[i % len(ids)]} for i in range(ops)]
    stats = sample_calls(lambda a: t.query(get, a), get_args, warmup=warmup, repeats=cfg.repeats)
    results.append(Result("call.query_get", "t.query get by id", stats=stats))

    stats = sample_calls(
        lambda _: t.run(lambda ctx: None), range(ops), warmup=warmup, repeats=cfg.repeats
    )
    results.append(Result("call.run_noop", "t.run no-op", stats=stats))

    stats = sample_calls(
        lambda doc_id: t.query(lambda ctx: ctx.db.get(doc_id)),
        [ids[i % len(ids)] for i in range(ops)],
        warmup=warmup,
        repeats=cfg.repeats,
    )
    results.append(Result("call.inline_query_get", "t.query inline ctx.db.get", stats=stats))
    return results


def _merge(key: str, label: str, parts: list[Stats]) -> Result:
    # Recombine per-repeat summaries conservatively: median of medians, max of p95s.
    stats = Stats(
        count=sum(p.count for p in parts),
        median_us=statistics.median(p.median_us for p in parts),
        p95_us=max(p.p95_us for p in parts),
        mean_us=statistics.fmean(p.mean_us for p in parts),
        min_us=min(p.min_us for p in parts),
    )
    return Result(key, label, stats=stats, info={"repeats": len(parts)})


# ---------------------------------------------------------------------------
# (b) index-query scaling
# ---------------------------------------------------------------------------


def index_scaling(cfg: Config) -> list[Result]:
    results: list[Result] = []
    for n in cfg.ns:
        cfg.log(f"  index scaling, N={n:,}")
        try:
            results.extend(_index_scaling_at(cfg, n))
        except Exception as exc:
            results.append(
                Result("index.*", "index scaling", n=n, skipped=f"failed: {_first_line(exc)}")
            )
        gc.collect()
    return results


def _index_scaling_at(cfg: Config, n: int) -> list[Result]:
    api = _api()
    t = _new_t()
    docs = _messages(n)
    seconds = [_insert_all(t, "messages", docs)]
    # Seeding a small table takes milliseconds: one sample would be mostly noise, so
    # fresh backends are seeded again, up to SEED_SAMPLE_DOCS documents in all.
    for _ in range(min(cfg.repeats, SEED_SAMPLE_DOCS // n) - 1):
        seconds.append(_insert_all(_new_t(), "messages", docs))
        gc.collect()
    del docs
    results = [
        Result(
            "index.seed_per_doc",
            "seed: t.run insert loop, per doc",
            n=n,
            stats=Stats.of([s * 1e6 / n for s in seconds]),
            info={"seed_ms": round(statistics.median(seconds) * 1000, 2), "samples": len(seconds)},
        )
    ]
    ops, warmup, repeats = cfg.query_ops, cfg.query_ops // 10, cfg.repeats
    ids = _first_ids(t, 200)

    get = api.messages.get
    stats = sample_calls(
        lambda a: t.query(get, a),
        [{"id": ids[i % len(ids)]} for i in range(ops)],
        warmup=warmup,
        repeats=repeats,
    )
    results.append(Result("index.get_by_id", "t.query get by id", n=n, stats=stats))

    take = api.messages.take_by_channel
    expected = min(10, -(-n // 100))
    first = t.query(take, {"channel": "c0", "take": 10})
    if len(first) != expected:
        raise AssertionError(f"take_by_channel returned {len(first)} docs, not {expected}")
    stats = sample_calls(
        lambda a: t.query(take, a),
        [{"channel": f"c{i % 100}", "take": 10} for i in range(ops)],
        warmup=warmup,
        repeats=repeats,
    )
    results.append(Result("index.by_channel_take10", "index eq + take(10)", n=n, stats=stats))

    first_after = api.messages.first_by_author_after
    stats = sample_calls(
        lambda a: t.query(first_after, a),
        [{"author": f"a{i % 100}", "gt": (i * 37) % n} for i in range(ops)],
        warmup=warmup,
        repeats=repeats,
    )
    results.append(
        Result("index.by_author_n_gt_first", "index eq + gt + first()", n=n, stats=stats)
    )

    by_value = api.items.by_value
    stats = sample_calls(
        lambda a: t.query(by_value, a), [{"order": "asc"}] * ops, warmup=warmup, repeats=repeats
    )
    results.append(
        Result("index.other_empty_table", "index query on another, empty table", n=n, stats=stats)
    )

    if n > MAX_SCAN_DOCS:
        results.append(
            Result(
                "index.full_scan_filter",
                "full table scan .filter()",
                n=n,
                skipped=f"Convex stops a query after reading {MAX_SCAN_DOCS:,} documents",
            )
        )
        return results
    filtered = api.messages.filtered
    stats = sample_calls(
        lambda a: t.query(filtered, a),
        [{"channel": f"c{i % 100}", "minN": n - 500} for i in range(20)],
        warmup=1,
        repeats=max(1, repeats // 2),
        max_seconds=10.0,
    )
    results.append(Result("index.full_scan_filter", "full table scan .filter()", n=n, stats=stats))
    return results


# ---------------------------------------------------------------------------
# (c) pagination
# ---------------------------------------------------------------------------


def pagination(cfg: Config) -> list[Result]:
    api = _api()
    n = cfg.docs
    t = _new_t()
    _insert_all(t, "messages", _messages(n))
    paginate = api.messages.paginate
    counts: dict[str, int] = {}

    def page_all(page_size: int, channel: str | None) -> tuple[int, int]:
        cursor: str | None = None
        pages = docs = 0
        while True:
            args: dict[str, Any] = {"paginationOpts": {"numItems": page_size, "cursor": cursor}}
            if channel is not None:
                args["channel"] = channel
            r = t.query(paginate, args)
            pages += 1
            docs += len(r["page"])
            if r["isDone"]:
                return pages, docs
            cursor = r["continueCursor"]

    def run_all() -> None:
        counts["pages"], counts["docs"] = page_all(100, None)

    stats = sample_totals(run_all, warmup=1, repeats=cfg.repeats)
    if counts["docs"] != n:
        raise AssertionError(f"paginated {counts['docs']} docs, not {n}")
    results = [
        Result(
            "paginate.all_by_100",
            f"paginate {n:,} docs, 100 per page (total)",
            kind="total",
            n=n,
            stats=stats,
            info={"pages": counts["pages"], "docs": counts["docs"]},
        )
    ]

    def run_channel() -> None:
        counts["pages"], counts["docs"] = page_all(10, "c7")

    stats = sample_totals(run_channel, warmup=1, repeats=cfg.repeats * 4)
    results.append(
        Result(
            "paginate.by_channel_by_10",
            "paginate one channel via index, 10 per page (total)",
            kind="total",
            n=n,
            stats=stats,
            info={"pages": counts["pages"], "docs": counts["docs"]},
        )
    )
    return results


# ---------------------------------------------------------------------------
# (d) text search
# ---------------------------------------------------------------------------


def text_search(cfg: Config) -> list[Result]:
    api = _api()
    n = cfg.docs
    t = _new_t()
    _insert_all(t, "messages", _messages(n))
    r = mulberry32(7)
    queries: list[str] = []
    for _ in range(100):
        w = WORDS[int(r() * len(WORDS))]
        queries.append(w if r() < 0.5 else w[:3])
    search_take = api.messages.search_take
    hits = [len(t.query(search_take, {"query": q, "take": 10})) for q in queries]
    stats = sample_calls(
        lambda a: t.query(search_take, a),
        [{"query": q, "take": 10} for q in queries],
        warmup=10,
        repeats=cfg.repeats,
    )
    results = [
        Result(
            "text.take10",
            "text search .take(10)",
            n=n,
            stats=stats,
            info={"avg_hits": sum(hits) / len(hits)},
        )
    ]
    # The oracle's second variant is .collect() (about 1,430 hits on average); Convex
    # refuses to read more than 1,024 search results, so ours reads up to that many.
    hits = [len(t.query(search_take, {"query": q, "take": 1024})) for q in queries]
    stats = sample_calls(
        lambda a: t.query(search_take, a),
        [{"query": q, "take": 1024} for q in queries],
        warmup=5,
        repeats=max(1, cfg.repeats // 2),
    )
    results.append(
        Result(
            "text.collect",
            "text search .take(1024) (JS: .collect())",
            n=n,
            stats=stats,
            info={"avg_hits": sum(hits) / len(hits)},
        )
    )
    return results


# ---------------------------------------------------------------------------
# (e) vector search
# ---------------------------------------------------------------------------


def _vector_8(cfg: Config) -> list[Result]:
    api = _api()
    n = cfg.docs
    t = _new_t()
    r = mulberry32(3)

    def vec() -> list[float]:
        return [r() * 2 - 1 for _ in range(8)]

    _insert_all(t, "vecs", [{"embedding": vec(), "kind": f"k{i % 10}"} for i in range(n)])
    queries = [vec() for _ in range(100)]
    search = api.vectors.search
    if len(t.action(search, {"vector": queries[0], "limit": 10})) != 10:
        raise AssertionError("expected 10 vector search results")
    results = [
        Result(
            "vector.dims8_limit10",
            "vector search dims 8, limit 10",
            n=n,
            stats=sample_calls(
                lambda a: t.action(search, a),
                [{"vector": q, "limit": 10} for q in queries],
                warmup=10,
                repeats=cfg.repeats,
            ),
        ),
        Result(
            "vector.dims8_kind_filter",
            "vector search dims 8, limit 10, eq filter (1/10)",
            n=n,
            stats=sample_calls(
                lambda a: t.action(search, a),
                [{"vector": q, "limit": 10, "kind": f"k{i % 10}"} for i, q in enumerate(queries)],
                warmup=10,
                repeats=cfg.repeats,
            ),
        ),
    ]
    return results


def vector_search(cfg: Config) -> list[Result]:
    results = _vector_8(cfg)
    gc.collect()
    results.append(_vector_1536(cfg))
    return results


def _vector_1536(cfg: Config) -> Result:
    import numpy as np

    api = _api()
    n = cfg.vector_1536_docs
    t = _new_t()
    rng = np.random.default_rng(5)
    # One batch at a time keeps the list-of-floats garbage small.
    for start in range(0, n, 1000):
        block = rng.uniform(-1.0, 1.0, (min(1000, n - start), 1536)).tolist()
        _insert_all(
            t,
            "vecs1536",
            [{"embedding": v, "kind": f"k{(start + i) % 10}"} for i, v in enumerate(block)],
        )
    queries = rng.uniform(-1.0, 1.0, (100, 1536)).tolist()
    search = api.vectors.search1536
    stats = sample_calls(
        lambda a: t.action(search, a),
        [{"vector": q, "limit": 10} for q in queries],
        warmup=5,
        repeats=max(1, cfg.repeats // 2),
    )
    return Result("vector.dims1536_limit10", "vector search dims 1536, limit 10", n=n, stats=stats)


# ---------------------------------------------------------------------------
# scheduler
# ---------------------------------------------------------------------------


def scheduler(cfg: Config) -> list[Result]:
    from convex_test import ConvexTestError

    api = _api()
    length = cfg.chain
    probe = _new_t()
    try:
        probe.mutation(api.chain.start, {"length": 2})
        probe.finish_all_scheduled_functions(max_iterations=10)
    except ConvexTestError as exc:
        return [_sched_skip(length, f"a 2-step chain failed ({_first_line(exc)})")]
    if _count_chain(probe) != 2:
        return [_sched_skip(length, "a 2-step chain did not run to completion")]

    counts: list[int] = []
    samples: list[float] = []
    for _ in range(max(1, cfg.repeats // 2)):
        t = _new_t()
        t.mutation(api.chain.start, {"length": length})
        gc.collect()
        t0 = time.perf_counter_ns()
        t.finish_all_scheduled_functions(max_iterations=length + 10)
        samples.append((time.perf_counter_ns() - t0) / 1000.0)
        counts.append(_count_chain(t))
    if any(c != length for c in counts):
        raise AssertionError(f"chain ran {counts} steps, not {length}")
    return [
        Result(
            "scheduler.chain",
            f"drain {length:,} chained scheduled mutations (total)",
            kind="total",
            n=length,
            stats=Stats.of(samples),
        )
    ]


def _count_chain(t: Any) -> int:
    def count(ctx: Any) -> int:
        chain = ctx.db.query("messages").with_index(
            "by_channel", lambda q: q.eq("channel", "chain")
        )
        return sum(1 for _ in chain)

    result: int = t.run(count)
    return result


def _sched_skip(length: int, why: str) -> Result:
    return Result(
        "scheduler.chain",
        f"drain {length:,} chained scheduled mutations (total)",
        kind="total",
        n=length,
        skipped=why,
    )


# ---------------------------------------------------------------------------
# memory and import time
# ---------------------------------------------------------------------------


def memory(cfg: Config) -> list[Result]:
    n = cfg.docs
    _new_t()  # import everything first: module objects are not per-document memory
    docs = _messages(n)
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        t = _new_t()
        _insert_all(t, "messages", docs)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del t
    scale = 10_000 / n
    peak_mb = (peak - base) * scale / 2**20
    retained_mb = (current - base) * scale / 2**20
    return [
        Result(
            "memory.per_10k_docs",
            "peak traced memory per 10,000 messages (MiB)",
            kind="memory",
            n=n,
            info={"peak_mib": round(peak_mb, 2), "retained_mib": round(retained_mb, 2)},
        )
    ]


_IMPORT_SNIPPETS = {
    "import.convex_test": ("import convex_test", "import convex_test"),
    "import.harness": (
        "from convex_test import convex_test (+ engine)",
        "from convex_test import convex_test, v, define_schema, query, mutation, api",
    ),
}


def import_time(cfg: Config) -> list[Result]:
    results = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    for key, (label, statement) in _IMPORT_SNIPPETS.items():
        code = (
            "import time; t0 = time.perf_counter()\n"
            f"{statement}\n"
            "print((time.perf_counter() - t0) * 1e6)"
        )
        samples = []
        for i in range(cfg.import_runs + 1):
            out = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO_ROOT,
                env=env,
            )
            if i:  # the first run warms the OS file cache
                samples.append(float(out.stdout.strip().splitlines()[-1]))
        results.append(Result(key, label, kind="total", stats=Stats.of(samples)))
    return results


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


GROUPS: dict[str, Callable[[Config], list[Result]]] = {
    "call": per_call,
    "index": index_scaling,
    "paginate": pagination,
    "text": text_search,
    "vector": vector_search,
    "scheduler": scheduler,
    "memory": memory,
    "import": import_time,
}

_GROUP_KEYS = {
    "call": ["call.mutation_insert", "call.query_get", "call.run_noop", "call.inline_query_get"],
    "paginate": ["paginate.all_by_100", "paginate.by_channel_by_10"],
    "text": ["text.take10", "text.collect"],
    "vector": ["vector.dims8_limit10", "vector.dims8_kind_filter", "vector.dims1536_limit10"],
    "scheduler": ["scheduler.chain"],
    "memory": ["memory.per_10k_docs"],
    "import": list(_IMPORT_SNIPPETS),
}


def run_group(name: str, cfg: Config) -> list[Result]:
    """Run one group; a group that breaks becomes skipped rows saying why."""
    try:
        return GROUPS[name](cfg)
    except Exception as exc:
        why = f"failed: {_first_line(exc)}"
        keys = _GROUP_KEYS.get(name, [f"{name}.*"])
        return [Result(key, key, skipped=why) for key in keys]
