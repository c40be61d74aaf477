"""The start body and the event payload as daprd takes them: the text of a protobuf string.

daprd passes both verbatim, but as protobuf ``string`` fields (the workflow input of
``CreateWorkflowInstanceRequest``, the event's data), which must be valid UTF-8: a body that is
not is refused when daprd marshals the request, after the instance ID was checked and before the
engine looks at the instance (so also for an unknown instance, or an ID already in use). daprd
1.18.2 answered, for a start and for a raiseEvent:

    500 ERR_START_WORKFLOW "error starting workflow 'EventWorkflow': unable to start workflow:
    failed to start workflow: failed to marshal CreateWorkflowInstanceRequest: string field
    contains invalid UTF-8"
    500 ERR_RAISE_EVENT_WORKFLOW "error raising event on workflow 'x': failed to raise event go
    on workflow x: failed to raise event: string field contains invalid UTF-8"

(tests/vectors/daprd-1.18.2/start.input-invalid-utf8.json, event.payload-invalid-utf8.json).
Python's strict UTF-8 decoder refuses what Go's protobuf check refuses, surrogates included.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from conformance.lifecycle import Operation
from daprhttp.errors import DaprError, engine_failure
from daprhttp.ids import instance_id_problem

INVALID_UTF8 = "string field contains invalid UTF-8"
"""protobuf-go's words for a string field that is not UTF-8."""


def start_input(body: bytes, workflow_name: str, instance_id: str | None) -> str:
    """The workflow input of a start, or daprd's 500 for a body that is not UTF-8.

    daprd checks the instance ID before it marshals the input, so a bad ID gets its own error
    first (the backends check the ID of every start whose body is fine).
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        problem = None if instance_id is None else instance_id_problem(instance_id)
        raise (problem or invalid_start_input(workflow_name)) from None


def event_payload(body: bytes, instance_id: str, event_name: str) -> str:
    """The payload of a raised event, or daprd's 500 for a body that is not UTF-8."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_event_payload(instance_id, event_name) from None


def invalid_start_input(workflow_name: str) -> DaprError:
    return engine_failure(
        Operation.START,
        workflow_name,
        "unable to start workflow: failed to start workflow: failed to marshal "
        f"CreateWorkflowInstanceRequest: {INVALID_UTF8}",
    )


def invalid_event_payload(instance_id: str, event_name: str) -> DaprError:
    return engine_failure(
        Operation.RAISE_EVENT,
        instance_id,
        f"failed to raise event {event_name} on workflow {instance_id}: failed to raise event: "
        f"{INVALID_UTF8}",
    )
