"""How instances move: the lifecycle table's effects, and workflow steps applied to instances.

Rules:
- A command's effect is decided by the lifecycle table for the status the instance has *when
  the effect is due*; the effect of each next status is one entry of :data:`EFFECTS`.
- While SUSPENDED nothing progresses: events stay buffered, a fired timer or a finished child
  is held on the waiting task, and all of it takes effect on resume.
- Terminate and purge reach the children the instance started (recursively).
- Every change GET shows moves ``lastUpdatedAt`` strictly forward (:meth:`InstanceChanges.touch`).

The methods here are the engine's public seam: a subclass passed as ``Engine(transitions=...)``
changes one rule (the broken servers of ``tests/broken`` are built that way).

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping

from conformance.lifecycle import Operation, Status
from daprhttp.refusals import error_for, recreate_refusal
from mockserver.instance import Failure, Instance, Waiting
from mockserver.instance_changes import InstanceChanges
from mockserver.orchestrator import (
    SYNTHETIC_STACK_TRACE,
    ActivityTask,
    ChildTask,
    ContinuedAsNew,
    EventTask,
    Failed,
    HeldTask,
    Returned,
    Step,
    Task,
    TaskResult,
    TimerTask,
    Yielded,
    event_key,
)
from mockserver.scheduler import Due

RESUME_NOT_SUSPENDED = Failure(
    "WorkflowStateError",
    "Don't know how to handle event of type 'executionResumed'",
    SYNTHETIC_STACK_TRACE,
)
"""How the Python SDK's worker fails a run that is resumed while not suspended (observed,
tests/vectors/daprd-1.18.2/lifecycle.resume.RUNNING.json)."""


class Transitions(InstanceChanges):
    """The rules of how instances move (the engine calls these; tests override them)."""

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

    def check_recreate(self, instance_id: str, workflow_name: str) -> None:
        """A finished instance whose child is still active cannot be started again
        (:func:`daprhttp.refusals.recreate_refusal`)."""
        previous = self.instances.get(instance_id)
        if previous is None:
            return
        for child in self.active_descendants(previous):
            raise recreate_refusal(instance_id, workflow_name, child.instance_id)

    def active_descendants(self, instance: Instance) -> Iterator[Instance]:
        for child in self.children(instance):
            if self.lifecycle.is_active(child.status):
                yield child
            yield from self.active_descendants(child)

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
        self.log(instance, "eventRaised", name=event_name, input=payload)
        self.changed(instance)
        self.scheduler.wake(instance.instance_id)

    def suspend(self, instance: Instance) -> None:
        self.mark_started(instance)
        instance.status = Status.SUSPENDED
        self.log(instance, "executionSuspended")
        self.touch(instance)

    def run(self, instance: Instance) -> None:
        if instance.status is Status.SUSPENDED:
            self.log(instance, "executionResumed")
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
        """The awaited task's result, if it is there (an event is taken from the buffer; a
        buffered event wins over a timeout that fell due while SUSPENDED)."""
        waiting = instance.waiting
        if waiting is None:
            return None
        if waiting.kind != "event":
            return waiting.result
        assert waiting.name is not None
        queue = instance.events.get(waiting.name)
        if not queue:
            return waiting.result
        payload = queue.popleft()
        if not queue:
            del instance.events[waiting.name]
        return TaskResult("event", at_us=self.clock.now_us(), payload=payload)

    def timer_fired(self, instance: Instance, index: int) -> None:
        waiting = instance.waiting
        if waiting is None or waiting.index != index or waiting.kind == "child":
            return
        if waiting.kind == "event":  # the wait for an event ran out of time
            self.log(instance, "timerFired", fire_at_us=waiting.due_us)
            waiting.result = TaskResult("event", self.clock.now_us(), timed_out=True)
        elif waiting.kind == "activity":
            assert waiting.outcome is not None
            outcome = waiting.outcome
            if outcome.failure is None:
                self.log(instance, "taskCompleted", result=outcome.payload)
            else:
                self.log(instance, "taskFailed", error_message=outcome.failure)
            waiting.result = TaskResult(
                "activity", self.clock.now_us(), payload=outcome.payload, failure=outcome.failure
            )
        else:
            self.log(instance, "timerFired", fire_at_us=waiting.due_us)
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

    def wait(self, instance: Instance, task: Task) -> Waiting:
        """Wait for a new task: schedule the timer or start the child."""
        waiting = Waiting.for_task(task, len(instance.history))
        if isinstance(task, TimerTask):
            self.log(instance, "timerCreated", fire_at_us=task.due_us)
        elif isinstance(task, ActivityTask):
            self.log(instance, "taskScheduled", name=task.name, input=task.input)
        elif isinstance(task, EventTask) and task.due_us is not None:
            self.log(instance, "timerCreated", fire_at_us=task.due_us)
        timed = isinstance(task, TimerTask | ActivityTask)
        if timed or (isinstance(task, EventTask) and task.due_us):
            assert not isinstance(task, ChildTask | HeldTask) and task.due_us is not None
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
        self.log(
            parent,
            "subOrchestrationInstanceCreated",
            name=task.name,
            instance_id=task.instance_id,
            input=task.input,
        )

    def continue_as_new(self, instance: Instance, new_input: str | None) -> None:
        """Start the next generation: same ID, fresh history, RUNNING while it waits to run."""
        self.runtime.forget(instance.instance_id)
        instance.execution = self.next_execution()
        instance.input = new_input
        instance.history = []
        instance.log = None  # a new execution has a history of its own, as in Dapr
        instance.waiting = None
        instance.events.clear()
        instance.custom_status = None
        instance.begun = False
        instance.ready = False
        self.touch(instance)
        self.scheduler.after(
            self.start_delay_us, Due("start", instance.instance_id, instance.execution)
        )


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
