"""Opt-in (``--stress``): commands sent at once to one instance fit one serial order.

Each round puts a fresh instance in a status (RUNNING, SUSPENDED, COMPLETED, FAILED or
TERMINATED), sends a random batch of operations to it all at once (one connection each), waits
until its status stays put, and requires :func:`conformance.linearize.linearizes`: every answer is
one the lifecycle table gives in some status the instance could be in, and some one-at-a-time
order of exactly those requests explains every answer and the status it ended in (commands may
take effect after their answer, as on daprd).

A batch never holds a pause for an instance that may already be SUSPENDED (at most one pause, and
none for a SUSPENDED start): daprd 1.18.2 with the Python SDK holds a second suspend and then
hangs every request to the instance (docs/differences.md), which would stop the run, not fail it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.answers import ErrorAnswer, read_state
from conformance.client import Reply, WorkflowClient
from conformance.failures import Nonconformance, fail
from conformance.instances import Instances
from conformance.lifecycle import Operation, Status
from conformance.linearize import Answer, fits, linearizes, possible_statuses
from conformance.polling import eventually
from conformance.reads import read_instance
from conformance.sending import encode, send
from conformance.workflows import GO_EVENT

SEED = 20261204
ROUNDS = 12
BATCH = 6
STARTS = (Status.RUNNING, Status.SUSPENDED, Status.COMPLETED, Status.FAILED, Status.TERMINATED)
OPERATIONS = (
    Operation.START,
    Operation.GET,
    Operation.TERMINATE,
    Operation.RAISE_EVENT,
    Operation.PAUSE,
    Operation.RESUME,
    Operation.PURGE,
)


def random_batch(rng: random.Random, start: Status) -> list[Operation]:
    """``BATCH`` operations; a pause at most once, and never for a SUSPENDED start."""
    batch: list[Operation] = []
    while len(batch) < BATCH:
        operation = rng.choice(OPERATIONS)
        if operation is Operation.PAUSE and (start is Status.SUSPENDED or operation in batch):
            continue
        batch.append(operation)
    return batch


def answer_of(operation: Operation, reply: Reply) -> Answer:
    """The answer as the linearizability check reads it."""
    error = ErrorAnswer.read(reply).code if reply.status >= 400 else None
    state = read_state(reply) if operation is Operation.GET else None
    return Answer(operation, reply.status, error, status_of(state.status) if state else None)


def status_of(text: str) -> Status | None:
    """The runtime status named ``text``, None when it is none of them."""
    return next((status for status in Status if status.value == text), None)


@pytest.fixture
def clients(client: WorkflowClient) -> Iterator[list[WorkflowClient]]:
    """One client (one connection) per request of a batch."""
    made = [client.clone() for _ in range(BATCH)]
    yield made
    for each in made:
        each.close()


def settled(instances: Instances, instance_id: str) -> Status:
    """The status once it stayed the same for the settle time (ABSENT after a purge)."""
    seen: list[tuple[Status | None, float]] = []

    def look() -> tuple[Status | None, float]:
        reply = instances.read(instance_id)
        state = read_state(reply)
        status = (
            Status.ABSENT if reply.status == 404 else status_of(state.status) if state else None
        )
        if not seen or seen[-1][0] != status:
            seen.append((status, time.monotonic()))
            return status, 0.0
        return status, time.monotonic() - seen[-1][1]

    def steady(looked: tuple[Status | None, float]) -> bool:
        return looked[0] is not None and looked[1] >= instances.timing.settle

    def never(looked: tuple[Status | None, float], _: float) -> Nonconformance:
        return fail("concurrency.linearizable", f"{instance_id} never settled (last: {looked[0]})")

    status = eventually(look, steady, timing=instances.timing, on_timeout=never)[0]
    assert status is not None
    return status


@pytest.mark.stress
@pytest.mark.behaviour("concurrency.linearizable")
def test_commands_sent_at_once_to_one_instance_fit_one_serial_order(
    instances: Instances, clients: list[WorkflowClient]
) -> None:
    behaviour = "concurrency.linearizable"
    rng = random.Random(SEED)
    interval = instances.timing.interval

    def send_one(job: tuple[WorkflowClient, Operation, str]) -> Reply:
        client, operation, instance_id = job
        if operation is Operation.GET:
            return read_instance(client, instance_id, interval=interval)
        body = encode("stress") if operation in (Operation.START, Operation.RAISE_EVENT) else None
        return send(client, operation, instance_id, body=body, event=rng_event[instance_id])

    rng_event: dict[str, str] = {}
    for number in range(ROUNDS):
        start = rng.choice(STARTS)
        instance_id = instances.in_status(start, behaviour=behaviour)
        rng_event[instance_id] = rng.choice([GO_EVENT, "not-go"])
        batch = random_batch(rng, start)
        with ThreadPoolExecutor(BATCH) as pool:
            jobs = [(clients[i], op, instance_id) for i, op in enumerate(batch)]
            replies = list(pool.map(send_one, jobs))
        answers = [answer_of(op, reply) for op, reply in zip(batch, replies, strict=True)]
        end = settled(instances, instance_id)
        possible = possible_statuses(start, batch)
        sent = "; ".join(r.describe() for r in replies)
        for reply, answer in zip(replies, answers, strict=True):
            if not any(fits(answer, status) for status in possible):
                raise fail(
                    behaviour,
                    f"round {number} (seed {SEED}), from {start}: the answer fits no status the "
                    f"instance could be in ({', '.join(sorted(possible))}); the round: {sent}",
                    reply,
                )
        if end not in possible or not linearizes(start, answers, end, delayed=True):
            raise fail(
                behaviour,
                f"round {number} (seed {SEED}): no one-at-a-time order of these answers takes "
                f"the instance from {start} to the {end} it ended in; the round: {sent}",
            )
