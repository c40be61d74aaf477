"""Time that a test moves: a manual clock advanced through each due moment, and time skipping.

Advancing goes through every due moment in order, as real time would pass: work fires at its
own due time (so a workflow's "now" is that time) and what it schedules next falls due as it
would. Time skipping (``--clock skip``) jumps to the next due moment by itself whenever every
live instance waits only on time: a timer, an activity or a child; not an event, a resume or
the control API. It asks every live instance after each run of due work, so it is for tests,
not for stores of 100,000 instances.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from conformance.lifecycle import Status
from mockserver.clock import ManualClock
from mockserver.instance import Instance
from mockserver.journal import Journal
from mockserver.scheduler import Scheduler

TIMED_WAITS = frozenset({"timer", "activity", "child"})
"""What an instance may wait for while time skips (a child's own wait decides for it)."""


class ManualTime:
    """Moves one engine's manual clock."""

    def __init__(
        self,
        clock: ManualClock,
        scheduler: Scheduler,
        journal: Journal | None,
        instances: Mapping[str, Instance],
        *,
        skipping: bool,
    ) -> None:
        self.clock = clock
        self.skipping = skipping
        self._scheduler = scheduler
        self._journal = journal
        self._instances = instances

    def advance_to(self, target_us: int, run_due: Callable[[int], int], budget: int) -> int:
        """Move to ``target_us`` through each due moment; returns how much work ran."""
        fired = 0
        while fired < budget:
            due_us = self._scheduler.next_due_us()
            if due_us is None or due_us > target_us:
                break
            self.move_to(max(due_us, self.clock.now_us()))
            fired += run_due(budget - fired)
        self.move_to(target_us)
        return fired + run_due(max(budget - fired, 0))

    def skip(self, run_scheduler: Callable[[int], int], budget: int) -> int:
        """While only time passes, jump to the next due moment and run what falls due there."""
        fired = 0
        while self.skipping and fired < budget and self.only_time_passes():
            due_us = self._scheduler.next_due_us()
            if due_us is None:
                break
            self.move_to(max(due_us, self.clock.now_us()))
            fired += run_scheduler(budget - fired)
        return fired

    def only_time_passes(self) -> bool:
        """No live instance waits for anything but time."""
        for instance in self._instances.values():
            status = instance.status
            if status is Status.SUSPENDED:
                return False
            if status is Status.RUNNING and instance.ready:
                waiting = instance.waiting
                held = waiting is not None and waiting.result is None
                if held and waiting is not None and waiting.kind not in TIMED_WAITS:
                    return False
        return True

    def move_to(self, now_us: int) -> None:
        if now_us > self.clock.now_us():
            self.clock.move_to(now_us)
            if self._journal is not None:
                self._journal.clock_moved = True
        self._scheduler.clock_moved()
