"""pytest fixtures for testing your own code against the mock (entry point ``dapr_workflow_mock``).

- ``dapr_workflow_mock``: the base URL of a mock, reset before each test.
- ``dapr_workflow_mock_options``: override it (session scope) to pass options to
  ``create_app``, e.g. ``{"clock": "manual"}``.
- ``dapr_workflow_mock_server``: the session's mock (not reset).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mockserver.app import MockOptions


@pytest.fixture(scope="session")
def dapr_workflow_mock_options() -> MockOptions:
    """Options for the session's mock (override in your conftest.py)."""
    return {}


@pytest.fixture(scope="session")
def dapr_workflow_mock_server(dapr_workflow_mock_options: MockOptions) -> Iterator[str]:
    """One mock for the whole session, on 127.0.0.1 and a free port."""
    # Imported here so that merely having the plugin installed costs no aiohttp import.
    from mockserver.testing import running_mock

    with running_mock(**dapr_workflow_mock_options) as base_url:
        yield base_url


@pytest.fixture
def dapr_workflow_mock(dapr_workflow_mock_server: str) -> str:
    """The mock's base URL, with no instances and nothing scheduled."""
    request = urllib.request.Request(f"{dapr_workflow_mock_server}/_mock/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    return dapr_workflow_mock_server
