"""Everything that happens later, and the instances woken to move now.

A start after ``start_delay``, a command's effect after ``transition_delay`` and a durable timer
are each one :class:`Due` entry in one :class:`~mockserver.clock.TimerHeap`; nothing needs a task
per instance. :meth:`Scheduler.run` (the engine's run_due) progresses woken instances and fires
due entries until nothing is left.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from conformance.lifecycle import Operation
from mockserver.clock import Clock, TimerHeap

if TYPE_CHECKING:
    from mockserver.instance import Instance
    from mockserver.journal import Journal


@dataclass(frozen=True, slots=True)
class Due:
    """Work scheduled for later: the start, a durable timer, or a command's effect."""

    kind: Literal["start", "timer", "command"]
    instance_id: str
    execution: int
    index: int = 0
    operation: Operation | None = None
    event_name: str | None = None
    payload: str | None = None


def is_current(instance: Instance, due: Due) -> bool:
    """Whether ``due`` still applies. A terminate, pause, resume or purge is for the instance, so
    it outlives continue-as-new; the rest (and a raised event, dropped with the buffered ones)
    is for one execution."""
    for_instance = due.kind == "command" and due.operation is not Operation.RAISE_EVENT
    if for_instance and instance.lifetime is not None:
        return instance.lifetime <= due.execution
    return instance.execution == due.execution


class Scheduler:
    """The due work of one engine, in due order, and the queue of woken instances."""

    def __init__(self, clock: Clock, journal: Journal | None = None) -> None:
        self.clock = clock
        self.journal = journal
        """Told of every entry scheduled and fired (only when the engine has a store)."""
        self.on_schedule: Callable[[], None] | None = None
        """Called when new work becomes the earliest due (the scheduler loop re-plans)."""
        self._heap: TimerHeap[Due] = TimerHeap()
        self._woken: deque[str] = deque()

    def after(self, delay_us: int, due: Due) -> None:
        self.at(self.clock.now_us() + delay_us, due)

    def at(self, due_us: int, due: Due) -> None:
        if self.journal is not None:
            self.journal.scheduled[id(due)] = (due_us, due)
        if self._heap.push(due_us, due) and self.on_schedule is not None:
            self.on_schedule()

    def wake(self, instance_id: str) -> None:
        """Progress this instance at the next :meth:`run`."""
        self._woken.append(instance_id)

    def next_due_us(self) -> int | None:
        return self._heap.next_due_us()

    def due_now(self) -> bool:
        """Whether work is due now (left over by a run that ran out of budget)."""
        due_us = self._heap.next_due_us()
        return due_us is not None and due_us <= self.clock.now_us()

    def clock_moved(self) -> None:
        """A manual clock jumped: what fell due fires in due order."""
        self._heap.sort_due(self.clock.now_us())

    def restore(self, dues: Iterable[tuple[int, Due]]) -> None:
        for due_us, due in dues:
            self._heap.push(due_us, due)

    def clear(self) -> None:
        self._heap.clear()
        self._woken.clear()

    def run(self, budget: int, progress: Callable[[str], None], fire: Callable[[Due], None]) -> int:
        """Progress woken instances and fire due work until nothing is left, or until ``budget``
        entries fired; returns the number fired."""
        fired = 0
        woken = self._woken
        pop_due = self._heap.pop_due
        now_us = self.clock.now_us
        journal = self.journal
        while True:
            while woken:
                progress(woken.popleft())
            due = pop_due(now_us()) if fired < budget else None
            if due is None:
                return fired
            fired += 1
            if journal is not None and journal.scheduled.pop(id(due), None) is None:
                journal.fired.append(due)
            fire(due)
