"""The engine: what daprd and its workflow engine do, without HTTP, behind one facade.

Rules:
- Every operation first asks the lifecycle table (``openapi.yaml`` ``x-dapr-lifecycle``, handed
  in as a :class:`~conformance.lifecycle.Lifecycle`) for daprd's answer in the instance's
  status; an error cell raises :class:`~daprhttp.errors.DaprError` with that code and daprd's
  message, a success cell's ``next`` status decides the effect
  (:data:`mockserver.transitions.EFFECTS`). The table is the single source; the engine adds
  only *how*.
- Everything that happens later is one entry of the :class:`~mockserver.scheduler.Scheduler`.
  Due entries are fired, and woken instances progressed, before and after every operation
  (:meth:`Engine.run_due`), so a delay of 0 is immediate.
- Durable state (optional): with a :class:`~mockserver.journal.Store`, every run of due work
  that changed something ends with one commit (:mod:`mockserver.journal`).

Where each part lives: :mod:`mockserver.instance` (the data), :mod:`mockserver.transitions` (how
instances move), :mod:`mockserver.runtime` and :mod:`mockserver.orchestrator` (running workflow
code), :mod:`mockserver.scheduler` (what is due), :mod:`mockserver.journal` (what to store).

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from typing import Literal

from conformance.lifecycle import Lifecycle, Operation
from conformance.workflows import WORKFLOWS, Workflow
from daprhttp.ids import instance_id_problem
from daprhttp.view import InstanceView
from mockserver.clock import Clock, ManualClock, seconds_to_us
from mockserver.control_errors import ControlError
from mockserver.control_operations import ControlOperations
from mockserver.instance import Instance, view
from mockserver.journal import Journal, Snapshot, Store
from mockserver.manual_time import ManualTime
from mockserver.runtime import WorkflowRuntime
from mockserver.scheduler import Due, Scheduler, is_current
from mockserver.transitions import Transitions

FORCED_FAILURE_TYPE = "MockForcedFailure"

RUN_DUE_BUDGET = 1000
"""Scheduled entries one :meth:`Engine.run_due` fires at most, so a workflow that continues as new
without end (or a flood of due timers) cannot hold the event loop; requests get in between."""

ADVANCE_BUDGET = 100_000
"""The same for a manual clock's advance, which should fire everything that fell due."""

LATEST_US = 253_402_300_799_999_999
"""9999-12-31T23:59:59.999999Z: a manual clock moved past it could not write a timestamp."""


