"""The shortcut past aiohttp's router (mockserver.direct_serving) changes no answer.

On the installed aiohttp the shortcut is taken; the same requests sent to a mock that takes it
and to one that routes every request get the same bytes back; and where aiohttp's internals are
not what the shortcut needs, the mock routes as usual.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from mockserver import app as mock_app
from mockserver.clock import ManualClock
from mockserver.direct_serving import DIRECT

AiohttpClient = Callable[..., Awaitable[TestClient[Any, Any]]]
START_US = 1_750_000_000_000_000

REQUESTS: list[tuple[str, str, bytes, dict[str, str]]] = [
    ("POST", "/v1.0/workflows/dapr/EventWorkflow/start?instanceID=a", b'{"n":1}', {}),
    ("GET", "/v1.0/workflows/dapr/a", b"", {}),
    ("POST", "/v1.0-beta1/workflows/dapr/a/pause", b"", {}),
    ("GET", "/v1.0-alpha1/workflows/dapr/a", b"", {}),
    ("POST", "/v1.0/workflows/dapr/a/resume", b"", {}),
    ("POST", "/v1.0/workflows/dapr/a/raiseEvent/go", b'"x"', {}),
    ("GET", "/v1.0/workflows/dapr/a", b"", {}),
    ("POST", "/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=a", b"", {}),
    ("GET", "/v1.0/workflows/dapr/nope", b"", {}),
    ("POST", "/v1.0/workflows/dapr/nope/terminate", b"", {}),
    ("DELETE", "/v1.0/workflows/dapr/a", b"", {}),
    ("GET", "/v1.0/metadata", b"", {}),
    ("GET", "/v1.0/healthz", b"", {}),
    ("GET", "/nothing/here", b"", {}),
    ("POST", "/v1.0/workflows/dapr/a/purge", b"", {"Expect": "100-continue"}),
    ("GET", "/_mock/instances", b"", {}),
    ("GET", "/v1.0/workflows/dapr/a", b"", {}),
]


async def answers(client: TestClient[Any, Any]) -> list[tuple[int, str, bytes]]:
    replies = []
    for method, path, body, headers in REQUESTS:
        async with client.request(method, path, data=body, headers=headers) as response:
            replies.append(
                (response.status, response.headers.get("Content-Type", ""), await response.read())
            )
    return replies


def routed_only(app: web.Application) -> None:
    app[DIRECT] = False


async def test_the_installed_aiohttp_takes_the_shortcut(aiohttp_client: AiohttpClient) -> None:
    app = mock_app.create_app(clock=ManualClock(START_US))
    await aiohttp_client(app)
    assert app[DIRECT] is True


async def test_the_shortcut_answers_every_request_as_the_router_does(
    aiohttp_client: AiohttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct_app = mock_app.create_app(clock=ManualClock(START_US))
    direct = await answers(await aiohttp_client(direct_app))
    monkeypatch.setattr(mock_app, "serve_directly", routed_only)
    routed_app = mock_app.create_app(clock=ManualClock(START_US))
    routed = await answers(await aiohttp_client(routed_app))
    assert (direct_app[DIRECT], routed_app[DIRECT]) == (True, False)
    assert direct == routed
    assert [status for status, _, _ in direct] == [
        202, 200, 202, 200, 202, 202, 200, 202, 404, 404, 404, 200, 204, 404, 202, 200, 404
    ]  # fmt: skip


async def test_without_the_internals_it_needs_the_mock_routes_as_usual(
    aiohttp_client: AiohttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web.Request, "ATTRS", frozenset())
    app = mock_app.create_app(clock=ManualClock(START_US))
    replies = await answers(await aiohttp_client(app))
    assert app[DIRECT] is False
    assert replies[1][0] == 200 and b'"runtimeStatus":"RUNNING"' in replies[1][2]
