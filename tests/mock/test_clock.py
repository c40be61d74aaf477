"""Clocks, timestamps and the timer heap."""

from __future__ import annotations

import asyncio

import pytest

from daprhttp.timestamps import format_rfc3339
from mockserver.clock import ManualClock, SchedulerLoop, TimerHeap


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (None, "0001-01-01T00:00:00Z"),
        (0, "1970-01-01T00:00:00Z"),
        (1_735_787_045_000_000, "2025-01-02T03:04:05Z"),
        (1_735_787_045_120_000, "2025-01-02T03:04:05.120Z"),
        (1_735_787_045_123_456, "2025-01-02T03:04:05.123456Z"),
    ],
)
def test_timestamps_are_rfc3339_utc_with_protojsons_fraction_widths(
    micros: int | None, text: str
) -> None:
    assert format_rfc3339(micros) == text


def test_the_heap_gives_due_items_in_time_then_arrival_order() -> None:
    heap: TimerHeap[str] = TimerHeap()
    heap.push(20, "late")
    heap.push(10, "first")
    heap.push(10, "second")
    assert heap.next_due_us() == 10
    assert [heap.pop_due(15), heap.pop_due(15), heap.pop_due(15)] == ["first", "second", None]
    assert heap.pop_due(20) == "late"
    assert len(heap) == 0


def test_a_manual_clock_moves_only_forward_and_only_when_told() -> None:
    clock = ManualClock(start_us=5)
    assert clock.now_us() == 5
    clock.advance(0.5)
    assert clock.now_us() == 500_005
    with pytest.raises(ValueError, match="back in time"):
        clock.advance(-1)


class SteppedClock:
    """A clock the test moves, that the loop treats as a real one."""

    is_manual = False

    def __init__(self) -> None:
        self.now = 0

    def now_us(self) -> int:
        return self.now


async def test_the_scheduler_loop_fires_due_work_without_being_asked() -> None:
    clock = SteppedClock()
    heap: TimerHeap[str] = TimerHeap()
    fired = asyncio.Event()

    def run_due() -> int:
        count = 0
        while heap.pop_due(clock.now_us()) is not None:
            count += 1
            fired.set()
        return count

    loop = SchedulerLoop(clock=clock, run_due=run_due, next_due_us=heap.next_due_us)
    task = asyncio.create_task(loop.run())
    try:
        heap.push(1_000, "soon")
        clock.now = 1_000
        loop.wake()
        await asyncio.wait_for(fired.wait(), timeout=5)
        assert len(heap) == 0
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
