"""Helpers for the mock's handler-level tests: the seven operations over an aiohttp test client."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from yarl import URL

Body = bytes | str | io.BytesIO


@dataclass(frozen=True)
class MockReply:
    """One answer: status, parsed JSON body (None when empty) and content type."""

    status: int
    body: Any
    content_type: str

    @property
    def error(self) -> str | None:
        return self.body.get("errorCode") if isinstance(self.body, dict) else None


class Dapr:
    """The seven operations (and the control API) over a test client."""

    def __init__(self, client: TestClient[Any, Any], prefix: str = "v1.0") -> None:
        self.client = client
        self.prefix = prefix

    def under(self, prefix: str) -> Dapr:
        return Dapr(self.client, prefix)

    async def call(self, method: str, path: str, body: Body | None = None) -> MockReply:
        data = body.encode() if isinstance(body, str) else body
        url = URL(path, encoded=True)
        async with self.client.request(method, url, data=data) as response:
            raw = await response.read()
            return MockReply(
                status=response.status,
                body=(await response.json(content_type=None)) if raw else None,
                content_type=response.headers.get("Content-Type", ""),
            )

    def _wf(self, rest: str) -> str:
        return f"/{self.prefix}/workflows/dapr/{rest}"

    async def start(self, name: str, instance_id: str | None = None, body: Body = b"") -> MockReply:
        query = "" if instance_id is None else f"?instanceID={instance_id}"
        return await self.call("POST", self._wf(f"{name}/start{query}"), body)

    async def get(self, instance_id: str, body: Body | None = None) -> MockReply:
        return await self.call("GET", self._wf(instance_id), body)

    async def terminate(self, instance_id: str, body: Body | None = None) -> MockReply:
        return await self.call("POST", self._wf(f"{instance_id}/terminate"), body)

    async def raise_event(self, instance_id: str, event: str, body: Body = b"") -> MockReply:
        return await self.call("POST", self._wf(f"{instance_id}/raiseEvent/{event}"), body)

    async def pause(self, instance_id: str, body: Body | None = None) -> MockReply:
        return await self.call("POST", self._wf(f"{instance_id}/pause"), body)

    async def resume(self, instance_id: str, body: Body | None = None) -> MockReply:
        return await self.call("POST", self._wf(f"{instance_id}/resume"), body)

    async def purge(self, instance_id: str, body: Body | None = None) -> MockReply:
        return await self.call("POST", self._wf(f"{instance_id}/purge"), body)

    async def status(self, instance_id: str) -> str:
        reply = await self.get(instance_id)
        return "ABSENT" if reply.status == 404 else str(reply.body["runtimeStatus"])

    async def properties(self, instance_id: str) -> dict[str, str]:
        reply = await self.get(instance_id)
        assert reply.status == 200, reply
        return dict(reply.body.get("properties", {}))

    async def advance(self, seconds: float) -> MockReply:
        return await self.call("POST", "/_mock/clock/advance", f'{{"seconds": {seconds}}}')


MockFactory = Callable[..., Awaitable[Dapr]]
"""``make_mock(**create_app options)``: a validating mock over a test client."""
