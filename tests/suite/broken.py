"""A deliberately broken target: a proxy in front of the mock that rewrites some answers.

The suite must fail against it, with a message naming the behaviour and daprd's answer; and
where a rewrite stays within what daprd may answer, the suite must still pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from mockserver.testing import serving

SESSION = web.AppKey("session", aiohttp.ClientSession)


@dataclass
class Exchange:
    """One proxied request and the answer the proxy is about to send (mutable)."""

    method: str
    path: str
    query: str
    request_body: bytes
    status: int = 0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def set_json(self, value: Any) -> None:
        self.body = json.dumps(value, separators=(",", ":")).encode()
        self.headers["Content-Type"] = "application/json"


Rewrite = Callable[[Exchange], None]
"""Changes an exchange in place; may also answer before the mock is asked (status set)."""


@contextmanager
def broken_target(upstream: str, *, before: Rewrite | None = None, after: Rewrite) -> Iterator[str]:
    """Serve a rewriting proxy of ``upstream`` on 127.0.0.1:0; yield its base URL."""
    with serving(_proxy_app(upstream, before, after)) as base_url:
        yield base_url


def _proxy_app(upstream: str, before: Rewrite | None, after: Rewrite) -> web.Application:
    async def proxy(request: web.Request) -> web.Response:
        path, _, query = request.raw_path.partition("?")
        exchange = Exchange(request.method, path, query, await request.read())
        if before is not None:
            before(exchange)
        if not exchange.status:
            async with request.app[SESSION].request(
                request.method,
                URL(upstream + request.raw_path, encoded=True),
                data=exchange.request_body,
                headers={k: v for k, v in request.headers.items() if k.lower() == "content-type"},
            ) as answer:
                exchange.status = answer.status
                exchange.body = await answer.read()
                kind = answer.headers.get("Content-Type")
                exchange.headers = {"Content-Type": kind} if kind else {}
            after(exchange)
        return web.Response(status=exchange.status, body=exchange.body, headers=exchange.headers)

    async def session(app: web.Application) -> Any:
        app[SESSION] = aiohttp.ClientSession()
        yield
        await app[SESSION].close()

    app = web.Application()
    app.cleanup_ctx.append(session)
    app.router.add_route("*", "/{tail:.*}", proxy)
    return app
