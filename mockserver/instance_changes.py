"""The changes every transition is made of: new instances, starts and ends, and their bookkeeping.

:class:`InstanceChanges` holds an engine's instances and changes them one step at a time: a new
PENDING instance, a processed start, an end (with the parent told), and the record of every
change (``lastUpdatedAt`` moves strictly forward; the journal learns what to store). The rules
that decide which change happens are :class:`~mockserver.transitions.Transitions`, built on it.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from conformance.lifecycle import Lifecycle, Status
from mockserver.clock import Clock
from mockserver.history import HistoryEvent
from mockserver.instance import Failure, Instance
from mockserver.journal import Journal
from mockserver.orchestrator import TaskResult
from mockserver.runtime import WorkflowRuntime
from mockserver.scheduler import Due, Scheduler


class InstanceChanges:
    """One engine's instances and the changes they are made of."""

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
        if status is Status.TERMINATED:
            self.log(instance, "executionTerminated")
        else:
            self.log(
                instance,
                "executionCompleted",
                status=f"ORCHESTRATION_STATUS_{status.value}",
                result=output,
                error_type=failure.error_type if failure else None,
                error_message=failure.message if failure else None,
            )
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
            self.log(parent, "subOrchestrationInstanceCompleted", result=child.output)
            waiting.result = TaskResult("child", at_us=now, payload=child.output)
        elif child.failure is not None:
            self.log(
                parent,
                "subOrchestrationInstanceFailed",
                error_type=child.failure.error_type,
                error_message=child.failure.message,
            )
            waiting.result = TaskResult(
                "child",
                at_us=now,
                failure=f"child workflow '{child.instance_id}' failed: {child.failure.message}",
            )
        else:
            message = f"child workflow '{child.instance_id}' was terminated"
            self.log(parent, "subOrchestrationInstanceFailed", error_message=message)
            waiting.result = TaskResult("child", at_us=now, failure=message)
        self.changed(parent)
        self.scheduler.wake(parent.instance_id)

    # --- bookkeeping -----------------------------------------------------------------------------

    def log(self, instance: Instance, event_type: str, **fields: Any) -> None:
        """Add to the instance's history (kept with it; shown by the control API). Its first
        event, the start, is not kept: it is made from the instance itself when shown."""
        event = HistoryEvent(event_type, self.clock.now_us(), **fields)
        if instance.log is None:
            instance.log = [event]
        else:
            instance.log.append(event)

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
