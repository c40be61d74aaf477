"""The errors the mock answers with: daprd's (code, status, message) and the control API's own.

Pure: the HTTP layer turns these into ``{"errorCode", "message"}`` bodies.
"""

from __future__ import annotations

from conformance import contract


class DaprError(Exception):
    """An answer daprd gives as an error: a Dapr error code with its message arguments."""

    def __init__(self, code: str, *message_args: object) -> None:
        error = contract.error(code)
        self.code = code
        self.status = error.status
        self.message = error.message(*message_args)
        super().__init__(f"{code} ({self.status}): {self.message}")

    def body(self) -> dict[str, str]:
        return {"errorCode": self.code, "message": self.message}


class ControlError(Exception):
    """A refused request to the mock's control API (``/_mock/...``), outside Dapr's codes."""

    def __init__(self, code: str, status: int, message: str) -> None:
        self.code = code
        self.status = status
        self.message = message
        super().__init__(f"{code} ({status}): {message}")

    def body(self) -> dict[str, str]:
        return {"errorCode": self.code, "message": self.message}
