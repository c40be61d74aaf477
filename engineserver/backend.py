"""The seven workflow operations with daprd's answers, carried out by the durable task engine.

The engine is reached only through its gRPC client, as daprd reaches its own. Each operation
reads the instance's status from the engine, asks the lifecycle table (``openapi.yaml``
``x-dapr-lifecycle``) for daprd's answer in that status, and leaves the work itself to the
engine. Where the engine's own semantics differ from daprd's, this adapter gives daprd's
answer (docs/engine.md, "Where the engine differs from daprd", lists each place):

- start of an ID whose instance has finished reuses the ID (the engine refuses any existing ID
  unless told which statuses are replaceable); an active ID is daprd's 500, and so is a
  finished one whose child workflow is still active (daprd cannot purge the old run).
- terminate and purge of an unknown ID are 404 (the engine answers nothing, silently).
- purge of an active instance is daprd's 500 (the engine skips it silently).
- terminate and purge are recursive: child workflows found in the parent's history are
  terminated / purged too (the engine's in-memory backend ignores ``recursive``).
- pause and resume of a finished instance are no-ops (the engine would append the event to a
  finished history and, for a moment, report the instance SUSPENDED or RUNNING again).
- resume of an active instance that is not suspended goes to the engine, as daprd sends it to
  the app's worker, which fails the workflow ("Don't know how to handle event of type
  'executionResumed'", observed on daprd 1.18.2 with the Dapr Python SDK).
- a pause of a suspended instance is held here, not sent: the worker would buffer it and
  replay it on resume, leaving the workflow stuck while the engine reports RUNNING. daprd
  shows such an instance SUSPENDED through the next resume, so a held pause keeps it
  SUSPENDED through one resume here too.
- a continued-as-new instance reads RUNNING, never PENDING (the engine resets it to PENDING
  until its next execution starts; daprd shows RUNNING).
- ``dapr.workflow.input`` is present (``""`` for an empty body), as daprd shows for an
  instance started over HTTP; the engine drops an empty input.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import uuid4

import grpc  # type: ignore[import-untyped]
from durabletask.client import AsyncTaskHubGrpcClient, OrchestrationState, OrchestrationStatus
from durabletask.history import SubOrchestrationInstanceCreatedEvent
from durabletask.internal import orchestrator_service_pb2 as pb
from durabletask.serialization import DataConverter

from conformance.contract import lifecycle
from conformance.lifecycle import Operation, Outcome, Status
from daprhttp.errors import DaprError, engine_failure
from daprhttp.ids import instance_id_problem
from daprhttp.refusals import error_for, recreate_refusal
from daprhttp.view import InstanceView

T = TypeVar("T")

SUSPENDED = OrchestrationStatus.SUSPENDED
FINISHED = (
    OrchestrationStatus.COMPLETED,
    OrchestrationStatus.FAILED,
    OrchestrationStatus.TERMINATED,
)
REUSE_FINISHED_IDS = pb.OrchestrationIdReusePolicy(
    replaceableStatus=[status.value for status in FINISHED]
)


class RawText(DataConverter):
    """Passes payloads through verbatim: daprd hands the HTTP body to the engine as text."""

    def serialize(self, value: Any) -> str | None:
        return None if value is None else str(value)

    def deserialize(self, data: str | None, target_type: type | None = None) -> Any:
        return data

    def coerce(self, value: Any, target_type: type | None = None) -> Any:
        return value


class EngineInstances:
    """daprd's workflow operations over one durable task engine's client.

    A :class:`~daprhttp.dispatch.WorkflowBackend`: the same seven operations as the mock's
    engine, but awaitable (the engine is remote).
    """

    def __init__(self, client: AsyncTaskHubGrpcClient) -> None:
        self.client = client
        self._suspended: dict[str, bool] = {}
        """Per instance: whether the pause and resume commands forwarded so far suspend it."""
        self._held_pauses: dict[str, int] = {}
        """Per instance: pauses sent while it was suspended, each absorbing one resume."""

    @classmethod
    def connect(cls, address: str) -> EngineInstances:
        """An adapter with its own client of the engine at ``host:port``."""
        quiet = logging.getLogger("engineserver.client")
        quiet.setLevel(logging.WARNING)
        client = AsyncTaskHubGrpcClient(
            host_address=address, data_converter=RawText(), logger=quiet
        )
        return cls(client)

    async def close(self) -> None:
        await self.client.close()

    def revision(self, instance_id: str) -> None:
        """Unknown without asking the engine: every GET is rendered afresh."""
        return None

    async def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        """Schedule ``workflow_name`` with the raw input; returns the (maybe generated) ID."""
        instance_id = instance_id or str(uuid4())
        problem = instance_id_problem(instance_id)
        if problem is not None:
            raise problem
        previous, _ = await self._answer(Operation.START, instance_id, workflow_name=workflow_name)
        if previous is not None:
            child_id = await self._active_descendant(instance_id)
            if child_id is not None:
                raise recreate_refusal(instance_id, workflow_name, child_id)
        self._suspended.pop(instance_id, None)
        self._held_pauses.pop(instance_id, None)
        try:
            await self.client.schedule_new_orchestration(
                workflow_name,
                input=input_text,
                instance_id=instance_id,
                reuse_id_policy=REUSE_FINISHED_IDS,
            )
        except grpc.aio.AioRpcError as failure:
            if failure.code() == grpc.StatusCode.ALREADY_EXISTS:
                # Started by someone else since we looked: daprd's answer for an active ID.
                error = error_for(
                    "ERR_START_WORKFLOW",
                    Operation.START,
                    Status.RUNNING,
                    instance_id=instance_id,
                    workflow_name=workflow_name,
                    event_name=None,
                )
                raise error from None
            raise _engine_failure(Operation.START, workflow_name, failure) from None
        return instance_id

    async def get(self, instance_id: str) -> InstanceView:
        state, _ = await self._answer(Operation.GET, instance_id)
        assert state is not None  # an absent instance is the table's 404
        return instance_view(state)

    async def terminate(self, instance_id: str) -> None:
        state, _ = await self._answer(Operation.TERMINATE, instance_id)
        if state is not None:
            await self._terminate_tree(state)

    async def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        await self._answer(Operation.RAISE_EVENT, instance_id, event_name=event_name)
        # A finished instance keeps the event unprocessed, which is daprd's "dropped".
        await self._engine(
            Operation.RAISE_EVENT,
            instance_id,
            self.client.raise_orchestration_event(instance_id, event_name, data=payload),
        )

    async def pause(self, instance_id: str) -> None:
        await self._suspension(Operation.PAUSE, instance_id, suspend=True)

    async def resume(self, instance_id: str) -> None:
        await self._suspension(Operation.RESUME, instance_id, suspend=False)

    async def purge(self, instance_id: str) -> None:
        await self._answer(Operation.PURGE, instance_id)
        await self._purge_tree(instance_id)

    # --- helpers ---------------------------------------------------------------------------

    async def _answer(
        self,
        operation: Operation,
        instance_id: str,
        *,
        workflow_name: str | None = None,
        event_name: str | None = None,
    ) -> tuple[OrchestrationState | None, Outcome]:
        """The instance's state and daprd's answer in its status; an error answer is raised."""
        state = await self._state(operation, instance_id)
        status = Status.ABSENT if state is None else Status(runtime_status(state))
        outcome = lifecycle().apply(status, operation)
        if outcome.error is not None:
            raise error_for(
                outcome.error,
                operation,
                status,
                instance_id=instance_id,
                workflow_name=workflow_name,
                event_name=event_name,
            )
        return state, outcome

    async def _suspension(self, operation: Operation, instance_id: str, *, suspend: bool) -> None:
        """Pause or resume as daprd passes them on, but a pause of a suspended instance is held.

        Suspended is judged by what the commands sent so far leave the instance as, not by
        what it shows yet: a pause accepted a moment ago may still be queued. A resume of an
        instance that is not suspended is sent (the worker fails the workflow, as with daprd);
        a pause while suspended is held, and the next resume only releases it.
        """
        state, _ = await self._answer(operation, instance_id)
        if state is None or state.runtime_status in FINISHED:
            return
        suspended = self._suspended.get(instance_id, state.runtime_status is SUSPENDED)
        held = self._held_pauses.get(instance_id, 0)
        if suspend and suspended:
            self._held_pauses[instance_id] = held + 1
            return
        if not suspend and suspended and held:
            self._held_pauses[instance_id] = held - 1
            return
        self._suspended[instance_id] = suspend
        command = self.client.suspend_orchestration if suspend else self.client.resume_orchestration
        await self._engine(operation, instance_id, command(instance_id))

    async def _state(self, operation: Operation, instance_id: str) -> OrchestrationState | None:
        return await self._engine(
            operation, instance_id, self.client.get_orchestration_state(instance_id)
        )

    async def _engine(self, operation: Operation, name: str, call: Awaitable[T]) -> T:
        """Await an engine call; a gRPC failure becomes the operation's 500."""
        try:
            return await call
        except grpc.aio.AioRpcError as failure:
            raise _engine_failure(operation, name, failure) from None

    async def _children(self, instance_id: str) -> list[str]:
        """IDs of the child workflows ``instance_id`` started in its current execution."""
        history = await self.client.get_orchestration_history(instance_id)
        return [
            event.instance_id
            for event in history
            if isinstance(event, SubOrchestrationInstanceCreatedEvent)
        ]

    async def _active_descendant(self, instance_id: str) -> str | None:
        """A child (or deeper) workflow of ``instance_id``'s run that is still active."""
        for child_id in await self._children(instance_id):
            child = await self._state(Operation.START, child_id)
            if child is not None and child.runtime_status not in FINISHED:
                return child_id
            deeper = await self._active_descendant(child_id) if child is not None else None
            if deeper is not None:
                return deeper
        return None

    async def _terminate_tree(self, state: OrchestrationState) -> None:
        if state.runtime_status in FINISHED:
            return
        # The parent goes first, so its termination is queued before any child's end reaches it.
        await self.client.terminate_orchestration(state.instance_id, recursive=False)
        for child_id in await self._children(state.instance_id):
            child = await self._state(Operation.TERMINATE, child_id)
            if child is not None:
                await self._terminate_tree(child)

    async def _purge_tree(self, instance_id: str) -> None:
        children = await self._children(instance_id)
        await self.client.purge_orchestration(instance_id, recursive=False)
        self._suspended.pop(instance_id, None)
        self._held_pauses.pop(instance_id, None)
        for child_id in children:
            child = await self._state(Operation.PURGE, child_id)
            if child is not None and child.runtime_status in FINISHED:
                await self._purge_tree(child_id)


