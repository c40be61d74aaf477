"""The instance driver of the suite's tests: :class:`Instances` starts conformance workflow
instances, brings them into a status, reads, waits and watches them, and terminates them after
the test."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from typing import Any

from conformance.answers import State
from conformance.checks import Checks
from conformance.client import Reply, WorkflowClient
from conformance.instance_waits import stays, wait_for_status
from conformance.lifecycle import Operation, Status
from conformance.polling import Timing
from conformance.reads import read_instance
from conformance.sending import encode, send
from conformance.workflows import ECHO, EVENT, FAIL

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
