"""Races give only legal states: thousands of concurrent commands on a few instances of one mock.

The run goes in rounds. Each round sends a random batch of start, get, terminate, raiseEvent,
pause, resume and purge requests (fixed seed) on the same few instance IDs all at once, then
reads every instance. An instance that began the round in status ``s`` may, while the round
runs, be in any status reachable from ``s`` through the round's operations on it (every answer
the lifecycle table accepts, in any order) and the lifecycle's own autonomous moves. Every
answer must be one the table gives for some such status, a GET must report one of them, and the
status read at the end of the round must be one of them. Stronger still, each instance's
answers must linearize: some one-at-a-time order of exactly those requests gives every answer
and ends in the status read (:func:`linearizes`). The mock validates its own answers against
``openapi.yaml`` and nothing may be logged as an error.

On the manual clock, starts and commands take effect after a delay; clock advances are sent in
the middle of the batch, and one at the end of the round applies everything still pending; an
accepted command's effect may then land at any later point of the order, but it must land.

Budget: ``STRESS_ROUNDS`` rounds (default 60, a few seconds), ``STRESS_SEED`` the seed;
``make fuzz`` runs a longer one.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack

import pytest
from aiohttp.test_utils import TestClient

from conformance import linearize
from conformance.lifecycle import RUNTIME_STATUSES, Operation, Status
from conformance.linearize import Answer, fits, possible_statuses
from mockserver.app import VALIDATION_FAILURES, MockOptions, create_app
from tests.mock.support import Dapr, MockReply
from tests.reliability.server_log import ServerErrors, capturing_server_errors

SEED = int(os.environ.get("STRESS_SEED", "20261127"))
INSTANCES = ("race-0", "race-1", "race-2", "race-3")
ROUNDS = int(os.environ.get("STRESS_ROUNDS", "60"))
TWINS = Path(__file__).resolve().parents[2] / "examples" / "workflows" / "conformance-twins.yaml"
BATCH = 40
"""Requests sent at once per round: ``ROUNDS * BATCH`` operations in all (plus the reads)."""
PER_INSTANCE = 12
"""At most this many of a round's requests go to one instance: checking that they linearize
is a search over their orders."""

WORKFLOW_INPUTS = {
    "EchoWorkflow": '{"echo": 1}',
    "EventWorkflow": "",
    "TimerWorkflow": "0.002",
    "FailWorkflow": '"raced"',
    "ParentWorkflow": '"parent"',
    "ContinueAsNewWorkflow": "3",
}
"""What the rounds start: the six conformance workflows; ParentWorkflow brings a child whose
terminate and purge follow its parent's, ContinueAsNewWorkflow new executions that commands
must follow."""

OPERATION_WEIGHTS = {
    Operation.START: 4,
    Operation.GET: 3,
    Operation.TERMINATE: 2,
    Operation.RAISE_EVENT: 2,
    Operation.PAUSE: 2,
    Operation.RESUME: 2,
    Operation.PURGE: 2,
}

SETTLE_SECONDS = 60.0
"""The advance that ends a manual-clock round: far past every delay, so nothing stays pending."""

AiohttpClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@dataclass(frozen=True)
class Request:
    """One operation of a round on one instance."""

    operation: Operation
    instance_id: str
    workflow: str = ""
    event: str = ""

    def describe(self) -> str:
        extra = self.workflow or self.event
        return f"{self.operation} {self.instance_id}" + (f" ({extra})" if extra else "")


def answer_problem(request: Request, reply: MockReply, possible: frozenset[Status]) -> str | None:
    """Why ``reply`` is an answer no status in ``possible`` allows, or None if one does."""
    if reply.status >= 400 and (
        not isinstance(reply.body, dict) or set(reply.body) != {"errorCode", "message"}
    ):
        return f"the error body is not {{errorCode, message}}: {reply.body!r}"
    if not any(answer_fits(request, reply, status) for status in possible):
        return f"{reply.status} {reply.body!r} fits none of {sorted(possible)}"
    return None


def answer_of(request: Request, reply: MockReply) -> Answer:
    """The request's answer as :mod:`conformance.linearize` reads it."""
    error = reply.error if reply.status >= 400 else None
    return Answer(request.operation, reply.status, error, _reported(reply))


def answer_fits(request: Request, reply: MockReply, status: Status) -> bool:
    """Whether the lifecycle table gives ``reply`` to ``request`` in ``status`` (a GET must
    also report that status)."""
    return fits(answer_of(request, reply), status)


