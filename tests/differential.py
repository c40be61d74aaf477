"""Differential testing: the same random operation sequences against the mock and another
target (the engine-backed target, real daprd), compared request by request.

Both must answer every request with the same HTTP status and ``errorCode`` (with ``exact``
messages, the same message too), and after each step settle to the same observable state: for
every instance involved (the started one and its child), the same ``runtimeStatus`` (or both
404), the same output (as parsed JSON) and the same failed-or-not. The mock runs with no
delays, so what it shows right after a request is where the other target must arrive; the other
target is polled until it does (or a deadline passes).

A pause is not sent while the mock shows the instance SUSPENDED: on daprd 1.18.2 with the
Python SDK a second pause and a resume wedge the instance (tests/vectors, pause.twice-...).

A difference is a bug in the mock, in the other target, or in the suite's understanding of
daprd; the failing sequence is printed as steps with both answers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from conformance.answers import read_state
from conformance.client import Reply, WorkflowClient
from conformance.polling import Timing, poll
from conformance.workflows import CHILD_SUFFIX

SETTLE_DEADLINE = 5.0
PARENT = "p"
TARGETS = (PARENT, PARENT + CHILD_SUFFIX)
"""Instance IDs (before the per-example prefix) operations aim at: one, and its child (if it
runs ParentWorkflow). One ID keeps the steps on the same instance often enough to matter."""

json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text("abc xyz", max_size=5),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from("kv"), st.integers(0, 3), max_size=2),
)
bodies = st.one_of(st.just(""), json_values.map(json.dumps))


@dataclass(frozen=True)
class RequestStep:
    """One request of a sequence, aimed at one of :data:`TARGETS` (a start at the parent)."""

    operation: str
    target: str
    workflow: str = ""
    body: str = ""
    event: str = ""

    def describe(self) -> str:
        parts = [self.operation, self.target]
        if self.workflow:
            parts.append(self.workflow)
        if self.event:
            parts.append(f"event={self.event}")
        if self.operation in ("start", "raiseEvent"):
            parts.append(f"body={self.body!r}")
        return " ".join(parts)


starts = st.builds(
    RequestStep,
    operation=st.just("start"),
    target=st.just(PARENT),
    workflow=st.sampled_from(
        [*("ParentWorkflow", "EventWorkflow") * 2, "EchoWorkflow", "FailWorkflow", "NoSuch"]
    ),
    body=bodies,
)
timers = st.builds(  # a timer that fires at once: both settle without racing the wall clock
    RequestStep,
    operation=st.just("start"),
    target=st.just(PARENT),
    workflow=st.just("TimerWorkflow"),
    body=st.just("0"),
)
continues = st.builds(
    RequestStep,
    operation=st.just("start"),
    target=st.just(PARENT),
    workflow=st.just("ContinueAsNewWorkflow"),
    body=st.sampled_from(["0", "1", "2"]),
)
CHILD = PARENT + CHILD_SUFFIX
COMMANDS = ("terminate", "pause", "resume", "purge")
ACTIONS = [
    ("raiseEvent", PARENT, "go"),
    ("raiseEvent", CHILD, "go"),
    ("raiseEvent", CHILD, "other"),
    *(
        (command, target, "")
        for command in ("terminate", "pause", "resume", "purge")
        for target in TARGETS
    ),
    ("get", PARENT, ""),
]
"""Every request but start, flat and equally likely, so each comes within a few steps."""
actions = st.builds(
    lambda action, body: RequestStep(action[0], action[1], event=action[2], body=body),
    st.sampled_from(ACTIONS),
    bodies,
)
KINDS = ("action",) * len(ACTIONS) + ("start", "start", "timer", "continue")
later = st.sampled_from(KINDS).flatmap(
    lambda kind: {"action": actions, "start": starts, "timer": timers, "continue": continues}[kind]
)
steps = st.tuples(starts, st.lists(later, min_size=8, max_size=12)).map(
    lambda first_and_rest: [first_and_rest[0], *first_and_rest[1]]
)
"""A start, then mostly other requests: finished and suspended runs get terminated, resumed
and purged often enough within a few examples."""


def send(client: WorkflowClient, step: RequestStep, prefix: str) -> Reply:
    instance_id = prefix + step.target
    if step.operation == "start":
        return client.start(step.workflow, instance_id, step.body)
    if step.operation == "raiseEvent":
        return client.raise_event(instance_id, step.event, step.body)
    command = {
        "get": client.get,
        "terminate": client.terminate,
        "pause": client.pause,
        "resume": client.resume,
        "purge": client.purge,
    }[step.operation]
    reply: Reply = command(instance_id)
    return reply


def answer(reply: Reply, *, exact: bool = False) -> tuple[Any, ...]:
    """What must agree for a request: the HTTP status and the errorCode, if any (``exact``:
    and the message)."""
    if reply.status < 300:
        return (reply.status, None)
    body = reply.json()
    if exact:
        return (reply.status, str(body.get("errorCode")), body.get("message"))
    return (reply.status, str(body.get("errorCode")))


def observable(reply: Reply) -> tuple[Any, ...]:
    """What must agree for an instance: status, output as JSON, failed-or-not."""
    if reply.status == 404:
        return ("ABSENT",)
    body = reply.json()
    properties = body.get("properties", {})
    output = properties.get("dapr.workflow.output")
    return (
        body.get("runtimeStatus"),
        None if output is None else json.loads(output),
        "dapr.workflow.failure.error_message" in properties,
    )


def settle(mock: WorkflowClient, other: WorkflowClient, prefix: str, name: str) -> list[str]:
    """Poll ``other`` until every instance looks as on the mock; the differences left."""
    wanted = {target: observable(mock.get(prefix + target)) for target in TARGETS}

    def differences() -> list[str]:
        seen = {target: observable(other.get(prefix + target)) for target in TARGETS}
        return [
            f"{target}: mock {wanted[target]}, {name} {seen[target]}"
            for target in TARGETS
            if seen[target] != wanted[target]
        ]

    timing = Timing(deadline=SETTLE_DEADLINE, interval=0.02)
    return poll(differences, lambda left: not left, timing=timing).value


def held_back(mock: WorkflowClient, step: RequestStep, prefix: str) -> bool:
    """Whether ``step`` is a pause of an instance the mock shows SUSPENDED (not sent)."""
    if step.operation != "pause":
        return False
    state = read_state(mock.get(prefix + step.target))
    return state is not None and state.status == "SUSPENDED"


def compare(
    sequence: list[RequestStep],
    mock: WorkflowClient,
    other: WorkflowClient,
    name: str,
    *,
    exact: bool = False,
) -> str | None:
    """Run ``sequence`` against both; None when they agree, else the log of where they did not."""
    prefix = f"d{uuid.uuid4().hex[:10]}-"
    log: list[str] = []
    for number, step in enumerate(sequence, 1):
        if held_back(mock, step, prefix):
            log.append(f"step {number}: {step.describe()} -> not sent (SUSPENDED)")
            continue
        on_mock, on_other = send(mock, step, prefix), send(other, step, prefix)
        mine, theirs = answer(on_mock, exact=exact), answer(on_other, exact=exact)
        log.append(f"step {number}: {step.describe()} -> mock {mine}, {name} {theirs}")
        if mine != theirs:
            return "the targets answered differently\n" + "\n".join(log)
        differences = settle(mock, other, prefix, name)
        if differences:
            log += [f"  after step {number}, {line}" for line in differences]
            return "the targets settled differently\n" + "\n".join(log)
    return None


def fixed_sequences(examples: int) -> Any:
    """Hypothesis settings for a differential run: ``examples`` sequences, the same every run
    (a CI gate must not pass or fail by the draw; explore with --hypothesis-seed=N), and no
    shrinking (every failing attempt waits out the settle deadline, and the unshrunk sequence,
    at most 13 steps, all printed, is short enough to read)."""
    from hypothesis import HealthCheck, Phase, settings

    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@contextmanager
def mock_client() -> Iterator[WorkflowClient]:
    """A client of a fresh in-process mock that checks its own answers against the spec."""
    from mockserver.testing import running_mock

    with running_mock(validate_responses=True) as url:
        client = WorkflowClient(url)
        yield client
        client.close()
