"""Command line: ``python -m benchmarks [--quick] [--oracle DIR] [--plot FILE.png] ...``.

Runs every workload in this process (warm-up, then repeats), prints a table of medians
and p95s with PASS/FAIL per budget, and writes ``benchmarks/results/latest.json``.  With
``--oracle DIR`` it also runs the JS oracle's benchmark there and prints JS/ours ratios.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

from benchmarks import oracle as oracle_mod
from benchmarks import report
from benchmarks.workloads import GROUPS, Config, run_group

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"
DOCS = report.REPO_ROOT / "docs" / "performance.md"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time convex_test's workloads (and, with --oracle, the JS convex-test's).",
    )
    p.add_argument("--quick", action="store_true", help="small N and fewer repeats (~1 min)")
    p.add_argument(
        "--oracle",
        type=Path,
        metavar="DIR",
        help="a copy of the oracle with `npm ci` done: also run the JS benchmark there",
    )
    p.add_argument(
        "--reuse-oracle",
        action="store_true",
        help="with --oracle: reuse the JS numbers of the last run instead of rerunning",
    )
    p.add_argument("--plot", type=Path, metavar="FILE.png", help="draw latency vs N (log-log)")
    p.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="FILE")
    p.add_argument(
        "--only",
        metavar="GROUPS",
        help=f"comma-separated subset of: {','.join(GROUPS)}",
    )
    p.add_argument("--ns", metavar="N,N,...", help="document counts for the index scaling")
    p.add_argument("--repeats", type=int, help="timed passes per workload (default 5; quick 2)")
    p.add_argument(
        "--write-docs",
        action="store_true",
        help="also update the generated section of docs/performance.md",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a budget FAILs")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cfg = Config(log=lambda s: print(s, flush=True))
    if args.quick:
        cfg.ns = [1_000, 10_000]
        cfg.repeats = 2
        cfg.call_ops = 1_000
        cfg.vector_1536_docs = 2_000
        cfg.chain = 1_000
        cfg.import_runs = 5
        cfg.quick = True
    if args.ns:
        cfg.ns = [int(x.replace("_", "")) for x in args.ns.split(",") if x.strip()]
    if args.repeats:
        cfg.repeats = args.repeats
    groups = list(GROUPS)
    if args.only:
        groups = [g.strip() for g in args.only.split(",") if g.strip()]
        unknown = [g for g in groups if g not in GROUPS]
        if unknown:
            print(f"unknown group(s) {unknown}; choose from {list(GROUPS)}", file=sys.stderr)
            return 2

    command = "python -m benchmarks " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    meta = report.run_meta(command.strip())
    print(f"convex_test benchmarks on {meta['machine']['summary']}")
    print(f"load average {meta['machine']['loadavg_start']}; commit {meta['git']}", flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load > (os.cpu_count() or 1):
        print(
            f"warning: load average {load:.1f} exceeds the {os.cpu_count()} cores: "
            "other processes are competing and the times will be inflated",
            flush=True,
        )

    results = []
    started = time.perf_counter()
    for group in groups:
        t0 = time.perf_counter()
        print(f"[{group}] ...", flush=True)
        results.extend(run_group(group, cfg))
        print(f"[{group}] {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"python side: {time.perf_counter() - started:.1f} s", flush=True)

    oracle_json = None
    if args.oracle is not None:
        oracle_dir = args.oracle.resolve()
        if args.reuse_oracle:
            data = oracle_mod.load_cached(oracle_dir)
        else:
            print("[oracle] running the JS convex-test benchmark ...", flush=True)
            t0 = time.perf_counter()
            data = oracle_mod.run_oracle(
                oracle_dir, ns=cfg.ns, chain=cfg.chain, log=lambda s: print(s, flush=True)
            )
            print(f"[oracle] {time.perf_counter() - t0:.1f} s", flush=True)
        if isinstance(data, str):
            print(f"[oracle] not run: {data}. Reporting convex_test alone.", flush=True)
            oracle_json = {"dir": str(oracle_dir), "skipped": data}
        else:
            oracle_mod.attach(results, data)
            oracle_json = {"dir": str(oracle_dir), "meta": data.meta, "notes": data.notes}
            meta["oracle"] = (
                f"JS: convex-test {data.meta.get('convexTest', '?')} on Node "
                f"{data.meta.get('node', '?')}, vitest environment "
                f"{data.meta.get('vitestEnvironment', '?')}, measured {data.meta.get('when', '?')}"
                + (" (reused from an earlier run)" if args.reuse_oracle else "")
            )
            for note in data.notes:
                print(f"[oracle] note: {note}")

    verdicts = report.check_budgets(results)
    print()
    print(report.table(results, verdicts))
    report.write_json(args.json, meta, results, verdicts, oracle_json)
    print(f"\nwrote {args.json}")

    if args.plot is not None:
        title = f"Index queries vs N - {meta['machine']['summary']}"
        why_not = report.plot(args.plot, results, title)
        print(f"plot: {why_not}" if why_not else f"wrote {args.plot}")
    if args.write_docs:
        section = report.markdown(results, verdicts, meta)
        if report.write_docs(DOCS, section):
            print(f"updated {DOCS}")
        else:
            print(f"{DOCS} has no generated-section markers; not updated")
    failed = any(v["verdict"] == "FAIL" for v in verdicts)
    return 1 if failed and args.strict else 0
