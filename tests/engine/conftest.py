"""A session-wide engine-backed target (``dapr-workflow-engine``) in a child process."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from conformance.client import WorkflowClient
from conformance.launcher import Child, launch
from tests.engine.servers import ENGINE_COMMAND


@pytest.fixture(scope="session")
def engine_server() -> Iterator[Child]:
    pytest.importorskip("durabletask", reason="the engine target needs the 'engine' extra")
    server = launch(ENGINE_COMMAND)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def engine(engine_server: Child) -> Iterator[WorkflowClient]:
    """A client of the session's engine-backed target."""
    client = WorkflowClient(engine_server.url)
    yield client
    client.close()


@pytest.fixture
def new_id() -> Callable[[], str]:
    """Fresh, valid instance IDs."""
    return lambda: f"e-{uuid.uuid4().hex[:16]}"
