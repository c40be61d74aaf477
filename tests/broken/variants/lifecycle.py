"""Broken targets: wrong lifecycle."""

from __future__ import annotations

import contextlib

from aiohttp import web

from conformance.lifecycle import Operation, Status
from daprhttp.errors import DaprError
from mockserver.engine import Engine
from mockserver.instance import Instance
from mockserver.transitions import Transitions
from tests.broken.variants.building import with_engine, with_transitions
from tests.broken.variants.catalogue import variant


def ignoring(operation: Operation) -> type[Transitions]:
    """Transitions that answer ``operation`` as daprd does but never apply it."""

    class Ignoring(Transitions):
        def apply(
            self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
        ) -> None:
            if op is not operation:
                super().apply(instance, op, event_name, payload)

    return Ignoring


@variant("lifecycle.pause.RUNNING", "command.accepted.empty-object", says="did not reach SUSPENDED")
def pause_does_not_suspend(start_delay: float) -> web.Application:
    """pause answers 202 but the instance keeps RUNNING (lifecycle.pause.RUNNING)."""
    return with_transitions(ignoring(Operation.PAUSE), start_delay)


@variant("lifecycle.terminate.RUNNING", says="did not reach TERMINATED")
def terminate_does_not_terminate(start_delay: float) -> web.Application:
    """terminate answers 202 but the instance keeps RUNNING (lifecycle.terminate.RUNNING)."""
    return with_transitions(ignoring(Operation.TERMINATE), start_delay)


@variant("lifecycle.resume.SUSPENDED", says="did not reach RUNNING")
def resume_does_not_resume(start_delay: float) -> web.Application:
    """resume answers 202 but the instance stays SUSPENDED (lifecycle.resume.SUSPENDED)."""
    return with_transitions(ignoring(Operation.RESUME), start_delay)


@variant(
    "lifecycle.purge.COMPLETED",
    "start.reuse-after-purge.fresh-run",
    says="did not reach ABSENT",
)
def purge_keeps_the_instance(start_delay: float) -> web.Application:
    """purge answers 202 but the instance stays (lifecycle.purge.COMPLETED)."""
    return with_transitions(ignoring(Operation.PURGE), start_delay)


class ShallowTerminate(Transitions):
    """terminate stops only the instance it names."""

    def terminate(self, instance: Instance) -> None:
        children, instance.children = instance.children, []
        super().terminate(instance)
        instance.children = children


@variant("terminate.recursive", says="did not reach TERMINATED")
def terminate_is_not_recursive(start_delay: float) -> web.Application:
    """terminate of a ParentWorkflow leaves its child RUNNING (terminate.recursive)."""
    return with_transitions(ShallowTerminate, start_delay)


class ShallowPurge(Transitions):
    """purge deletes only the instance it names."""

    def purge(self, instance: Instance) -> None:
        instance.children = []
        super().purge(instance)


@variant("purge.recursive", says="did not reach ABSENT")
def purge_is_not_recursive(start_delay: float) -> web.Application:
    """purge of a finished ParentWorkflow keeps its child (purge.recursive)."""
    return with_transitions(ShallowPurge, start_delay)


class PurgeAnythingEngine(Engine):
    """purge of an active instance terminates it first instead of refusing."""

    def purge(self, instance_id: str) -> None:
        with contextlib.suppress(DaprError):
            self.terminate(instance_id)
        super().purge(instance_id)


@variant("purge.active.message", "lifecycle.purge.RUNNING", says="ERR_PURGE_WORKFLOW")
def purge_of_a_running_instance_is_allowed(start_delay: float) -> web.Application:
    """purge of a RUNNING or SUSPENDED instance is done, not refused (purge.active.message)."""
    return with_engine(PurgeAnythingEngine, start_delay)


class ReplacingStartEngine(Engine):
    """start of an active ID terminates the old run and starts a new one."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id:
            with contextlib.suppress(DaprError):
                self.terminate(instance_id)
        return super().start(workflow_name, instance_id, input_text)


@variant(
    "start.duplicate-active-id.message",
    "lifecycle.start.RUNNING",
    "start.concurrent-same-id.one-wins",
    says="ERR_START_WORKFLOW",
)
def duplicate_start_of_an_active_id_is_accepted(start_delay: float) -> web.Application:
    """start of an active ID replaces the run (start.duplicate-active-id.message)."""
    return with_engine(ReplacingStartEngine, start_delay)


class InputOverwritingStartEngine(Engine):
    """A refused start of an active ID still stores its input on the running instance."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        instance = self.transitions.instances.get(instance_id or "")
        if instance is not None and instance.status is Status.RUNNING:
            instance.input = input_text
            self.transitions.touch(instance)
        return super().start(workflow_name, instance_id, input_text)


@variant("start.duplicate-active-id.message", says="a refused start must not touch the run")
def a_refused_start_overwrites_the_input(start_delay: float) -> web.Application:
    """a refused start of a RUNNING ID replaces its input (start.duplicate-active-id.message)."""
    return with_engine(InputOverwritingStartEngine, start_delay)


class NoReuseEngine(Engine):
    """An ID can be started once, unless purged."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id:
            try:
                self.get(instance_id)
            except DaprError:
                pass
            else:
                raise DaprError(
                    "ERR_START_WORKFLOW",
                    workflow_name,
                    f"an orchestration with ID '{instance_id}' already exists",
                )
        return super().start(workflow_name, instance_id, input_text)


@variant(
    "start.reuse-after-terminal.fresh-run", "lifecycle.start.COMPLETED", says="must answer 202"
)
def reuse_of_a_terminal_id_is_refused(start_delay: float) -> web.Application:
    """start of the ID of a finished instance is 500 (start.reuse-after-terminal.fresh-run)."""
    return with_engine(NoReuseEngine, start_delay)


class TerminateFinished(Transitions):
    """terminate of a COMPLETED or FAILED instance marks it TERMINATED."""

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        if op is Operation.TERMINATE and instance.status in (Status.COMPLETED, Status.FAILED):
            instance.status = Status.TERMINATED
            self.touch(instance)
        super().apply(instance, op, event_name, payload)


@variant("terminate.terminal.keeps-state", "lifecycle.terminate.COMPLETED", says="TERMINATED")
def terminate_of_a_finished_instance_changes_it(start_delay: float) -> web.Application:
    """terminate ends a finished instance TERMINATED (terminate.terminal.keeps-state)."""
    return with_transitions(TerminateFinished, start_delay)
