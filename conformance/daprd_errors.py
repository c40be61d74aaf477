"""daprd's error answers as the suite expects them: the error code and a rule for its message.

An :class:`ErrorExpectation` is what daprd answers for one refusal: the code (which fixes the
HTTP status, ``openapi.yaml`` ``x-dapr-errors``) and a :class:`MessageRule` (the message
exactly, only its certain prefix, or with the Go formatting artefact of daprd 1.12-1.18).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from conformance import contract
from conformance.lifecycle import Operation

EXTRA_SUFFIX = "%!(EXTRA "
"""The Go formatting artefact daprd 1.12-1.18 append to terminate and purge not-found messages."""


@dataclass(frozen=True)
class MessageRule:
    """What daprd's ``message`` for one error is: exact, a certain prefix, or with the artefact."""

    text: str
    kind: str = "exact"
    """``exact``, ``prefix`` (the cause after it is uncertain) or ``exact-or-extra``."""
    contains: str | None = None

    def matches(self, message: str) -> bool:
        if self.contains is not None and self.contains not in message:
            return False
        if self.kind == "prefix":
            return message.startswith(self.text)
        if self.kind == "exact-or-extra":
            return message == self.text or (
                message.startswith(self.text + EXTRA_SUFFIX) and message.endswith(")")
            )
        return message == self.text

    def describe(self) -> str:
        if self.kind == "prefix":
            said = f"a message starting {self.text!r}"
        elif self.kind == "exact-or-extra":
            said = f"the message {self.text!r} (daprd 1.12-1.18 append '%!(EXTRA ...)')"
        else:
            said = f"the message {self.text!r}"
        return said + (f" containing {self.contains!r}" if self.contains else "")


@dataclass(frozen=True)
class ErrorExpectation:
    """daprd's error answer: the error code (which fixes the HTTP status) and its message."""

    code: str
    message: MessageRule

    @property
    def status(self) -> int:
        return contract.error(self.code).status

    def describe(self) -> str:
        return f"{self.status} {self.code} with {self.message.describe()}"

    def expects(self) -> str:
        """``status 400, errorCode 'ERR_...', the message '...'`` for a failure's details."""
        return f"status {self.status}, errorCode {self.code!r}, {self.message.describe()}"

    def example(self) -> str:
        """daprd's body as a JSON text, with ``...`` for the uncertain part of the message."""
        text = self.message.text + ("..." if self.message.kind == "prefix" else "")
        return f"{self.status} " + json.dumps({"errorCode": self.code, "message": text})


def exact_error(code: str, *args: object) -> ErrorExpectation:
    """An error whose message is the template filled with ``args``, exactly."""
    return ErrorExpectation(code, MessageRule(contract.error(code).message(*args)))


def cause_error(code: str, *subjects: str, contains: str | None = None) -> ErrorExpectation:
    """An error whose last verb is a cause daprd composes in layers: only the prefix is certain.

    ``subjects`` fill the verbs before the cause (e.g. the instance ID of
    ``error pausing workflow %s: %s``).
    """
    prefix = contract.error(code).message(*subjects, "")
    return ErrorExpectation(code, MessageRule(prefix, "prefix", contains))


def not_found_error(operation: Operation, instance_id: str) -> ErrorExpectation:
    """404 ERR_INSTANCE_ID_NOT_FOUND; terminate and purge may carry the 1.12-1.18 artefact."""
    rule = MessageRule(contract.error("ERR_INSTANCE_ID_NOT_FOUND").message(instance_id))
    if operation in (Operation.TERMINATE, Operation.PURGE):
        rule = MessageRule(rule.text, "exact-or-extra")
    return ErrorExpectation("ERR_INSTANCE_ID_NOT_FOUND", rule)


def duplicate_start_error(workflow_name: str, instance_id: str) -> ErrorExpectation:
    """Starting an active ID: the wrapper chain is uncertain, the cause's sentence is not."""
    return cause_error(
        "ERR_START_WORKFLOW",
        workflow_name,
        contains=f"an active workflow with ID '{instance_id}' already exists",
    )


def lifecycle_error(
    code: str, operation: Operation, instance_id: str, workflow_name: str
) -> ErrorExpectation:
    """daprd's error for an operation refused by the lifecycle (a cell's ``error``)."""
    if code == "ERR_INSTANCE_ID_NOT_FOUND":
        return not_found_error(operation, instance_id)
    if code == "ERR_START_WORKFLOW":
        return cause_error(code, workflow_name)
    return cause_error(code, instance_id)
