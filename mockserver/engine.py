"""The instance store and state machine: what daprd and its workflow engine do, without HTTP.

Rules:
- Every operation first asks the lifecycle table (``openapi.yaml`` ``x-dapr-lifecycle``, via
  :func:`conformance.contract.lifecycle`) for daprd's answer in the instance's status; an error
  cell raises :class:`DaprError` with that code and daprd's message, a success cell's ``next``
  status decides the effect. The table is the single source; this module adds only *how*.
- Everything that happens later (a start after ``start_delay``, a command's effect after
  ``transition_delay``, a durable timer) is one entry in one :class:`TimerHeap`. Due entries are
  fired, and woken instances progressed, before and after every operation (:meth:`settle`), so
  a delay of 0 is immediate and nothing needs a task per instance.
- Instance state is plain data (:class:`Instance`): the workflow's history of task results, not
  its generator. Live generators are only a cache; a missing one is rebuilt by replay.
- While SUSPENDED nothing progresses: events stay buffered, a fired timer or a finished child
  is held on the waiting task, and all of it takes effect on resume.
- Terminate and purge reach the children the instance started (recursively).
- Durable state (optional): with a :class:`Store`, every settle that changed something ends by
  handing the store one :class:`Batch` (the changed instances, the work scheduled and fired); a
  :class:`Snapshot` the store loads brings it all back (:meth:`Engine.restore`).

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

import math
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from conformance import contract
from conformance.lifecycle import Operation, Status
from conformance.workflows import WORKFLOWS, Workflow
from daprhttp.ids import instance_id_problem
from daprhttp.refusals import error_for
from daprhttp.view import InstanceView
from mockserver.api_errors import ControlError
from mockserver.clock import Clock, ManualClock, TimerHeap, seconds_to_us
from mockserver.orchestrator import (
    SYNTHETIC_STACK_TRACE,
    ChildTask,
    ContinuedAsNew,
    EventTask,
    Execution,
    Failed,
    ReplayMismatch,
    Returned,
    Step,
    TaskResult,
    TimerTask,
    Yielded,
    event_key,
)

FORCED_FAILURE_TYPE = "MockForcedFailure"
SETTLE_BUDGET = 1000
"""Scheduled entries one :meth:`Engine.settle` fires at most, so a workflow that continues as new
without end (or a flood of due timers) cannot hold the event loop; requests get in between."""
ADVANCE_BUDGET = 100_000
"""The same for a manual clock's advance, which should fire everything that fell due."""
LATEST_US = 253_402_300_799_999_999
"""9999-12-31T23:59:59.999999Z: a manual clock moved past it could not write a timestamp."""


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an instance FAILED."""

    error_type: str
    message: str
    stack_trace: str | None = None
    """Shown as ``dapr.workflow.failure.stack_trace`` when set (daprd 1.17+, SDK failures)."""


RESUME_NOT_SUSPENDED = Failure(
    "WorkflowStateError",
    "Don't know how to handle event of type 'executionResumed'",
    SYNTHETIC_STACK_TRACE,
)
"""How the Python SDK's worker fails a run that is resumed while not suspended (observed,
tests/vectors/daprd-1.18.2/lifecycle.resume.RUNNING.json)."""


@dataclass(slots=True)
class Waiting:
    """The task an instance's workflow waits for (plain data)."""

    kind: Literal["event", "timer", "child"]
    index: int
    """The task's position in the execution: its result becomes ``history[index]``."""
    name: str | None = None
    due_us: int | None = None
    child_id: str | None = None
    child_execution: int | None = None
    result: TaskResult | None = None
    """A fired timer or a finished child, not yet handed to the workflow."""

    def same_task(self, other: Waiting) -> bool:
        """Both wait for the same task (what replay must reproduce)."""
        return (self.kind, self.index, self.name, self.due_us, self.child_id) == (
            other.kind,
            other.index,
            other.name,
            other.due_us,
            other.child_id,
        )

    def describe(self) -> str:
        if self.kind == "event":
            return f"event {self.name}"
        if self.kind == "timer":
            return f"timer due at {self.due_us} us"
        return f"child workflow {self.child_id}"


