"""One workflow instance as plain data, and what GET shows of it.

An :class:`Instance` holds its workflow's history of task results, never its generator (live
generators are a cache, :mod:`mockserver.runtime`), so it can be stored and rebuilt by replay.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from conformance.lifecycle import Status
from daprhttp.view import InstanceView
from mockserver.history import HistoryEvent
from mockserver.orchestrator import ActivityTask, EventTask, HeldTask, Task, TaskResult, TimerTask


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an instance FAILED."""

    error_type: str
    message: str
    stack_trace: str | None = None
    """Shown as ``dapr.workflow.failure.stack_trace`` when set (daprd 1.17+, SDK failures)."""


@dataclass(slots=True)
class Waiting:
    """The task an instance's workflow waits for (plain data)."""

    kind: Literal["event", "timer", "child", "activity", "held"]
    index: int
    """The task's position in the execution: its result becomes ``history[index]``."""
    name: str | None = None
    due_us: int | None = None
    child_id: str | None = None
    child_execution: int | None = None
    result: TaskResult | None = None
    """A fired timer or a finished child, not yet handed to the workflow."""
    outcome: TaskResult | None = None
    """An activity's planned result, handed over when it falls due (``due_us``)."""

    @classmethod
    def for_task(cls, task: Task, index: int) -> Waiting:
        """What waiting for ``task``, the ``index``-th of its execution, looks like."""
        if isinstance(task, HeldTask):
            return cls("held", index)
        if isinstance(task, ActivityTask):
            outcome = TaskResult("activity", task.due_us, payload=task.result, failure=task.failure)
            return cls("activity", index, name=task.name, due_us=task.due_us, outcome=outcome)
        if isinstance(task, EventTask):
            return cls("event", index, name=task.name, due_us=task.due_us)
        if isinstance(task, TimerTask):
            return cls("timer", index, due_us=task.due_us)
        return cls("child", index, child_id=task.instance_id)

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
            until = "" if self.due_us is None else f" until {self.due_us} us"
            return f"event {self.name}{until}"
        if self.kind == "timer":
            return f"timer due at {self.due_us} us"
        if self.kind == "activity":
            return f"activity {self.name} due at {self.due_us} us"
        if self.kind == "held":
            return "the control API (no workflow of this name is declared)"
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
    """Raised events not yet taken, by :func:`~mockserver.orchestrator.event_key` of their name."""
    held_pauses: int = 0
    """Pauses sent while SUSPENDED: each keeps the instance SUSPENDED through one resume."""
    parent: tuple[str, int] | None = None
    children: list[tuple[str, int]] = field(default_factory=list)
    lifetime: int | None = None
    """The execution this instance was created with (None: unknown, restored from a store)."""
    log: list[HistoryEvent] | None = None
    """What happened in the current execution after its start (None: nothing yet; a waiting
    instance pays for no list), for ``GET /_mock/instances/{id}/history``."""


def view(instance: Instance) -> InstanceView:
    """What GET shows of ``instance``."""
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
            {name: len(queue) for name, queue in instance.events.items()} if instance.events else {}
        ),
    )


def _properties(instance: Instance) -> dict[str, str]:
    """The ``properties`` daprd shows (docs/daprd-http.md §4): only the keys that are set."""
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
