"""Handler-level fixtures: the mock in-process (pytest-aiohttp), always validating its answers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Unpack

import pytest
from aiohttp.test_utils import TestClient

from mockserver.app import VALIDATION_FAILURES, MockOptions, create_app
from tests.mock.support import Dapr, MockFactory

AiohttpClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def make_mock(aiohttp_client: AiohttpClient) -> AsyncIterator[MockFactory]:
    """Start a validating mock with these options; fails the test if any answer broke the spec."""
    apps = []

    async def make(**options: Unpack[MockOptions]) -> Dapr:
        options["validate_responses"] = True
        app = create_app(**options)
        apps.append(app)
        return Dapr(await aiohttp_client(app))

    yield make
    for app in apps:
        assert app[VALIDATION_FAILURES] == [], "the mock answered outside openapi.yaml"


@pytest.fixture
async def dapr(make_mock: MockFactory) -> Dapr:
    """A validating mock with a manual clock and no delays."""
    return await make_mock(clock="manual")