@dataclass(slots=True)
class Instance:
    """One workflow instance: its current execution and everything GET shows (plain data)."""

    instance_id: str
    workflow_name: str
    execution: int
    """Unique per run and per continue-as-new generation; stale scheduled work is dropped."""
    status: Status
    input: str | None
    last_updated_us: int
    created_us: int | None = None
    ready: bool = False
    """The start has been processed (workflowName and createdAt are known)."""
    begun: bool = False
    """The workflow function has been called in this execution."""
    custom_status: str | None = None
    output: str | None = None
    failure: Failure | None = None
    history: list[TaskResult] = field(default_factory=list)
    waiting: Waiting | None = None
    events: dict[str, deque[str]] = field(default_factory=dict)
    """Raised events not yet taken, by :func:`event_key` of their name."""
    held_pauses: int = 0
    """Pauses sent while SUSPENDED: each keeps the instance SUSPENDED through one resume."""
    parent: tuple[str, int] | None = None
    children: list[tuple[str, int]] = field(default_factory=list)
    lifetime: int | None = None
    """The execution this instance was created with (None: unknown, restored from a store)."""


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


@dataclass(frozen=True, slots=True)
class Batch:
    """Everything changed since the last commit, for a :class:`Store` to commit at once."""

    reset: bool
    """Every instance and everything scheduled was forgotten first."""
    instances: Mapping[str, Instance | None]
    """The changed instances by ID; None for one that is gone."""
    scheduled: Sequence[tuple[int, Due]]
    """New work, with its due time, in the order it was scheduled."""
    fired: Sequence[Due]
    """Work scheduled in an earlier batch (or restored) that has now run."""
    last_execution: int
    now_us: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a :class:`Store` kept: enough to rebuild an engine after a restart."""

    instances: Sequence[Instance]
    dues: Sequence[tuple[int, Due]]
    """Scheduled work not yet run, with due times, in the order it was scheduled."""
    last_execution: int
    now_us: int | None
    """The clock reading at the last commit (None when nothing was ever committed)."""


class Store(Protocol):
    """Where an engine's state is kept (see ``mockserver.store``)."""

    def commit(self, batch: Batch) -> None:
        """Make ``batch`` durable before returning (raise and keep nothing on failure)."""
        ...


@dataclass(slots=True)
class _Journal:
    """What changed since the last commit (only kept when the engine has a store)."""

    changed: set[str] = field(default_factory=set)
    scheduled: dict[int, tuple[int, Due]] = field(default_factory=dict)
    """New work keyed by ``id(due)``: work that runs before the commit is never written."""
    fired: list[Due] = field(default_factory=list)
    reset: bool = False
    clock_moved: bool = False

    def __bool__(self) -> bool:
        return bool(self.changed or self.scheduled or self.fired or self.reset or self.clock_moved)


def _is_current(instance: Instance, due: Due) -> bool:
    """Whether ``due`` still applies. A terminate, pause, resume or purge is for the instance, so
    it outlives continue-as-new; the rest (and a raised event, dropped with the buffered ones)
    is for one execution."""
    for_instance = due.kind == "command" and due.operation is not Operation.RAISE_EVENT
    if for_instance and instance.lifetime is not None:
        return instance.lifetime <= due.execution
    return instance.execution == due.execution


