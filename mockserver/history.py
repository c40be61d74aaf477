"""An instance's history: what happened to it, in the shape of Dapr's workflow history events.

The engine appends a :class:`HistoryEvent` at each thing that happens (the run started, an
activity was scheduled and completed, a timer was created and fired, an event was raised, a
child was created and ended, the run was suspended, resumed, completed, failed or terminated);
``GET /_mock/instances/{id}/history`` renders them as the durable task protocol's history
events (``{"eventId", "timestamp", "<eventType>": {...}}``, the camelCase names of
``HistoryEvent``'s fields), so a developer sees why an instance is where it is. The history is
the current execution's: continue-as-new starts a new one, as it does in Dapr.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from daprhttp.timestamps import format_rfc3339

if TYPE_CHECKING:
    from mockserver.instance import Instance


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One thing that happened to an instance (plain data, kept with it)."""

    type: str
    """The event's field name in the protocol's ``HistoryEvent``: ``executionStarted``, ..."""
    at_us: int
    name: str | None = None
    input: str | None = None
    result: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    fire_at_us: int | None = None
    instance_id: str | None = None
    status: str | None = None


def of(instance: Instance) -> list[HistoryEvent]:
    """The instance's whole history: its start (made from the instance: once its start is
    processed, its name, input and createdAt are known) and what it kept since."""
    if not instance.ready or instance.created_us is None:
        return list(instance.log or ())
    started = HistoryEvent(
        "executionStarted", instance.created_us, name=instance.workflow_name, input=instance.input
    )
    return [started, *(instance.log or ())]


def render(events: list[HistoryEvent]) -> list[dict[str, Any]]:
    """The events as the protocol's JSON (only the fields each event has)."""
    return [_render(event_id, event) for event_id, event in enumerate(events)]


def _render(event_id: int, event: HistoryEvent) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if event.name is not None:
        body["name"] = event.name
    if event.instance_id is not None:
        body["instanceId"] = event.instance_id
    if event.input is not None:
        body["input"] = event.input
    if event.fire_at_us is not None:
        body["fireAt"] = format_rfc3339(event.fire_at_us)
    if event.status is not None:
        body["orchestrationStatus"] = event.status
    if event.result is not None:
        body["result"] = event.result
    if event.error_message is not None:
        body["failureDetails"] = {
            "errorType": event.error_type,
            "errorMessage": event.error_message,
        }
    return {"eventId": event_id, "timestamp": format_rfc3339(event.at_us), event.type: body}


def encode(events: list[HistoryEvent]) -> list[list[Any]]:
    """Plain JSON for the store."""
    return [
        [e.type, e.at_us, e.name, e.input, e.result, e.error_type, e.error_message,
         e.fire_at_us, e.instance_id, e.status]
        for e in events
    ]  # fmt: skip


def decode(raw: list[list[Any]]) -> list[HistoryEvent]:
    return [HistoryEvent(*fields) for fields in raw]
