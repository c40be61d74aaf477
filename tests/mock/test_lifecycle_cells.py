"""Every operation in every reachable status, over HTTP, against a hand-written table.

The table below is written from docs/daprd-http.md §7-§8 and from what daprd 1.18.2 answered
with the conformance app (tests/vectors/daprd-1.18.2), not read from the spec: the first test
pins ``openapi.yaml``'s lifecycle to it, the others pin the mock to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from conformance import contract
from conformance.lifecycle import Operation, Status
from tests.mock.support import Dapr, MockFactory, MockReply

ACTIVE = (Status.PENDING, Status.RUNNING, Status.SUSPENDED)
TERMINAL = (Status.COMPLETED, Status.FAILED, Status.TERMINATED)
REACHABLE = (Status.ABSENT, *ACTIVE, *TERMINAL)

# (operation, status) -> (http, errorCode, status afterwards; None = unchanged)
EXPECTED: dict[tuple[Operation, Status], tuple[int, str | None, Status | None]] = {
    (Operation.START, Status.ABSENT): (202, None, Status.PENDING),
    **{(Operation.START, s): (500, "ERR_START_WORKFLOW", None) for s in ACTIVE},
    **{(Operation.START, s): (202, None, Status.PENDING) for s in TERMINAL},
    (Operation.GET, Status.ABSENT): (404, "ERR_INSTANCE_ID_NOT_FOUND", None),
    **{(Operation.GET, s): (200, None, None) for s in (*ACTIVE, *TERMINAL)},
    (Operation.TERMINATE, Status.ABSENT): (404, "ERR_INSTANCE_ID_NOT_FOUND", None),
    **{(Operation.TERMINATE, s): (202, None, Status.TERMINATED) for s in ACTIVE},
    **{(Operation.TERMINATE, s): (202, None, None) for s in TERMINAL},
    (Operation.RAISE_EVENT, Status.ABSENT): (500, "ERR_RAISE_EVENT_WORKFLOW", None),
    **{(Operation.RAISE_EVENT, s): (202, None, None) for s in (*ACTIVE, *TERMINAL)},
    (Operation.PAUSE, Status.ABSENT): (500, "ERR_PAUSE_WORKFLOW", None),
    (Operation.PAUSE, Status.PENDING): (202, None, Status.SUSPENDED),
    (Operation.PAUSE, Status.RUNNING): (202, None, Status.SUSPENDED),
    **{(Operation.PAUSE, s): (202, None, None) for s in (Status.SUSPENDED, *TERMINAL)},
    (Operation.RESUME, Status.ABSENT): (500, "ERR_RESUME_WORKFLOW", None),
    (Operation.RESUME, Status.SUSPENDED): (202, None, Status.RUNNING),
    # the Python SDK's worker fails a run resumed while not suspended
    **{(Operation.RESUME, s): (202, None, Status.FAILED) for s in (Status.PENDING, Status.RUNNING)},
    **{(Operation.RESUME, s): (202, None, None) for s in TERMINAL},
    (Operation.PURGE, Status.ABSENT): (404, "ERR_INSTANCE_ID_NOT_FOUND", None),
    # PENDING: the instance has no state to purge yet
    (Operation.PURGE, Status.PENDING): (404, "ERR_INSTANCE_ID_NOT_FOUND", None),
    **{(Operation.PURGE, s): (500, "ERR_PURGE_WORKFLOW", None) for s in ACTIVE[1:]},
    **{(Operation.PURGE, s): (202, None, Status.ABSENT) for s in TERMINAL},
}

CELLS = sorted(EXPECTED, key=lambda cell: (cell[0].value, REACHABLE.index(cell[1])))
START_DELAY = 30.0


def test_the_hand_written_table_covers_every_reachable_cell() -> None:
    assert set(EXPECTED) == {(op, status) for op in Operation for status in REACHABLE}


@pytest.mark.parametrize(("operation", "status"), CELLS, ids=lambda v: str(v))
def test_the_spec_lifecycle_agrees_with_the_hand_written_table(
    operation: Operation, status: Status
) -> None:
    http, code, after = EXPECTED[(operation, status)]
    outcome = contract.lifecycle().apply(status, operation)
    assert (outcome.http, outcome.error, outcome.next) == (http, code, after)


async def reach(dapr: Dapr, status: Status, instance_id: str) -> None:
    """Put ``instance_id`` in ``status`` with the conformance workflows (PENDING needs a
    start delay on the mock)."""
    if status is Status.ABSENT:
        return
    name = {Status.COMPLETED: "EchoWorkflow", Status.FAILED: "FailWorkflow"}.get(
        status, "EventWorkflow"
    )
    assert (await dapr.start(name, instance_id, '"input"')).status == 202
    if status is Status.SUSPENDED:
        assert (await dapr.pause(instance_id)).status == 202
    if status is Status.TERMINATED:
        assert (await dapr.terminate(instance_id)).status == 202
    assert await dapr.status(instance_id) == status.value


async def perform(dapr: Dapr, operation: Operation, instance_id: str) -> MockReply:
    if operation is Operation.START:
        return await dapr.start("EventWorkflow", instance_id, '"again"')
    if operation is Operation.GET:
        return await dapr.get(instance_id)
    if operation is Operation.RAISE_EVENT:
        # A name EventWorkflow ignores, so the cell's own effect is all that shows.
        return await dapr.raise_event(instance_id, "unrelated", '"payload"')
    command: Callable[[str], Awaitable[MockReply]] = getattr(dapr, operation.value)
    return await command(instance_id)


@pytest.mark.parametrize(("operation", "status"), CELLS, ids=lambda v: str(v))
async def test_each_operation_in_each_reachable_status_answers_as_daprd(
    make_mock: MockFactory, operation: Operation, status: Status
) -> None:
    delay = START_DELAY if status is Status.PENDING else 0.0
    dapr = await make_mock(clock="manual", start_delay=delay)
    instance_id = f"cell-{operation.value}-{status.value}"
    await reach(dapr, status, instance_id)
    http, code, after = EXPECTED[(operation, status)]

    reply = await perform(dapr, operation, instance_id)

    assert (reply.status, reply.error) == (http, code), reply
    assert reply.content_type == "application/json"
    if code is not None:
        assert set(reply.body) == {"errorCode", "message"}
    elif operation is Operation.START:
        assert reply.body == {"instanceID": instance_id}
    elif operation is not Operation.GET:
        assert reply.body == {}
    expected_after = status if after is None else after
    if operation is Operation.START and after is Status.PENDING and delay == 0:
        expected_after = Status.RUNNING  # no start delay: it runs at once
    assert await dapr.status(instance_id) == expected_after.value


async def test_a_noop_on_a_terminal_instance_changes_nothing_at_all(dapr: Dapr) -> None:
    await dapr.start("FailWorkflow", "noop", '"broken"')
    before = await dapr.get("noop")
    for reply in (
        await dapr.terminate("noop"),
        await dapr.pause("noop"),
        await dapr.resume("noop"),
        await dapr.raise_event("noop", "go", "1"),
    ):
        assert (reply.status, reply.body) == (202, {})
    assert await dapr.get("noop") == before


NOT_FOUND_MESSAGES = {
    Operation.GET: "unable to find workflow with the provided instance ID: ghost",
    Operation.TERMINATE: "unable to find workflow with the provided instance ID: ghost"
    "%!(EXTRA *fmt.wrapError=failed to submit termination request:: no such instance exists)",
    Operation.PURGE: "unable to find workflow with the provided instance ID: ghost"
    "%!(EXTRA *fmt.wrapError=failed to purge workflow state: failed to fetch workflow state: "
    "no such instance exists)",
    Operation.PAUSE: "error pausing workflow ghost: failed to pause workflow ghost: "
    "failed to suspend workflow: no such instance exists",
    Operation.RESUME: "error resuming workflow ghost: failed to resume workflow ghost: "
    "failed to resume workflow: no such instance exists",
    Operation.RAISE_EVENT: "error raising event on workflow 'ghost': failed to raise event "
    "unrelated on workflow ghost: failed to raise event: no such instance exists",
}


@pytest.mark.parametrize("operation", sorted(NOT_FOUND_MESSAGES), ids=str)
async def test_an_unknown_instance_gets_the_message_daprd_1_18_answered(
    dapr: Dapr, operation: Operation
) -> None:
    reply = await perform(dapr, operation, "ghost")
    assert reply.body["message"] == NOT_FOUND_MESSAGES[operation]


async def test_purging_an_active_instance_gives_daprds_message(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "busy")
    reply = await dapr.purge("busy")
    assert reply.body == {
        "errorCode": "ERR_PURGE_WORKFLOW",
        "message": "error purging workflow busy: failed to Purge workflow busy: failed to purge "
        "workflow state: orchestration has not yet completed",
    }


async def test_a_duplicate_start_names_the_workflow_and_the_active_id(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "twice")
    reply = await dapr.start("EchoWorkflow", "twice")
    assert reply.status == 500
    assert reply.body["message"].startswith("error starting workflow 'EchoWorkflow': ")
    assert "an active workflow with ID 'twice' already exists" in reply.body["message"]


async def test_a_pending_instance_shows_only_its_id_status_and_go_zero_times(
    make_mock: MockFactory,
) -> None:
    # As daprd 1.18.2 answered a GET right after a start (no history read yet).
    dapr = await make_mock(clock="manual", start_delay=START_DELAY)
    await dapr.start("EventWorkflow", "early", "1")
    body = (await dapr.get("early")).body
    assert body == {
        "instanceID": "early",
        "createdAt": "0001-01-01T00:00:00Z",
        "lastUpdatedAt": "0001-01-01T00:00:00Z",
        "runtimeStatus": "PENDING",
    }
