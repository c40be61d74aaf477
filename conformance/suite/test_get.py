"""get: the body's shape, its timestamps, the workflow name, the properties, and not-found."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from conformance.answers import State, read_state
from conformance.checks import Checks
from conformance.client import WorkflowClient
from conformance.daprd_errors import not_found_error
from conformance.daprd_formats import (
    DOC_GET_KEYS,
    GET_KEYS,
    PROP_CUSTOM_STATUS,
    PROP_ERROR_MESSAGE,
    PROP_ERROR_TYPE,
    PROP_INPUT,
    PROP_OUTPUT,
    PROTOJSON_TIME,
    RFC3339_TIME,
    ZERO_TIME,
    parse_time,
)
from conformance.failures import fail
from conformance.instances import Instances
from conformance.lifecycle import RUNTIME_STATUSES, Operation, Status
from conformance.profiles import Profile
from conformance.sending import encode
from conformance.workflows import ECHO, EVENT, FAIL, WAITING_STATUS

FAILURE_PREFIX = "dapr.workflow.failure."


def check_shape(state: State, instance_id: str, profile: Profile, *, behaviour: str) -> None:
    """The GET body's keys and value types, as daprd (or the reference document) has them."""
    __tracebackhide__ = True
    body, reply = state.body, state.reply
    required = set(DOC_GET_KEYS)
    if profile.is_strict("workflow_name") and state.status != Status.PENDING.value:
        required.add("workflowName")
    missing = required - set(body)
    if missing:
        raise fail(behaviour, f"GET must answer the keys {sorted(missing)}", reply)
    extra = set(body) - GET_KEYS
    if profile.knob("get_keys") == "exact" and extra:
        raise fail(
            behaviour,
            f"GET must answer no keys beyond {sorted(GET_KEYS)}; got also {sorted(extra)}",
            reply,
        )
    if body["instanceID"] != instance_id:
        raise fail(behaviour, f"GET must answer instanceID {instance_id!r}", reply)
    if body["runtimeStatus"] not in {s.value for s in RUNTIME_STATUSES}:
        raise fail(
            behaviour,
            f"runtimeStatus must be one of {[s.value for s in RUNTIME_STATUSES]}",
            reply,
        )
    for key in ("instanceID", "createdAt", "lastUpdatedAt", "runtimeStatus", "workflowName"):
        if key in body and not isinstance(body[key], str):
            raise fail(behaviour, f"GET's {key} must be a string", reply)
    props = body.get("properties", {})
    if not isinstance(props, dict) or not all(isinstance(v, str) for v in props.values()):
        raise fail(behaviour, "GET's properties must be an object of strings", reply)


@pytest.mark.behaviour("get.shape.200")
@pytest.mark.parametrize("status", [Status.RUNNING, Status.COMPLETED, Status.FAILED])
def test_get_answers_the_instance_state_with_daprd_keys(
    status: Status, checks: Checks, instances: Instances, profile: Profile
) -> None:
    behaviour = "get.shape.200"
    instance_id = instances.in_status(status, behaviour=behaviour)
    reply = instances.read(instance_id)
    checks.status(reply, 200, behaviour=behaviour, doing=f"GET of a {status} instance")
    state = read_state(reply)
    if state is None:
        raise fail(behaviour, "GET must answer a JSON object", reply)
    check_shape(state, instance_id, profile, behaviour=behaviour)
    if profile.knob("get_keys") == "exact" and set(state.body) != GET_KEYS:
        raise fail(
            behaviour,
            f"GET of a started {status} instance must answer exactly {sorted(GET_KEYS)} "
            "(properties holds at least the input)",
            reply,
        )


@pytest.mark.behaviour("get.shape.200")
def test_get_right_after_start_may_show_pending_without_workflow_name(
    instances: Instances, profile: Profile
) -> None:
    behaviour = "get.shape.200"
    instance_id = instances.start(EVENT, "early")
    reply = instances.read(instance_id)
    state = read_state(reply)
    if state is None:
        raise fail(behaviour, "GET right after a 202 start must find the instance", reply)
    check_shape(state, instance_id, profile, behaviour=behaviour)
    if state.status not in {Status.PENDING.value, Status.RUNNING.value}:
        raise fail(behaviour, "right after start an EventWorkflow is PENDING or RUNNING", reply)
    name = state.body.get("workflowName")
    if name is not None and name != EVENT:
        raise fail(behaviour, f"workflowName, when present, must be {EVENT!r}", reply)


