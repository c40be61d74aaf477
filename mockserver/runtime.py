"""The workflow runtime: live executions of the instances' workflows, rebuilt by replay.

An instance keeps only its history (:class:`~mockserver.instance.Instance`); the generator that
runs its workflow is kept here while it waits, and rebuilt from the history by replay
(:meth:`~mockserver.orchestrator.Execution.replay`) after a restart or an eviction. Replay must
reach the task the instance waits for, or :class:`~mockserver.orchestrator.ReplayMismatch`.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.workflows import Workflow
from mockserver.instance import Instance, Waiting
from mockserver.orchestrator import (
    Execution,
    ReplayMismatch,
    Step,
    TaskResult,
    Yielded,
    held_workflow,
)


class WorkflowRuntime:
    """Runs the workflows by name; holds each waiting instance's live execution."""

    def __init__(self, workflows: Mapping[str, Workflow], *, hold_unknown: bool = False) -> None:
        self._workflows = dict(workflows)
        self._executions: dict[str, Execution] = {}
        self._hold_unknown = hold_unknown
        """A name nobody declared is held for the control API instead of failing as the SDK
        fails it."""

    def _workflow(self, name: str) -> Workflow | None:
        found = self._workflows.get(name)
        return held_workflow if found is None and self._hold_unknown else found

    def begin(self, instance: Instance) -> Step:
        """Call the workflow function of a new execution; the step it reaches."""
        assert instance.created_us is not None
        instance.begun = True
        execution = Execution(
            self._workflow(instance.workflow_name),
            name=instance.workflow_name,
            instance_id=instance.instance_id,
            started_at_us=instance.created_us,
        )
        step = execution.begin(instance.input)
        instance.custom_status = execution.custom_status
        if isinstance(step, Yielded):
            # Only a waiting execution is kept: a finished one would be dropped at once.
            self._executions[instance.instance_id] = execution
        return step

    def resume(self, instance: Instance, result: TaskResult) -> Step:
        """Hand ``result`` (the awaited task's) to the workflow; the step it reaches."""
        execution = self._live(instance)
        instance.history.append(result)
        instance.waiting = None
        step = execution.resume(result)
        instance.custom_status = execution.custom_status
        return step

    def forget(self, instance_id: str) -> None:
        """Drop the instance's live execution (it ended, restarted or went)."""
        self._executions.pop(instance_id, None)

    def clear(self) -> None:
        """Drop every live execution, as a restart would; they come back by replay."""
        self._executions.clear()

    def _live(self, instance: Instance) -> Execution:
        """The running generator, or one rebuilt by replaying the recorded history."""
        execution = self._executions.get(instance.instance_id)
        if execution is not None:
            return execution
        assert instance.created_us is not None
        execution, step = Execution.replay(
            self._workflow(instance.workflow_name),
            name=instance.workflow_name,
            instance_id=instance.instance_id,
            started_at_us=instance.created_us,
            input_text=instance.input,
            history=instance.history,
        )
        expected = (
            Waiting.for_task(step.task, len(instance.history))
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