def linearizes(
    start: Status, answered: list[tuple[Request, MockReply]], end: Status, *, delayed: bool = False
) -> bool:
    """Whether some order of ``answered`` takes the instance from ``start`` to ``end``
    (:func:`conformance.linearize.linearizes`)."""
    answers = [answer_of(request, reply) for request, reply in answered]
    return linearize.linearizes(start, answers, end, delayed=delayed)


def _reported(reply: MockReply) -> Status | None:
    """The status a successful GET reported (None for every other answer)."""
    if reply.status == 200 and isinstance(reply.body, dict) and "runtimeStatus" in reply.body:
        return Status(reply.body["runtimeStatus"])
    return None


def random_round(rng: random.Random) -> list[Request]:
    """A batch of requests on the shared instances."""
    operations = list(OPERATION_WEIGHTS)
    weights = list(OPERATION_WEIGHTS.values())
    batch: list[Request] = []
    for operation in rng.choices(operations, weights, k=BATCH):
        open_ids = [i for i in INSTANCES if sum(r.instance_id == i for r in batch) < PER_INSTANCE]
        instance_id = rng.choice(open_ids)
        if operation is Operation.START:
            batch.append(
                Request(operation, instance_id, workflow=rng.choice(list(WORKFLOW_INPUTS)))
            )
        elif operation is Operation.RAISE_EVENT:
            batch.append(Request(operation, instance_id, event=rng.choice(["go", "other"])))
        else:
            batch.append(Request(operation, instance_id))
    return batch


async def send(dapr: Dapr, request: Request) -> MockReply:
    """The HTTP request for one operation."""
    match request.operation:
        case Operation.START:
            body = WORKFLOW_INPUTS[request.workflow]
            return await dapr.start(request.workflow, request.instance_id, body)
        case Operation.RAISE_EVENT:
            return await dapr.raise_event(request.instance_id, request.event, '"payload"')
        case Operation.GET:
            return await dapr.get(request.instance_id)
        case Operation.TERMINATE:
            return await dapr.terminate(request.instance_id)
        case Operation.PAUSE:
            return await dapr.pause(request.instance_id)
        case Operation.RESUME:
            return await dapr.resume(request.instance_id)
        case Operation.PURGE:
            return await dapr.purge(request.instance_id)
    raise AssertionError(f"no request for {request.operation}")


async def observed_status(dapr: Dapr, instance_id: str) -> Status:
    reply = await dapr.get(instance_id)
    assert reply.status in (200, 404), f"GET {instance_id} answered {reply}"
    return Status.ABSENT if reply.status == 404 else Status(reply.body["runtimeStatus"])


@dataclass
class Stress:
    """Rounds of concurrent requests against one mock, checked against the lifecycle table."""

    dapr: Dapr
    rng: random.Random
    advance_seconds: float = 0.0
    """On a manual clock: the largest advance sent mid-round (0: a real clock, no advances)."""

    async def run(self, rounds: int) -> int:
        """Run ``rounds`` rounds; returns the number of operations sent."""
        statuses = dict.fromkeys(INSTANCES, Status.ABSENT)
        sent = 0
        for number in range(rounds):
            batch = random_round(self.rng)
            possible = {
                instance_id: possible_statuses(
                    statuses[instance_id],
                    {r.operation for r in batch if r.instance_id == instance_id},
                )
                for instance_id in INSTANCES
            }
            calls = list(self._calls(batch))
            replies = await asyncio.gather(*(call for _, call in calls))
            answered = [(r, reply) for (r, _), reply in zip(calls, replies, strict=True) if r]
            for request, reply in answered:
                problem = answer_problem(request, reply, possible[request.instance_id])
                assert problem is None, (
                    f"round {number}: {request.describe()} from "
                    f"{statuses[request.instance_id]}: {problem}"
                )
            sent += len(answered)
            if self.advance_seconds:
                await self._advance(SETTLE_SECONDS)
            for instance_id in INSTANCES:
                start, end = statuses[instance_id], await observed_status(self.dapr, instance_id)
                assert end in possible[instance_id], (
                    f"round {number}: {instance_id} ended {end}, not one of "
                    f"{sorted(possible[instance_id])}"
                )
                mine = [(r, reply) for r, reply in answered if r.instance_id == instance_id]
                delayed = bool(self.advance_seconds)
                assert linearizes(start, mine, end, delayed=delayed), (
                    f"round {number}: no order of these answers takes {instance_id} from "
                    f"{start} to {end}:\n"
                    + "\n".join(
                        f"  {r.describe()}: {reply.status} {reply.body}" for r, reply in mine
                    )
                )
                statuses[instance_id] = end
        return sent

    def _calls(self, batch: list[Request]) -> Iterator[tuple[Request | None, Awaitable[MockReply]]]:
        """The round's requests, with clock advances (request None) among them."""
        for request in batch:
            yield request, send(self.dapr, request)
            if self.advance_seconds and self.rng.random() < 0.1:
                yield None, self._advance(self.rng.uniform(0, self.advance_seconds))

    async def _advance(self, seconds: float) -> MockReply:
        reply = await self.dapr.advance(round(seconds, 6))
        assert reply.status == 200, reply
        return reply


