"""Side by side with real daprd: the same loads against daprd (with the conformance app) and
against the mock at its defaults, in one run.

For each of the two targets: a pool of waiting ``EventWorkflow`` instances, then wrk's GET,
raiseEvent and start loads (the same Lua scripts and load shape as the mock's own bench), the
latency from a start to ``COMPLETED`` of ``EchoWorkflow`` (one start at a time, polled with GET),
and the whole conformance suite's wall time. daprd is built from its Go module by
:mod:`daprsidecar` (cached; the first build takes minutes) and runs on loopback with placement,
scheduler and ``python -m conformance.app``; its CPU time is the sum of those four processes.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.load import pool_ids, start_instances
from bench.servers import mock_command, running
from bench.settings import POOL_INPUT, Settings
from bench.suite import run_suite
from bench.throughput import drive

OPERATIONS = ("get", "raise_event", "start")
"""The wrk loads measured against both (start last: it grows the store)."""
POOL_PREFIX = "versus-"
POOL_SIZE = 200
"""Waiting instances GET and raiseEvent go round (daprd starts them one workflow at a time)."""
LATENCY_RUNS = 30
POLL_SECONDS = 0.002
LATENCY_TIMEOUT_S = 30.0
SUITE_TIMEOUT_S = 1800
WORKFLOWS = "/v1.0/workflows/dapr"


@dataclass(frozen=True)
class Target:
    """One server under load: where it answers and the processes whose CPU time it costs."""

    name: str
    url: str
    pids: Sequence[int]

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")


def measure_versus_daprd(settings: Settings, version: str, *, suite: bool) -> dict[str, Any]:
    """Both targets, measured one after the other; the ratios are daprd's to the mock's."""
    from daprsidecar.stack import running_sidecar

    found: dict[str, Any] = {"version": version, "pool": POOL_SIZE, "targets": {}}
    log_dir = settings.out / "logs"
    with running("mock-versus", mock_command(uvloop=False), log_dir=log_dir) as mock:
        found["targets"]["mock"] = measure_target(
            Target("mock", mock.url, [mock.pid]), settings, suite=suite
        )
    with running_sidecar(version, run_dir=_fresh(log_dir / "daprd")) as sidecar:
        found["version"] = sidecar.version
        target = Target("daprd", sidecar.http_url, list(sidecar.pids().values()))
        found["targets"]["daprd"] = measure_target(target, settings, suite=suite)
    return found


def measure_target(target: Target, settings: Settings, *, suite: bool) -> dict[str, Any]:
    measured: dict[str, Any] = {
        "preload_seconds": start_instances(
            target.url,
            "EventWorkflow",
            pool_ids(POOL_PREFIX, POOL_SIZE),
            body=POOL_INPUT,
            concurrency=min(settings.preload_concurrency, 16),
        ),
        "operations": {},
    }
    _until_running(target.url, pool_ids(POOL_PREFIX, POOL_SIZE))
    for operation in OPERATIONS:
        measured["operations"][operation] = _drive(target, operation, settings)
    measured["latency"] = start_to_completed(target.url)
    if suite:
        measured["suite"] = suite_time(
            target.url, settings.out / "logs" / f"suite-{target.name}.log"
        )
    return measured


def _drive(target: Target, operation: str, settings: Settings) -> dict[str, Any]:
    """The warm-up, then the measured wrk run (a start gets IDs of its own each time)."""

    def args() -> list[str | int]:
        if operation == "start":
            return [f"{target.name}{time.monotonic_ns()}"]
        return [POOL_PREFIX, POOL_SIZE]

    if settings.warmup:
        drive(target, operation, args(), settings, settings.warmup)
    return drive(target, operation, args(), settings, settings.seconds).as_dict()


def start_to_completed(url: str, runs: int = LATENCY_RUNS) -> dict[str, Any]:
    """Seconds from sending a start of EchoWorkflow to the first GET that shows COMPLETED."""
    seconds = []
    with requests.Session() as session:
        for n in range(runs):
            instance_id = f"latency-{time.monotonic_ns()}-{n}"
            began = time.perf_counter()
            reply = session.post(
                f"{url}{WORKFLOWS}/EchoWorkflow/start",
                params={"instanceID": instance_id},
                data=b'{"n":1}',
                headers={"Content-Type": "application/json"},
                timeout=LATENCY_TIMEOUT_S,
            )
            if reply.status_code != 202:
                raise RuntimeError(f"start answered {reply.status_code}: {reply.text[:200]}")
            _poll(session, f"{url}{WORKFLOWS}/{instance_id}", lambda s: s == "COMPLETED")
            seconds.append(time.perf_counter() - began)
    ordered = sorted(seconds)
    return {
        "runs": runs,
        "p50_ms": 1000 * statistics.median(ordered),
        "p90_ms": 1000 * ordered[int(0.9 * (len(ordered) - 1))],
        "max_ms": 1000 * ordered[-1],
    }


def suite_time(url: str, log: Path) -> dict[str, Any]:
    """The whole conformance suite against ``url``: wall time, exit code, pytest's last line."""
    return run_suite(url, [], log, timeout=SUITE_TIMEOUT_S)


def _until_running(url: str, ids: Sequence[str]) -> None:
    """Wait until every pool instance has been started (daprd runs starts asynchronously)."""
    with requests.Session() as session:
        for instance_id in ids:
            _poll(session, f"{url}{WORKFLOWS}/{instance_id}", lambda s: s == "RUNNING")


def _poll(session: requests.Session, url: str, done: Callable[[str], bool]) -> None:
    deadline = time.monotonic() + LATENCY_TIMEOUT_S
    while True:
        reply = session.get(url, timeout=LATENCY_TIMEOUT_S)
        if reply.status_code == 200 and done(reply.json().get("runtimeStatus", "")):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"GET {url} never showed the status: {reply.status_code} {reply.text[:200]}"
            )
        time.sleep(POLL_SECONDS)


def _fresh(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory
