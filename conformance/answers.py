"""Reading the target's answers: a GET's instance state, an error's code and message.

The one reader of a GET answer is :func:`read_state` (a :class:`State`, or None when the answer
is no instance); an error answer is read by :meth:`ErrorAnswer.read`, or just its code by
:func:`error_code`. Every check, wait, the model-based test and the generated regression tests
read answers through these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance.client import Reply
from conformance.daprd_errors import ErrorExpectation


@dataclass(frozen=True)
class State:
    """One GET answer of an existing instance, with typed access to its fields."""

    reply: Reply
    body: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.body.get("runtimeStatus"))

    @property
    def properties(self) -> dict[str, str]:
        props = self.body.get("properties") or {}
        return props if isinstance(props, dict) else {}

    def property_json(self, key: str) -> Any:
        """A property holding JSON text (output, custom status), parsed; KeyError when absent."""
        return json.loads(self.properties[key])


def read_state(reply: Reply, *, any_status: bool = False) -> State | None:
    """The state in a 200 JSON GET answer, else None.

    ``any_status`` reads the body whatever the HTTP status (for a caller that judges the status
    itself, as the model-based test does).
    """
    if reply.status != 200 and not any_status:
        return None
    try:
        body = reply.json()
    except ValueError:
        return None
    return State(reply, body) if isinstance(body, dict) else None


def is_404(reply: Reply) -> bool:
    return reply.status == 404


def label(reply: Reply) -> str:
    """``RUNNING`` for a found instance, ``404 ERR_...`` otherwise."""
    state = read_state(reply)
    if state is not None:
        return state.status
    try:
        code = reply.json().get("errorCode", "")
    except (ValueError, AttributeError):
        code = ""
    return f"{reply.status} {code}".strip()


def error_code(reply: Reply) -> str | None:
    """The errorCode of an error answer (None for a success or a body without one)."""
    if reply.status < 400:
        return None
    try:
        body = reply.json()
    except ValueError:
        return None
    code = body.get("errorCode") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


@dataclass(frozen=True)
class ErrorAnswer:
    """What an answer says as an error: its status, and the errorCode and message it carries."""

    status: int
    code: str | None
    message: str | None
    problem: str = ""
    """Why the body has no errorCode or message (not JSON, not an object, keys missing)."""

    @classmethod
    def read(cls, reply: Reply) -> ErrorAnswer:
        try:
            body = json.loads(reply.text)
        except ValueError:
            problem = "the body is empty" if not reply.text.strip() else "the body is not JSON"
            return cls(reply.status, None, None, problem)
        if not isinstance(body, dict):
            return cls(reply.status, None, None, "the body is not a JSON object")
        code, message = body.get("errorCode"), body.get("message")
        missing = [key for key in ("errorCode", "message") if key not in body]
        problem = (
            f"the body has no {' and no '.join(missing)} (keys {sorted(body)})" if missing else ""
        )
        return cls(
            reply.status,
            None if code is None else str(code),
            None if message is None else str(message),
            problem,
        )

    def differences(self, expected: ErrorExpectation) -> list[str]:
        """The parts (``status``, ``errorCode``, ``message``) that differ from ``expected``."""
        parts = []
        if self.status != expected.status:
            parts.append("status")
        if self.code != expected.code:
            parts.append("errorCode")
        if self.message is None or not expected.message.matches(self.message):
            parts.append("message")
        return parts

    def describe(self, expected: ErrorExpectation) -> str:
        """``status 202 (differs), no errorCode (differs), ...`` measured against ``expected``."""
        differ = self.differences(expected)

        def mark(part: str, text: str) -> str:
            return f"{text} ({'differs' if part in differ else 'as expected'})"

        message = "no message" if self.message is None else f"the message {_cut(self.message)!r}"
        code = "no errorCode" if self.code is None else f"errorCode {self.code!r}"
        said = [
            mark("status", f"status {self.status}"),
            mark("errorCode", code),
            mark("message", message),
        ]
        return ", ".join(said) + (f"; {self.problem}" if self.problem else "")


def _cut(text: str, size: int = 160) -> str:
    return text if len(text) <= size else text[:size] + "..."
