"""Whether answers to concurrent requests on one instance fit one serial order (pure).

A round of requests sent to one instance at once gets answers; they are right when some
one-at-a-time order of exactly those requests, from the status the instance had before, gives
every answer by the lifecycle table (``openapi.yaml`` ``x-dapr-lifecycle``), with the
lifecycle's autonomous moves (a workflow completing, a start being processed) anywhere in
between, and leaves the instance in the status read after the round (:func:`linearizes`).

On a target whose commands take effect after they are answered (daprd, or the mock with a
transition delay), ``delayed=True``: an accepted terminate, pause, resume or purge takes effect
at some later point of the order instead, by the table for the status it meets then, unless a
start re-creates the instance first; every effect lands before the end.

Used by the suite's opt-in ``--stress`` test and by the mock's own concurrency tests. Pure: no
I/O.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conformance.contract import lifecycle
from conformance.lifecycle import Operation, Status

DELAYED = (Operation.TERMINATE, Operation.PAUSE, Operation.RESUME, Operation.PURGE)
"""The commands whose effect on the status may land after their answer."""


@dataclass(frozen=True)
class Answer:
    """What one request got: its operation, the HTTP status, the error code of an error, and
    the status a successful GET reported."""

    operation: Operation
    http: int
    error: str | None = None
    reported: Status | None = None


def possible_statuses(start: Status, operations: Iterable[Operation]) -> frozenset[Status]:
    """Every status an instance in ``start`` may pass through while ``operations`` run on it in
    any order and any number of times, with the lifecycle's autonomous moves in between."""
    table = lifecycle()
    operations = set(operations)
    reached = {start}
    frontier = [start]
    while frontier:
        status = frontier.pop()
        following = set(table.may_become(status))
        for operation in operations:
            cell = table.cell(status, operation)
            following.update(outcome.status_after(status) for outcome in cell.accepted)
        for new in following - reached:
            reached.add(new)
            frontier.append(new)
    return frozenset(reached)


def fits(answer: Answer, status: Status) -> bool:
    """Whether the table gives ``answer`` in ``status`` (a GET must also report that status)."""
    cell = lifecycle().cell(status, answer.operation)
    if not cell.matches(answer.http, answer.error, conditional=True):
        return False
    return answer.operation is not Operation.GET or answer.http != 200 or answer.reported is status


def linearizes(
    start: Status, answers: Sequence[Answer], end: Status, *, delayed: bool = False
) -> bool:
    """Whether some order of ``answers`` takes the instance from ``start`` to ``end``."""
    table = lifecycle()
    # Requests with the same operation and answer are interchangeable: search over counts.
    kinds = Counter(answers)
    moves = list(kinds)
    no_effects = (0,) * len(DELAYED)
    State = tuple[tuple[int, ...], tuple[int, ...], Status]
    dead_ends: set[State] = set()

    def search(left: tuple[int, ...], effects: tuple[int, ...], status: Status) -> bool:
        """From ``status``, after any autonomous moves."""
        return any(step(left, effects, current) for current in _may_become(status))

    def step(left: tuple[int, ...], effects: tuple[int, ...], current: Status) -> bool:
        """From exactly ``current``: the end, or one request or effect next."""
        if (left, effects, current) in dead_ends:
            return False
        if not any(left) and not any(effects) and current is end:
            return True
        for index, operation in enumerate(DELAYED):
            if effects[index]:
                after = table.apply(current, operation)
                following = after.status_after(current) if after.is_success else current
                if search(left, _less(effects, index), following):
                    return True
        for index, answer in enumerate(moves):
            if not left[index] or answer.reported not in (None, current):
                continue
            # The history is not known here: answers right only after an earlier request
            # (the table's conditional ones) count too.
            cell = table.cell(current, answer.operation)
            for outcome in cell.matches(answer.http, answer.error, conditional=True):
                following, pending = outcome.status_after(current), effects
                if delayed and outcome.is_success and answer.operation in DELAYED:
                    following = current
                    pending = _less(effects, DELAYED.index(answer.operation), -1)
                elif delayed and outcome.is_success and answer.operation is Operation.START:
                    pending = no_effects  # the old instance's commands are dropped with it
                if search(_less(left, index), pending, following):
                    return True
        dead_ends.add((left, effects, current))
        return False

    return search(tuple(kinds.values()), no_effects, start)


def _less(counts: tuple[int, ...], index: int, by: int = 1) -> tuple[int, ...]:
    return (*counts[:index], counts[index] - by, *counts[index + 1 :])


@functools.cache
def _may_become(status: Status) -> frozenset[Status]:
    return lifecycle().may_become(status)
