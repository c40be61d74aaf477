"""daprd's errors, as exceptions that carry their wire code, status and message."""

from __future__ import annotations

from conformance.contract import ErrorCode, error


class DaprError(Exception):
    """An error daprd would answer with: ``{"errorCode", "message"}`` and its HTTP status."""

    def __init__(self, code: str, *args: object) -> None:
        self.error: ErrorCode = error(code)
        self.message = self.error.message(*args)
        super().__init__(f"{code}: {self.message}")

    @property
    def status(self) -> int:
        return self.error.status

    def body(self) -> dict[str, str]:
        return {"errorCode": self.error.code, "message": self.message}


def instance_not_found(instance_id: str) -> DaprError:
    """404 for get, terminate and purge of an unknown instance (daprd master's clean text)."""
    return DaprError("ERR_INSTANCE_ID_NOT_FOUND", instance_id)


def active_instance_exists(workflow_name: str, instance_id: str) -> DaprError:
    """500 for a start whose ID names an instance that has not finished."""
    return DaprError(
        "ERR_START_WORKFLOW",
        workflow_name,
        "unable to start workflow: failed to start workflow: rpc error: code = AlreadyExists "
        f"desc = an active workflow with ID '{instance_id}' already exists",
    )


def raise_event_on_missing(instance_id: str, event_name: str) -> DaprError:
    return DaprError(
        "ERR_RAISE_EVENT_WORKFLOW",
        instance_id,
        f"failed to raise event {event_name} on workflow {instance_id}: "
        "failed to raise event: no such instance exists",
    )


def pause_missing(instance_id: str) -> DaprError:
    return DaprError(
        "ERR_PAUSE_WORKFLOW",
        instance_id,
        f"failed to pause workflow {instance_id}: failed to suspend workflow: "
        "no such instance exists",
    )


def resume_missing(instance_id: str) -> DaprError:
    return DaprError(
        "ERR_RESUME_WORKFLOW",
        instance_id,
        f"failed to resume workflow {instance_id}: failed to resume workflow: "
        "no such instance exists",
    )


def purge_active(instance_id: str) -> DaprError:
    """500 for a purge of an instance that has not finished."""
    return DaprError(
        "ERR_PURGE_WORKFLOW",
        instance_id,
        f"failed to Purge workflow {instance_id}: failed to purge workflow state: "
        "orchestration has not yet completed",
    )
