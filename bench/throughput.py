"""Throughput and latency of each operation at one store size, beside the baseline."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Any

from bench import profiling
from bench.load import pool_ids, start_instances
from bench.servers import Server, baseline_command, mock_command, running
from bench.settings import OPERATIONS, POOL_INPUT, POOL_PREFIX, Settings
from bench.wrk import WrkResult, run_wrk

WINDOW = 512
"""Instances per wrk thread that pause+resume walks (far more than the connections)."""
WARM = 256
"""EchoWorkflow instances started (they complete at once) before the memory baseline."""
_run_tags = itertools.count()


def wrk_args(operation: str, size: int, settings: Settings, *, warmup: bool) -> list[str | int]:
    """The arguments of ``bench/lua/<operation>.lua`` for a pool of ``size`` instances."""
    if operation == "start":
        return [f"run{next(_run_tags)}"]
    if operation == "pause_resume":
        span = WINDOW * settings.threads
        # The warm-up walks other instances, so the measured run starts on RUNNING ones.
        first = span if warmup and size >= 2 * span else 0
        return [POOL_PREFIX, first, min(WINDOW, size // settings.threads), settings.threads]
    return [POOL_PREFIX, size]


def drive(
    server: Server, script: str, args: list[str | int], settings: Settings, seconds: int
) -> WrkResult:
    return run_wrk(
        server.url,
        script,
        args,
        seconds=seconds,
        connections=settings.connections,
        threads=settings.threads,
    )


def measure_baseline(baseline: Server, settings: Settings) -> WrkResult:
    if settings.warmup:
        drive(baseline, "hello", [], settings, settings.warmup)
    return drive(baseline, "hello", [], settings, settings.seconds)


def measure_operation(mock: Server, operation: str, size: int, settings: Settings) -> WrkResult:
    if settings.warmup:
        drive(
            mock,
            operation,
            wrk_args(operation, size, settings, warmup=True),
            settings,
            settings.warmup,
        )
    args = wrk_args(operation, size, settings, warmup=False)
    return drive(mock, operation, args, settings, settings.seconds)


def measure_store(size: int, baseline: Server, settings: Settings) -> dict[str, Any]:
    """A fresh mock with ``size`` waiting instances (RSS before and after the preload), then
    baseline and operations alternating: B op B op ... B. Each operation's ratio is to the mean
    of the two baseline runs beside it, so drift in a noisy machine cancels out."""
    with running(
        f"mock-{size}", mock_command(uvloop=settings.uvloop), log_dir=settings.out / "logs"
    ) as mock:
        # Warm the connection and request paths first so RSS "before" holds what they cost.
        start_instances(
            mock.url,
            "EchoWorkflow",
            pool_ids("warm-", WARM),
            body=POOL_INPUT,
            concurrency=settings.preload_concurrency,
        )
        rss_before = mock.rss_bytes()
        preload_s = start_instances(
            mock.url,
            "EventWorkflow",
            pool_ids(POOL_PREFIX, size),
            body=POOL_INPUT,
            concurrency=settings.preload_concurrency,
        )
        rss_after = mock.rss_bytes()
        baselines = [measure_baseline(baseline, settings)]
        operations: dict[str, Any] = {}
        for op in OPERATIONS:
            result = measure_operation(mock, op, size, settings)
            baselines.append(measure_baseline(baseline, settings))
            beside = (baselines[-2].rps + baselines[-1].rps) / 2
            operations[op] = {
                **asdict(result),
                "ratio": result.rps / beside,
                "baseline_rps": beside,
            }
        mock.check_alive()
    return {
        "size": size,
        "preload_seconds": preload_s,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "baseline": {
            "runs": [asdict(run) for run in baselines],
            "rps": sum(run.rps for run in baselines) / len(baselines),
            "p50_ms": sorted(run.p50_ms for run in baselines)[len(baselines) // 2],
            "p99_ms": max(run.p99_ms for run in baselines),
        },
        "operations": operations,
    }


def profile_operations(size: int, settings: Settings) -> dict[str, Any]:
    """Extra runs with py-spy attached: the baseline, then every operation on a fresh mock of
    ``size`` (sampling slows the server; these are not the measured runs)."""
    if not profiling.available():
        return {"skipped": profiling.UNAVAILABLE}
    log_dir = settings.out / "logs"
    found: dict[str, Any] = {}
    try:
        with running(
            "baseline-profiled", baseline_command(uvloop=settings.uvloop), log_dir=log_dir
        ) as baseline:
            found["baseline"] = _profiled(
                baseline,
                settings,
                "baseline",
                partial(measure_baseline, baseline, settings),
            )
        with running(
            "mock-profiled", mock_command(uvloop=settings.uvloop), log_dir=log_dir
        ) as mock:
            start_instances(
                mock.url,
                "EventWorkflow",
                pool_ids(POOL_PREFIX, size),
                body=POOL_INPUT,
                concurrency=settings.preload_concurrency,
            )
            for op in OPERATIONS:
                found[op] = _profiled(
                    mock,
                    settings,
                    op,
                    partial(measure_operation, mock, op, size, settings),
                )
    except profiling.ProfilerFailed as failure:
        return {"skipped": str(failure), **found}
    return found


def _profiled(
    server: Server, settings: Settings, name: str, measure: Callable[[], WrkResult]
) -> dict[str, Any]:
    """Run ``measure`` with py-spy sampling ``server``; its summary goes to profiles/NAME.txt."""
    raw = settings.out / "profiles" / f"{name}.collapsed"
    with profiling.attached(server.pid, settings.seconds + settings.warmup, raw):
        result = measure()
    summary = profiling.summarise(raw)
    raw.with_suffix(".txt").write_text(profiling.render(name, summary, result))
    raw.unlink()
    return {"rps_under_profiler": result.rps, **summary}
