"""start: the 202 body, the instance ID rules, the input, and reuse of IDs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from conformance.answers import State, read_state
from conformance.checks import Checks
from conformance.client import Reply, WorkflowClient
from conformance.contract import MAX_INSTANCE_ID_BYTES
from conformance.daprd_errors import (
    cause_error,
    duplicate_start_error,
    exact_error,
    not_found_error,
)
from conformance.daprd_formats import PROP_INPUT, PROP_OUTPUT, UUID4
from conformance.failures import fail
from conformance.instances import Instances
from conformance.lifecycle import Operation, Status
from conformance.profiles import Profile
from conformance.sending import encode
from conformance.workflows import ECHO, EVENT, TIMER

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


def padded(stem: str, size: int, filler: str = "x") -> str:
    """``stem`` padded with ``filler`` to exactly ``size`` UTF-8 bytes."""
    text = stem
    while len((text + filler).encode()) <= size:
        text += filler
    return text


@pytest.mark.behaviour("start.id-too-long.400")
@pytest.mark.parametrize(
    "instance_id",
    [
        "a" * (MAX_INSTANCE_ID_BYTES + 1),
        "this_is_a_very_long_instance_id_that_is_longer_than_64_characters_and_therefore"
        "_should_not_be_allowed",
    ],
    ids=["65-bytes", "daprd-test-T4"],
)
def test_an_instance_id_longer_than_64_bytes_is_refused(
    instance_id: str, client: WorkflowClient, checks: Checks
) -> None:
    reply = client.start(ECHO, instance_id)
    checks.error(
        reply,
        exact_error("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES),
        behaviour="start.id-too-long.400",
        doing=f"start with a {len(instance_id.encode())}-byte instance ID",
    )


@pytest.mark.behaviour("start.id-64-bytes.202")
@pytest.mark.parametrize("filler", ["x", "实"], ids=["ascii", "cjk"])
def test_an_instance_id_of_exactly_64_bytes_is_accepted(
    filler: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    instance_id = padded(instances.new_id() + "-", MAX_INSTANCE_ID_BYTES, filler)
    instance_id = padded(instance_id, MAX_INSTANCE_ID_BYTES)  # top up with ASCII bytes
    assert len(instance_id.encode()) == MAX_INSTANCE_ID_BYTES
    reply = client.start(ECHO, instance_id, encode(filler))
    instances.started.append(instance_id)
    checks.started(
        reply,
        instance_id,
        behaviour="start.id-64-bytes.202",
        doing="start with an instance ID of exactly 64 bytes",
    )


@pytest.mark.behaviour("start.id-length-in-bytes.400")
def test_the_length_limit_counts_utf8_bytes_not_characters(
    client: WorkflowClient, checks: Checks
) -> None:
    instance_id = "实" * 22  # 22 characters, 66 bytes
    reply = client.start(ECHO, instance_id)
    checks.error(
        reply,
        exact_error("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES),
        behaviour="start.id-length-in-bytes.400",
        doing="start with an instance ID of 22 CJK characters (66 UTF-8 bytes)",
    )


@pytest.mark.behaviour("start.id-length-before-chars.400")
def test_the_length_is_checked_before_the_characters(
    client: WorkflowClient, checks: Checks
) -> None:
    reply = client.start(ECHO, "$" * (MAX_INSTANCE_ID_BYTES + 1))
    checks.error(
        reply,
        exact_error("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES),
        behaviour="start.id-length-before-chars.400",
        doing="start with a 65-byte instance ID of '$' characters (too long AND invalid)",
    )


@pytest.mark.behaviour("start.id-invalid-chars.400")
@pytest.mark.parametrize(
    "instance_id",
    ["invalid$ID", "has space", "dot.ted", "slash/ed", "plus+sign", "colon:", "emoji😀", "a%b"],
)
def test_an_instance_id_with_a_character_daprd_refuses_is_400(
    instance_id: str, client: WorkflowClient, checks: Checks
) -> None:
    reply = client.start(ECHO, instance_id)
    checks.error(
        reply,
        exact_error("ERR_INSTANCE_ID_INVALID", instance_id),
        behaviour="start.id-invalid-chars.400",
        doing=f"start with the instance ID {instance_id!r}",
    )


@pytest.mark.behaviour("start.id-unicode-letters.202")
@pytest.mark.parametrize("suffix", ["héllo", "实例", "Ünïcödé_٣"])
def test_instance_ids_of_unicode_letters_and_digits_are_accepted(
    suffix: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "start.id-unicode-letters.202"
    instance_id = f"{instances.new_id()}-{suffix}"
    reply = client.start(ECHO, instance_id, encode(suffix))
    instances.started.append(instance_id)
    checks.started(reply, instance_id, behaviour=behaviour, doing=f"start as {instance_id!r}")
    state = instances.wait(
        instance_id, "COMPLETED", behaviour=behaviour, why="the unicode ID names the instance"
    )
    if state.body.get("instanceID") != instance_id:
        raise fail(behaviour, f"GET must answer instanceID {instance_id!r}", state.reply)


@pytest.mark.behaviour("start.id-dash-underscore.202")
def test_instance_ids_with_dashes_and_underscores_are_accepted(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    instance_id = f"{instances.new_id()}_under_score-dash-"
    reply = client.start(ECHO, instance_id, encode(1))
    instances.started.append(instance_id)
    checks.started(
        reply,
        instance_id,
        behaviour="start.id-dash-underscore.202",
        doing="start with an ID of letters, digits, '-' and '_'",
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
    """An empty body gives the input "", or no input key (facts §2.3: uncertain end to end)."""
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


@pytest.mark.behaviour("start.duplicate-active-id.message")
def test_starting_the_id_of_an_active_instance_is_refused(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    behaviour = "start.duplicate-active-id.message"
    instance_id = instances.in_status(Status.RUNNING, behaviour=behaviour)
    before = instances.wait(instance_id, "RUNNING", behaviour=behaviour)
    reply = client.start(EVENT, instance_id, encode("second"))
    checks.error(
        reply,
        duplicate_start_error(EVENT, instance_id),
        behaviour=behaviour,
        doing="start of an ID whose instance is RUNNING",
    )
    after = instances.stays(
        instance_id, "RUNNING", behaviour=behaviour, why="the refused start must not touch the run"
    )
    keys = ["createdAt"] + ([f"properties.{PROP_INPUT}"] if profile.reads_properties else [])
    for key in keys:
        was, now = field_of(before, key), field_of(after, key)
        if was != now:
            raise fail(
                behaviour,
                f"a refused start must not touch the run: {key} was {was!r} before it and is "
                f"{now!r} after",
                after.reply,
            )


def field_of(state: State, key: str) -> object:
    """A top-level GET field, or ``properties.<name>`` for a property."""
    if key.startswith("properties."):
        return state.properties.get(key.removeprefix("properties."))
    return state.body.get(key)


def run_of(state: State, profile: Profile, workflow: str, output: object) -> bool:
    """Whether GET shows the run of ``workflow`` with this output (as far as profile reads)."""
    if not profile.reads_properties:
        return True
    try:
        shown = state.property_json(PROP_OUTPUT)
    except (KeyError, ValueError):
        return False
    return state.body.get("workflowName") == workflow and shown == output


@pytest.mark.behaviour("start.reuse-after-terminal.fresh-run")
@pytest.mark.parametrize("status", [Status.COMPLETED, Status.FAILED, Status.TERMINATED])
def test_starting_the_id_of_a_terminal_instance_begins_a_fresh_run(
    status: Status,
    client: WorkflowClient,
    checks: Checks,
    instances: Instances,
    profile: Profile,
) -> None:
    behaviour = "start.reuse-after-terminal.fresh-run"
    instance_id = instances.in_status(status, behaviour=behaviour)
    new_input = {"fresh": status.value}
    reply = client.start(ECHO, instance_id, encode(new_input))
    checks.started(reply, instance_id, behaviour=behaviour, doing=f"start of a {status} ID")
    instances.wait(
        instance_id,
        "COMPLETED",
        behaviour=behaviour,
        why=f"the new run is an {ECHO} whose output is its new input {new_input}",
        accept=lambda state: run_of(state, profile, ECHO, new_input),
        condition=f"the new run's workflowName {ECHO!r} and output {encode(new_input)}",
        previous=[status.value],
    )


REUSE_TIMER = 30
"""Seconds: the new run of a reused ID waits this long on its timer, so it stays RUNNING."""


def traces_of_the_previous_run(state: State, previous: State, new_input: str) -> list[str]:
    """What a GET of the new run shows that belongs to the finished run it replaced."""
    found = []
    created = previous.body.get("createdAt")
    if created and state.body.get("createdAt") == created:
        found.append(f"createdAt {created!r} (the previous run's)")
    shown = state.properties
    for key in sorted(shown):
        if key == PROP_INPUT:
            if shown[key] != new_input:
                found.append(f"{key} {shown[key]!r} (the new run's is {new_input!r})")
        elif key.startswith("dapr.workflow.") and key in previous.properties:
            found.append(f"{key} {shown[key]!r} (the previous run's)")
    return found


@pytest.mark.behaviour("start.reuse-after-terminal.no-trace")
def test_a_reused_id_shows_nothing_of_the_previous_run(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    """From its first answer on, the new run of a finished ID has its own createdAt and input,
    and none of the previous run's output, failure or custom status while it is active; for a
    COMPLETED, a FAILED and a TERMINATED ID, watched together.

    The new run is a TimerWorkflow on a long timer: it sets no custom status and has no output,
    so any such property a GET shows is the previous run's.
    """
    behaviour = "start.reuse-after-terminal.no-trace"
    new_input = encode(REUSE_TIMER)
    previous: dict[str, tuple[Status, State]] = {}
    for status in (Status.COMPLETED, Status.FAILED, Status.TERMINATED):
        instance_id = instances.in_status(status, behaviour=behaviour)
        finished = instances.wait(instance_id, status.value, behaviour=behaviour, why="it ended")
        previous[instance_id] = (status, finished)
    for instance_id, (status, _) in previous.items():
        reply = client.start(TIMER, instance_id, new_input)
        checks.started(reply, instance_id, behaviour=behaviour, doing=f"start of a {status} ID")
    deadline, settle_until = time.monotonic() + instances.timing.deadline, None
    running: set[str] = set()
    while settle_until is None or time.monotonic() < settle_until:
        for instance_id, (status, finished) in previous.items():
            reply = instances.read(instance_id)
            if settle_until is None and time.monotonic() > deadline:
                raise fail(
                    behaviour,
                    f"the new run of a {status} ID never showed RUNNING within "
                    f"{instances.timing.deadline:g}s",
                    reply,
                )
            state = read_state(reply)
            if state is None:
                continue
            traces = traces_of_the_previous_run(state, finished, new_input)
            if not profile.reads_properties:
                traces = [t for t in traces if t.startswith("createdAt")]
            if traces:
                raise fail(
                    behaviour,
                    f"the new run of a {status} ID shows the previous run's state: "
                    + "; ".join(traces),
                    state.reply,
                )
            if state.status == "RUNNING":
                running.add(instance_id)
        if settle_until is None and running == set(previous):
            settle_until = time.monotonic() + instances.timing.settle
        time.sleep(instances.timing.interval)
    for instance_id in previous:
        instances.command(Operation.TERMINATE, instance_id, behaviour=behaviour)


@pytest.mark.behaviour("start.reuse-after-purge.fresh-run")
def test_starting_the_id_of_a_purged_instance_begins_a_fresh_run(
    client: WorkflowClient,
    checks: Checks,
    instances: Instances,
    profile: Profile,
) -> None:
    behaviour = "start.reuse-after-purge.fresh-run"
    instance_id = instances.in_status(Status.COMPLETED, behaviour=behaviour)
    reply = client.purge(instance_id)
    checks.accepted_command(reply, behaviour=behaviour, doing="purge of a COMPLETED instance")
    instances.wait(instance_id, "ABSENT", behaviour=behaviour, why="purge removes the instance")
    checks.error(
        client.get(instance_id),
        not_found_error(Operation.GET, instance_id),
        behaviour=behaviour,
        doing="GET of a purged instance (as of one never started)",
    )
    reply = client.start(ECHO, instance_id, encode({"after": "purge"}))
    checks.started(reply, instance_id, behaviour=behaviour, doing="start of a purged ID")
    instances.wait(
        instance_id,
        "COMPLETED",
        behaviour=behaviour,
        why="the new run completes with its new input as output",
        accept=lambda state: run_of(state, profile, ECHO, {"after": "purge"}),
        condition=f"the new run's workflowName {ECHO!r} and output {encode({'after': 'purge'})}",
    )


CONCURRENT_STARTS = 8


@pytest.mark.behaviour("start.concurrent-same-id.one-wins")
def test_of_simultaneous_starts_of_one_new_id_exactly_one_wins(
    client: WorkflowClient,
    checks: Checks,
    instances: Instances,
    profile: Profile,
) -> None:
    behaviour = "start.concurrent-same-id.one-wins"
    instance_id = instances.new_id()
    instances.started.append(instance_id)
    barrier = threading.Barrier(CONCURRENT_STARTS)
    replies: list[Reply | None] = [None] * CONCURRENT_STARTS

    def start(index: int) -> Callable[[], None]:
        def run() -> None:
            racer = client.clone()
            try:
                barrier.wait(timeout=30)
                replies[index] = racer.start(EVENT, instance_id, encode({"racer": index}))
            finally:
                racer.close()

        return run

    threads = [threading.Thread(target=start(i)) for i in range(CONCURRENT_STARTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done = [r for r in replies if r is not None]
    assert len(done) == CONCURRENT_STARTS, "a concurrent start did not finish"
    winners = [i for i, r in enumerate(done) if r.status == 202]
    if len(winners) != 1:
        summary = ", ".join(str(r.status) for r in done)
        raise fail(
            behaviour,
            f"of {CONCURRENT_STARTS} simultaneous starts of {instance_id!r} exactly one must "
            f"answer 202; the answers were {summary}",
            done[winners[1] if len(winners) > 1 else 0],
            daprd=f"one 202 and {CONCURRENT_STARTS - 1} x "
            f"{duplicate_start_error(EVENT, instance_id).example()}",
        )
    for index, reply in enumerate(done):
        if index != winners[0]:
            checks.error(
                reply,
                duplicate_start_error(EVENT, instance_id),
                behaviour=behaviour,
                doing="a start that lost the race for a new ID",
            )
    winner_input = encode({"racer": winners[0]})
    instances.wait(
        instance_id,
        "RUNNING",
        behaviour=behaviour,
        why=f"the run must be the winner's, with input {winner_input}",
        accept=lambda state: (
            not profile.reads_properties or state.properties.get(PROP_INPUT) == winner_input
        ),
        condition=f"properties[{PROP_INPUT!r}] == {winner_input!r}",
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