@pytest.mark.behaviour("get.timestamps.rfc3339")
def test_timestamps_are_rfc3339_in_utc_and_ordered(
    client: WorkflowClient, instances: Instances, profile: Profile
) -> None:
    behaviour = "get.timestamps.rfc3339"
    pattern = PROTOJSON_TIME if profile.knob("timestamps") == "protojson" else RFC3339_TIME
    form = (
        "RFC 3339 in UTC ('Z') with 0, 3, 6 or 9 fractional digits"
        if pattern is PROTOJSON_TIME
        else "RFC 3339"
    )
    instance_id = instances.start(EVENT, "early")
    states = [read_state(instances.read(instance_id))]
    states.append(instances.wait(instance_id, "RUNNING", behaviour=behaviour))
    client.raise_event(instance_id, "go", encode("done"))
    states.append(instances.wait(instance_id, "COMPLETED", behaviour=behaviour))
    for state in states:
        if state is None:
            continue
        for key in ("createdAt", "lastUpdatedAt"):
            value = str(state.body.get(key))
            if not pattern.fullmatch(value):
                raise fail(behaviour, f"{key} must be {form}, not {value!r}", state.reply)
        created = parse_time(state.body["createdAt"])
        updated = parse_time(state.body["lastUpdatedAt"])
        if updated < created:
            raise fail(behaviour, "lastUpdatedAt must not be before createdAt", state.reply)
        if state.status != Status.PENDING.value and state.body["createdAt"] == ZERO_TIME:
            raise fail(
                behaviour,
                f"createdAt may be {ZERO_TIME} only while PENDING (before the start is processed)",
                state.reply,
            )


def wait_until_started(instances: Instances, instance_id: str, behaviour: str) -> State:
    """The first RUNNING state whose createdAt is set (the start has been processed)."""
    return instances.wait(
        instance_id,
        "RUNNING",
        behaviour=behaviour,
        accept=lambda state: state.body.get("createdAt") != ZERO_TIME,
        condition=f"a createdAt other than {ZERO_TIME}",
    )


@pytest.mark.behaviour("get.last-updated-moves")
def test_last_updated_at_moves_forward_when_the_instance_changes(
    client: WorkflowClient, instances: Instances
) -> None:
    behaviour = "get.last-updated-moves"
    instance_id = instances.in_status(Status.RUNNING, behaviour=behaviour)
    running = wait_until_started(instances, instance_id, behaviour)
    client.raise_event(instance_id, "go", encode("done"))
    completed = instances.wait(instance_id, "COMPLETED", behaviour=behaviour)
    before, after = running.body["lastUpdatedAt"], completed.body["lastUpdatedAt"]
    if parse_time(after) <= parse_time(before):
        raise fail(
            behaviour,
            f"lastUpdatedAt must move forward when the instance completes: it was {before} "
            f"while RUNNING and is {after} once COMPLETED",
            completed.reply,
        )


def instant(text: str) -> tuple[datetime, int]:
    """A timestamp to the nanosecond daprd writes: the whole second, then the fraction in ns."""
    fraction = re.search(r"\.(\d+)", text)
    whole = parse_time(text).replace(microsecond=0)
    return whole, int((fraction.group(1) if fraction else "0")[:9].ljust(9, "0"))


