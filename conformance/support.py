"""Helpers for the suite's tests: waiting with a deadline, reading GET, and checks that explain.

Every check fails with a :class:`Nonconformance` whose message says which behaviour was broken
(ID and source), what was sent, what came back, what daprd answers instead, and a curl line to
replay it. Nothing here assumes that a transition is immediate: the target may lag, so
observations are polled until a deadline (:func:`eventually`, :func:`wait_for_status`).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from conformance import contract
from conformance.client import Reply, WorkflowClient
from conformance.lifecycle import Cell, Operation, Outcome, Status
from conformance.profiles import Profile
from conformance.reads import read_instance
from conformance.workflows import ECHO, EVENT, FAIL

T = TypeVar("T")

PROP_INPUT = "dapr.workflow.input"
PROP_OUTPUT = "dapr.workflow.output"
PROP_CUSTOM_STATUS = "dapr.workflow.custom_status"
PROP_ERROR_TYPE = "dapr.workflow.failure.error_type"
PROP_ERROR_MESSAGE = "dapr.workflow.failure.error_message"

GET_KEYS = frozenset(
    {"instanceID", "workflowName", "createdAt", "lastUpdatedAt", "runtimeStatus", "properties"}
)
"""Every key daprd's GET body may carry (docs/daprd-http.md §4)."""
DOC_GET_KEYS = frozenset({"instanceID", "createdAt", "lastUpdatedAt", "runtimeStatus"})
"""The keys the reference document's GET example shows besides ``properties``."""
ZERO_TIME = "0001-01-01T00:00:00Z"
"""createdAt before daprd has processed the start (the PENDING moment, docs/daprd-http.md §4)."""
EXTRA_SUFFIX = "%!(EXTRA "
"""The Go formatting artefact daprd 1.12-1.18 append to terminate and purge not-found messages."""

PROTOJSON_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(\d{3}|\d{6}|\d{9}))?Z")
RFC3339_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class Nonconformance(AssertionError):
    """The target answered differently from what a conforming target answers."""


@dataclass(frozen=True)
class Timing:
    """How long to wait for asynchronous effects, and how often to look."""

    deadline: float = 10.0
    interval: float = 0.02
    settle: float = 0.3
    """How long an instance is watched to show that something does NOT happen."""


# --- failure messages --------------------------------------------------------------------------


def behaviour_line(behaviour_id: str) -> str:
    """``[id] sentence (source)`` for a catalogue behaviour; unknown IDs are shown as they are."""
    found = contract.behaviours().get(behaviour_id)
    if found is None:
        return f"[{behaviour_id}]"
    return f"[{behaviour_id}] {found.sentence.rstrip('.')} ({found.source})"


def explain(
    behaviour: str,
    claim: str,
    reply: Reply | None = None,
    *,
    daprd: str | None = None,
    details: Iterable[str] = (),
) -> str:
    """A failure message: the behaviour, the broken claim, the exchange and daprd's answer."""
    lines = [f"{claim}", f"  behaviour: {behaviour_line(behaviour)}"]
    if reply is not None:
        sent = f"{reply.method} {reply.url}"
        if reply.request_body:
            sent += f"  body: {reply.request_body.decode('utf-8', 'replace')[:200]!r}"
        lines += [f"  sent:      {sent}", f"  got:       {_answer(reply)}"]
    if daprd:
        lines.append(f"  daprd:     {daprd}")
    lines += [f"  {line}" for line in details]
    if reply is not None:
        lines.append(f"  replay:    {reply.curl()}")
    return "\n".join(lines)


def _answer(reply: Reply) -> str:
    body = reply.text if len(reply.text) <= 400 else reply.text[:400] + "..."
    kind = reply.headers.get("content-type", "no content-type")
    return f"{reply.status} ({kind}) {body!r}" if body else f"{reply.status} ({kind}) <empty body>"


def fail(behaviour: str, claim: str, reply: Reply | None = None, **kwargs: Any) -> Nonconformance:
    """The exception to raise for a broken behaviour (see :func:`explain`)."""
    return Nonconformance(explain(behaviour, claim, reply, **kwargs))


# --- error messages ------------------------------------------------------------------------------


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


