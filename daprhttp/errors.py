"""The errors daprd answers with, and the one shape every error body has.

- :class:`ApiError`: any answer ``{"errorCode", "message"}`` with its status; :meth:`ApiError.body`
  is the only place such a body is built (``daprhttp.responses.error_response`` writes it).
- :class:`DaprError`: one of daprd's codes (``openapi.yaml``'s catalogue), with daprd's message.
- :data:`FAILURE_CODES`: the code daprd answers when its engine fails in each operation, and the
  request parameter its message names.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from conformance import contract
from conformance.lifecycle import Operation


class ApiError(Exception):
    """An error answer: a code, an HTTP status and a message."""

    def __init__(self, code: str, status: int, message: str) -> None:
        self.code = code
        self.status = status
        self.message = message
        super().__init__(f"{code} ({status}): {message}")

    def body(self) -> dict[str, str]:
        return {"errorCode": self.code, "message": self.message}


class DaprError(ApiError):
    """An answer daprd gives as an error: a Dapr error code with its message arguments."""

    def __init__(self, code: str, *message_args: object) -> None:
        error = contract.error(code)
        super().__init__(code, error.status, error.message(*message_args))


FAILURE_CODES: dict[Operation, tuple[str, str]] = {
    Operation.START: ("ERR_START_WORKFLOW", "workflowName"),
    Operation.GET: ("ERR_GET_WORKFLOW", "instanceID"),
    Operation.TERMINATE: ("ERR_TERMINATE_WORKFLOW", "instanceID"),
    Operation.RAISE_EVENT: ("ERR_RAISE_EVENT_WORKFLOW", "instanceID"),
    Operation.PAUSE: ("ERR_PAUSE_WORKFLOW", "instanceID"),
    Operation.RESUME: ("ERR_RESUME_WORKFLOW", "instanceID"),
    Operation.PURGE: ("ERR_PURGE_WORKFLOW", "instanceID"),
}
"""The code daprd uses for an engine failure in each operation, and the parameter it names."""


def failure_code(operation: Operation) -> str:
    """The code daprd answers when its engine fails in ``operation``."""
    return FAILURE_CODES[operation][0]


def engine_failure(operation: Operation, subject: str, cause: str) -> DaprError:
    """daprd's 500 for an engine failure; ``subject`` is the workflow name or instance ID."""
    return DaprError(failure_code(operation), subject, cause)