def _engine_failure(operation: Operation, name: str, failure: Any) -> DaprError:
    return engine_failure(operation, name, failure.details())


def instance_view(state: OrchestrationState) -> InstanceView:
    """The engine's state as the snapshot the HTTP layer renders (daprd's GET body)."""
    return InstanceView(
        instance_id=state.instance_id,
        workflow_name=state.name or None,
        created_at_us=epoch_us(state.created_at),
        last_updated_at_us=epoch_us(state.last_updated_at),
        runtime_status=Status(runtime_status(state)),
        properties=state_properties(state),
        parent_instance_id=None,
        waiting_for=None,
        buffered_events={},
    )


def runtime_status(state: OrchestrationState) -> str:
    """The ``runtimeStatus`` daprd would report for this engine state."""
    status = state.runtime_status
    # The engine parks a continued-as-new instance in PENDING until its next execution; a
    # never-run instance has not been touched since it was created.
    if status is OrchestrationStatus.PENDING and state.last_updated_at > state.created_at:
        return OrchestrationStatus.RUNNING.name
    return status.name


def state_properties(state: OrchestrationState) -> dict[str, str]:
    properties = {"dapr.workflow.input": state.serialized_input or ""}
    if state.serialized_custom_status is not None:
        properties["dapr.workflow.custom_status"] = custom_status_as_dapr_sdk(
            state.serialized_custom_status
        )
    failure = state.failure_details
    if failure is None:
        if state.serialized_output is not None:
            properties["dapr.workflow.output"] = state.serialized_output
        return properties
    properties["dapr.workflow.failure.error_type"] = error_type_as_dapr_sdk(failure.error_type)
    properties["dapr.workflow.failure.error_message"] = failure.message
    if failure.stack_trace:
        properties["dapr.workflow.failure.stack_trace"] = failure.stack_trace
    return properties


DAPR_SDK_ERROR_NAMES = {"OrchestrationStateError": "WorkflowStateError"}
"""Errors the Dapr Python SDK's copy of the durable-task worker raises under another name."""


def error_type_as_dapr_sdk(error_type: str) -> str:
    """durabletask names an error's class with its module; the Dapr SDK by its name alone."""
    name = error_type.rpartition(".")[2]
    return DAPR_SDK_ERROR_NAMES.get(name, name)


def custom_status_as_dapr_sdk(serialized: str) -> str:
    """durabletask stores a custom status as JSON; the Dapr Python SDK keeps a ``str`` as it is
    (daprd with the conformance app shows ``waiting``, not ``"waiting"``)."""
    try:
        value = json.loads(serialized)
    except ValueError:
        return serialized
    return value if isinstance(value, str) else serialized


def epoch_us(moment: datetime) -> int:
    """Microseconds since the epoch of ``moment`` (naive means UTC, as the engine sends it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
