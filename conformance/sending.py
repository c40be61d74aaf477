"""Sending one lifecycle operation to an instance (:func:`send`) and a workflow input as the
JSON text a client sends (:func:`encode`)."""

from __future__ import annotations

import json
from typing import Any

from conformance.client import Reply, WorkflowClient
from conformance.lifecycle import Operation
from conformance.workflows import EVENT

PROBE_EVENT = "conformance-probe"
"""An event name no conformance workflow waits for."""


def encode(value: Any) -> str:
    """A workflow input as the JSON text a client sends."""
    return json.dumps(value, separators=(",", ":"))


def send(
    client: WorkflowClient,
    operation: Operation,
    instance_id: str,
    *,
    workflow: str = EVENT,
    body: str | None = None,
    event: str = PROBE_EVENT,
) -> Reply:
    """Send one operation to ``instance_id`` (start starts ``workflow`` under that ID, raiseEvent
    raises ``event``)."""
    if operation is Operation.START:
        return client.start(workflow, instance_id, body)
    if operation is Operation.GET:
        return client.get(instance_id, body=body)
    if operation is Operation.RAISE_EVENT:
        return client.raise_event(instance_id, event, body if body is not None else '"probe"')
    command = {
        Operation.TERMINATE: client.terminate,
        Operation.PAUSE: client.pause,
        Operation.RESUME: client.resume,
        Operation.PURGE: client.purge,
    }[operation]
    return command(instance_id, body=body)