class Engine(ControlOperations):
    """All instances of one mock: the seven operations, the control operations, what is due."""

    def __init__(
        self,
        *,
        clock: Clock,
        lifecycle: Lifecycle,
        start_delay: float = 0.0,
        transition_delay: float = 0.0,
        workflows: Mapping[str, Workflow] = WORKFLOWS,
        store: Store | None = None,
        transitions: type[Transitions] = Transitions,
        unknown_workflows: Literal["fail", "hold"] = "fail",
        time_skipping: bool = False,
    ) -> None:
        if start_delay < 0 or transition_delay < 0:
            raise ValueError("start_delay and transition_delay must not be negative")
        self.clock = clock
        self._start_delay_us = seconds_to_us(start_delay)
        self._transition_delay_us = seconds_to_us(transition_delay)
        self._instances: dict[str, Instance] = {}
        self._store = store
        self._journal = Journal() if store is not None else None
        self._scheduler = Scheduler(clock, self._journal)
        self._runtime = WorkflowRuntime(workflows, hold_unknown=unknown_workflows == "hold")
        if time_skipping and not isinstance(clock, ManualClock):
            raise ValueError("time skipping needs a manual clock")
        self.transitions = transitions(
            instances=self._instances,
            lifecycle=lifecycle,
            clock=clock,
            scheduler=self._scheduler,
            runtime=self._runtime,
            journal=self._journal,
            start_delay_us=self._start_delay_us,
        )
        """How instances move; the seam a test replaces to change one rule."""
        self._time = (
            ManualTime(
                clock, self._scheduler, self._journal, self._instances, skipping=time_skipping
            )
            if isinstance(clock, ManualClock)
            else None
        )
        """Moves the clock, when it is manual (:mod:`mockserver.manual_time`)."""
        self._run_scheduler = partial(self._scheduler.run, progress=self._progress, fire=self._fire)
        """:meth:`Scheduler.run` with this engine's callbacks, bound once (run_due is hot)."""

    @property
    def time_skipping(self) -> bool:
        """The clock jumps by itself while every live instance waits only on time."""
        return self._time is not None and self._time.skipping

    @property
    def on_schedule(self) -> Callable[[], None] | None:
        """Called when new work becomes the earliest due (the scheduler loop re-plans)."""
        return self._scheduler.on_schedule

    @on_schedule.setter
    def on_schedule(self, callback: Callable[[], None] | None) -> None:
        self._scheduler.on_schedule = callback

    # --- the seven operations ----------------------------------------------------------------

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        """Start ``workflow_name``; returns the instance ID (generated when absent or empty)."""
        self.run_due()
        instance_id = instance_id or str(uuid.uuid4())
        problem = instance_id_problem(instance_id)
        if problem is not None:
            raise problem
        transitions = self.transitions
        transitions.check(Operation.START, instance_id, workflow_name=workflow_name)
        transitions.check_recreate(instance_id, workflow_name)
        instance = transitions.create(
            workflow_name, instance_id, input_text, parent=None, schedule=False
        )
        if self._start_delay_us == 0 and not self._scheduler.due_now():
            # The start would be the next entry this run fires, scheduled and fired before
            # the next commit (which then records neither), so fire it without the scheduler.
            transitions.process_start(instance)
        else:
            self._scheduler.after(
                self._start_delay_us, Due("start", instance_id, instance.execution)
            )
        self.run_due()
        return instance_id

    def __len__(self) -> int:
        """How many instances are stored (O(1))."""
        return len(self._instances)

    def __contains__(self, instance_id: object) -> bool:
        """Whether an instance with this ID is stored (whatever its status)."""
        return instance_id in self._instances

    def get(self, instance_id: str) -> InstanceView:
        self.run_due()
        self.transitions.check(Operation.GET, instance_id)
        return view(self._instances[instance_id])

    def revision(self, instance_id: str) -> tuple[int, int] | None:
        """What GET's answer for ``instance_id`` is made at (None: no such instance).

        It moves forward whenever what GET shows changes: every such change moves
        ``lastUpdatedAt`` (:meth:`Transitions.touch`), and a new run of the ID has a new
        execution.
        """
        self.run_due()
        instance = self._instances.get(instance_id)
        return None if instance is None else (instance.execution, instance.last_updated_us)

    def terminate(self, instance_id: str) -> None:
        self._command(Operation.TERMINATE, instance_id)

    def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        self._command(Operation.RAISE_EVENT, instance_id, event_name=event_name, payload=payload)

    def pause(self, instance_id: str) -> None:
        self._command(Operation.PAUSE, instance_id)

    def resume(self, instance_id: str) -> None:
        self._command(Operation.RESUME, instance_id)

    def purge(self, instance_id: str) -> None:
        self._command(Operation.PURGE, instance_id)

    def _command(
        self,
        op: Operation,
        instance_id: str,
        *,
        event_name: str | None = None,
        payload: str | None = None,
    ) -> None:
        """Answer now (the table's cell for the status now); take effect when due."""
        self.run_due()
        self.transitions.check(op, instance_id, event_name=event_name)
        instance = self._instances.get(instance_id)
        if instance is None:
            return
        due = Due(
            "command",
            instance_id,
            instance.execution,
            operation=op,
            event_name=event_name,
            payload=payload,
        )
        self._scheduler.after(self._transition_delay_us, due)
        self.run_due()

    # --- control -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every instance and every scheduled thing."""
        self._instances.clear()
        self._runtime.clear()
        self._scheduler.clear()
        if self._journal is not None:
            self._journal.clear(reset=True)
            self._commit()

    def advance(self, seconds: float) -> int:
        """Move a manual clock forward and fire what fell due; returns how much work ran."""
        if not isinstance(self.clock, ManualClock):
            raise ControlError(
                "MOCK_CLOCK_NOT_MANUAL",
                409,
                "the clock is real time; start the mock with --clock manual "
                "(create_app(clock='manual')) to advance it",
            )
        if not math.isfinite(seconds) or seconds < 0:
            raise ControlError("MOCK_BAD_REQUEST", 400, f"cannot advance by {seconds} seconds")
        if seconds > (LATEST_US - self.clock.now_us()) / 1_000_000:
            raise ControlError(
                "MOCK_BAD_REQUEST", 400, f"cannot advance by {seconds} seconds: past the year 9999"
            )
        assert self._time is not None
        target_us = self.clock.now_us() + seconds_to_us(seconds)
        return self._time.advance_to(target_us, self.run_due, ADVANCE_BUDGET)

    def forget_live_state(self) -> None:
        """Drop every live workflow generator, as a restart would; they come back by replay."""
        self._runtime.clear()

    # --- durable state -----------------------------------------------------------------------

    def restore(self, snapshot: Snapshot) -> None:
        """Take back what a store kept; workflows come back by replay when they next move."""
        for instance in snapshot.instances:
            self._instances[instance.instance_id] = instance
        self._scheduler.restore(snapshot.dues)
        transitions = self.transitions
        transitions.last_execution = max(transitions.last_execution, snapshot.last_execution)

    def _commit(self) -> None:
        """Hand the store everything changed since the last commit."""
        journal = self._journal
        assert journal is not None and self._store is not None
        self._store.commit(
            journal.batch(self._instances, self.transitions.last_execution, self.clock.now_us())
        )
        journal.clear()

    # --- scheduling --------------------------------------------------------------------------

    def next_due_us(self) -> int | None:
        return self._scheduler.next_due_us()

    def run_due(self, budget: int = RUN_DUE_BUDGET) -> int:
        """Progress woken instances and fire due work until nothing is left, or until ``budget``
        entries fired (the scheduler loop fires the rest); returns the number fired."""
        fired = self._run_scheduler(budget)
        if self._time is not None and self._time.skipping:
            fired += self._time.skip(self._run_scheduler, budget - fired)
        if self._journal:
            self._commit()
        return fired

    def _progress(self, instance_id: str) -> None:
        instance = self._instances.get(instance_id)
        if instance is not None:
            self.transitions.progress(instance)

    def _fire(self, due: Due) -> None:
        instance = self._instances.get(due.instance_id)
        if instance is None:
            return
        kind = due.kind
        if kind == "timer":
            if instance.execution == due.execution:
                self.transitions.timer_fired(instance, due.index)
            return
        if not is_current(instance, due):
            return
        if kind == "start":
            self.transitions.process_start(instance)
        else:
            assert due.operation is not None
            self.transitions.apply(instance, due.operation, due.event_name, due.payload)
