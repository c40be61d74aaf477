"""Fixtures for testing the suite itself: mocks to run it against, and ways to run it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.client import Reply
from conformance.suite import SCENARIO_MODULES
from mockserver.testing import running_mock

__all__ = ["SCENARIO_MODULES", "reply", "run_pytest"]


LAGGING_START_DELAY = 0.1
LAGGING_TRANSITION_DELAY = 0.05
"""A target slower and more asynchronous than the plain mock."""


@pytest.fixture(scope="session")
def mock_url() -> Iterator[str]:
    """The plain mock, for this session."""
    with running_mock() as url:
        yield url


@pytest.fixture(scope="session")
def lagging_mock_url() -> Iterator[str]:
    """The mock with new instances PENDING for 0.1 s and commands taking effect 0.05 s late."""
    with running_mock(
        start_delay=LAGGING_START_DELAY, transition_delay=LAGGING_TRANSITION_DELAY
    ) as url:
        yield url


def run_pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in a fresh interpreter, from ``cwd`` (no project ini)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def reply(status: int = 404, text: str = '{"errorCode":"E","message":"m"}') -> Reply:
    """A canned answer to a pause of instance ``i`` (for the helpers' unit tests)."""
    return Reply(
        method="POST",
        url="http://t/v1.0/workflows/dapr/i/pause",
        status=status,
        headers={"content-type": "application/json"},
        text=text,
    )
