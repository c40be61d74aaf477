"""What a regression test rendered by :meth:`conformance.script.Script.pytest` imports: reading
an answer as the model compares it, and waiting for a command's effect.

A rendered test is pasted into a conformance suite module and runs against any target; these
helpers keep it short and read answers and poll the way the suite itself does
(:mod:`conformance.answers`, :func:`conformance.polling.eventually`).
"""

from __future__ import annotations

import json
from collections.abc import Collection

from conformance.answers import error_code, read_state
from conformance.client import Reply, WorkflowClient
from conformance.daprd_formats import PROP_INPUT
from conformance.model import answer_kind
from conformance.polling import Timing, eventually
from conformance.reads import read_instance

INTERVAL = 0.02
"""Seconds between the polls of :func:`wait_for` (the suite's default poll interval)."""


def answer(reply: Reply) -> tuple[int, str | None]:
    """The HTTP status and errorCode (None for a success or a body without one)."""
    return reply.status, error_code(reply)


def kind(status: int) -> str:
    """success (2xx), error (4xx/5xx) or other."""
    return answer_kind(status)


def status_of(reply: Reply) -> str:
    """runtimeStatus of a GET answer, ABSENT for an error (daprd: 404)."""
    if reply.status >= 400:
        return "ABSENT"
    state = read_state(reply)
    assert reply.status == 200 and state is not None, reply.describe()
    return state.status


def wait_for(
    client: WorkflowClient,
    instance_id: str,
    statuses: Collection[str],
    *,
    unless: Collection[str] = frozenset(),
    run_input: str | None = None,
    deadline: float = 10.0,
) -> str:
    """Poll GET until the status is one of statuses (and, if in unless, the new run's)."""

    def reached(reply: Reply) -> bool:
        status = status_of(reply)
        if status in statuses and status not in unless:
            return True
        state = read_state(reply)
        shown = state.properties.get(PROP_INPUT) if status in statuses and state else None
        return shown is not None and json.loads(shown) == json.loads(run_input or "null")

    reply = eventually(
        lambda: read_instance(client, instance_id, interval=INTERVAL),
        reached,
        timing=Timing(deadline=deadline, interval=INTERVAL),
        on_timeout=lambda reply, _: AssertionError(f"never reached {statuses}: {reply.describe()}"),
    )
    return status_of(reply)
