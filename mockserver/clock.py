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
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

MICROS_PER_SECOND = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
"""How daprd writes a timestamp it does not have yet (Go's zero time)."""

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


def seconds_to_us(seconds: float) -> int:
    return round(seconds * MICROS_PER_SECOND)


_SECONDS: dict[int, str] = {}
"""Whole seconds already formatted: most timestamps fall in a few recent seconds."""
_SECONDS_KEPT = 4096


def format_rfc3339(at_us: int | None) -> str:
    """RFC 3339 in UTC with ``Z``, with 0, 3 or 6 fractional digits as protojson writes them."""
    if at_us is None:
        return GO_ZERO_TIME
    whole, micros = divmod(at_us, MICROS_PER_SECOND)
    stamp = _SECONDS.get(whole)
    if stamp is None:
        if len(_SECONDS) >= _SECONDS_KEPT:
            _SECONDS.clear()
        stamp = _SECONDS[whole] = (_EPOCH + timedelta(seconds=whole)).strftime("%Y-%m-%dT%H:%M:%S")
    if micros == 0:
        return stamp + "Z"
    if micros % 1000 == 0:
        return f"{stamp}.{micros // 1000:03d}Z"
    return f"{stamp}.{micros:06d}Z"


class TimerHeap(Generic[T]):
    """Items ordered by due time (first in, first out among equal times)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, T]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, due_us: int, item: T) -> bool:
        """Add ``item``; True when it is now the earliest entry."""
        heapq.heappush(self._heap, (due_us, next(self._order), item))
        return self._heap[0][2] is item

    def next_due_us(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now_us: int) -> T | None:
        """The earliest item due at ``now_us`` or before, removed; None when nothing is due."""
        if self._heap and self._heap[0][0] <= now_us:
            return heapq.heappop(self._heap)[2]
        return None

    def clear(self) -> None:
        self._heap.clear()


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
