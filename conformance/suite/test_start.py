"""start: the 202 body, the input, the workflow name and the component name.

The instance ID rules are in ``test_start_ids.py``, starts of an ID already used in
``test_start_reuse.py``."""

from __future__ import annotations

import pytest

from conformance.answers import State
from conformance.checks import Checks
from conformance.client import WorkflowClient
from conformance.daprd_errors import cause_error, not_found_error
from conformance.daprd_formats import PROP_INPUT, UUID4
from conformance.failures import fail
from conformance.instances import Instances
from conformance.lifecycle import Operation, Status
from conformance.profiles import Profile
from conformance.sending import encode
from conformance.workflows import ECHO, EVENT

UNREGISTERED = "ConformanceUnregisteredWorkflow"
"""A workflow name no conformance target registers."""


@pytest.mark.behaviour("start.accepted.202")
def test_start_answers_202_with_the_given_instance_id(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    instance_id = instances.new_id()
    reply = client.start(ECHO, instance_id, encode({"hello": "world"}))
    instances.started.append(instance_id)
    checks.started(
        reply, instance_id, behaviour="start.accepted.202", doing="start with an instanceID"
    )


@pytest.mark.behaviour("start.generated-id.uuid4")
@pytest.mark.parametrize("given", [None, ""], ids=["no-instanceID", "empty-instanceID"])
def test_start_without_an_instance_id_generates_one(
    given: str | None,
    client: WorkflowClient,
    checks: Checks,
    instances: Instances,
    profile: Profile,
) -> None:
    behaviour = "start.generated-id.uuid4"
    doing = "start without an instanceID" if given is None else "start with instanceID="
    reply = client.start(ECHO, given, encode("generated"))
    generated = checks.started(reply, None, behaviour=behaviour, doing=doing)
    instances.started.append(generated)
    if profile.knob("generated_id") == "uuid4" and not UUID4.fullmatch(generated):
        raise fail(
            behaviour,
            f"{doing} must generate a lowercase UUIDv4 like daprd (uuid.NewRandom), "
            f"not {generated!r}",
            reply,
            daprd='202 {"instanceID":"3f0c6c1e-9a4b-4c1e-8f7a-2b6f1d3e4a5b"}',
        )
    instances.wait(
        generated,
        "PENDING",
        "RUNNING",
        "COMPLETED",
        behaviour=behaviour,
        why="the generated ID must name the started instance",
    )
    again = client.start(ECHO, given, encode("generated again"))
    second = checks.started(again, None, behaviour=behaviour, doing=f"a second {doing}")
    instances.started.append(second)
    if second == generated:
        raise fail(
            behaviour,
            f"each {doing} must generate a new instance ID; two starts both got {generated!r}",
            again,
            daprd="a new random UUIDv4 per start (uuid.NewRandom)",
        )


LARGE_INPUT = 1024 * 1024
"""Characters of a large start body (daprd 1.18.2 kept 3 MiB verbatim; near its 4 MiB body
limit the workflow stalls: its app channel has a 4 MiB message limit too)."""


def wait_for_property(instances: Instances, instance_id: str, key: str, behaviour: str) -> State:
    return instances.wait(
        instance_id,
        *(s.value for s in Status if s is not Status.ABSENT),
        behaviour=behaviour,
        why=f"GET must show the property {key}",
        accept=lambda state: key in state.properties,
        condition=f"properties[{key!r}] set",
    )


@pytest.mark.behaviour("start.input-verbatim")
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"b": 2,  "a":[1, 2.50]}'),
        ("text/plain", "plain text, not JSON <&> é"),
        ("application/octet-stream", "12345"),
        (None, '"a JSON string"'),
        ("application/json", "  \n\t "),
        ("application/json", '\ufeff"after a byte order mark"'),
        ("application/json", '"\\u0000 and a real \u0000"'),
        ("application/json", '"' + "x" * LARGE_INPUT + '"'),
    ],
    ids=["json", "text", "octet-stream", "no-content-type", "whitespace", "bom", "nul", "1MiB"],
)
def test_the_start_body_becomes_the_input_verbatim(
    content_type: str | None, body: str, client: WorkflowClient, instances: Instances
) -> None:
    behaviour = "start.input-verbatim"
    instance_id = instances.new_id()
    reply = client.start(EVENT, instance_id, body, content_type=content_type)
    instances.started.append(instance_id)
    instances.checks.started(reply, instance_id, behaviour=behaviour, doing="start with a body")
    state = wait_for_property(instances, instance_id, PROP_INPUT, behaviour)
    if state.properties[PROP_INPUT] != body:
        sent = repr(body) if len(body) <= 80 else f"{body[:60]!r}... ({len(body)} characters)"
        raise fail(
            behaviour,
            f"properties[{PROP_INPUT!r}] must be the start body byte for byte, {sent}",
            state.reply,
            daprd=f"{PROP_INPUT}: {sent}",
        )


INVALID_UTF8 = "string field contains invalid UTF-8"
"""The cause daprd gives for a body it cannot put in a protobuf string (protobuf-go's words)."""
NOT_UTF8_BODIES = {"stray-byte": b'\xff\xfe"ab"', "surrogate": b'"\xed\xa0\x80"'}


