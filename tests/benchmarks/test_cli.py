"""`python -m benchmarks`: the command runs end to end, and its verdicts and plot are right.

No timing is asserted here (budgets are the benchmark's business, never a unit test's).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import report
from benchmarks.cli import main
from benchmarks.measure import Result, Stats


def _result(key: str, median_us: float, n: int | None = None, js_ms: float | None = None) -> Result:
    r = Result(key, key, n=n, stats=Stats(1, median_us, median_us, median_us, median_us))
    if js_ms is not None:
        r.js = {"ms": js_ms, "stat": "mean", "ratio": js_ms * 1000 / median_us}
    return r


def test_the_command_runs_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.json"
    args = ["--quick", "--only", "call,import", "--repeats", "1", "--json", str(out)]
    assert main(args) == 0
    doc = json.loads(out.read_text())
    keys = {r["key"] for r in doc["results"]}
    assert {"call.mutation_insert", "call.query_get", "import.convex_test"} <= keys
    assert all(r["stats"]["median_us"] > 0 for r in doc["results"] if "stats" in r)
    verdicts = {b["budget"]: b["verdict"] for b in doc["budgets"]}
    assert verdicts["t.mutation insert <= 25 us"] in ("PASS", "FAIL")
    assert verdicts["vector 10,000 x 1536 limit 10 <= 2 ms"] == "n/a"  # not run
    printed = capsys.readouterr().out
    assert "t.mutation insert (validated args)" in printed and "budgets (medians):" in printed


def test_without_an_oracle_copy_it_says_so_and_reports_ours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.json"
    args = ["--quick", "--only", "import", "--repeats", "1", "--json", str(out)]
    assert main([*args, "--oracle", str(tmp_path)]) == 0
    assert "Reporting convex_test alone" in capsys.readouterr().out
    assert "skipped" in json.loads(out.read_text())["oracle"]


def test_an_unknown_group_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "call,indexes"]) == 2
    assert "unknown group(s) ['indexes']" in capsys.readouterr().err


def test_budget_verdicts() -> None:
    results = [
        _result("call.mutation_insert", 24.0),
        _result("call.query_get", 15.5),
        _result("index.by_channel_take10", 20.0, n=1_000),
        _result("index.by_channel_take10", 31.0, n=100_000),
    ]
    verdicts = {v["budget"]: v for v in report.check_budgets(results)}
    assert verdicts["t.mutation insert <= 25 us"]["verdict"] == "PASS"
    assert verdicts["t.query get <= 15 us"]["verdict"] == "FAIL"
    assert verdicts["import convex_test < 150 ms"]["verdict"] == "n/a"
    flat = verdicts["index take(10) flat in N (max N within 1.5x of min N)"]
    assert (flat["verdict"], flat["growth"]) == ("FAIL", 1.55)


def test_p95_is_the_nearest_rank() -> None:
    stats = Stats.of([float(x) for x in range(1, 101)])
    assert (stats.median_us, stats.p95_us, stats.min_us) == (50.5, 95.0, 1.0)
    assert Stats.of([3.0]).p95_us == 3.0


def test_plot_draws_both_implementations(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    results = [
        _result(key, us * n / 1000, n=n, js_ms=n / 100)
        for key, us in (("index.by_channel_take10", 25.0), ("index.seed_per_doc", 10.0))
        for n in (1_000, 10_000)
    ]
    path = tmp_path / "p.png"
    assert report.plot(path, results, "title") is None
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report.plot(tmp_path / "none.png", [], "title") == "no index-scaling rows to plot"
