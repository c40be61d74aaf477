"""The six conformance workflows end to end, and what suspension holds back.

Outputs are compared as parsed JSON (SDKs re-serialise); under the ``docs`` profile, which
reads no properties, only the statuses are checked.

Over 400 lines on purpose: one test per behaviour of the six workflows and of suspension, each
short; split, the tests of one workflow's run and of its suspension would live apart.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from conformance.answers import State
from conformance.checks import Checks
from conformance.client import WorkflowClient
from conformance.daprd_formats import (
    PROP_CUSTOM_STATUS,
    PROP_ERROR_MESSAGE,
    PROP_ERROR_TYPE,
    PROP_INPUT,
    PROP_OUTPUT,
)
from conformance.failures import fail
from conformance.instances import Instances
from conformance.lifecycle import Operation, Status
from conformance.options import SuiteConfig
from conformance.profiles import Profile
from conformance.sending import encode
from conformance.workflows import (
    CONTINUE_AS_NEW,
    DONE,
    ECHO,
    EVENT,
    FAIL,
    GO_EVENT,
    PARENT,
    TIMER,
    WAITING_STATUS,
    child_instance_id,
)

TIMER_LENGTH = 1.0
"""Seconds: a timer long enough to tell from one firing at once, even on a slow target."""
QUICK_TIMER_LENGTH = 0.5
"""Seconds: the timer under ``--quick``; one firing at once still completes well before it."""
EARLY_MARGIN = 0.5
"""The share of the timer before its due time that it may fire without failing (clock skew)."""
EARLY_SHARE = 0.05
"""The share of its length a timer may fire early. Both ends are on one clock (the suite's,
from before the start request was sent, and the target's, which can only start the timer after
that), so none is due to skew; 5% absorbs a timer service that rounds due times. daprd 1.18.2
completed TimerWorkflow 1.01x to 1.06x of the length after the request."""
HELD_TIMER = 1.0
"""Seconds: a timer long enough to suspend the instance before it fires."""
RESUME_FIRES_WITHIN = 0.75
"""The share of a held timer's length within which it must fire after resume: a timer started
again on resume takes its whole length (daprd 1.18.2: 14-18 ms)."""


def output_is(profile: Profile, expected: Any) -> Any:
    """A GET predicate: the output property parses to ``expected`` (always true under docs)."""

    def check(state: State) -> bool:
        if not profile.reads_properties:
            return True
        try:
            return bool(state.property_json(PROP_OUTPUT) == expected)
        except (KeyError, ValueError):
            return False

    return check


def custom_status_is(state: State, expected: str) -> bool:
    """The custom status property is ``expected``, as JSON text or raw.

    SDKs differ (docs/daprd-http.md §4, T9): the Go SDK stores the string it is given, raw; the
    Python SDK stores its JSON text. A right daprd shows either.
    """
    shown = state.properties.get(PROP_CUSTOM_STATUS)
    return shown in (expected, json.dumps(expected))


def _json_or_none(text: str | None) -> Any:
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return None


def check_output(state: State, profile: Profile, expected: Any, *, behaviour: str) -> None:
    """The output of a finished instance is ``expected`` (compared as parsed JSON)."""
    __tracebackhide__ = True
    if not output_is(profile, expected)(state):
        raise fail(
            behaviour,
            f"properties[{PROP_OUTPUT!r}] must be JSON text equal to {json.dumps(expected)}",
            state.reply,
        )


@pytest.mark.behaviour("workflow.echo.completes")
@pytest.mark.parametrize(
    "value",
    [{"a": 1, "b": [True, None, 2.5]}, "text é", 42, [1, "2"]],
    ids=["object", "string", "number", "array"],
)
def test_echo_workflow_completes_with_its_input(
    value: Any, instances: Instances, profile: Profile
) -> None:
    behaviour = "workflow.echo.completes"
    instance_id = instances.start(ECHO, value)
    state = instances.wait(instance_id, "COMPLETED", behaviour=behaviour)
    check_output(state, profile, value, behaviour=behaviour)


@pytest.mark.behaviour("workflow.event.waits")
def test_event_workflow_waits_with_custom_status_waiting(
    instances: Instances, profile: Profile
) -> None:
    behaviour = "workflow.event.waits"
    instance_id = instances.start(EVENT, "wait")

    def waiting(state: State) -> bool:
        return not profile.reads_properties or custom_status_is(state, WAITING_STATUS)

    instances.wait(
        instance_id,
        "RUNNING",
        behaviour=behaviour,
        why=f"EventWorkflow sets the custom status {WAITING_STATUS!r} and waits",
        accept=waiting,
        condition=f"properties[{PROP_CUSTOM_STATUS!r}] holding {WAITING_STATUS!r}",
    )
    instances.stays(instance_id, "RUNNING", behaviour=behaviour, why="no event go was raised")


@pytest.mark.behaviour("workflow.event.completes-with-payload")
def test_event_workflow_completes_with_the_payload_of_go(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    behaviour = "workflow.event.completes-with-payload"
    instance_id = instances.in_status(Status.RUNNING, behaviour=behaviour)
    payload = {"payload": [1, "two"], "ok": True}
    reply = client.raise_event(instance_id, GO_EVENT, encode(payload))
    checks.accepted_command(reply, behaviour=behaviour, doing="raiseEvent go")
    state = instances.wait(
        instance_id, "COMPLETED", behaviour=behaviour, why="the event go was raised"
    )
    check_output(state, profile, payload, behaviour=behaviour)


@pytest.mark.behaviour("workflow.event.other-names-ignored")
def test_event_workflow_ignores_events_with_other_names(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    behaviour = "workflow.event.other-names-ignored"
    instance_id = instances.in_status(Status.RUNNING, behaviour=behaviour)
    for name in ("stop", "go-not", "gone"):
        reply = client.raise_event(instance_id, name, encode(name))
        checks.accepted_command(reply, behaviour=behaviour, doing=f"raiseEvent {name}")
    instances.stays(instance_id, "RUNNING", behaviour=behaviour, why="only go completes it")
    client.raise_event(instance_id, GO_EVENT, encode("the go payload"))
    state = instances.wait(instance_id, "COMPLETED", behaviour=behaviour, why="go was raised")
    check_output(state, profile, "the go payload", behaviour=behaviour)


def completes_with_after_early_events(
    client: WorkflowClient,
    checks: Checks,
    instances: Instances,
    profile: Profile,
    events: list[tuple[str, str]],
    *,
    expected: str,
    behaviour: str,
    why: str,
) -> None:
    """Start EventWorkflow, raise ``events`` at once (maybe while PENDING), and wait for it to
    complete with output ``expected``."""
    __tracebackhide__ = True
    instance_id = instances.start(EVENT, "early")
    for name, payload in events:
        reply = client.raise_event(instance_id, name, encode(payload))
        checks.accepted_command(
            reply, behaviour=behaviour, doing=f"raiseEvent {name} right after start (maybe PENDING)"
        )
    state = instances.wait(instance_id, "COMPLETED", behaviour=behaviour, why=why)
    check_output(state, profile, expected, behaviour=behaviour)


@pytest.mark.behaviour("workflow.event.buffered")
def test_an_event_raised_right_after_start_is_buffered(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    completes_with_after_early_events(
        client,
        checks,
        instances,
        profile,
        [(GO_EVENT, "early bird")],
        expected="early bird",
        behaviour="workflow.event.buffered",
        why="an event raised before the workflow waits for it is buffered, not lost",
    )


@pytest.mark.behaviour("workflow.event.buffered-in-order")
def test_events_raised_before_the_wait_are_delivered_in_the_order_raised(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    """Right after start: an event of another name, then go "first", then go "second".

    The workflow waits for one go: it must get the first one raised, and the other name must
    neither wake it nor stand in for go.
    """
    completes_with_after_early_events(
        client,
        checks,
        instances,
        profile,
        [("not-go", "not go"), (GO_EVENT, "first"), (GO_EVENT, "second")],
        expected="first",
        behaviour="workflow.event.buffered-in-order",
        why="two go events are buffered before the workflow waits for one",
    )


@pytest.mark.behaviour("workflow.timer.completes", "workflow.timer.not-early")
def test_timer_workflow_completes_with_done_after_its_timer(
    instances: Instances, profile: Profile, conformance_config: SuiteConfig
) -> None:
    """The run waits for its timer (not completing before it can be due), then completes.

    The watch ends ``EARLY_MARGIN`` of the timer before the due time as measured from before
    the start request: the timer's due time is taken by the target after that, and the margin
    absorbs a target whose timer service's clock runs ahead of its engine's. ``--quick`` uses a
    shorter timer: one that fires at once still completes long before the watch ends.

    The watch only shows the timer is not instant; the run is then timed whole, from before the
    start request to the first GET that shows COMPLETED (which is after the completion, so a
    late poll never hides an early timer by more than one poll interval): it may not be shorter
    than the timer, less ``EARLY_SHARE`` (workflow.timer.not-early).
    """
    behaviour = "workflow.timer.completes"
    length = QUICK_TIMER_LENGTH if conformance_config.quick else TIMER_LENGTH
    margin = length * EARLY_MARGIN
    requested = time.monotonic()
    instance_id = instances.start(TIMER, length)
    quiet = length - margin
    instances.stays(
        instance_id,
        "PENDING",
        "RUNNING",
        behaviour=behaviour,
        why=f"its {length:g}s timer cannot be due within {quiet:g}s of the start "
        f"(a {margin:g}s margin for clock skew)",
        seconds=max(requested + quiet - time.monotonic(), 0.0),
    )
    state = instances.wait(
        instance_id, "COMPLETED", behaviour=behaviour, why=f"its {length:g}s timer fires"
    )
    elapsed, earliest = time.monotonic() - requested, length * (1 - EARLY_SHARE)
    if elapsed < earliest:
        raise fail(
            "workflow.timer.not-early",
            f"TimerWorkflow with a {length:g}s timer was COMPLETED {elapsed:.3f}s after its start "
            f"request was sent: the timer fired before it was due (it may not complete sooner "
            f"than {earliest:.3f}s)",
            state.reply,
        )
    check_output(state, profile, DONE, behaviour=behaviour)


@pytest.mark.behaviour("workflow.fail.failed")
def test_fail_workflow_ends_failed_with_its_message(instances: Instances, profile: Profile) -> None:
    behaviour = "workflow.fail.failed"
    message = f"deliberate failure {instances.new_id()}"
    instance_id = instances.start(FAIL, message)
    state = instances.wait(instance_id, "FAILED", behaviour=behaviour)
    if profile.reads_properties and (
        message not in state.properties.get(PROP_ERROR_MESSAGE, "")
        or not state.properties.get(PROP_ERROR_TYPE)
    ):
        raise fail(
            behaviour,
            f"a FailWorkflow run must show {PROP_ERROR_TYPE} and a {PROP_ERROR_MESSAGE} "
            f"containing {message!r}",
            state.reply,
        )


@pytest.mark.behaviour("workflow.continue-as-new.completes")
def test_continue_as_new_workflow_completes_with_done(
    instances: Instances, profile: Profile
) -> None:
    behaviour = "workflow.continue-as-new.completes"
    instance_id = instances.start(CONTINUE_AS_NEW, 3)
    state = instances.wait(
        instance_id, "COMPLETED", behaviour=behaviour, why="it continues as new 3 times"
    )
    check_output(state, profile, DONE, behaviour=behaviour)


@pytest.mark.behaviour("workflow.parent.completes-with-child")
def test_parent_workflow_completes_with_its_childs_output(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    behaviour = "workflow.parent.completes-with-child"
    family = {"family": [1, "one"]}
    parent = instances.start(PARENT, family)
    child = child_instance_id(parent)
    started = instances.wait(
        child, "RUNNING", behaviour=behaviour, why=f"the parent starts {child!r}"
    )
    if profile.reads_properties and _json_or_none(started.properties.get(PROP_INPUT)) != family:
        raise fail(
            behaviour,
            f"the child must get the parent's input: properties[{PROP_INPUT!r}] must be JSON "
            f"text equal to {json.dumps(family)}",
            started.reply,
        )
    instances.stays(parent, "RUNNING", behaviour=behaviour, why="the child has not completed")
    reply = client.raise_event(child, GO_EVENT, encode({"from": "child"}))
    checks.accepted_command(reply, behaviour=behaviour, doing="raiseEvent go on the child")
    child_state = instances.wait(child, "COMPLETED", behaviour=behaviour, why="go was raised")
    check_output(child_state, profile, {"from": "child"}, behaviour=behaviour)
    state = instances.wait(parent, "COMPLETED", behaviour=behaviour, why="the child completed")
    check_output(state, profile, {"from": "child"}, behaviour=behaviour)


@pytest.mark.behaviour("suspend.holds-events")
def test_an_event_raised_while_suspended_takes_effect_after_resume(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    behaviour = "suspend.holds-events"
    instance_id = instances.in_status(Status.SUSPENDED, behaviour=behaviour)
    reply = client.raise_event(instance_id, GO_EVENT, encode("held"))
    checks.accepted_command(reply, behaviour=behaviour, doing="raiseEvent go while SUSPENDED")
    instances.stays(
        instance_id, "SUSPENDED", behaviour=behaviour, why="a SUSPENDED instance holds its events"
    )
    instances.command(Operation.RESUME, instance_id, behaviour=behaviour)
    state = instances.wait(
        instance_id, "COMPLETED", behaviour=behaviour, why="resume releases the held event go"
    )
    check_output(state, profile, "held", behaviour=behaviour)


HOLD_ATTEMPTS = 3


@pytest.mark.slow
@pytest.mark.behaviour("suspend.holds-timers", "suspend.held-timer-fires-on-resume")
def test_a_timer_due_while_suspended_fires_only_after_resume(
    instances: Instances, profile: Profile
) -> None:
    """Suspend a TimerWorkflow before its timer fires and hold it past the timer's due time.

    A slow target may not apply the pause before the timer fires (then the run completes
    and proves nothing); the attempt is repeated with a timer twice as long.
    """
    behaviour = "suspend.holds-timers"
    seconds = HELD_TIMER
    for _ in range(HOLD_ATTEMPTS):
        started = time.monotonic()
        instance_id = instances.start(TIMER, seconds)
        instances.wait(instance_id, "RUNNING", behaviour=behaviour, why="the timer is pending")
        instances.command(Operation.PAUSE, instance_id, behaviour=behaviour)
        state = instances.wait(
            instance_id,
            "SUSPENDED",
            "COMPLETED",
            behaviour=behaviour,
            why="the pause applies (or the timer won the race)",
        )
        if state.status == "SUSPENDED":
            break
        seconds *= 2
    else:
        raise fail(
            behaviour,
            f"a pause of a RUNNING TimerWorkflow never took effect before its timer fired "
            f"({HOLD_ATTEMPTS} attempts, timers of {HELD_TIMER:g}s up to {seconds / 2:g}s)",
            state.reply,
        )
    due_in = seconds - (time.monotonic() - started)
    instances.stays(
        instance_id,
        "SUSPENDED",
        behaviour=behaviour,
        why=f"its {seconds:g}s timer falls due while SUSPENDED and must be held",
        seconds=max(due_in, 0.0) + instances.timing.settle,
    )
    resumed = time.monotonic()
    instances.command(Operation.RESUME, instance_id, behaviour=behaviour)
    state = instances.wait(
        instance_id, "COMPLETED", behaviour=behaviour, why="resume releases the held timer"
    )
    check_output(state, profile, DONE, behaviour=behaviour)
    took, within = time.monotonic() - resumed, seconds * RESUME_FIRES_WITHIN
    if took > within:
        raise fail(
            "suspend.held-timer-fires-on-resume",
            f"the {seconds:g}s timer that fell due while SUSPENDED fired only {took:.3f}s after "
            f"resume: a held timer fires as soon as the instance resumes (within {within:.3f}s), "
            "it is not started again",
            state.reply,
        )
