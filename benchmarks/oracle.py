"""Run the JS oracle's benchmark (real ``convex-test``) and map its numbers onto our rows.

``--oracle DIR`` points at a copy of the oracle with ``npm ci`` done.  We run its
``bench.test.ts`` (mean per op only) and our own ``js/pyextra.test.ts`` (per-op
medians for the per-call rows, vector search at 1536 dimensions and the scheduled
chain), which is copied into DIR for the run and removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["OracleData", "attach", "load_cached", "run_oracle"]

JS_DIR = Path(__file__).resolve().parent / "js"
BENCH_OUT = "out/convex_test_py.bench.json"
EXTRA_OUT = "out/convex_test_py.pyextra.json"
_EXTRA_TEST = "pyextra.test.ts"
_EXTRA_MODULE = "convex/pyextra.ts"


@dataclass(slots=True)
class OracleData:
    """The JS numbers: ``numbers[(key, n)] = {"ms": ..., "stat": "mean"|"median"|...}``."""

    meta: dict[str, Any] = field(default_factory=dict)
    numbers: dict[tuple[str, int | None], dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _check(oracle_dir: Path) -> str | None:
    if shutil.which("node") is None or shutil.which("npx") is None:
        return "Node.js (node/npx) is not on PATH"
    if not (oracle_dir / "bench.test.ts").is_file():
        return f"{oracle_dir} has no bench.test.ts (not a copy of the oracle?)"
    if not (oracle_dir / "node_modules" / "convex-test").is_dir():
        return f"{oracle_dir}/node_modules/convex-test is missing: run `npm ci` there first"
    return None


def run_oracle(
    oracle_dir: Path,
    *,
    ns: list[int],
    chain: int,
    log: Callable[[str], None],
    timeout_s: float = 1800.0,
) -> OracleData | str:
    """Run both JS files in ``oracle_dir``; return the data, or why it could not run."""
    problem = _check(oracle_dir)
    if problem is not None:
        return problem
    env = dict(os.environ)
    env["BENCH_NS"] = ",".join(str(n) for n in ns)
    env["BENCH_OUT"] = str(oracle_dir / BENCH_OUT)
    env["PYEXTRA_OUT"] = str(oracle_dir / EXTRA_OUT)
    env["PYEXTRA_CHAIN"] = str(chain)
    log_path = oracle_dir / "out" / "convex_test_py.vitest.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    copied = [oracle_dir / _EXTRA_TEST, oracle_dir / _EXTRA_MODULE]
    with log_path.open("w") as log_file:
        try:
            log(f"  JS: npx vitest run bench.test.ts (BENCH_NS={env['BENCH_NS']}) ...")
            _vitest(oracle_dir, "bench.test.ts", env, log_file, timeout_s)
            shutil.copyfile(JS_DIR / "pyextra.test.ts", copied[0])
            shutil.copyfile(JS_DIR / "pyextra_chain.ts", copied[1])
            log("  JS: npx vitest run pyextra.test.ts ...")
            _vitest(oracle_dir, _EXTRA_TEST, env, log_file, timeout_s)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            return f"the JS benchmark failed ({exc}); see {log_path}"
        finally:
            for path in copied:
                path.unlink(missing_ok=True)
    return load_cached(oracle_dir)


def _vitest(cwd: Path, test_file: str, env: dict[str, str], log_file: Any, timeout: float) -> None:
    subprocess.run(
        ["npx", "vitest", "run", test_file],
        cwd=cwd,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=True,
    )


def load_cached(oracle_dir: Path) -> OracleData | str:
    """Read the JSON files a previous :func:`run_oracle` left in ``oracle_dir/out``."""
    bench_path = oracle_dir / BENCH_OUT
    if not bench_path.is_file():
        return f"{bench_path} does not exist (run with --oracle first)"
    bench = json.loads(bench_path.read_text())
    extra_path = oracle_dir / EXTRA_OUT
    extra = json.loads(extra_path.read_text()) if extra_path.is_file() else {"results": {}}
    data = OracleData(meta=dict(bench.get("meta", {})))
    _map_bench(bench.get("results", {}), data)
    _map_extra(extra.get("results", {}), data)
    if not extra_path.is_file():
        data.notes.append(f"{extra_path} is missing: no JS medians, 1536-dim or chain numbers")
    return data


def _put(data: OracleData, key: str, n: int | None, ms: float, stat: str, src: str) -> None:
    data.numbers[(key, n)] = {"ms": ms, "stat": stat, "source": src}


def _map_bench(results: dict[str, Any], data: OracleData) -> None:
    per_call = {
        "a.mutation_insert_x2000": "call.mutation_insert",
        "a.query_get_by_id_x2000": "call.query_get",
        "a.run_noop_x2000": "call.run_noop",
        "a.inline_query_get_x2000": "call.inline_query_get",
    }
    for name, key in per_call.items():
        if name in results:
            _put(data, key, None, results[name]["perOpMs"], "mean", f"bench.json {name}")
    scaling = {
        "get_by_id_x200": "index.get_by_id",
        "by_channel_take10_x200": "index.by_channel_take10",
        "by_author_n_gt_first_x200": "index.by_author_n_gt_first",
        "other_empty_table_index_query_x200": "index.other_empty_table",
        "full_scan_filter_x20": "index.full_scan_filter",
    }
    for name, entry in results.items():
        if not name.startswith("b.index_scaling_N="):
            continue
        n = int(entry["N"])
        _put(data, "index.seed_per_doc", n, entry["seedPerDocMs"], "mean", f"bench.json {name}")
        for field_name, key in scaling.items():
            if field_name in entry:
                _put(data, key, n, entry[field_name]["perOpMs"], "mean", f"bench.json {name}")
    page = results.get("c.paginate_N=10000")
    if page:
        _put(data, "paginate.all_by_100", page["N"], page["totalMs"], "total", "bench.json c")
        channel = page.get("by_channel_c7_numItems10")
        if channel:
            _put(data, "paginate.by_channel_by_10", page["N"], channel["totalMs"], "total", "c")
    text = results.get("d.text_search_N=10000")
    if text:
        _put(data, "text.take10", text["N"], text["take10_x100"]["perOpMs"], "mean", "d")
        _put(data, "text.collect", text["N"], text["collect_x100"]["perOpMs"], "mean", "d")
    vec = results.get("e.vector_search_N=10000")
    if vec:
        _put(data, "vector.dims8_limit10", vec["N"], vec["limit10_x100"]["perOpMs"], "mean", "e")
        _put(
            data,
            "vector.dims8_kind_filter",
            vec["N"],
            vec["limit10_kindFilter_x100"]["perOpMs"],
            "mean",
            "e",
        )


def _map_extra(results: dict[str, Any], data: OracleData) -> None:
    for name, key in (("mutation_insert", "call.mutation_insert"), ("query_get", "call.query_get")):
        if name in results:
            entry = results[name]
            data.numbers[(key, None)] = {
                "ms": entry["medianMs"],
                "stat": "median",
                "p95_ms": entry["p95Ms"],
                "mean_ms": entry["meanMs"],
                "source": f"pyextra {name}",
            }
    vec = results.get("vector_search_dims1536")
    if vec:
        data.numbers[("vector.dims1536_limit10", 10_000)] = {
            "ms": vec["medianMs"],
            "stat": "median",
            "p95_ms": vec["p95Ms"],
            "source": "pyextra vector_search_dims1536",
        }
    chain = results.get("scheduled_chain")
    if chain:
        _put(data, "scheduler.chain", chain["ops"], chain["totalMs"], "total", "pyextra chain")


def attach(results: list[Any], data: OracleData) -> None:
    """Fill ``result.js`` (ms, stat, ratio = JS time / ours) for every row the JS side has."""
    for result in results:
        js = data.numbers.get((result.key, result.n))
        if js is None or result.stats is None:
            continue
        ours_us = result.stats.mean_us if js["stat"] == "mean" else result.stats.median_us
        entry = dict(js)
        if ours_us > 0:
            entry["ratio"] = round(js["ms"] * 1000.0 / ours_us, 2)
        result.js = entry
