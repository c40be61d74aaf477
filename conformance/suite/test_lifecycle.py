"""Every operation in every status the conformance workflows reach, against the lifecycle table.

One test per cell ``lifecycle.<operation>.<STATUS>`` of ``x-dapr-lifecycle``: the answer must
be one the cell accepts, and its effect must show (eventually, for a lagging target): the
status the outcome leads to, or, when the outcome changes nothing, the status held for the
settle time.
"""

from __future__ import annotations

import pytest

from conformance.answers import read_state
from conformance.behaviours import lifecycle_behaviour_id
from conformance.checks import Checks
from conformance.client import WorkflowClient
from conformance.contract import behaviours, lifecycle
from conformance.failures import fail
from conformance.instances import Instances
from conformance.lifecycle import Operation, Status
from conformance.sending import send
from conformance.workflows import EVENT

REACHABLE: tuple[Status, ...] = tuple(
    dict.fromkeys(b.status for b in behaviours().values() if b.status is not None)
)
"""The statuses with lifecycle behaviours in the catalogue, in catalogue order."""

CELLS = [
    pytest.param(
        operation,
        status,
        id=f"{operation.value}-{status.value}",
        marks=pytest.mark.behaviour(lifecycle_behaviour_id(operation, status)),
    )
    for status in REACHABLE
    for operation in Operation
]


def _a(status: Status) -> str:
    if status is Status.ABSENT:
        return "an unknown"
    return f"a{'n' if status.value[0] in 'AEIOU' else ''} {status.value}"


@pytest.mark.parametrize(("operation", "status"), CELLS)
def test_each_operation_in_each_reachable_status_answers_as_the_lifecycle_table_says(
    operation: Operation,
    status: Status,
    instances: Instances,
    checks: Checks,
    client: WorkflowClient,
) -> None:
    behaviour = lifecycle_behaviour_id(operation, status)
    cell = lifecycle().cell(status, operation)
    instance_id = instances.in_status(status, behaviour=behaviour)
    doing = f"{operation.value} of {_a(status)} instance"
    if status is Status.ABSENT and cell.expected.http == 500:
        doing += f" (daprd has no not-found mapping for {operation.value}, so it is not a 404)"

    reply = send(client, operation, instance_id, workflow=EVENT)
    outcome = checks.outcome(
        reply,
        cell,
        behaviour=behaviour,
        doing=doing,
        instance_id=instance_id,
        workflow_name=EVENT,
    )

    answered = f"{operation.value} answered {reply.status}"
    if operation is Operation.START and outcome.is_success:
        instances.started.append(instance_id)
        instances.wait(
            instance_id,
            Status.RUNNING.value,
            behaviour=behaviour,
            why=f"{answered}, so a new {EVENT} run must begin (and wait for its event)",
            previous=[status.value],
        )
    elif operation is Operation.GET and outcome.is_success:
        state = read_state(reply)
        if state is None or state.status != status.value:
            raise fail(behaviour, f"{doing} must show runtimeStatus {status.value}", reply)
    elif len(leads := {o.next for o in cell.matches(reply.status, outcome.error)}) > 1:
        # One answer, several accepted effects (e.g. resume of a RUNNING instance: the SDK's
        # worker may fail the run or ignore the resume): it may only end up in one of them.
        allowed = sorted({status.value if n is None else n.value for n in leads})
        instances.stays(
            instance_id,
            *allowed,
            behaviour=behaviour,
            why=f"{answered}, which leaves {_a(status)} instance {' or '.join(allowed)}"
            + (f" ({cell.uncertain})" if cell.uncertain else ""),
        )
    elif outcome.next is None:
        instances.stays(
            instance_id,
            status.value,
            behaviour=behaviour,
            why=f"{answered}, which leaves {_a(status)} instance as it is",
        )
    else:
        instances.wait(
            instance_id,
            outcome.next.value,
            behaviour=behaviour,
            why=f"{answered}, which moves {_a(status)} instance to {outcome.next.value}",
        )
