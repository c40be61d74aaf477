"""How instances move: the lifecycle table's effects, and workflow steps applied to instances.

Rules:
- A command's effect is decided by the lifecycle table for the status the instance has *when
  the effect is due*; the effect of each next status is one entry of :data:`EFFECTS`.
- While SUSPENDED nothing progresses: events stay buffered, a fired timer or a finished child
  is held on the waiting task, and all of it takes effect on resume.
- Terminate and purge reach the children the instance started (recursively).
- Every change GET shows moves ``lastUpdatedAt`` strictly forward (:meth:`Transitions.touch`).

The methods here are the engine's public seam: a subclass passed as ``Engine(transitions=...)``
changes one rule (the broken servers of ``tests/broken`` are built that way).

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, MutableMapping

from conformance.lifecycle import Lifecycle, Operation, Status
from daprhttp.refusals import error_for
from mockserver.clock import Clock
from mockserver.instance import Failure, Instance, Waiting
from mockserver.journal import Journal
from mockserver.orchestrator import (
    SYNTHETIC_STACK_TRACE,
    ChildTask,
    ContinuedAsNew,
    EventTask,
    Failed,
    Returned,
    Step,
    TaskResult,
    TimerTask,
    Yielded,
    event_key,
)
from mockserver.runtime import WorkflowRuntime
from mockserver.scheduler import Due, Scheduler

RESUME_NOT_SUSPENDED = Failure(
    "WorkflowStateError",
    "Don't know how to handle event of type 'executionResumed'",
    SYNTHETIC_STACK_TRACE,
)
"""How the Python SDK's worker fails a run that is resumed while not suspended (observed,
tests/vectors/daprd-1.18.2/lifecycle.resume.RUNNING.json)."""


class Transitions:
    """The state changes of one engine's instances (the engine calls these; tests override)."""

    def __init__(
        self,
        *,
        instances: MutableMapping[str, Instance],
        lifecycle: Lifecycle,
        clock: Clock,
        scheduler: Scheduler,
        runtime: WorkflowRuntime,
        journal: Journal | None,
        start_delay_us: int,
    ) -> None:
        self.instances = instances
        self.lifecycle = lifecycle
        self.clock = clock
        self.scheduler = scheduler
        self.runtime = runtime
        self.journal = journal
        self.start_delay_us = start_delay_us
        self.last_execution = 0
        """The highest execution number handed out (kept by the store)."""
        self._outcomes = {key: cell.expected for key, cell in lifecycle.cells.items()}
        """``lifecycle.apply`` as one dict lookup (it is asked on every operation)."""

    # --- what the table answers now ------------------------------------------------------------

    def check(
        self,
        op: Operation,
        instance_id: str,
        *,
        workflow_name: str | None = None,
        event_name: str | None = None,
    ) -> None:
        """Raise daprd's error if the table refuses ``op`` in the instance's status now."""
        instance = self.instances.get(instance_id)
        status = Status.ABSENT if instance is None else instance.status
        outcome = self._outcomes.get((op, status)) or self.lifecycle.apply(status, op)
        if outcome.error is not None:
            raise error_for(
                outcome.error,
                op,
                status,
                instance_id=instance_id,
                workflow_name=workflow_name,
                event_name=event_name,
            )

    # --- a command's effect, when it is due ------------------------------------------------------

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        """A command's effect, decided by the table for the status the instance has *now*."""
        outcome = self.lifecycle.apply(instance.status, op)
        if not outcome.is_success:
            return
        if op is Operation.RAISE_EVENT:
            if self.lifecycle.is_active(instance.status):
                assert event_name is not None and payload is not None
                self.buffer_event(instance, event_name, payload)
            return
        if instance.status is Status.SUSPENDED and op is Operation.PAUSE:
            # The SDK's worker holds a suspend that arrives while suspended and applies it
            # again on the next resume (lifecycle pause/SUSPENDED).
            instance.held_pauses += 1
            self.changed(instance)
            return
        if instance.status is Status.SUSPENDED and op is Operation.RESUME and instance.held_pauses:
            instance.held_pauses -= 1
            self.touch(instance)
            return
        effect = EFFECTS.get(outcome.next) if outcome.next is not None else None
        if effect is not None:
            effect(self, instance, op)

    def buffer_event(self, instance: Instance, event_name: str, payload: str) -> None:
        instance.events.setdefault(event_key(event_name), deque()).append(payload)
        self.changed(instance)
        self.scheduler.wake(instance.instance_id)

    def suspend(self, instance: Instance) -> None:
        self.mark_started(instance)
        instance.status = Status.SUSPENDED
        self.touch(instance)

    def run(self, instance: Instance) -> None:
        instance.status = Status.RUNNING
        self.touch(instance)
        self.scheduler.wake(instance.instance_id)

    def fail_resumed_run(self, instance: Instance, op: Operation) -> None:
        """The SDK's worker fails a run resumed while not suspended."""
        if op is Operation.RESUME:
            self.mark_started(instance)
            self.finish(instance, Status.FAILED, failure=RESUME_NOT_SUSPENDED)

    def terminate(self, instance: Instance) -> None:
        self.mark_started(instance)
        self.finish(instance, Status.TERMINATED)
        for child in self.children(instance):
            if self.lifecycle.is_active(child.status):
                self.terminate(child)

    def purge(self, instance: Instance) -> None:
        for child in self.children(instance):
            if self.lifecycle.is_terminal(child.status):
                self.purge(child)
        del self.instances[instance.instance_id]
        self.runtime.forget(instance.instance_id)
        self.changed(instance)

    # --- starts and ends -------------------------------------------------------------------------

    def create(
        self,
        workflow_name: str,
        instance_id: str,
        input_text: str | None,
        *,
        parent: tuple[str, int] | None,
        schedule: bool = True,
    ) -> Instance:
        """A new PENDING instance; its start is scheduled unless ``schedule`` is False."""
        previous = self.instances.get(instance_id)
        self.runtime.forget(instance_id)
        instance = Instance(
            instance_id=instance_id,
            workflow_name=workflow_name,
            execution=self.next_execution(),
            status=Status.PENDING,
            input=input_text,
            last_updated_us=previous.last_updated_us if previous else 0,
            parent=parent,
        )
        instance.lifetime = instance.execution
        self.touch(instance)
        self.instances[instance_id] = instance
        if schedule:
            self.scheduler.after(self.start_delay_us, Due("start", instance_id, instance.execution))
        return instance

    def process_start(self, instance: Instance) -> None:
        """The start is processed: the instance runs (unless paused or ended meanwhile)."""
        if instance.ready:
            return
        self.mark_started(instance)
        if instance.status is Status.PENDING:
            instance.status = Status.RUNNING
        self.touch(instance)
        self.scheduler.wake(instance.instance_id)

    def mark_started(self, instance: Instance) -> None:
        """The instance's createdAt is known from now on."""
        if not instance.ready:
            instance.ready = True
            instance.created_us = self.clock.now_us()

    def finish(
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
        self.runtime.forget(instance.instance_id)
        self.touch(instance)
        self.notify_parent(instance)

    def children(self, instance: Instance) -> Iterator[Instance]:
        for child_id, execution in instance.children:
            child = self.instances.get(child_id)
            if child is not None and child.execution == execution:
                yield child

    def notify_parent(self, child: Instance) -> None:
        """Hand an ended child's result to the parent that waits for it."""
        if child.parent is None:
            return
        parent_id, execution = child.parent
        parent = self.instances.get(parent_id)
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
        self.changed(parent)
        self.scheduler.wake(parent.instance_id)

    # --- running the workflow --------------------------------------------------------------------

    def progress(self, instance: Instance) -> None:
        """Run the workflow as far as it can go now."""
        runtime = self.runtime
        while instance.status is Status.RUNNING and instance.ready:
            if not instance.begun:
                step = runtime.begin(instance)
            else:
                result = self.take_result(instance)
                if result is None:
                    return
                step = runtime.resume(instance, result)
            self.record(instance, step)

    def take_result(self, instance: Instance) -> TaskResult | None:
        """The awaited task's result, if it is there (an event is taken from the buffer)."""
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

    def timer_fired(self, instance: Instance, index: int) -> None:
        waiting = instance.waiting
        if waiting is None or waiting.kind != "timer" or waiting.index != index:
            return
        waiting.result = TaskResult("timer", self.clock.now_us())
        if self.journal is not None:
            self.journal.changed.add(instance.instance_id)
        self.scheduler.wake(instance.instance_id)

    def record(self, instance: Instance, step: Step) -> None:
        """Apply the step the workflow reached."""
        if isinstance(step, Yielded):
            instance.waiting = self.wait(instance, step.task)
            self.touch(instance)
        elif isinstance(step, Returned):
            self.finish(instance, Status.COMPLETED, output=step.output)
        elif isinstance(step, Failed):
            self.finish(
                instance,
                Status.FAILED,
                failure=Failure(step.error_type, step.message, step.stack_trace),
            )
        elif isinstance(step, ContinuedAsNew):
            self.continue_as_new(instance, step.input)

    def wait(self, instance: Instance, task: EventTask | TimerTask | ChildTask) -> Waiting:
        """Wait for a new task: schedule the timer or start the child."""
        waiting = Waiting.for_task(task, len(instance.history))
        if isinstance(task, TimerTask):
            self.scheduler.at(
                task.due_us, Due("timer", instance.instance_id, instance.execution, waiting.index)
            )
        elif isinstance(task, ChildTask):
            self.start_child(instance, task, waiting)
        return waiting

    def start_child(self, parent: Instance, task: ChildTask, waiting: Waiting) -> None:
        existing = self.instances.get(task.instance_id)
        if existing is not None and self.lifecycle.is_active(existing.status):
            waiting.result = TaskResult(
                "child",
                at_us=self.clock.now_us(),
                failure=f"an active workflow with ID '{task.instance_id}' already exists",
            )
            self.scheduler.wake(parent.instance_id)
            return
        child = self.create(
            task.name,
            task.instance_id,
            task.input,
            parent=(parent.instance_id, parent.execution),
        )
        waiting.child_execution = child.execution
        parent.children.append((child.instance_id, child.execution))

    def continue_as_new(self, instance: Instance, new_input: str | None) -> None:
        """Start the next generation: same ID, fresh history, RUNNING while it waits to run."""
        self.runtime.forget(instance.instance_id)
        instance.execution = self.next_execution()
        instance.input = new_input
        instance.history = []
        instance.waiting = None
        instance.events.clear()
        instance.custom_status = None
        instance.begun = False
        instance.ready = False
        self.touch(instance)
        self.scheduler.after(
            self.start_delay_us, Due("start", instance.instance_id, instance.execution)
        )

    # --- bookkeeping -----------------------------------------------------------------------------

    def touch(self, instance: Instance) -> None:
        """Record a change: lastUpdatedAt moves strictly forward, even on a frozen clock."""
        now = self.clock.now_us()
        last = instance.last_updated_us
        instance.last_updated_us = now if now > last else last + 1
        if self.journal is not None:
            self.journal.changed.add(instance.instance_id)

    def changed(self, instance: Instance) -> None:
        """Record a change GET does not show (lastUpdatedAt stays)."""
        if self.journal is not None:
            self.journal.changed.add(instance.instance_id)

    def next_execution(self) -> int:
        self.last_execution += 1
        return self.last_execution


Effect = Callable[[Transitions, Instance, Operation], None]

EFFECTS: Mapping[Status, Effect] = {
    Status.TERMINATED: lambda transitions, instance, op: transitions.terminate(instance),
    Status.SUSPENDED: lambda transitions, instance, op: transitions.suspend(instance),
    Status.RUNNING: lambda transitions, instance, op: transitions.run(instance),
    Status.ABSENT: lambda transitions, instance, op: transitions.purge(instance),
    Status.FAILED: lambda transitions, instance, op: transitions.fail_resumed_run(instance, op),
}
"""What a command does, by the status the lifecycle table says comes next (each entry calls the
engine's :class:`Transitions`, so a subclass that overrides a method changes its effect)."""
