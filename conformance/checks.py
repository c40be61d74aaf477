"""Checks of one answer under a profile (:class:`Checks`), each failure explained.

The profile (``profiles.yaml``) sets how strict a check is: under ``dapr`` an error must be
daprd's code and message, under ``docs`` any 4xx or 5xx passes; the knobs decide the content
type, the command body and the keys of a start's answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from conformance.answers import ErrorAnswer
from conformance.client import Reply
from conformance.daprd_errors import ErrorExpectation, lifecycle_error
from conformance.failures import fail
from conformance.lifecycle import Cell, Operation, Outcome
from conformance.profiles import Profile


def _and(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


class Checks:
    """Reply checks that apply the profile's strictness and explain every failure."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def error(
        self,
        reply: Reply,
        expected: ErrorExpectation | Sequence[ErrorExpectation],
        *,
        behaviour: str,
        doing: str,
    ) -> ErrorExpectation | None:
        """``reply`` is one of the expected errors (under ``docs``: any 4xx or 5xx).

        The status, the errorCode and the message are compared together, so a failure names
        every part that differs from daprd's answer, whatever came back instead.
        """
        __tracebackhide__ = True
        options = [expected] if isinstance(expected, ErrorExpectation) else list(expected)
        wanted = " or ".join(e.describe() for e in options)
        if not self.profile.exact_errors:
            if not 400 <= reply.status <= 599:
                raise fail(
                    behaviour,
                    f"{doing} must answer an error (4xx or 5xx)",
                    reply,
                    daprd=" or ".join(e.example() for e in options),
                )
            return None
        found = ErrorAnswer.read(reply)
        for option in options:
            if not found.differences(option):
                self.error_body(reply, behaviour=behaviour, doing=doing)
                return option
        closest = min(options, key=lambda option: len(found.differences(option)))
        differ = found.differences(closest)
        verb = "differs" if len(differ) == 1 else "differ"
        expectations = [f"expected:  {closest.expects()}"]
        expectations += [f"       or: {o.expects()}" for o in options if o is not closest]
        raise fail(
            behaviour,
            f"{doing} must answer {wanted}; the {_and(differ)} {verb}",
            reply,
            daprd=" or ".join(o.example() for o in options),
            details=[*expectations, f"found:     {found.describe(closest)}"],
        )

    def is_absent(self, reply: Reply) -> bool:
        """Whether a GET answer says the instance does not exist (under ``docs``: any error)."""
        if not self.profile.exact_errors:
            return 400 <= reply.status <= 599
        return reply.status == 404

    def error_body(self, reply: Reply, *, behaviour: str, doing: str) -> None:
        """An error body is application/json with exactly ``errorCode`` and ``message``."""
        __tracebackhide__ = True
        if self.profile.knob("error_body") == "any":
            return
        claim = f"{doing}: an error body must be application/json {{'errorCode', 'message'}}"
        try:
            body = json.loads(reply.text)
        except ValueError:
            raise fail(behaviour, claim + "; the body is not JSON", reply) from None
        if not isinstance(body, dict):
            raise fail(behaviour, claim + "; the body is not a JSON object", reply)
        if set(body) != {"errorCode", "message"}:
            raise fail(behaviour, claim + f"; it has the keys {sorted(body)}", reply)
        if not all(isinstance(value, str) for value in body.values()):
            raise fail(behaviour, claim + "; both values are strings", reply)
        if reply.content_type != "application/json":
            raise fail(behaviour, claim + "; the content type differs", reply)

    def status(self, reply: Reply, expected: int, *, behaviour: str, doing: str) -> None:
        """A success answer with exactly this status code."""
        __tracebackhide__ = True
        if reply.status != expected:
            raise fail(behaviour, f"{doing} must answer {expected}", reply, daprd=str(expected))
        if self.profile.knob("content_type") == "json" and reply.content_type != (
            "application/json"
        ):
            raise fail(
                behaviour,
                f"{doing} must answer with Content-Type application/json",
                reply,
                daprd=f"{expected} (application/json)",
            )

    def accepted_command(self, reply: Reply, *, behaviour: str, doing: str) -> None:
        """A command's 202 and its body (``{}``; under ``docs`` empty or ``{}``)."""
        __tracebackhide__ = True
        self.status(reply, 202, behaviour=behaviour, doing=doing)
        if self.profile.knob("command_body") == "empty-or-empty-object" and not reply.text.strip():
            return
        try:
            body = json.loads(reply.text)
        except ValueError:
            body = None
        if body != {}:
            raise fail(
                behaviour, f"{doing} must answer 202 with the body {{}}", reply, daprd="202 {}"
            )

    def started(self, reply: Reply, instance_id: str | None, *, behaviour: str, doing: str) -> str:
        """A start's 202 ``{"instanceID"}``, echoing ``instance_id`` when one was given."""
        __tracebackhide__ = True
        self.status(reply, 202, behaviour=behaviour, doing=doing)
        try:
            body = reply.json()
        except ValueError:
            body = None
        daprd = f'202 {{"instanceID":"{instance_id or "<generated>"}"}}'
        if not isinstance(body, dict) or not isinstance(body.get("instanceID"), str):
            raise fail(
                behaviour, f"{doing} must answer a JSON object with instanceID", reply, daprd=daprd
            )
        if self.profile.knob("get_keys") == "exact" and set(body) != {"instanceID"}:
            raise fail(
                behaviour, f"{doing} must answer only the key instanceID", reply, daprd=daprd
            )
        got = str(body["instanceID"])
        if instance_id and got != instance_id:
            raise fail(
                behaviour, f"{doing} must echo the instance ID {instance_id!r}", reply, daprd=daprd
            )
        if not got:
            raise fail(behaviour, f"{doing} must answer a non-empty instanceID", reply, daprd=daprd)
        return got

    def outcome(
        self,
        reply: Reply,
        cell: Cell,
        *,
        behaviour: str,
        doing: str,
        instance_id: str,
        workflow_name: str,
    ) -> Outcome:
        """The accepted outcome of ``cell`` that ``reply`` is (each plausible one passes)."""
        __tracebackhide__ = True
        accepted = cell.accepted
        success = [o for o in accepted if o.is_success and o.http == reply.status]
        if success:
            if cell.operation is Operation.START:
                self.started(reply, instance_id, behaviour=behaviour, doing=doing)
            elif cell.operation is Operation.GET:
                self.status(reply, 200, behaviour=behaviour, doing=doing)
            else:
                self.accepted_command(reply, behaviour=behaviour, doing=doing)
            return success[0]
        errors = [o for o in accepted if not o.is_success]
        if not errors:
            answers = " or ".join(o.describe() for o in accepted)
            note = f" ({cell.uncertain})" if cell.uncertain else ""
            raise fail(
                behaviour,
                f"{doing} must answer {answers}{note}",
                reply,
                daprd=accepted[0].describe(),
            )
        expectations = [
            lifecycle_error(str(o.error), cell.operation, instance_id, workflow_name)
            for o in errors
        ]
        matched = self.error(reply, expectations, behaviour=behaviour, doing=doing)
        if matched is None:
            return errors[0]
        for outcome in errors:
            if outcome.error == matched.code:
                return outcome
        return errors[0]