@pytest.mark.behaviour("get.last-updated-monotonic")
def test_last_updated_at_never_goes_back_and_moves_with_each_visible_change(
    client: WorkflowClient, instances: Instances
) -> None:
    """Every GET through a run (start, pause, resume, an event nobody waits for, go) is compared
    with the one before: lastUpdatedAt is never earlier, and a different status or properties
    come with a later one (daprd 1.18.2 also moves it for the buffered event)."""
    behaviour = "get.last-updated-monotonic"
    instance_id = instances.start(EVENT, "timestamps")
    seen: list[State] = []

    def compare(state: State) -> None:
        text = state.body.get("lastUpdatedAt")
        last = seen[-1] if seen else None
        seen.append(state)
        if last is None or not isinstance(text, str):
            return
        before, now = instant(str(last.body.get("lastUpdatedAt"))), instant(text)
        changed = (state.status, state.properties) != (last.status, last.properties)
        if now < before or (changed and now == before):
            raise fail(
                behaviour,
                f"lastUpdatedAt went from {last.body.get('lastUpdatedAt')} ({last.status}) to "
                f"{text} ({state.status}): it may never go back, and must move when the status "
                "or the properties change",
                state.reply,
            )

    def watch_until(status: str, why: str) -> None:
        """Poll (every state compared with the one before) until the instance shows ``status``."""

        def reached(state: State) -> bool:
            compare(state)
            return state.status == status

        instances.wait(
            instance_id,
            *RUNTIME_STATUSES,
            behaviour=behaviour,
            why=why,
            accept=reached,
            condition=f"status {status}",
        )

    watch_until("RUNNING", "it was started")
    for operation, after in ((Operation.PAUSE, "SUSPENDED"), (Operation.RESUME, "RUNNING")):
        instances.command(operation, instance_id, behaviour=behaviour)
        watch_until(after, f"{operation} applies")
    client.raise_event(instance_id, "not-go", encode("ignored"))
    client.raise_event(instance_id, "go", encode("done"))
    watch_until("COMPLETED", "the event go")


@pytest.mark.behaviour("get.created-at.fixed")
def test_created_at_stays_the_same_through_the_whole_run(
    client: WorkflowClient, instances: Instances
) -> None:
    """createdAt is the run's start time: no GET and no transition may change it."""
    behaviour = "get.created-at.fixed"
    instance_id = instances.start(EVENT, "created")
    first = wait_until_started(instances, instance_id, behaviour)
    created = first.body.get("createdAt")
    seen = [("RUNNING", first)]

    def same(state: State) -> State:
        if state.body.get("createdAt") != created:
            history = ", ".join(f"{s.body.get('createdAt')} ({label})" for label, s in seen)
            raise fail(
                behaviour,
                f"createdAt must stay {created} for the whole run; GET of the "
                f"{state.status} instance answers {state.body.get('createdAt')}",
                state.reply,
                details=[f"createdAt: {history}, then {state.body.get('createdAt')}"],
            )
        seen.append((state.status, state))
        return state

    same(instances.stays(instance_id, "RUNNING", behaviour=behaviour, why="nothing was sent"))
    for operation, after in ((Operation.PAUSE, "SUSPENDED"), (Operation.RESUME, "RUNNING")):
        instances.command(operation, instance_id, behaviour=behaviour)
        same(instances.wait(instance_id, after, behaviour=behaviour, why=f"{operation} applies"))
    client.raise_event(instance_id, "go", encode("done"))
    same(instances.wait(instance_id, "COMPLETED", behaviour=behaviour, why="the event go"))
    same(instances.wait(instance_id, "COMPLETED", behaviour=behaviour, why="a second look"))


@pytest.mark.behaviour("get.workflow-name")
@pytest.mark.parametrize(
    ("workflow", "status"),
    [(EVENT, "RUNNING"), (ECHO, "COMPLETED"), (FAIL, "FAILED")],
)
def test_get_names_the_workflow_once_the_instance_left_pending(
    workflow: str, status: str, instances: Instances
) -> None:
    behaviour = "get.workflow-name"
    instance_id = instances.start(workflow, "named")
    state = instances.wait(instance_id, status, behaviour=behaviour)
    if state.body.get("workflowName") != workflow:
        raise fail(
            behaviour, f"a {status} instance's workflowName must be {workflow!r}", state.reply
        )


@pytest.mark.behaviour("get.properties.input")
def test_the_input_property_holds_the_raw_start_body(instances: Instances) -> None:
    behaviour = "get.properties.input"
    raw = '{"x": [1, 2],  "y":"z"}'
    instance_id = instances.start(ECHO, body=raw)
    state = instances.wait(instance_id, "COMPLETED", behaviour=behaviour)
    if state.properties.get(PROP_INPUT) != raw:
        raise fail(
            behaviour,
            f"properties[{PROP_INPUT!r}] must be the raw start body {raw!r} (not re-encoded)",
            state.reply,
        )


