"""Fixed request scenarios, recorded against real daprd and replayed against the mock.

A scenario is a list of steps over a few named instances (``{a}``, ``{b}`` ... in paths, made
unique per run):

- :class:`Send`: one request; the exchange is recorded.
- :class:`Until`: poll GET until the instance shows one of the statuses (``ABSENT``: a 404);
  the final GET is recorded.
- :class:`Settle`: wait, so that an accepted command (or its absence of effect) shows.

:func:`run` plays a scenario against a URL and returns its exchanges, normalised
(:func:`normalise`): instance IDs become ``{a}``..., timestamps ``<timestamp>`` (the Go zero
time is kept), generated UUIDs ``<uuid>``, stack traces ``<stack trace>``, and the space
protobuf-go writes after ``proto:`` (a no-break space in some binaries, by design) a plain one;
JSON bodies are kept parsed, so protojson's random spacing does not count.

Each scenario names the catalogue behaviours or lifecycle cells it records.

Over 400 lines on purpose: most of it is the scenarios themselves, data, one block each.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from conformance.polling import Timing, eventually

STATUSES = ("PENDING", "RUNNING", "SUSPENDED", "COMPLETED", "FAILED", "TERMINATED")
TERMINAL = ("COMPLETED", "FAILED", "TERMINATED")
UNTIL_TIMEOUT = 30.0
POLL = 0.02
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
STACK_TRACE = "dapr.workflow.failure.stack_trace"


@dataclass(frozen=True)
class Send:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Until:
    instance: str
    statuses: tuple[str, ...]
    timeout: float = UNTIL_TIMEOUT


@dataclass(frozen=True)
class Settle:
    seconds: float


ScenarioStep = Send | Until | Settle


@dataclass(frozen=True)
class Scenario:
    name: str
    about: str
    steps: tuple[ScenarioStep, ...]
    instances: tuple[str, ...] = ("a",)


def post(path: str, body: bytes | str | None = None, **headers: str) -> Send:
    data = body.encode() if isinstance(body, str) else body
    return Send("POST", path, data, dict(headers))


def get(path: str) -> Send:
    return Send("GET", path)


def start(workflow: str, instance: str = "a", body: bytes | str | None = None) -> Send:
    return post(f"/v1.0/workflows/dapr/{workflow}/start?instanceID={{{instance}}}", body)


def command(operation: str, instance: str = "a", body: bytes | str | None = None) -> Send:
    return post(f"/v1.0/workflows/dapr/{{{instance}}}/{operation}", body)


def show(instance: str = "a") -> Send:
    return get(f"/v1.0/workflows/dapr/{{{instance}}}")


def until(*statuses: str, instance: str = "a", timeout: float = UNTIL_TIMEOUT) -> Until:
    return Until(instance, statuses, timeout)


# --- setting up an instance in a status -------------------------------------------------------


def in_status(status: str, instance: str = "a") -> list[ScenarioStep]:
    """Steps that leave ``instance`` in ``status`` (ABSENT: nothing)."""
    if status == "ABSENT":
        return []
    if status == "COMPLETED":
        return [start("EchoWorkflow", instance, '"setup"'), until("COMPLETED", instance=instance)]
    if status == "FAILED":
        return [
            start("FailWorkflow", instance, '"setup failure"'),
            until("FAILED", instance=instance),
        ]
    steps: list[ScenarioStep] = [
        start("EventWorkflow", instance, '"setup"'),
        until("RUNNING", instance=instance),
    ]
    if status == "SUSPENDED":
        steps += [command("pause", instance), until("SUSPENDED", instance=instance)]
    if status == "TERMINATED":
        steps += [command("terminate", instance), until("TERMINATED", instance=instance)]
    return steps


CELL_STATUSES = ("ABSENT", "RUNNING", "SUSPENDED", "COMPLETED", "FAILED", "TERMINATED")
OPERATIONS = ("start", "get", "terminate", "raiseEvent", "pause", "resume", "purge")
SETTLE = 1.0


def cell(operation: str, status: str) -> Scenario:
    """lifecycle.<operation>.<status>: the answer, then what GET shows once it settled."""
    steps = in_status(status)
    if operation == "start":
        steps.append(start("EventWorkflow", "a", '"again"'))
    elif operation == "get":
        steps.append(show())
    elif operation == "raiseEvent":
        steps.append(post("/v1.0/workflows/dapr/{a}/raiseEvent/other", '"payload"'))
    else:
        steps.append(command(operation))
    steps += [Settle(SETTLE), show()]
    return Scenario(
        f"lifecycle.{operation}.{status}",
        f"{operation} of an instance in {status}, then GET once it settled",
        tuple(steps),
    )


def _scenarios() -> list[Scenario]:
    found = [cell(op, status) for status in CELL_STATUSES for op in OPERATIONS]
    found += [
        *(
            Scenario(
                f"pending.{operation}",
                f"{operation} sent right after the start (daprd mostly still shows PENDING then)",
                (
                    start("EventWorkflow", "a", '"x"'),
                    post("/v1.0/workflows/dapr/EventWorkflow/start?instanceID={a}", '"y"')
                    if operation == "start"
                    else post("/v1.0/workflows/dapr/{a}/raiseEvent/go", '"p"')
                    if operation == "raiseEvent"
                    else command(operation),
                    Settle(SETTLE),
                    show(),
                ),
            )
            for operation in ("start", "terminate", "raiseEvent", "pause", "resume")
        ),
        Scenario(
            "start.generated-id",
            "start without an instance ID: daprd generates one",
            (post("/v1.0/workflows/dapr/EchoWorkflow/start", '"x"'),),
        ),
        Scenario(
            "start.empty-id",
            "start with an empty instanceID: daprd generates one",
            (post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=", '"x"'),),
        ),
        Scenario(
            "start.id-invalid",
            "start with a '$' in the ID; then GET of that ID",
            (
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID={a}$x", '"x"'),
                get("/v1.0/workflows/dapr/{a}$x"),
            ),
        ),
        Scenario(
            "start.id-too-long",
            "start with a 65-byte ID (and a 64-byte one)",
            (
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID={a}" + "x" * 50, '"x"'),
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=" + "y" * 65, '"x"'),
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=" + "é" * 33, '"x"'),
            ),
        ),
        Scenario(
            "start.id-unicode",
            "letters of other scripts are valid in IDs",
            (
                post(
                    "/v1.0/workflows/dapr/EchoWorkflow/start?instanceID={a}-h%C3%A9llo-%E5%AE%9E",
                    '"x"',
                ),
                Settle(0.5),
                get("/v1.0/workflows/dapr/{a}-h%C3%A9llo-%E5%AE%9E"),
            ),
        ),
        Scenario(
            "start.id-unicode-15",
            "characters whose category Unicode 15.0 (Go's tables) and 14.0 (Python 3.11's) give "
            "differently: a Khojki letter and a Kawi digit new in 15.0 are valid; a private-use "
            "character and an unassigned one are not",
            (
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID={a}-%F0%91%88%BF", '"x"'),
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID={b}-%F0%91%BD%90", '"x"'),
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID={c}-%EE%80%80", '"x"'),
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID={c}-%CD%B8", '"x"'),
                Settle(0.5),
                get("/v1.0/workflows/dapr/{a}-%F0%91%88%BF"),
                get("/v1.0/workflows/dapr/{b}-%F0%91%BD%90"),
            ),
            instances=("a", "b", "c"),
        ),
        Scenario(
            "start.input-json",
            "EchoWorkflow with a JSON object input: input and output as GET shows them",
            (
                start("EchoWorkflow", "a", '{"b": [1, 2.5, "three"], "a": null}'),
                until("COMPLETED"),
                show(),
            ),
        ),
        Scenario(
            "start.input-empty",
            "EchoWorkflow with an empty body",
            (start("EchoWorkflow", "a", b""), until(*TERMINAL), show()),
        ),
        Scenario(
            "start.input-invalid-utf8",
            "start bodies that are not UTF-8: refused after the ID check and before the engine "
            "looks at the ID (a new one, a bad one, one already RUNNING)",
            (
                start("EchoWorkflow", "a", b'\xff\xfe"ab"'),
                start("EchoWorkflow", "a", b'"\xed\xa0\x80"'),
                post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID={a}$", b"\xff"),
                show(),
                start("EventWorkflow", "b", '"first"'),
                until("RUNNING", instance="b"),
                start("EventWorkflow", "b", b"\xc3"),
                show("b"),
            ),
            instances=("a", "b"),
        ),
        Scenario(
            "start.input-not-json",
            "EchoWorkflow with a body that is not JSON",
            (start("EchoWorkflow", "a", "not json"), until(*TERMINAL), show()),
        ),
        Scenario(
            "start.input-string",
            "EchoWorkflow with a JSON string input",
            (start("EchoWorkflow", "a", '"hello"'), until("COMPLETED"), show()),
        ),
        Scenario(
            "start.unregistered-name",
            "start of a workflow name the app does not register",
            (start("NoSuchWorkflow", "a", '"x"'), Settle(3.0), show()),
        ),
        Scenario(
            "start.component-ignored",
            "any component name works like dapr",
            (
                post("/v1.0/workflows/other/EchoWorkflow/start?instanceID={a}", '"x"'),
                until("COMPLETED"),
                get("/v1.0/workflows/nothing/{a}"),
            ),
        ),
        Scenario(
            "start.reuse-after-completed",
            "a finished ID is reused for a fresh run",
            (
                *in_status("COMPLETED"),
                start("EventWorkflow", "a", '"second"'),
                until("RUNNING"),
                show(),
            ),
        ),
        Scenario(
            "start.reuse-after-purge",
            "a purged ID can be started again",
            (
                *in_status("COMPLETED"),
                command("purge"),
                until("ABSENT"),
                start("EchoWorkflow", "a", '"again"'),
                until("COMPLETED"),
                show(),
            ),
        ),
        Scenario(
            "get.custom-status",
            "EventWorkflow's custom status as daprd shows it",
            (start("EventWorkflow", "a", '{"n": 1}'), until("RUNNING"), Settle(0.5), show()),
        ),
        Scenario(
            "event.completes",
            "EventWorkflow completes with the payload of go",
            (
                start("EventWorkflow", "a", "1"),
                until("RUNNING"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", '{"p": [true]}'),
                until("COMPLETED"),
                show(),
            ),
        ),
        Scenario(
            "event.name-case",
            "an event called GO completes EventWorkflow (a later go changes nothing)",
            (
                start("EventWorkflow"),
                until("RUNNING"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/GO", '"upper"'),
                Settle(SETTLE),
                show(),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", '"lower"'),
                until("COMPLETED"),
                show(),
            ),
        ),
        Scenario(
            "event.buffered-before-wait",
            "events raised at once after start are kept and the first go wins",
            (
                start("EventWorkflow"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", '"first"'),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", '"second"'),
                until("COMPLETED"),
                show(),
            ),
        ),
        Scenario(
            "event.while-suspended",
            "go sent while SUSPENDED is held until resume",
            (
                *in_status("SUSPENDED"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", '"held"'),
                Settle(SETTLE),
                show(),
                command("resume"),
                until("COMPLETED"),
                show(),
            ),
        ),
        Scenario(
            "event.payload-invalid-utf8",
            "event payloads that are not UTF-8 (a stray byte, an encoded surrogate): refused "
            "before the instance is looked up, for a RUNNING instance and for an unknown one",
            (
                start("EventWorkflow"),
                until("RUNNING"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", b'\xff"x"'),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", b'"\xed\xa0\x80"'),
                post("/v1.0/workflows/dapr/{b}/raiseEvent/go", b"\xff"),
                Settle(0.3),
                show(),
            ),
            instances=("a", "b"),
        ),
        Scenario(
            "event.not-json",
            "an event payload that is not JSON",
            (
                start("EventWorkflow"),
                until("RUNNING"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", "plain text"),
                until(*TERMINAL),
                show(),
            ),
        ),
        Scenario(
            "event.empty",
            "an empty event payload",
            (
                start("EventWorkflow"),
                until("RUNNING"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", b""),
                until(*TERMINAL),
                show(),
            ),
        ),
        Scenario(
            "timer.completes",
            "TimerWorkflow with a half-second timer",
            (start("TimerWorkflow", "a", "0.5"), until("RUNNING"), until("COMPLETED"), show()),
        ),
        Scenario(
            "timer.suspended",
            "a timer that falls due while SUSPENDED fires after resume",
            (
                start("TimerWorkflow", "a", "0.5"),
                until("RUNNING"),
                command("pause"),
                until("SUSPENDED"),
                Settle(1.0),
                show(),
                command("resume"),
                until("COMPLETED"),
                show(),
            ),
        ),
        Scenario(
            "fail.details",
            "FailWorkflow's failure as GET shows it",
            (start("FailWorkflow", "a", '"it broke"'), until("FAILED"), show()),
        ),
        Scenario(
            "continue-as-new",
            "ContinueAsNewWorkflow from 3 down to 0",
            (start("ContinueAsNewWorkflow", "a", "3"), until("COMPLETED"), show()),
        ),
        Scenario(
            "child.completes",
            "ParentWorkflow completes with its child's output",
            (
                start("ParentWorkflow", "a", '"family"'),
                until("RUNNING"),
                Until("a-child", ("RUNNING",)),
                get("/v1.0/workflows/dapr/{a}-child"),
                post("/v1.0/workflows/dapr/{a}-child/raiseEvent/go", '"from child"'),
                until("COMPLETED"),
                show(),
            ),
            ("a", "a-child"),
        ),
        Scenario(
            "terminate.recursive",
            "terminating the parent terminates the child",
            (
                start("ParentWorkflow", "a", '"family"'),
                Until("a-child", ("RUNNING",)),
                command("terminate"),
                until("TERMINATED"),
                Until("a-child", ("TERMINATED",)),
                get("/v1.0/workflows/dapr/{a}-child"),
            ),
            ("a", "a-child"),
        ),
        Scenario(
            "purge.recursive",
            "purging a terminated parent purges its child",
            (
                start("ParentWorkflow", "a", '"family"'),
                Until("a-child", ("RUNNING",)),
                command("terminate"),
                Until("a-child", ("TERMINATED",)),
                until("TERMINATED"),
                command("purge"),
                until("ABSENT"),
                Until("a-child", ("ABSENT",)),
            ),
            ("a", "a-child"),
        ),
        Scenario(
            "prefixes",
            "the same instance under the three API prefixes",
            (
                post("/v1.0-beta1/workflows/dapr/EventWorkflow/start?instanceID={a}", '"b"'),
                until("RUNNING"),
                get("/v1.0-alpha1/workflows/dapr/{a}"),
                post("/v1.0-alpha1/workflows/dapr/{a}/pause"),
                until("SUSPENDED"),
                post("/v1.0-beta1/workflows/dapr/{a}/resume"),
                until("RUNNING"),
                post("/v1.0-alpha1/workflows/dapr/{a}/raiseEvent/go", '"p"'),
                until("COMPLETED"),
                post("/v1.0-beta1/workflows/dapr/{a}/purge"),
                get("/v1.0-beta1/workflows/dapr/{a}"),
            ),
        ),
        Scenario(
            "route.errors",
            "unknown routes, wrong methods, doubled and trailing slashes",
            (
                get("/v1.0/workflows/dapr/{a}/terminate"),
                Send("DELETE", "/v1.0/workflows/dapr/{a}"),
                Send("PUT", "/v1.0/workflows/dapr/EchoWorkflow/start"),
                post("/v1.0/workflows/dapr/{a}/unknown"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent"),
                get("/v1.0/workflows/dapr"),
                get("/v1.0/workflow/dapr/{a}"),
                get("/v1.0/workflows//dapr/{a}"),
                get("/v1.0/workflows/dapr/{a}/"),
            ),
        ),
        Scenario(
            "command.bodies",
            "commands with a malformed body, a JSON body and an unknown field",
            (
                *in_status("RUNNING"),
                command("pause", "a", "{not json"),
                command("pause", "a", '{"instanceID": "other", "unknown": 1}'),
                until("SUSPENDED"),
                command("resume", "a", "[1]"),
                command("resume", "a", "null"),
                Settle(0.5),
                show(),
                command("terminate", "a", '"text"'),
                command("terminate", "a", "{}"),
                until("TERMINATED"),
                command("purge", "a", "{bad"),
                get("/v1.0/workflows/dapr/{a}?x=1"),
            ),
        ),
        Scenario(
            "get.body-ignored",
            "a GET with a body",
            (
                *in_status("COMPLETED"),
                Send("GET", "/v1.0/workflows/dapr/{a}", b"{not json"),
            ),
        ),
        Scenario(
            "metadata",
            "GET /v1.0/healthz and /v1.0/healthz/outbound",
            (get("/v1.0/healthz"), get("/v1.0/healthz/outbound")),
        ),
        Scenario(
            "absent.commands",
            "every command on an ID nobody started, including one start would refuse",
            (
                command("terminate", "a"),
                command("pause", "a"),
                command("resume", "a"),
                post("/v1.0/workflows/dapr/{a}/raiseEvent/go", '"x"'),
                command("purge", "a"),
                get("/v1.0/workflows/dapr/{a}$"),
                post("/v1.0/workflows/dapr/{a}$/pause"),
                post("/v1.0/workflows/dapr/{a}$/terminate"),
            ),
        ),
        Scenario(
            "pause.twice-resume-once",
            "two pauses, then one resume leaves it SUSPENDED (the SDK holds the second pause); "
            "on daprd 1.18.2 every later command to it hangs, so none is sent",
            (
                *in_status("RUNNING"),
                command("pause"),
                command("pause"),
                until("SUSPENDED"),
                Settle(0.5),
                command("resume"),
                Settle(SETTLE),
                show(),
            ),
        ),
    ]
    return found


SCENARIOS: dict[str, Scenario] = {s.name: s for s in _scenarios()}


# --- playing -----------------------------------------------------------------------------------


class ScenarioError(AssertionError):
    """A scenario could not be played (an Until never held)."""


def instance_ids(scenario: Scenario, run: str) -> dict[str, str]:
    """The real ID of each named instance: ``a`` -> ``<run>-a``; ``a-child`` follows ``a``."""
    return {name: f"{run}-{name}" for name in scenario.instances}


def _fill(path: str, ids: dict[str, str]) -> str:
    for name in sorted(ids, key=len, reverse=True):
        path = path.replace("{" + name + "}", ids[name])
    return path


def run(
    scenario: Scenario,
    base_url: str,
    *,
    run_id: str | None = None,
    settle_scale: float = 1.0,
    session: requests.Session | None = None,
) -> list[dict[str, Any]]:
    """Play ``scenario`` against ``base_url``; its exchanges, normalised."""
    run_id = run_id or "v" + uuid.uuid4().hex[:10]
    ids = instance_ids(scenario, run_id)
    http = session or requests.Session()
    exchanges: list[dict[str, Any]] = []
    for index, step in enumerate(scenario.steps):
        if isinstance(step, Settle):
            time.sleep(step.seconds * settle_scale)
            continue
        if isinstance(step, Until):
            path = f"/v1.0/workflows/dapr/{ids[step.instance]}"
            response = _until(http, base_url + path, step, f"{scenario.name} step {index}")
            exchanges.append(
                _exchange(index, "GET", path, None, response, ids, until=step.statuses)
            )
            continue
        path = _fill(step.path, ids)
        response = http.request(
            step.method, base_url + path, data=step.body, headers=step.headers, timeout=30
        )
        exchanges.append(_exchange(index, step.method, path, step.body, response, ids))
    return exchanges


def _until(http: requests.Session, url: str, step: Until, where: str) -> requests.Response:
    """GET ``url`` until the instance shows one of the step's statuses; that last answer."""

    def never(response: requests.Response, _: float) -> ScenarioError:
        return ScenarioError(
            f"{where}: {step.instance} never showed {'/'.join(step.statuses)} within "
            f"{step.timeout}s (last: {_status_of(response)}, {response.status_code} "
            f"{response.text[:300]})"
        )

    return eventually(
        lambda: http.get(url, timeout=10),
        lambda response: _status_of(response) in step.statuses,
        timing=Timing(deadline=step.timeout, interval=POLL),
        on_timeout=never,
    )