@pytest.mark.behaviour("start.input-invalid-utf8.500")
@pytest.mark.parametrize("body", NOT_UTF8_BODIES.values(), ids=list(NOT_UTF8_BODIES))
@pytest.mark.parametrize("over", ["new-id", "running-id"])
def test_a_start_body_that_is_not_utf8_is_refused(
    body: bytes, over: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    """daprd cannot marshal the input into its start request; it finds that before it looks
    for an instance with the ID, so an ID in use gets the same answer."""
    behaviour = "start.input-invalid-utf8.500"
    running = over == "running-id"
    instance_id = (
        instances.in_status(Status.RUNNING, behaviour=behaviour) if running else instances.new_id()
    )
    checks.error(
        client.start(EVENT, instance_id, body),
        cause_error("ERR_START_WORKFLOW", EVENT, contains=INVALID_UTF8),
        behaviour=behaviour,
        doing=f"start over a {over} with a body that is not UTF-8",
    )
    if running:  # refused before it reached the engine: one look shows the run untouched
        state = instances.wait(instance_id, "RUNNING", behaviour=behaviour, why="it was refused")
        if state.properties.get(PROP_INPUT, encode({"setup": "RUNNING"})) != encode(
            {"setup": "RUNNING"}
        ):
            raise fail(behaviour, "the refused start changed the running instance", state.reply)
    else:
        checks.error(
            client.get(instance_id),
            not_found_error(Operation.GET, instance_id),
            behaviour=behaviour,
            doing="GET after the refused start (it started nothing)",
        )


@pytest.mark.behaviour("start.input-empty")
def test_an_empty_start_body_gives_the_empty_input(instances: Instances) -> None:
    """An empty body gives the input "", or no input key (docs/daprd-http.md §2.3: uncertain end
    to end)."""
    behaviour = "start.input-empty"
    instance_id = instances.start(EVENT)
    state = instances.wait(
        instance_id, "RUNNING", behaviour=behaviour, why="EventWorkflow waits for its event"
    )
    if state.properties.get(PROP_INPUT, "") != "":
        raise fail(
            behaviour,
            f"an empty start body must give properties[{PROP_INPUT!r}] == '' (or no such key), "
            f"not {state.properties[PROP_INPUT]!r}",
            state.reply,
            daprd=f'"{PROP_INPUT}": ""',
        )


@pytest.mark.behaviour("start.unregistered-name.accepted")
def test_a_workflow_name_the_app_never_registered_is_accepted(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "start.unregistered-name.accepted"
    instance_id = instances.new_id()
    reply = client.start(UNREGISTERED, instance_id, encode("x"))
    instances.started.append(instance_id)
    checks.started(reply, instance_id, behaviour=behaviour, doing="start of an unregistered name")
    instances.wait(
        instance_id,
        "PENDING",
        "RUNNING",
        "FAILED",
        behaviour=behaviour,
        why="the instance exists (it fails or waits for a worker, depending on the SDK)",
    )
    instances.stays(
        instance_id,
        "PENDING",
        "RUNNING",
        "FAILED",
        behaviour=behaviour,
        why="an unregistered workflow can never complete",
    )


@pytest.mark.behaviour("start.component-ignored")
def test_any_component_name_behaves_like_dapr(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "start.component-ignored"
    other = client.clone(component="conformance-other")
    try:
        instance_id = instances.new_id()
        reply = other.start(EVENT, instance_id, encode("component"))
        instances.started.append(instance_id)
        checks.started(reply, instance_id, behaviour=behaviour, doing=f"start via {other.url()}")
        _with_client(instances, other).wait(
            instance_id, "RUNNING", behaviour=behaviour, why="GET under another component finds it"
        )
        for operation, after in (("pause", "SUSPENDED"), ("resume", "RUNNING")):
            reply = getattr(other, operation)(instance_id)
            checks.accepted_command(
                reply, behaviour=behaviour, doing=f"{operation} via {reply.url}"
            )
            instances.wait(instance_id, after, behaviour=behaviour, why=f"{operation} applies")
        reply = other.raise_event(instance_id, "go", encode("via other"))
        checks.accepted_command(reply, behaviour=behaviour, doing=f"raiseEvent via {reply.url}")
        instances.wait(instance_id, "COMPLETED", behaviour=behaviour, why="the event go applies")
        reply = other.purge(instance_id)
        checks.accepted_command(reply, behaviour=behaviour, doing=f"purge via {reply.url}")
        instances.wait(instance_id, "ABSENT", behaviour=behaviour, why="purge applies")
        second = instances.in_status(Status.RUNNING, behaviour=behaviour)
        reply = other.terminate(second)
        checks.accepted_command(reply, behaviour=behaviour, doing=f"terminate via {reply.url}")
        instances.wait(second, "TERMINATED", behaviour=behaviour, why="terminate applies")
    finally:
        other.close()


def _with_client(instances: Instances, client: WorkflowClient) -> Instances:
    return Instances(client, instances.checks, instances.timing, instances.new_id)
