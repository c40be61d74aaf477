"""terminate, raiseEvent, pause, resume, purge: bodies, not-found answers, recursion."""

from __future__ import annotations

import json

import pytest

from conformance.checks import Checks
from conformance.client import WorkflowClient
from conformance.contract import lifecycle
from conformance.daprd_errors import ErrorExpectation, cause_error, lifecycle_error
from conformance.daprd_formats import PROP_ERROR_MESSAGE, PROP_OUTPUT
from conformance.failures import fail
from conformance.instances import Instances
from conformance.lifecycle import Operation, Status
from conformance.profiles import Profile
from conformance.sending import encode, send
from conformance.workflows import EVENT, GO_EVENT, PARENT, child_instance_id

BODY_COMMANDS = [
    Operation.GET,
    Operation.TERMINATE,
    Operation.PAUSE,
    Operation.RESUME,
    Operation.PURGE,
]
"""The operations whose request body daprd parses as JSON (and then ignores)."""


@pytest.mark.behaviour("command.accepted.empty-object")
def test_every_command_answers_202_with_an_empty_json_object(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "command.accepted.empty-object"
    instance_id = instances.in_status(Status.RUNNING, behaviour=behaviour)
    steps = [
        (Operation.RAISE_EVENT, "RUNNING"),
        (Operation.PAUSE, "SUSPENDED"),
        (Operation.RESUME, "RUNNING"),
        (Operation.TERMINATE, "TERMINATED"),
        (Operation.PURGE, "ABSENT"),
    ]
    for operation, after in steps:
        instances.command(operation, instance_id, behaviour=behaviour)
        instances.wait(instance_id, after, behaviour=behaviour, why=f"after {operation.value}")


def _not_found_answers(operation: Operation, instance_id: str) -> list[ErrorExpectation]:
    """daprd's answers to an unknown ID (404, or a plausible alternative of the cell)."""
    cell = lifecycle().cell(Status.ABSENT, operation)
    return [
        lifecycle_error(str(o.error), operation, instance_id, EVENT)
        for o in cell.accepted
        if o.error
    ]


UNKNOWN_KINDS = ["never-started", "invalid-chars"]
"""Unknown IDs: a plain one, and one start would refuse (only start validates IDs,
docs/daprd-http.md §7)."""


def unknown_id(instances: Instances, kind: str) -> str:
    return instances.new_id() + ("$bad.id" if kind == "invalid-chars" else "")


@pytest.mark.behaviour("command.not-found.message")
@pytest.mark.parametrize("operation", [Operation.TERMINATE, Operation.PURGE], ids=str)
def test_terminate_and_purge_of_an_unknown_instance_are_404_not_found(
    operation: Operation, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    for kind in UNKNOWN_KINDS:
        instance_id = unknown_id(instances, kind)
        reply = send(client, operation, instance_id)
        checks.error(
            reply,
            _not_found_answers(operation, instance_id),
            behaviour="command.not-found.message",
            doing=f"{operation.value} of an unknown instance ({kind}; only start validates IDs)",
        )


@pytest.mark.behaviour("command.not-found.500-codes")
@pytest.mark.parametrize(
    ("operation", "code"),
    [
        (Operation.PAUSE, "ERR_PAUSE_WORKFLOW"),
        (Operation.RESUME, "ERR_RESUME_WORKFLOW"),
        (Operation.RAISE_EVENT, "ERR_RAISE_EVENT_WORKFLOW"),
    ],
    ids=["pause", "resume", "raiseEvent"],
)
def test_pause_resume_and_raise_event_of_an_unknown_instance_are_500(
    operation: Operation, code: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    for kind in UNKNOWN_KINDS:
        instance_id = unknown_id(instances, kind)
        reply = send(client, operation, instance_id)
        checks.error(
            reply,
            cause_error(code, instance_id),
            behaviour="command.not-found.500-codes",
            doing=f"{operation.value} of an unknown instance ({kind}; daprd has no not-found "
            f"mapping for {operation.value}, so it is not a 404)",
        )


@pytest.mark.behaviour("command.malformed-body.400")
def test_a_body_that_is_not_json_is_400_malformed_request(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "command.malformed-body.400"
    instance_id = instances.in_status(Status.RUNNING, behaviour=behaviour)
    for operation in BODY_COMMANDS:
        reply = send(client, operation, instance_id, body="{not json")
        checks.error(
            reply,
            cause_error("ERR_MALFORMED_REQUEST"),
            behaviour=behaviour,
            doing=f"{operation.value} with the body '{{not json'",
        )
    instances.stays(
        instance_id, "RUNNING", behaviour=behaviour, why="refused commands must not be applied"
    )


@pytest.mark.behaviour("command.json-body-ignored")
def test_a_json_body_on_a_command_is_ignored_and_the_path_wins(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "command.json-body-ignored"
    instance_id = instances.in_status(Status.RUNNING, behaviour=behaviour)
    bystander = instances.in_status(Status.RUNNING, behaviour=behaviour)
    body = json.dumps({"instanceID": bystander, "unknownField": "ignored"})
    reply = client.get(instance_id, body=body)
    checks.status(reply, 200, behaviour=behaviour, doing="GET with a JSON body")
    if reply.json().get("instanceID") != instance_id:
        raise fail(behaviour, "GET with a JSON body naming another ID must read the path's", reply)
    for operation, after in (
        (Operation.PAUSE, "SUSPENDED"),
        (Operation.RESUME, "RUNNING"),
        (Operation.TERMINATE, "TERMINATED"),
        (Operation.PURGE, "ABSENT"),
    ):
        reply = send(client, operation, instance_id, body=body)
        checks.accepted_command(reply, behaviour=behaviour, doing=f"{operation} with a JSON body")
        instances.wait(instance_id, after, behaviour=behaviour, why=f"{operation} applies")
    instances.stays(
        bystander, "RUNNING", behaviour=behaviour, why="the ID in the body must be ignored"
    )


@pytest.mark.behaviour("purge.active.message")
@pytest.mark.parametrize("status", [Status.RUNNING, Status.SUSPENDED])
def test_purging_an_active_instance_is_refused(
    status: Status, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "purge.active.message"
    instance_id = instances.in_status(status, behaviour=behaviour)
    reply = client.purge(instance_id)
    checks.error(
        reply,
        cause_error("ERR_PURGE_WORKFLOW", instance_id),
        behaviour=behaviour,
        doing=f"purge of a {status} instance (daprd purges only finished instances)",
    )
    instances.stays(instance_id, status.value, behaviour=behaviour, why="it was not purged")


@pytest.mark.behaviour("terminate.terminal.keeps-state")
@pytest.mark.parametrize("status", [Status.COMPLETED, Status.FAILED])
def test_terminating_a_finished_instance_keeps_its_status_and_result(
    status: Status, client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    behaviour = "terminate.terminal.keeps-state"
    instance_id = instances.in_status(status, behaviour=behaviour)
    before = instances.wait(instance_id, status.value, behaviour=behaviour)
    instances.command(Operation.TERMINATE, instance_id, behaviour=behaviour)
    after = instances.stays(
        instance_id, status.value, behaviour=behaviour, why="terminate of a finished run is a no-op"
    )
    if profile.reads_properties:
        for key in (PROP_OUTPUT, PROP_ERROR_MESSAGE):
            if before.properties.get(key) != after.properties.get(key):
                raise fail(
                    behaviour,
                    f"terminate of a {status} instance must leave {key} as it was "
                    f"({before.properties.get(key)!r})",
                    after.reply,
                )


def _running_parent(instances: Instances, behaviour: str) -> tuple[str, str]:
    parent = instances.start(PARENT, {"tree": True})
    child = child_instance_id(parent)
    instances.wait(parent, "RUNNING", behaviour=behaviour, why="ParentWorkflow waits for its child")
    instances.wait(
        child, "RUNNING", behaviour=behaviour, why=f"ParentWorkflow starts its child {child!r}"
    )
    return parent, child


@pytest.mark.behaviour("terminate.recursive")
def test_terminating_a_parent_terminates_its_child(instances: Instances) -> None:
    behaviour = "terminate.recursive"
    parent, child = _running_parent(instances, behaviour)
    instances.command(Operation.TERMINATE, parent, behaviour=behaviour)
    instances.wait(parent, "TERMINATED", behaviour=behaviour, why="terminate of the parent")
    instances.wait(
        child, "TERMINATED", behaviour=behaviour, why="daprd's terminate is always recursive"
    )


@pytest.mark.behaviour("purge.recursive")
def test_purging_a_finished_parent_purges_its_child(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "purge.recursive"
    parent, child = _running_parent(instances, behaviour)
    reply = client.raise_event(child, GO_EVENT, encode("child done"))
    checks.accepted_command(reply, behaviour=behaviour, doing="raiseEvent go on the child")
    instances.wait(parent, "COMPLETED", behaviour=behaviour, why="the child completed")
    instances.wait(child, "COMPLETED", behaviour=behaviour, why="the child got go")
    instances.command(Operation.PURGE, parent, behaviour=behaviour)
    instances.wait(parent, "ABSENT", behaviour=behaviour, why="purge of the parent")
    instances.wait(child, "ABSENT", behaviour=behaviour, why="daprd's purge is always recursive")


@pytest.mark.behaviour("command.event-payload-invalid-utf8.500")
def test_an_event_payload_that_is_not_utf8_is_refused(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    """daprd cannot marshal the payload into its raise request: a RUNNING instance and an
    unknown one get the same 500, and the event never arrives."""
    behaviour = "command.event-payload-invalid-utf8.500"
    running = instances.in_status(Status.RUNNING, behaviour=behaviour)
    for instance_id, payload in (
        (running, b'\xff"x"'),
        (running, b'"\xed\xa0\x80"'),
        (instances.new_id(), b"\xff"),
    ):
        checks.error(
            client.raise_event(instance_id, GO_EVENT, payload),
            cause_error(
                "ERR_RAISE_EVENT_WORKFLOW",
                instance_id,
                contains="string field contains invalid UTF-8",
            ),
            behaviour=behaviour,
            doing=f"raiseEvent go with a payload that is not UTF-8 ({payload!r})",
        )
    instances.stays(running, "RUNNING", behaviour=behaviour, why="no event was accepted")