@pytest.mark.behaviour("get.properties.custom-status")
def test_the_custom_status_property_holds_the_json_of_the_custom_status(
    instances: Instances,
) -> None:
    behaviour = "get.properties.custom-status"
    instance_id = instances.start(EVENT, "status")
    state = instances.wait(
        instance_id,
        "RUNNING",
        behaviour=behaviour,
        why=f"EventWorkflow sets the custom status {WAITING_STATUS!r}",
        accept=lambda state: PROP_CUSTOM_STATUS in state.properties,
        condition=f"properties[{PROP_CUSTOM_STATUS!r}] set",
    )
    if _parsed(state.properties[PROP_CUSTOM_STATUS]) != WAITING_STATUS:
        raise fail(
            behaviour,
            f"properties[{PROP_CUSTOM_STATUS!r}] must hold {WAITING_STATUS!r} (as JSON text, "
            "or raw as the Go SDK stores a string)",
            state.reply,
            daprd=f'"{PROP_CUSTOM_STATUS}": {json.dumps(json.dumps(WAITING_STATUS))}',
        )


@pytest.mark.behaviour("get.properties.output")
def test_the_output_property_holds_the_json_of_the_output(instances: Instances) -> None:
    behaviour = "get.properties.output"
    value = {"x": [1, 2, "three"], "n": None, "t": True}
    instance_id = instances.start(ECHO, value)
    state = instances.wait(instance_id, "COMPLETED", behaviour=behaviour)
    if _parsed(state.properties.get(PROP_OUTPUT)) != value:
        raise fail(
            behaviour,
            f"properties[{PROP_OUTPUT!r}] must be JSON text equal to {value!r} once COMPLETED",
            state.reply,
        )


@pytest.mark.behaviour("get.properties.failure")
def test_a_failed_instance_has_the_failure_properties(instances: Instances) -> None:
    behaviour = "get.properties.failure"
    message = f"failure of {instances.new_id()}"
    instance_id = instances.start(FAIL, message)
    state = instances.wait(instance_id, "FAILED", behaviour=behaviour)
    if not state.properties.get(PROP_ERROR_TYPE):
        raise fail(behaviour, f"a FAILED instance must have {PROP_ERROR_TYPE!r}", state.reply)
    if message not in state.properties.get(PROP_ERROR_MESSAGE, ""):
        raise fail(
            behaviour,
            f"{PROP_ERROR_MESSAGE!r} must contain the failure message {message!r}",
            state.reply,
        )


@pytest.mark.behaviour("get.properties.failure")
def test_a_completed_instance_has_no_failure_properties(instances: Instances) -> None:
    behaviour = "get.properties.failure"
    instance_id = instances.start(ECHO, "no failure")
    state = instances.wait(instance_id, "COMPLETED", behaviour=behaviour)
    failure_keys = sorted(k for k in state.properties if k.startswith(FAILURE_PREFIX))
    if failure_keys:
        raise fail(
            behaviour,
            f"a COMPLETED instance must have no {FAILURE_PREFIX}* properties; it has "
            f"{failure_keys}",
            state.reply,
            daprd="the failure properties only when the run failed (FailureDetails set)",
        )


@pytest.mark.behaviour("get.not-found.message")
@pytest.mark.parametrize("kind", ["never-started", "invalid-chars", "unicode"])
def test_get_of_an_unknown_instance_is_404_with_daprd_message(
    kind: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    instance_id = {
        "never-started": instances.new_id(),
        "invalid-chars": f"{instances.new_id()}$bad.id",
        "unicode": f"{instances.new_id()}-实例",
    }[kind]
    reply = client.get(instance_id)
    checks.error(
        reply,
        not_found_error(Operation.GET, instance_id),
        behaviour="get.not-found.message",
        doing=f"GET of an unknown instance ({kind}; only start validates IDs)",
    )


def _parsed(text: str | None) -> object:
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return text
