"""The mock's time: a real or a manual clock, one heap of due timers, and the loop that fires them.

Rules:
- Times are integer microseconds since the Unix epoch, so ordering and "strictly later" are exact.
- Every delayed thing the engine knows (durable timers, start and command delays) is one entry in
  one :class:`TimerHeap`; nothing sleeps per instance.
- With a :class:`ManualClock` time stands still until someone calls :meth:`ManualClock.advance`;
  the caller then fires what fell due (see ``Engine.advance``).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

MICROS_PER_SECOND = 1_000_000

T = TypeVar("T")


class Clock(Protocol):
    """A source of the current time."""

    @property
    def is_manual(self) -> bool: ...

    def now_us(self) -> int:
        """Microseconds since the Unix epoch."""
        ...


class RealClock:
    """Wall-clock time."""

    is_manual = False

    def now_us(self) -> int:
        return time.time_ns() // 1000


class ManualClock:
    """Time that moves only when advanced; starts at the wall-clock second it was made."""

    is_manual = True

    def __init__(self, start_us: int | None = None) -> None:
        self._now_us = (
            start_us if start_us is not None else time.time_ns() // 1_000_000_000 * 1_000_000
        )

    def now_us(self) -> int:
        return self._now_us

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a manual clock cannot go back in time (advance by {seconds})")
        self._now_us += round(seconds * MICROS_PER_SECOND)

    def move_to(self, now_us: int) -> None:
        """Set the time to ``now_us`` (never back)."""
        if now_us < self._now_us:
            raise ValueError(f"a manual clock cannot go back in time (to {now_us} us)")
        self._now_us = now_us


def seconds_to_us(seconds: float) -> int:
    return round(seconds * MICROS_PER_SECOND)


class TimerHeap(Generic[T]):
    """Items ordered by due time (first in, first out among equal times).

    A heap, plus a sorted run of entries already known to be due (:meth:`sort_due`): taking
    100,000 due entries off the heap one by one costs a sift each, sorting them once is far
    cheaper. :meth:`pop_due` takes the earlier of the two heads, so the order is the same.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, T]] = []
        self._run: deque[tuple[int, int, T]] = deque()
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap) + len(self._run)

    def push(self, due_us: int, item: T) -> bool:
        """Add ``item``; True when it is now the earliest entry."""
        entry = (due_us, next(self._order), item)
        heapq.heappush(self._heap, entry)
        return self._heap[0] is entry and not (self._run and self._run[0] < entry)

    def next_due_us(self) -> int | None:
        heap, run = self._heap, self._run
        if run:
            return min(run[0][0], heap[0][0]) if heap else run[0][0]
        return heap[0][0] if heap else None

    def pop_due(self, now_us: int) -> T | None:
        """The earliest item due at ``now_us`` or before, removed; None when nothing is due."""
        heap, run = self._heap, self._run
        if run and (not heap or run[0] < heap[0]):
            if run[0][0] <= now_us:
                return run.popleft()[2]
            return None
        if heap and heap[0][0] <= now_us:
            return heapq.heappop(heap)[2]
        return None

    def sort_due(self, now_us: int) -> int:
        """Move every entry due at ``now_us`` into the sorted run (before firing many at once);
        returns how many are in the run."""
        due = [entry for entry in self._heap if entry[0] <= now_us]
        if due:
            self._heap = [entry for entry in self._heap if entry[0] > now_us]
            heapq.heapify(self._heap)
            due.extend(self._run)
            due.sort()
            self._run = deque(due)
        return len(self._run)

    def clear(self) -> None:
        self._heap.clear()
        self._run.clear()


class SchedulerLoop:
    """The one background task: fires due work and sleeps until the next due time.

    The engine also fires due work at the start of every operation, so this loop only makes
    progress happen between requests. With a manual clock it sleeps until woken.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        run_due: Callable[[], int],
        next_due_us: Callable[[], int | None],
    ) -> None:
        self._clock = clock
        self._run_due = run_due
        self._next_due_us = next_due_us
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Something was scheduled: re-check when to wake up next."""
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            self._wakeup.clear()
            self._run_due()
            # Due work comes in bounded batches; let requests in before the next one.
            await asyncio.sleep(0)
            await self._sleep()

    async def _sleep(self) -> None:
        due = None if self._clock.is_manual else self._next_due_us()
        if due is None:
            await self._wakeup.wait()
            return
        delay = max(due - self._clock.now_us(), 0) / MICROS_PER_SECOND
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=delay)