class Engine:
    """All instances of one mock, and the scheduler that moves them."""

    def __init__(
        self,
        *,
        clock: Clock,
        start_delay: float = 0.0,
        transition_delay: float = 0.0,
        workflows: Mapping[str, Workflow] = WORKFLOWS,
        store: Store | None = None,
    ) -> None:
        if start_delay < 0 or transition_delay < 0:
            raise ValueError("start_delay and transition_delay must not be negative")
        self.clock = clock
        self.on_schedule: Callable[[], None] | None = None
        """Called when new work becomes the earliest due (the scheduler loop re-plans)."""
        self._start_delay_us = seconds_to_us(start_delay)
        self._transition_delay_us = seconds_to_us(transition_delay)
        self._workflows = dict(workflows)
        self._lifecycle = contract.lifecycle()
        self._outcomes = {key: cell.expected for key, cell in self._lifecycle.cells.items()}
        """``self._lifecycle.apply`` as one dict lookup (it is asked on every operation)."""
        self._instances: dict[str, Instance] = {}
        self._executions: dict[str, Execution] = {}
        self._heap: TimerHeap[Due] = TimerHeap()
        self._woken: deque[str] = deque()
        self._last_execution = 0
        self._store = store
        self._journal = _Journal() if store is not None else None

    # --- the seven operations ----------------------------------------------------------------

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        """Start ``workflow_name``; returns the instance ID (generated when absent or empty)."""
        self.settle()
        instance_id = instance_id or str(uuid.uuid4())
        problem = instance_id_problem(instance_id)
        if problem is not None:
            raise problem
        self._check(Operation.START, instance_id, workflow_name=workflow_name)
        instance = self._create(workflow_name, instance_id, input_text, parent=None, schedule=False)
        if self._start_delay_us == 0 and not self._due_now():
            # The start would be the next entry this settle fires, scheduled and fired before
            # the next commit (which then records neither), so fire it without the heap.
            self._process_start(instance)
        else:
            self._after(self._start_delay_us, Due("start", instance_id, instance.execution))
        self.settle()
        return instance_id

    def __len__(self) -> int:
        """How many instances are stored (O(1))."""
        return len(self._instances)

    def __contains__(self, instance_id: object) -> bool:
        """Whether an instance with this ID is stored (whatever its status)."""
        return instance_id in self._instances

    def get(self, instance_id: str) -> InstanceView:
        self.settle()
        self._check(Operation.GET, instance_id)
        return self._view(self._instances[instance_id])

    def revision(self, instance_id: str) -> tuple[int, int] | None:
        """What GET's answer for ``instance_id`` is made at (None: no such instance).

        It moves forward whenever what GET shows changes: every such change moves
        ``lastUpdatedAt`` (:meth:`_touch`), and a new run of the ID has a new execution.
        """
        self.settle()
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

    # --- control -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every instance and every scheduled thing."""
        self._instances.clear()
        self._executions.clear()
        self._heap.clear()
        self._woken.clear()
        if self._journal is not None:
            self._journal = _Journal(reset=True)
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
        self.clock.advance(seconds)
        if self._journal is not None:
            self._journal.clock_moved = True
        self._heap.sort_due(self.clock.now_us())
        return self.settle(ADVANCE_BUDGET)

    def instances(self) -> list[InstanceView]:
        self.settle()
        return [self._view(instance) for instance in self._instances.values()]

    def force_complete(self, instance_id: str, output: str | None) -> InstanceView:
        """End an active instance as COMPLETED with ``output`` (JSON text)."""
        instance = self._forceable(instance_id)
        self._finish(instance, Status.COMPLETED, output=output)
        self.settle()
        return self._view(instance)

    def force_fail(self, instance_id: str, message: str, error_type: str) -> InstanceView:
        """End an active instance as FAILED with this failure."""
        instance = self._forceable(instance_id)
        self._finish(instance, Status.FAILED, failure=Failure(error_type, message))
        self.settle()
        return self._view(instance)

    def forget_live_state(self) -> None:
        """Drop every live workflow generator, as a restart would; they come back by replay."""
        self._executions.clear()

    # --- durable state -----------------------------------------------------------------------

    def restore(self, snapshot: Snapshot) -> None:
        """Take back what a store kept; workflows come back by replay when they next move."""
        for instance in snapshot.instances:
            self._instances[instance.instance_id] = instance
        for due_us, due in snapshot.dues:
            self._heap.push(due_us, due)
        self._last_execution = max(self._last_execution, snapshot.last_execution)

    def _commit(self) -> None:
        """Hand the store everything changed since the last commit."""
        journal = self._journal
        assert journal is not None and self._store is not None
        self._store.commit(
            Batch(
                reset=journal.reset,
                instances={key: self._instances.get(key) for key in journal.changed},
                scheduled=list(journal.scheduled.values()),
                fired=journal.fired,
                last_execution=self._last_execution,
                now_us=self.clock.now_us(),
            )
        )
        self._journal = _Journal()

    # --- scheduling --------------------------------------------------------------------------

    def next_due_us(self) -> int | None:
        return self._heap.next_due_us()

    def settle(self, budget: int = SETTLE_BUDGET) -> int:
        """Progress woken instances and fire due work until nothing is left, or until ``budget``
        entries fired (the scheduler loop fires the rest); returns the number fired."""
        fired = 0
        woken = self._woken
        instances = self._instances
        pop_due = self._heap.pop_due
        now_us = self.clock.now_us
        while True:
            while woken:
                instance = instances.get(woken.popleft())
                if instance is not None:
                    self._progress(instance)
            due = pop_due(now_us()) if fired < budget else None
            if due is None:
                if self._journal:
                    self._commit()
                return fired
            fired += 1
            journal = self._journal
            if journal is not None and journal.scheduled.pop(id(due), None) is None:
                journal.fired.append(due)
            self._fire(due)

    def _due_now(self) -> bool:
        """Whether scheduled work is due now (left over by a settle that ran out of budget)."""
        due_us = self._heap.next_due_us()
        return due_us is not None and due_us <= self.clock.now_us()

    def _after(self, delay_us: int, due: Due) -> None:
        self._at(self.clock.now_us() + delay_us, due)

    def _at(self, due_us: int, due: Due) -> None:
        if self._journal is not None:
            self._journal.scheduled[id(due)] = (due_us, due)
        if self._heap.push(due_us, due) and self.on_schedule is not None:
            self.on_schedule()

    def _wake(self, instance: Instance) -> None:
        self._woken.append(instance.instance_id)

    def _fire(self, due: Due) -> None:
        instance = self._instances.get(due.instance_id)
        if instance is None:
            return
        kind = due.kind
        if kind == "timer":
            if instance.execution == due.execution:
                self._timer_fired(instance, due.index)
            return
        if not _is_current(instance, due):
            return
        if kind == "start":
            self._process_start(instance)
        else:
            assert due.operation is not None
            self._apply(instance, due.operation, due.event_name, due.payload)

    # --- operations: answer now, take effect when due -----------------------------------------

    def _check(
        self,
        op: Operation,
        instance_id: str,
        *,
        workflow_name: str | None = None,
        event_name: str | None = None,
    ) -> None:
        instance = self._instances.get(instance_id)
        status = Status.ABSENT if instance is None else instance.status
        outcome = self._outcomes.get((op, status)) or self._lifecycle.apply(status, op)
        if outcome.error is not None:
            raise error_for(
                outcome.error,
                op,
                status,
                instance_id=instance_id,
                workflow_name=workflow_name,
                event_name=event_name,
            )

    def _command(
        self,
        op: Operation,
        instance_id: str,
        *,
        event_name: str | None = None,
        payload: str | None = None,
    ) -> None:
        self.settle()
        self._check(op, instance_id, event_name=event_name)
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
        self._after(self._transition_delay_us, due)
        self.settle()

    def _apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        """A command's effect, decided by the table for the status the instance has *now*."""
        outcome = self._lifecycle.apply(instance.status, op)
        if not outcome.is_success:
            return
        if op is Operation.RAISE_EVENT:
            if self._lifecycle.is_active(instance.status):
                assert event_name is not None and payload is not None
                instance.events.setdefault(event_key(event_name), deque()).append(payload)
                self._changed(instance)
                self._wake(instance)
            return
        if instance.status is Status.SUSPENDED and op is Operation.PAUSE:
            # The SDK's worker holds a suspend that arrives while suspended and applies it
            # again on the next resume (lifecycle pause/SUSPENDED).
            instance.held_pauses += 1
            self._changed(instance)
            return
        if instance.status is Status.SUSPENDED and op is Operation.RESUME and instance.held_pauses:
            instance.held_pauses -= 1
            self._touch(instance)
            return
        if outcome.next is Status.TERMINATED:
            self._terminate(instance)
        elif outcome.next is Status.SUSPENDED:
            self._mark_started(instance)
            instance.status = Status.SUSPENDED
            self._touch(instance)
        elif outcome.next is Status.RUNNING:
            instance.status = Status.RUNNING
            self._touch(instance)
            self._wake(instance)
        elif outcome.next is Status.ABSENT:
            self._purge(instance)
        elif outcome.next is Status.FAILED and op is Operation.RESUME:
            self._mark_started(instance)
            self._finish(instance, Status.FAILED, failure=RESUME_NOT_SUSPENDED)

    # --- lifecycle effects -------------------------------------------------------------------

    def _create(
        self,
        workflow_name: str,
        instance_id: str,
        input_text: str | None,
        *,
        parent: tuple[str, int] | None,
        schedule: bool = True,
    ) -> Instance:
        """A new PENDING instance; its start is scheduled unless ``schedule`` is False."""
        previous = self._instances.get(instance_id)
        self._executions.pop(instance_id, None)
        instance = Instance(
            instance_id=instance_id,
            workflow_name=workflow_name,
            execution=self._next_execution(),
            status=Status.PENDING,
            input=input_text,
            last_updated_us=previous.last_updated_us if previous else 0,
            parent=parent,
        )
        instance.lifetime = instance.execution
        self._touch(instance)
        self._instances[instance_id] = instance
        if schedule:
            self._after(self._start_delay_us, Due("start", instance_id, instance.execution))
        return instance

    def _process_start(self, instance: Instance) -> None:
        """The start is processed: the instance runs (unless paused or ended meanwhile)."""
        if instance.ready:
            return
        self._mark_started(instance)
        if instance.status is Status.PENDING:
            instance.status = Status.RUNNING
        self._touch(instance)
        self._wake(instance)

    def _mark_started(self, instance: Instance) -> None:
        if not instance.ready:
            instance.ready = True
            instance.created_us = self.clock.now_us()

    def _timer_fired(self, instance: Instance, index: int) -> None:
        waiting = instance.waiting
        if waiting is None or waiting.kind != "timer" or waiting.index != index:
            return
        waiting.result = TaskResult("timer", self.clock.now_us())
        if self._journal is not None:
            self._journal.changed.add(instance.instance_id)
        self._woken.append(instance.instance_id)

    def _terminate(self, instance: Instance) -> None:
        self._mark_started(instance)
        self._finish(instance, Status.TERMINATED)
        for child in self._children(instance):
            if self._lifecycle.is_active(child.status):
                self._terminate(child)

    def _purge(self, instance: Instance) -> None:
        for child in self._children(instance):
            if self._lifecycle.is_terminal(child.status):
                self._purge(child)
        del self._instances[instance.instance_id]
        self._executions.pop(instance.instance_id, None)
        self._changed(instance)

    def _children(self, instance: Instance) -> Iterator[Instance]:
        for child_id, execution in instance.children:
            child = self._instances.get(child_id)
            if child is not None and child.execution == execution:
                yield child

    def _finish(
        self,
        instance: Instance,
        status: Status,
        *,
        output: str | None = None,
        failure: Failure | None = None,
    ) -> None:
        instance.status = status
        instance.output = output
        instance.failure = failure
        instance.waiting = None
        self._executions.pop(instance.instance_id, None)
        self._touch(instance)
        self._notify_parent(instance)

    def _notify_parent(self, child: Instance) -> None:
        if child.parent is None:
            return
        parent_id, execution = child.parent
        parent = self._instances.get(parent_id)
        if parent is None or parent.execution != execution:
            return
        waiting = parent.waiting
        if (
            waiting is None
            or waiting.kind != "child"
            or waiting.child_id != child.instance_id
            or waiting.child_execution != child.execution
        ):
            return
        now = self.clock.now_us()
        if child.status is Status.COMPLETED:
            waiting.result = TaskResult("child", at_us=now, payload=child.output)
        elif child.failure is not None:
            waiting.result = TaskResult(
                "child",
                at_us=now,
                failure=f"child workflow '{child.instance_id}' failed: {child.failure.message}",
            )
        else:
            waiting.result = TaskResult(
                "child", at_us=now, failure=f"child workflow '{child.instance_id}' was terminated"
            )
        self._changed(parent)
        self._wake(parent)

    def _forceable(self, instance_id: str) -> Instance:
        self.settle()
        instance = self._instances.get(instance_id)
        if instance is None:
            raise ControlError("MOCK_INSTANCE_NOT_FOUND", 404, f"no instance {instance_id!r}")
        if not self._lifecycle.is_active(instance.status):
            raise ControlError(
                "MOCK_INSTANCE_NOT_ACTIVE",
                409,
                f"instance {instance_id!r} is {instance.status.value}; only PENDING, RUNNING "
                "and SUSPENDED instances can be forced to end",
            )
        self._mark_started(instance)
        return instance

    # --- running workflows -------------------------------------------------------------------

    def _progress(self, instance: Instance) -> None:
        """Run the workflow as far as it can go now."""
        while instance.status is Status.RUNNING and instance.ready:
            if not instance.begun:
                instance.begun = True
                execution = self._new_execution(instance)
                step = execution.begin(instance.input)
                instance.custom_status = execution.custom_status
                if isinstance(step, Yielded):
                    # Only a waiting execution is kept: a finished one would be dropped at once.
                    self._executions[instance.instance_id] = execution
                self._record(instance, step)
                continue
            result = self._take_result(instance)
            if result is None:
                return
            execution = self._live_execution(instance)
            instance.history.append(result)
            instance.waiting = None
            step = execution.resume(result)
            instance.custom_status = execution.custom_status
            self._record(instance, step)

    def _take_result(self, instance: Instance) -> TaskResult | None:
        waiting = instance.waiting
        if waiting is None:
            return None
        if waiting.kind != "event":
            return waiting.result
        assert waiting.name is not None
        queue = instance.events.get(waiting.name)
        if not queue:
            return None
        payload = queue.popleft()
        if not queue:
            del instance.events[waiting.name]
        return TaskResult("event", at_us=self.clock.now_us(), payload=payload)

    def _new_execution(self, instance: Instance) -> Execution:
        assert instance.created_us is not None
        return Execution(
            self._workflows.get(instance.workflow_name),
            name=instance.workflow_name,
            instance_id=instance.instance_id,
            started_at_us=instance.created_us,
        )

    def _live_execution(self, instance: Instance) -> Execution:
        """The running generator, or one rebuilt by replaying the recorded history."""
        execution = self._executions.get(instance.instance_id)
        if execution is not None:
            return execution
        assert instance.created_us is not None
        execution, step = Execution.replay(
            self._workflows.get(instance.workflow_name),
            name=instance.workflow_name,
            instance_id=instance.instance_id,
            started_at_us=instance.created_us,
            input_text=instance.input,
            history=instance.history,
        )
        expected = (
            self._waiting_for(step.task, len(instance.history))
            if isinstance(step, Yielded)
            else None
        )
        if expected is None or instance.waiting is None or not expected.same_task(instance.waiting):
            raise ReplayMismatch(
                f"replaying instance {instance.instance_id!r} did not reach the task it waits "
                f"for ({instance.waiting.describe() if instance.waiting else 'nothing'})"
            )
        self._executions[instance.instance_id] = execution
        return execution

    def _record(self, instance: Instance, step: Step) -> None:
        if isinstance(step, Yielded):
            instance.waiting = self._wait(instance, step.task)
            self._touch(instance)
        elif isinstance(step, Returned):
            self._finish(instance, Status.COMPLETED, output=step.output)
        elif isinstance(step, Failed):
            self._finish(
                instance,
                Status.FAILED,
                failure=Failure(step.error_type, step.message, step.stack_trace),
            )
        elif isinstance(step, ContinuedAsNew):
            self._continue_as_new(instance, step.input)

    @staticmethod
    def _waiting_for(task: EventTask | TimerTask | ChildTask, index: int) -> Waiting:
        if isinstance(task, EventTask):
            return Waiting("event", index, name=task.name)
        if isinstance(task, TimerTask):
            return Waiting("timer", index, due_us=task.due_us)
        return Waiting("child", index, child_id=task.instance_id)

    def _wait(self, instance: Instance, task: EventTask | TimerTask | ChildTask) -> Waiting:
        """Wait for a new task: schedule the timer or start the child."""
        waiting = self._waiting_for(task, len(instance.history))
        if isinstance(task, TimerTask):
            self._at(
                task.due_us, Due("timer", instance.instance_id, instance.execution, waiting.index)
            )
        elif isinstance(task, ChildTask):
            self._start_child(instance, task, waiting)
        return waiting

    def _start_child(self, parent: Instance, task: ChildTask, waiting: Waiting) -> None:
        existing = self._instances.get(task.instance_id)
        if existing is not None and self._lifecycle.is_active(existing.status):
            waiting.result = TaskResult(
                "child",
                at_us=self.clock.now_us(),
                failure=f"an active workflow with ID '{task.instance_id}' already exists",
            )
            self._wake(parent)
            return
        child = self._create(
            task.name,
            task.instance_id,
            task.input,
            parent=(parent.instance_id, parent.execution),
        )
        waiting.child_execution = child.execution
        parent.children.append((child.instance_id, child.execution))

    def _continue_as_new(self, instance: Instance, new_input: str | None) -> None:
        """Start the next generation: same ID, fresh history, RUNNING while it waits to run."""
        self._executions.pop(instance.instance_id, None)
        instance.execution = self._next_execution()
        instance.input = new_input
        instance.history = []
        instance.waiting = None
        instance.events.clear()
        instance.custom_status = None
        instance.begun = False
        instance.ready = False
        self._touch(instance)
        self._after(self._start_delay_us, Due("start", instance.instance_id, instance.execution))

    # --- views -------------------------------------------------------------------------------

    def _touch(self, instance: Instance) -> None:
        """Record a change: lastUpdatedAt moves strictly forward, even on a frozen clock."""
        now = self.clock.now_us()
        last = instance.last_updated_us
        instance.last_updated_us = now if now > last else last + 1
        if self._journal is not None:
            self._journal.changed.add(instance.instance_id)

    def _changed(self, instance: Instance) -> None:
        """Record a change GET does not show (lastUpdatedAt stays)."""
        if self._journal is not None:
            self._journal.changed.add(instance.instance_id)

    def _next_execution(self) -> int:
        self._last_execution += 1
        return self._last_execution

    def _view(self, instance: Instance) -> InstanceView:
        # Before its start is processed daprd has no history to read: no name, no properties,
        # both times the Go zero time (observed on daprd 1.18.2 right after a start).
        unstarted = instance.status is Status.PENDING and not instance.ready
        return InstanceView(
            instance_id=instance.instance_id,
            workflow_name=instance.workflow_name if instance.ready else None,
            created_at_us=instance.created_us,
            last_updated_at_us=None if unstarted else instance.last_updated_us,
            runtime_status=instance.status,
            properties={} if unstarted else _properties(instance),
            parent_instance_id=instance.parent[0] if instance.parent else None,
            waiting_for=instance.waiting.describe() if instance.waiting else None,
            buffered_events=(
                {name: len(queue) for name, queue in instance.events.items()}
                if instance.events
                else {}
            ),
        )


def _properties(instance: Instance) -> dict[str, str]:
    """The ``properties`` daprd shows (facts §4): only the keys that are set."""
    properties: dict[str, str] = {}
    if instance.input is not None:
        properties["dapr.workflow.input"] = instance.input
    if instance.custom_status is not None:
        properties["dapr.workflow.custom_status"] = instance.custom_status
    if instance.failure is not None:
        properties["dapr.workflow.failure.error_type"] = instance.failure.error_type
        properties["dapr.workflow.failure.error_message"] = instance.failure.message
        if instance.failure.stack_trace is not None:
            properties["dapr.workflow.failure.stack_trace"] = instance.failure.stack_trace
    elif instance.status is Status.COMPLETED and instance.output is not None:
        properties["dapr.workflow.output"] = instance.output
    return properties