@pytest.fixture
def server_errors() -> Iterator[ServerErrors]:
    with capturing_server_errors() as errors:
        yield errors
        errors.assert_none("the stress run")


@pytest.fixture
async def make_dapr(
    aiohttp_client: AiohttpClient, server_errors: ServerErrors
) -> AsyncIterator[Callable[..., Awaitable[Dapr]]]:
    """A validating in-process mock; its answers must all fit the spec."""
    apps = []

    async def make(**options: Unpack[MockOptions]) -> Dapr:
        app = create_app(validate_responses=True, **options)
        apps.append(app)
        return Dapr(await aiohttp_client(app))

    yield make
    for app in apps:
        assert app[VALIDATION_FAILURES] == [], "the mock answered outside openapi.yaml"


async def assert_every_instance_is_in_a_runtime_status(dapr: Dapr) -> None:
    """The control API lists every instance (children too) with a status GET may report."""
    reply = await dapr.call("GET", "/_mock/instances")
    assert reply.status == 200, reply
    for instance in reply.body["instances"]:
        assert Status(instance["runtimeStatus"]) in RUNTIME_STATUSES, json.dumps(instance)


async def test_concurrent_operations_on_a_few_instances_leave_only_legal_states(
    make_dapr: Callable[..., Awaitable[Dapr]],
) -> None:
    dapr = await make_dapr(clock="real")
    sent = await Stress(dapr, random.Random(SEED)).run(ROUNDS)
    assert sent == ROUNDS * BATCH
    await assert_every_instance_is_in_a_runtime_status(dapr)


async def test_concurrent_operations_on_declared_workflows_leave_only_legal_states(
    make_dapr: Callable[..., Awaitable[Dapr]],
) -> None:
    # The same rounds against the six workflows declared in a file (their twins answer as the
    # built-in ones, so the same statuses are legal) on a manual clock that advances.
    dapr = await make_dapr(clock="manual", workflows=TWINS, transition_delay=0.25)
    stress = Stress(dapr, random.Random(SEED + 2), advance_seconds=0.5)
    sent = await stress.run(ROUNDS)
    assert sent == ROUNDS * BATCH
    await assert_every_instance_is_in_a_runtime_status(dapr)


async def test_concurrent_operations_with_delays_and_clock_advances_leave_only_legal_states(
    make_dapr: Callable[..., Awaitable[Dapr]],
) -> None:
    dapr = await make_dapr(clock="manual", start_delay=0.5, transition_delay=0.25)
    stress = Stress(dapr, random.Random(SEED + 1), advance_seconds=0.5)
    sent = await stress.run(ROUNDS)
    assert sent == ROUNDS * BATCH
    await assert_every_instance_is_in_a_runtime_status(dapr)


@pytest.mark.parametrize(
    ("command", "settled"), [("terminate", Status.TERMINATED), ("pause", Status.SUSPENDED)]
)
async def test_a_command_racing_continue_as_new_still_takes_effect(
    make_dapr: Callable[..., Awaitable[Dapr]], command: str, settled: Status
) -> None:
    # The command is answered in one generation and takes effect in a later one: it is for the
    # instance, as daprd's are, not for the generation that happened to be running.
    dapr = await make_dapr(clock="manual", start_delay=1, transition_delay=2)
    assert (await dapr.start("ContinueAsNewWorkflow", "chain", "5")).status == 202
    await dapr.advance(1)
    assert (await dapr.call("POST", f"/v1.0/workflows/dapr/chain/{command}")).status == 202
    for _ in range(10):
        await dapr.advance(1)
    assert await observed_status(dapr, "chain") is settled
