"""Durable timers at scale: N TimerWorkflow instances on the manual clock, one advance."""

from __future__ import annotations

from typing import Any

from bench.load import pool_ids, start_instances, statuses, timed_call
from bench.servers import mock_command, running
from bench.settings import Settings

TIMER_SECONDS = 1
ADVANCE_SECONDS = 1.5
"""Past every timer's due time in one step."""


def measure_timers(settings: Settings) -> dict[str, Any]:
    """Start the instances (each waits on a 1 s timer), advance the clock 1.5 s once, and time
    until the mock has fired every timer (the advance answers after firing what fell due)."""
    count = settings.timer_instances
    command = mock_command(uvloop=settings.uvloop, clock="manual")
    with running("mock-timers", command, log_dir=settings.out / "logs") as mock:
        preload_s = start_instances(
            mock.url,
            "TimerWorkflow",
            pool_ids("timer-", count),
            body=str(TIMER_SECONDS).encode(),
            concurrency=settings.preload_concurrency,
        )
        waiting = statuses(mock.url)
        seconds, status, body = timed_call(
            "POST", f"{mock.url}/_mock/clock/advance", {"seconds": ADVANCE_SECONDS}
        )
        if status != 200:
            raise RuntimeError(f"advance answered {status}: {body}")
        ended = statuses(mock.url)
    return {
        "instances": count,
        "preload_seconds": preload_s,
        "before_advance": dict(waiting),
        "advance_seconds": seconds,
        "fired": body.get("fired"),
        "after_advance": dict(ended),
        "all_completed": ended.get("COMPLETED", 0) == count and len(ended) == 1,
    }
