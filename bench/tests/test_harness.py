"""The harness's pure parts: reading wrk's line, checking targets, rewriting the README section.

No timing here: the benchmark itself is ``python -m bench``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.report import END, START, markdown, update_readme
from bench.targets import check
from bench.wrk import parse_output

WRK_STDOUT = """Running 5s test @ http://127.0.0.1:1234
  1 threads and 32 connections
BENCH_JSON {"requests":10000,"duration_us":5000000,"bytes":1,"errors":{"connect":0,"read":0,\
"write":0,"status":3,"timeout":0},"latency_us":{"mean":3200.5,"p50":3000,"p90":4000,\
"p99":9500,"max":20000}}
"""


def test_wrk_json_line_becomes_rate_and_latency_in_milliseconds() -> None:
    result = parse_output(WRK_STDOUT)
    assert result.rps == pytest.approx(2000)
    assert (result.p50_ms, result.p99_ms) == (3.0, 9.5)
    assert result.failed == 3


def test_wrk_output_without_the_json_line_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="BENCH_JSON"):
        parse_output("Running 5s test\n")


def _run(rps: float, p99_ms: float = 5.0) -> dict[str, Any]:
    return {
        "rps": rps,
        "ratio": rps / 1000,
        "p50_ms": 1.0,
        "p99_ms": p99_ms,
        "errors": {},
        "cpu_us_per_request": 1e6 / rps,
        "cpu_ratio": rps / 1000,
    }


def _store(size: int, ratios: dict[str, float], rss_growth: int) -> dict[str, Any]:
    return {
        "size": size,
        "preload_seconds": 1.0,
        "rss_before": 0,
        "rss_after": rss_growth,
        "baseline": {
            "runs": [{}],
            "rps": 1000.0,
            "p50_ms": 1.0,
            "p99_ms": 2.0,
            "cpu_us_per_request": 1000.0,
        },
        "operations": {op: _run(ratio * 1000) for op, ratio in ratios.items()},
    }


def _results(large_get_ratio: float) -> dict[str, Any]:
    return {
        "command": "python -m bench",
        "settings": {"connections": 32, "threads": 1, "warmup": 1, "seconds": 5},
        "machine": {
            key: "x" for key in ("date", "cpu", "cores", "os", "python", "aiohttp", "wrk", "loop")
        }
        | {"commit": "abc", "load_average_start": "0", "load_average_end": "0"},
        "stores": [
            _store(1_000, {"get": 0.9, "start": 0.6}, rss_growth=1_000 * 1_000),
            _store(100_000, {"get": large_get_ratio, "start": 0.6}, rss_growth=100_000 * 1_500),
        ],
    }


def test_targets_pass_when_ratios_hold_and_stay_flat() -> None:
    met = {target.name: target.met for target in check(_results(large_get_ratio=0.85))}
    assert met["get throughput"] is True
    assert met["cost flat from 1,000 to 100,000 stored"] is True
    assert met["memory of 100,000 waiting EventWorkflow"] is True
    assert met["suite full"] is None


def test_a_ratio_that_falls_with_the_store_misses_flatness_and_the_floor() -> None:
    met = {target.name: target.met for target in check(_results(large_get_ratio=0.6))}
    assert met["get throughput"] is False
    assert met["cost flat from 1,000 to 100,000 stored"] is False


def test_the_readme_section_between_the_markers_is_replaced_and_the_rest_kept(
    tmp_path: Path,
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\n\n{START}\nold\n{END}\n\nAnalysis stays.\n")
    update_readme(readme, markdown(_results(0.78), plot="results/throughput.png"))
    text = readme.read_text()
    assert "old" not in text
    assert text.startswith("# Bench\n") and text.endswith("Analysis stays.\n")
    assert "| 100,000 | GET an existing instance | 780 | 0.78 |" in text


def test_get_needs_its_higher_floor_at_the_smallest_store() -> None:
    results = _results(large_get_ratio=0.8)
    results["stores"][0]["operations"]["get"] = _run(840)
    met = {target.name: target.met for target in check(results)}
    assert met["get throughput"] is False
    assert met["start throughput"] is True


def _versus(rps: float, latency_ms: float) -> dict[str, Any]:
    operations = {op: _run(rps) for op in ("get", "raise_event", "start")}
    latency = {"runs": 30, "p50_ms": latency_ms, "p90_ms": latency_ms, "max_ms": latency_ms}
    suite = {"seconds": 10.0, "exit_code": 0, "summary": "1 passed"}
    return {"operations": operations, "latency": latency, "suite": suite}


def test_the_side_by_side_table_puts_the_mock_beside_daprd() -> None:
    results = _results(0.85)
    results["versus_daprd"] = {
        "version": "1.18.2",
        "pool": 200,
        "targets": {"mock": _versus(8000, 3.0), "daprd": _versus(800, 20.0)},
    }
    text = markdown(results, plot=None, plot_versus="results/versus-daprd.png")
    assert "| GET an existing instance | 8,000 | 800 | 10.00 |" in text
    assert "| 3.0 / 3.0 / 3.0 | 20.0 / 20.0 / 20.0 |" in text
    assert "| against daprd | 10.0 | 0 | 1 passed |" in text
    assert "![the mock and daprd side by side](results/versus-daprd.png)" in text
    results["versus_daprd"] = {"skipped": "skipped (--no-daprd or --quick)"}
    assert "Real daprd: skipped (--no-daprd or --quick)." in markdown(results, plot=None)
