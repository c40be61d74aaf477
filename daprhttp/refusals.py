"""The errors daprd answers when the lifecycle table refuses an operation, in daprd's words.

The table (``openapi.yaml`` ``x-dapr-lifecycle``) names the code; this module writes the message
daprd 1.18.2 writes with it (tests/vectors/daprd-1.18.2 holds what it answered).

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from conformance.lifecycle import Operation, Status
from daprhttp.errors import DaprError

_NOT_FOUND_EXTRA: dict[tuple[Operation, Status], str] = {
    (
        Operation.TERMINATE,
        Status.ABSENT,
    ): "failed to submit termination request:: no such instance exists",
    (Operation.PURGE, Status.ABSENT): (
        "failed to purge workflow state: failed to fetch workflow state: no such instance exists"
    ),
    (Operation.PURGE, Status.PENDING): "failed to purge workflow state: no such instance exists",
}
"""daprd 1.12-1.18 pass the not-found cause of terminate and purge to the message as an extra
argument, which Go prints as ``%!(EXTRA <type>=<cause>)`` after it (the exact texts daprd 1.18.2
answered, tests/vectors/daprd-1.18.2; daprd master drops the artefact)."""


def _not_found_causes(op: Operation, instance_id: str, event_name: str | None) -> str:
    """The engine's words for no such instance (daprd 1.18.2, master; docs/daprd-http.md §5.3)."""
    if op is Operation.RAISE_EVENT:
        return (
            f"failed to raise event {event_name} on workflow {instance_id}: "
            "failed to raise event: no such instance exists"
        )
    verb = {Operation.PAUSE: ("pause", "suspend"), Operation.RESUME: ("resume", "resume")}
    asked, engine = verb.get(op, (op.value, op.value))
    return (
        f"failed to {asked} workflow {instance_id}: "
        f"failed to {engine} workflow: no such instance exists"
    )


def recreate_refusal(instance_id: str, workflow_name: str, child_id: str) -> DaprError:
    """daprd 1.18.2's answer to a start of a finished instance's ID while a child workflow of
    that run is still active: it purges the old run first, and that purge refuses (observed by
    tests/daprd/test_differential.py: a ParentWorkflow failed by a resume, its child waiting)."""
    return DaprError(
        "ERR_START_WORKFLOW",
        workflow_name,
        "unable to start workflow: failed to start workflow: rpc error: code = AlreadyExists "
        f"desc = cannot recreate workflow with ID '{instance_id}': child workflow '{child_id}': "
        "orchestration has not yet completed",
    )


def error_for(
    code: str,
    op: Operation,
    status: Status,
    *,
    instance_id: str,
    workflow_name: str | None,
    event_name: str | None,
) -> DaprError:
    """The error daprd answers with ``code`` for ``op`` on an instance in ``status``."""
    if code == "ERR_INSTANCE_ID_NOT_FOUND":
        error = DaprError(code, instance_id)
        extra = _NOT_FOUND_EXTRA.get((op, status)) or _NOT_FOUND_EXTRA.get((op, Status.ABSENT))
        if extra is not None:
            error.message += f"%!(EXTRA *fmt.wrapError={extra})"
        return error
    if code == "ERR_START_WORKFLOW":
        return DaprError(
            code,
            workflow_name,
            "unable to start workflow: failed to start workflow: rpc error: code = AlreadyExists "
            f"desc = an active workflow with ID '{instance_id}' already exists",
        )
    if code == "ERR_PURGE_WORKFLOW":
        return DaprError(
            code,
            instance_id,
            f"failed to Purge workflow {instance_id}: failed to purge workflow state: "
            "orchestration has not yet completed",
        )
    if status is Status.ABSENT:
        return DaprError(code, instance_id, _not_found_causes(op, instance_id, event_name))
    return DaprError(code, instance_id, f"the workflow is {status.value}")