def _status_of(response: requests.Response) -> str:
    if response.status_code == 404:
        return "ABSENT"
    try:
        return str(response.json().get("runtimeStatus"))
    except ValueError:
        return f"HTTP {response.status_code}"


def _exchange(
    index: int,
    method: str,
    path: str,
    body: bytes | None,
    response: requests.Response,
    ids: dict[str, str],
    *,
    until: Sequence[str] | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "path": normalise(path, ids)}
    if body is not None:
        request["body"] = normalise(body.decode("utf-8", "replace"), ids)
    if until is not None:
        request["until"] = list(until)
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    answer: dict[str, Any] = {"status": response.status_code, "contentType": content_type or None}
    text = response.content.decode("utf-8", "replace")
    if content_type == "application/json" and text:
        try:
            answer["json"] = normalise(json.loads(text), ids)
        except ValueError:
            answer["text"] = normalise(text, ids)
    else:
        answer["text"] = normalise(text, ids)
    return {"step": index, "request": request, "response": answer}


def normalise(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with run-specific parts replaced by placeholders (see the module docstring)."""
    if isinstance(value, dict):
        return {
            key: "<stack trace>" if key == STACK_TRACE else normalise(item, ids)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [normalise(item, ids) for item in value]
    if not isinstance(value, str):
        return value
    for name in sorted(ids, key=lambda n: len(ids[n]), reverse=True):
        value = value.replace(ids[name], "{" + name + "}")
    value = value.replace("proto:\u00a0", "proto: ")  # protobuf-go picks the space per binary
    value = _TIMESTAMP.sub(
        lambda m: m.group(0) if m.group(0) == GO_ZERO_TIME else "<timestamp>", value
    )
    return _UUID.sub("<uuid>", value)


def names(selected: Iterable[str] | None = None) -> list[str]:
    return sorted(SCENARIOS) if selected is None else [n for n in SCENARIOS if n in set(selected)]
