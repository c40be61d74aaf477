"""start of an ID already used: refused while the instance is active, a fresh run once it
ended or was purged, and one winner among simultaneous starts of a new ID."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from conformance.answers import State, read_state
from conformance.checks import Checks
from conformance.client import Reply, WorkflowClient
from conformance.daprd_errors import duplicate_start_error, not_found_error
from conformance.daprd_formats import PROP_INPUT, PROP_OUTPUT
from conformance.failures import fail
from conformance.instances import Instances
from conformance.lifecycle import Operation, Status
from conformance.profiles import Profile
from conformance.sending import encode
from conformance.workflows import ECHO, EVENT, TIMER


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
