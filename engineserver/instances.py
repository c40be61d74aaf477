"""The seven workflow operations with daprd's answers, carried out by the durable task engine.

The engine is reached only through its gRPC client, as daprd reaches its own. Where the engine's
semantics differ from daprd's, this adapter gives daprd's answer (the README lists each place):

- start of an ID whose instance has finished reuses the ID (the engine refuses any existing ID
  unless told which statuses are replaceable); an active ID is daprd's 500.
- terminate and purge of an unknown ID are 404 (the engine answers nothing, silently).
- purge of an active instance is daprd's 500 (the engine skips it silently).
- terminate and purge are recursive: child workflows found in the parent's history are
  terminated / purged too (the engine's in-memory backend ignores ``recursive``).
- pause and resume of a finished instance are no-ops (the engine would append the event to a
  finished history and, for a moment, report the instance SUSPENDED or RUNNING again).
- a continued-as-new instance reads RUNNING, never PENDING (the engine resets it to PENDING
  until its next execution starts; daprd shows RUNNING).
- ``dapr.workflow.input`` is present (``""`` for an empty body), as daprd shows for an
  instance started over HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import grpc  # type: ignore[import-untyped]
from durabletask.client import AsyncTaskHubGrpcClient, OrchestrationState, OrchestrationStatus
from durabletask.history import SubOrchestrationInstanceCreatedEvent
from durabletask.internal import orchestrator_service_pb2 as pb
from durabletask.serialization import DataConverter

from engineserver import errors

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
    """daprd's workflow operations over one durable task engine's client."""

    def __init__(self, client: AsyncTaskHubGrpcClient) -> None:
        self.client = client

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

    async def start(self, workflow_name: str, instance_id: str, input: str) -> None:
        """Schedule ``workflow_name`` as ``instance_id`` (already validated) with raw input."""
        existing = await self._state(instance_id)
        if existing is not None and existing.runtime_status not in FINISHED:
            raise errors.active_instance_exists(workflow_name, instance_id)
        try:
            await self.client.schedule_new_orchestration(
                workflow_name,
                input=input,
                instance_id=instance_id,
                reuse_id_policy=REUSE_FINISHED_IDS,
            )
        except grpc.aio.AioRpcError as failure:
            if failure.code() == grpc.StatusCode.ALREADY_EXISTS:
                raise errors.active_instance_exists(workflow_name, instance_id) from None
            raise errors.DaprError("ERR_START_WORKFLOW", workflow_name, failure.details()) from None

    async def get(self, instance_id: str) -> dict[str, Any]:
        """The GET body daprd sends for ``instance_id``."""
        state = await self._state(instance_id)
        if state is None:
            raise errors.instance_not_found(instance_id)
        return state_body(state)

    async def terminate(self, instance_id: str) -> None:
        state = await self._state(instance_id)
        if state is None:
            raise errors.instance_not_found(instance_id)
        await self._terminate_tree(state)

    async def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        try:
            await self.client.raise_orchestration_event(instance_id, event_name, data=payload)
        except grpc.aio.AioRpcError as failure:
            if failure.code() == grpc.StatusCode.NOT_FOUND:
                raise errors.raise_event_on_missing(instance_id, event_name) from None
            raise errors.DaprError(
                "ERR_RAISE_EVENT_WORKFLOW", instance_id, failure.details()
            ) from None

    async def pause(self, instance_id: str) -> None:
        await self._suspension(
            instance_id, self.client.suspend_orchestration, errors.pause_missing, "PAUSE"
        )

    async def resume(self, instance_id: str) -> None:
        await self._suspension(
            instance_id, self.client.resume_orchestration, errors.resume_missing, "RESUME"
        )

    async def purge(self, instance_id: str) -> None:
        state = await self._state(instance_id)
        if state is None:
            raise errors.instance_not_found(instance_id)
        if state.runtime_status not in FINISHED:
            raise errors.purge_active(instance_id)
        await self._purge_tree(instance_id)

    # --- helpers ---------------------------------------------------------------------------

    async def _state(self, instance_id: str) -> OrchestrationState | None:
        try:
            return await self.client.get_orchestration_state(instance_id)
        except grpc.aio.AioRpcError as failure:
            raise errors.DaprError("ERR_GET_WORKFLOW", instance_id, failure.details()) from None

    async def _suspension(
        self,
        instance_id: str,
        call: Callable[[str], Awaitable[None]],
        missing: Callable[[str], errors.DaprError],
        verb: str,
    ) -> None:
        """Pause or resume: a 500 for an unknown ID, a no-op for a finished instance."""
        state = await self._state(instance_id)
        if state is None:
            raise missing(instance_id)
        if state.runtime_status in FINISHED:
            return
        try:
            await call(instance_id)
        except grpc.aio.AioRpcError as failure:
            if failure.code() == grpc.StatusCode.NOT_FOUND:
                raise missing(instance_id) from None
            raise errors.DaprError(f"ERR_{verb}_WORKFLOW", instance_id, failure.details()) from None

    async def _children(self, instance_id: str) -> list[str]:
        """IDs of the child workflows ``instance_id`` started in its current execution."""
        history = await self.client.get_orchestration_history(instance_id)
        return [
            event.instance_id
            for event in history
            if isinstance(event, SubOrchestrationInstanceCreatedEvent)
        ]

    async def _terminate_tree(self, state: OrchestrationState) -> None:
        if state.runtime_status in FINISHED:
            return
        # The parent goes first, so its termination is queued before any child's end reaches it.
        await self.client.terminate_orchestration(state.instance_id, recursive=False)
        for child_id in await self._children(state.instance_id):
            child = await self._state(child_id)
            if child is not None:
                await self._terminate_tree(child)

    async def _purge_tree(self, instance_id: str) -> None:
        children = await self._children(instance_id)
        await self.client.purge_orchestration(instance_id, recursive=False)
        for child_id in children:
            child = await self._state(child_id)
            if child is not None and child.runtime_status in FINISHED:
                await self._purge_tree(child_id)


def state_body(state: OrchestrationState) -> dict[str, Any]:
    """daprd's GET body for an engine state: keys omitted where protojson omits them."""
    body: dict[str, Any] = {"instanceID": state.instance_id}
    if state.name:
        body["workflowName"] = state.name
    body["createdAt"] = rfc3339(state.created_at)
    body["lastUpdatedAt"] = rfc3339(state.last_updated_at)
    body["runtimeStatus"] = runtime_status(state)
    properties = state_properties(state)
    if properties:
        body["properties"] = properties
    return body


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
        properties["dapr.workflow.custom_status"] = state.serialized_custom_status
    failure = state.failure_details
    if failure is None:
        if state.serialized_output is not None:
            properties["dapr.workflow.output"] = state.serialized_output
        return properties
    properties["dapr.workflow.failure.error_type"] = failure.error_type
    properties["dapr.workflow.failure.error_message"] = failure.message
    if failure.stack_trace:
        properties["dapr.workflow.failure.stack_trace"] = failure.stack_trace
    return properties


def rfc3339(moment: datetime) -> str:
    """``moment`` (naive UTC or aware) as RFC 3339 in UTC with microseconds and ``Z``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
