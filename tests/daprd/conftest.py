"""Fixtures for testing daprsidecar: one real stack per session, and helpers to drive it."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from daprsidecar.build import BuildError
from daprsidecar.pytest_plugin import unavailable_reason
from daprsidecar.stack import Sidecar, SidecarStartError, running_sidecar
from daprsidecar.versions import DEFAULT_VERSION

WORKFLOW_DEADLINE = 20.0
"""Seconds an EchoWorkflow gets to complete on the loopback stack (it takes milliseconds)."""


def require_daprd(version: str = DEFAULT_VERSION) -> None:
    """Skip, saying why, when daprd is neither built nor buildable here."""
    reason = unavailable_reason(version)
    if reason is not None:
        pytest.skip(reason)


@contextlib.contextmanager
def started(**options: Any) -> Iterator[Sidecar]:
    """``running_sidecar`` for the default version; skips when unavailable, fails on BuildError."""
    require_daprd()
    try:
        with running_sidecar(DEFAULT_VERSION, **options) as sidecar:
            yield sidecar
    except BuildError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def sidecar() -> Iterator[Sidecar]:
    """One stack (placement, scheduler, daprd, the app) shared by the tests that only read."""
    try:
        with started() as running:
            yield running
    except SidecarStartError as error:
        pytest.fail(str(error), pytrace=False)


def run_echo(base_url: str, instance_id: str, payload: Any) -> dict[str, Any]:
    """Start an EchoWorkflow over HTTP and poll until it leaves RUNNING; its last GET answer."""
    started_at = requests.post(
        f"{base_url}/v1.0/workflows/dapr/EchoWorkflow/start",
        params={"instanceID": instance_id},
        json=payload,
        timeout=10,
    )
    assert started_at.status_code == 202, started_at.text
    assert started_at.json() == {"instanceID": instance_id}
    deadline = time.monotonic() + WORKFLOW_DEADLINE
    while True:
        answer = requests.get(f"{base_url}/v1.0/workflows/dapr/{instance_id}", timeout=10)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body["runtimeStatus"] not in ("PENDING", "RUNNING"):
            return body
        assert time.monotonic() < deadline, f"{instance_id} still {body['runtimeStatus']}"
        time.sleep(0.05)


def is_gone(pid: int) -> bool:
    """Whether no process has this PID any more (or only a zombie, which holds nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def still_running(pids: Iterable[int]) -> list[int]:
    """The PIDs that are still alive."""
    return [pid for pid in pids if not is_gone(pid)]


def refuses_connections(port: int) -> bool:
    """Whether nothing accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True