def _and(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


# --- checks under a profile ----------------------------------------------------------------------


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


# --- reading GET ---------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Observation:
    """What one poll saw: the time since polling began and a short label (status or error)."""

    at: float
    label: str


def read_state(reply: Reply) -> State | None:
    """The state in a 200 JSON GET answer, else None."""
    if reply.status != 200:
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


@dataclass
class History:
    """The distinct labels polling observed, in order, with when each first appeared."""

    started: float = field(default_factory=time.monotonic)
    seen: list[Observation] = field(default_factory=list)

    def add(self, text: str) -> None:
        if not self.seen or self.seen[-1].label != text:
            self.seen.append(Observation(time.monotonic() - self.started, text))

    def describe(self) -> str:
        return " -> ".join(f"{o.label} (at {o.at:.2f}s)" for o in self.seen) or "nothing"


def eventually(
    probe: Callable[[], T],
    accept: Callable[[T], bool],
    *,
    timing: Timing,
    on_timeout: Callable[[T, float], Nonconformance],
    hopeless: Callable[[T, float], Nonconformance | None] | None = None,
) -> T:
    """Poll ``probe`` until ``accept`` holds for its value; else raise ``on_timeout(last, s)``.

    ``hopeless`` may end the wait early: when it returns a failure for a value that was not
    accepted (the awaited value can no longer come), that failure is raised at once.
    """
    __tracebackhide__ = True
    started = time.monotonic()
    while True:
        value = probe()
        if accept(value):
            return value
        elapsed = time.monotonic() - started
        if hopeless is not None:
            given_up = hopeless(value, elapsed)
            if given_up is not None:
                raise given_up
        if elapsed >= timing.deadline:
            raise on_timeout(value, elapsed)
        time.sleep(timing.interval)


def _ends(label: str, wanted: Collection[str]) -> bool:
    """Whether ``label`` is a terminal status from which no status in ``wanted`` follows alone."""
    try:
        status = Status(label)
    except ValueError:
        return False
    model = contract.lifecycle()
    return model.is_terminal(status) and not {s.value for s in model.may_become(status)} & set(
        wanted
    )


def _awaited(wanted: Collection[str], condition: str) -> str:
    statuses = " or ".join(
        "a not-found answer (ABSENT)" if s == Status.ABSENT.value else s for s in sorted(wanted)
    )
    return f"runtimeStatus {statuses}" + (f", with {condition}" if condition else "")


def wait_for_status(
    client: WorkflowClient,
    instance_id: str,
    statuses: Collection[str],
    *,
    timing: Timing,
    behaviour: str = "",
    why: str = "",
    accept: Callable[[State], bool] | None = None,
    condition: str = "",
    absent: Callable[[Reply], bool] | None = None,
    previous: Collection[str] = (),
) -> State:
    """Poll GET until the instance shows one of ``statuses`` (and ``accept``, if given).

    ``ABSENT`` in ``statuses`` means a not-found answer counts (``absent``; default a 404).
    ``condition`` says in words what ``accept`` asks, for the failure message.

    The wait fails early when the instance shows a terminal status that is not awaited and
    leads to none that is: it ended otherwise. Only ``previous`` (statuses the instance may
    still show from before the request that should change it, e.g. the old run's status after
    a start of its ID) and, when ABSENT is awaited, every terminal status (a purge may lag) are
    excused, until the instance shows something else. On timeout the failure says what was
    awaited, what was seen last and since when, and every status observed on the way.
    """
    __tracebackhide__ = True
    history = History()
    wanted = set(statuses)
    excused = set(previous)
    if Status.ABSENT.value in wanted:
        excused |= {s.value for s in contract.lifecycle().terminal}
    awaited = _awaited(wanted, condition or ("the test's extra condition" if accept else ""))
    why_part = f": {why}" if why else ""

    def probe() -> Reply:
        reply = read_instance(client, instance_id, interval=timing.interval)
        history.add(label(reply))
        return reply

    def reached(reply: Reply) -> bool:
        state = read_state(reply)
        if state is None:
            return Status.ABSENT.value in wanted and (absent or is_404)(reply)
        return state.status in wanted and (accept is None or accept(state))

    def details(*, lasting: bool = True) -> list[str]:
        last, waited = history.seen[-1], time.monotonic() - history.started
        seen = f"last seen: {last.label} since {last.at:.2f}s (for {waited - last.at:.2f}s "
        return [
            f"awaited:   {awaited}",
            *([seen + f"of the {waited:.2f}s waited)"] if lasting else []),
            f"observed:  {history.describe()}",
        ]

    def ended(reply: Reply, elapsed: float) -> Nonconformance | None:
        seen = history.seen[-1].label
        if not _ends(seen, wanted):
            return None
        if seen in excused and len(history.seen) == 1:
            return None
        claim = (
            f"instance {instance_id!r} did not reach {' or '.join(sorted(wanted))}: it ended "
            f"{seen} after {elapsed:.2f}s, a terminal status it does not leave on its own"
            f"{why_part}"
        )
        return fail(behaviour or "-", claim, reply, details=details(lasting=False))

    def timeout(reply: Reply, elapsed: float) -> Nonconformance:
        state = read_state(reply)
        if accept is not None and state is not None and state.status in wanted:
            claim = (
                f"instance {instance_id!r} showed {state.status} but not "
                f"{condition or 'what the test awaits'} within {elapsed:.1f}s{why_part}"
            )
        else:
            claim = (
                f"instance {instance_id!r} did not reach {' or '.join(sorted(wanted))} "
                f"within {elapsed:.1f}s{why_part}"
            )
        return fail(behaviour or "-", claim, reply, details=details())

    reply = eventually(probe, reached, timing=timing, on_timeout=timeout, hopeless=ended)
    state = read_state(reply)
    if state is None:  # ABSENT reached: hand back the 404 as an empty state
        return State(reply, {})
    return state


def stays(
    client: WorkflowClient,
    instance_id: str,
    statuses: Collection[str],
    *,
    seconds: float,
    timing: Timing,
    behaviour: str,
    why: str,
    absent: Callable[[Reply], bool] | None = None,
) -> State:
    """Watch the instance for ``seconds`` and fail as soon as it leaves ``statuses``."""
    __tracebackhide__ = True
    history = History()
    wanted = set(statuses)
    until = time.monotonic() + seconds
    while True:
        reply = read_instance(client, instance_id, interval=timing.interval)
        history.add(label(reply))
        state = read_state(reply)
        gone = state is None and (absent or is_404)(reply)
        found = state.status if state else (Status.ABSENT.value if gone else None)
        if found not in wanted:
            raise fail(
                behaviour,
                f"instance {instance_id!r} must stay {' or '.join(sorted(wanted))} for "
                f"{seconds:.2f}s: {why}; it showed {label(reply)} after "
                f"{history.seen[-1].at:.2f}s",
                reply,
                details=[f"observed:  {history.describe()}"],
            )
        if time.monotonic() >= until:
            return state if state is not None else State(reply, {})
        time.sleep(min(timing.interval * 5, max(until - time.monotonic(), 0.0)) or 0.001)


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (any number of fractional digits)."""
    normal = text.replace("z", "Z").replace("t", "T")
    match = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)", normal)
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    head, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    return datetime.fromisoformat(f"{head}.{micro}{'+00:00' if zone == 'Z' else zone}")


def encode(value: Any) -> str:
    """A workflow input as the JSON text a client sends."""
    return json.dumps(value, separators=(",", ":"))


# --- driving instances ---------------------------------------------------------------------------

NO_INPUT = object()
"""Marker: start with an empty body."""


class Instances:
    """Starts conformance workflow instances on the target and brings them into a status.

    Every instance it starts is terminated (best effort) by :meth:`cleanup`, so a long-lived
    target is not left with waiting workflows.
    """

    def __init__(
        self,
        client: WorkflowClient,
        checks: Checks,
        timing: Timing,
        new_id: Callable[[], str],
    ) -> None:
        self.client = client
        self.checks = checks
        self.timing = timing
        self.new_id = new_id
        self.started: list[str] = []

    def start(
        self,
        workflow: str,
        input: Any = NO_INPUT,
        *,
        body: str | bytes | None = None,
        instance_id: str | None = None,
        behaviour: str = "start.accepted.202",
    ) -> str:
        """Start ``workflow`` (input JSON-encoded, or ``body`` raw) and check the 202."""
        __tracebackhide__ = True
        instance_id = instance_id or self.new_id()
        if body is None and input is not NO_INPUT:
            body = encode(input)
        reply = self.client.start(workflow, instance_id, body)
        self.checks.started(
            reply, instance_id, behaviour=behaviour, doing=f"start of {workflow} as {instance_id!r}"
        )
        self.started.append(instance_id)
        return instance_id

    def read(self, instance_id: str) -> Reply:
        """GET the instance (daprd's transient read failure read again: conformance.reads)."""
        return read_instance(self.client, instance_id, interval=self.timing.interval)

    def wait(
        self,
        instance_id: str,
        *statuses: str,
        behaviour: str = "",
        why: str = "",
        accept: Callable[[State], bool] | None = None,
        condition: str = "",
        previous: Collection[str] = (),
    ) -> State:
        """Poll until the instance shows one of ``statuses`` (see :func:`wait_for_status`)."""
        __tracebackhide__ = True
        return wait_for_status(
            self.client,
            instance_id,
            statuses,
            timing=self.timing,
            behaviour=behaviour,
            why=why,
            accept=accept,
            condition=condition,
            absent=self.checks.is_absent,
            previous=previous,
        )

    def stays(
        self, instance_id: str, *statuses: str, behaviour: str, why: str, seconds: float = -1
    ) -> State:
        """Watch that the instance keeps one of ``statuses`` (for the settle time by default)."""
        __tracebackhide__ = True
        return stays(
            self.client,
            instance_id,
            statuses,
            seconds=self.timing.settle if seconds < 0 else seconds,
            timing=self.timing,
            behaviour=behaviour,
            why=why,
            absent=self.checks.is_absent,
        )

    def command(self, operation: Operation, instance_id: str, *, behaviour: str) -> Reply:
        """Send a command and check daprd's 202 (``raiseEvent`` sends a harmless event)."""
        __tracebackhide__ = True
        reply = send(self.client, operation, instance_id)
        self.checks.accepted_command(
            reply, behaviour=behaviour, doing=f"{operation} of instance {instance_id!r}"
        )
        return reply

    def in_status(self, status: Status, *, behaviour: str = "") -> str:
        """A new instance in ``status`` (ABSENT: an ID never started)."""
        __tracebackhide__ = True
        setup = f"setting up a {status} instance"
        if status is Status.ABSENT:
            return self.new_id()
        if status is Status.COMPLETED:
            instance_id = self.start(ECHO, {"setup": "completed"})
            self.wait(instance_id, "COMPLETED", behaviour=behaviour, why=setup)
            return instance_id
        if status is Status.FAILED:
            instance_id = self.start(FAIL, "setup failure")
            self.wait(instance_id, "FAILED", behaviour=behaviour, why=setup)
            return instance_id
        instance_id = self.start(EVENT, {"setup": status.value})
        self.wait(instance_id, "RUNNING", behaviour=behaviour, why=setup)
        if status is Status.RUNNING:
            return instance_id
        if status is Status.SUSPENDED:
            self.command(
                Operation.PAUSE, instance_id, behaviour=behaviour or "lifecycle.pause.RUNNING"
            )
            self.wait(instance_id, "SUSPENDED", behaviour=behaviour, why=setup)
            return instance_id
        if status is Status.TERMINATED:
            self.command(
                Operation.TERMINATE,
                instance_id,
                behaviour=behaviour or "lifecycle.terminate.RUNNING",
            )
            self.wait(instance_id, "TERMINATED", behaviour=behaviour, why=setup)
            return instance_id
        raise ValueError(f"the conformance workflows cannot put an instance in {status}")

    def cleanup(self) -> None:
        """Terminate every instance this object started; errors are ignored."""
        for instance_id in self.started:
            # cleanup must never mask the test's own result
            with contextlib.suppress(Exception):
                self.client.terminate(instance_id)
        self.started.clear()


PROBE_EVENT = "conformance-probe"
"""An event name no conformance workflow waits for."""


def clone(
    client: WorkflowClient, *, component: str | None = None, api_version: str | None = None
) -> WorkflowClient:
    """A new client (own connection pool) for the same target, maybe another component/prefix."""
    return WorkflowClient(
        client.base_url,
        api_version=api_version or client.api_version,
        component=component or client.component,
        timeout=client.timeout,
        headers={k: str(v) for k, v in client.session.headers.items()},
        retries=client.retries,
    )


def send(
    client: WorkflowClient,
    operation: Operation,
    instance_id: str,
    *,
    workflow: str = EVENT,
    body: str | None = None,
    event: str = PROBE_EVENT,
) -> Reply:
    """Send one operation to ``instance_id`` (start starts ``workflow`` under that ID, raiseEvent
    raises ``event``)."""
    if operation is Operation.START:
        return client.start(workflow, instance_id, body)
    if operation is Operation.GET:
        return client.get(instance_id, body=body)
    if operation is Operation.RAISE_EVENT:
        return client.raise_event(instance_id, event, body if body is not None else '"probe"')
    command = {
        Operation.TERMINATE: client.terminate,
        Operation.PAUSE: client.pause,
        Operation.RESUME: client.resume,
        Operation.PURGE: client.purge,
    }[operation]
    return command(instance_id, body=body)
