"""Throughput and latency of each operation at one store size, beside the baseline."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any, Protocol

from bench import profiling
from bench.load import pool_ids, start_instances
from bench.servers import Server, mock_command, running
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


@dataclass(frozen=True)
class Measured:
    """What wrk saw, and the CPU time the server spent per request meanwhile."""

    wrk: WrkResult
    cpu_us_per_request: float
    """Less sensitive than req/s to other processes on the machine: it counts only the
    server's own work (a busy neighbour still costs it caches)."""

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self.wrk), "cpu_us_per_request": self.cpu_us_per_request}


class Measurable(Protocol):
    """A server under load: where it answers and the CPU time it has used."""

    @property
    def url(self) -> str: ...

    def cpu_seconds(self) -> float: ...


def drive(
    server: Measurable, script: str, args: list[str | int], settings: Settings, seconds: int
) -> Measured:
    cpu_before = server.cpu_seconds()
    result = run_wrk(
        server.url,
        script,
        args,
        seconds=seconds,
        connections=settings.connections,
        threads=settings.threads,
    )
    cpu = server.cpu_seconds() - cpu_before
    return Measured(result, 1e6 * cpu / max(result.requests, 1))


def measure_baseline(baseline: Server, settings: Settings) -> Measured:
    if settings.warmup:
        drive(baseline, "hello", [], settings, settings.warmup)
    return drive(baseline, "hello", [], settings, settings.seconds)


def measure_operation(mock: Server, operation: str, size: int, settings: Settings) -> Measured:
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


def measure_store(
    size: int, baseline: Server, settings: Settings, *, profiled: bool = False
) -> dict[str, Any]:
    """A fresh mock with ``size`` waiting instances (RSS before and after the preload), then
    baseline and operations alternating: B op B op ... B, ``settings.rounds`` times. Each
    operation's ratio is to the mean of the two baseline runs beside it, so drift in a noisy
    machine cancels out; of several rounds the median ratio is kept. ``profiled``: then the
    py-spy runs on the same mock (see :func:`profile_operations`)."""
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
        rounds: dict[str, list[dict[str, Any]]] = {op: [] for op in OPERATIONS}
        for _ in range(settings.rounds):
            for op in OPERATIONS:
                result = measure_operation(mock, op, size, settings)
                baselines.append(measure_baseline(baseline, settings))
                rounds[op].append(_against(result, baselines[-2], baselines[-1]))
        mock.check_alive()
        profile = profile_operations(size, baseline, mock, settings) if profiled else None
    operations = {op: _median_round(runs) for op, runs in rounds.items()}
    return {
        "size": size,
        "preload_seconds": preload_s,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "baseline": {
            "runs": [run.as_dict() for run in baselines],
            "rps": sum(run.wrk.rps for run in baselines) / len(baselines),
            "p50_ms": sorted(run.wrk.p50_ms for run in baselines)[len(baselines) // 2],
            "p99_ms": max(run.wrk.p99_ms for run in baselines),
            "cpu_us_per_request": sum(run.cpu_us_per_request for run in baselines) / len(baselines),
        },
        "operations": operations,
        **({"profile": profile} if profile is not None else {}),
    }


def _median_round(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median ratio, and every round's ratio beside it."""
    chosen = sorted(runs, key=lambda run: float(run["ratio"]))[len(runs) // 2]
    return {**chosen, "round_ratios": [run["ratio"] for run in runs]}


def _against(result: Measured, before: Measured, after: Measured) -> dict[str, Any]:
    """An operation's numbers with its ratios to the mean of the baseline runs beside it."""
    rps = (before.wrk.rps + after.wrk.rps) / 2
    cpu = (before.cpu_us_per_request + after.cpu_us_per_request) / 2
    return {
        **result.as_dict(),
        "ratio": result.wrk.rps / rps,
        "cpu_ratio": cpu / result.cpu_us_per_request,
        "baseline_rps": rps,
        "baseline_cpu_us_per_request": cpu,
    }


def profile_operations(
    size: int, baseline: Server, mock: Server, settings: Settings
) -> dict[str, Any]:
    """Extra runs with py-spy attached to the baseline, then to the mock for every operation
    (sampling slows the server: these are not the measured runs)."""
    if not profiling.available():
        return {"skipped": profiling.UNAVAILABLE}
    found: dict[str, Any] = {}
    try:
        found["baseline"] = _profiled(
            baseline, settings, "baseline", partial(measure_baseline, baseline, settings)
        )
        for op in OPERATIONS:
            found[op] = _profiled(
                mock, settings, op, partial(measure_operation, mock, op, size, settings)
            )
    except profiling.ProfilerFailed as failure:
        return {"skipped": str(failure), **found}
    return found


def _profiled(
    server: Server, settings: Settings, name: str, measure: Callable[[], Measured]
) -> dict[str, Any]:
    """Run ``measure`` with py-spy sampling ``server``; its summary goes to profiles/NAME.txt."""
    raw = settings.out / "profiles" / f"{name}.collapsed"
    with profiling.attached(server.pid, settings.seconds + settings.warmup, raw):
        result = measure().wrk
    summary = profiling.summarise(raw)
    raw.with_suffix(".txt").write_text(profiling.render(name, summary, result))
    raw.unlink()
    return {"rps_under_profiler": result.rps, **summary}
