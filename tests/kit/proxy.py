"""The one rewriting proxy of the tests: a deliberately broken target in front of a good one.

Every request is an :class:`Exchange` that knows its daprd route (the operation and instance ID
daprd would see, by :mod:`daprhttp.routing`). A ``before`` rewrite runs before the upstream is
asked and may answer itself (set ``status``); an ``after`` rewrite changes the upstream's
answer. A rewrite may be a coroutine function and ask the upstream more (:meth:`Exchange.ask`).

The suite must fail against such a target, with a message naming the behaviour and daprd's
answer; and where a rewrite stays within what daprd may answer, the suite must still pass.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from conformance.lifecycle import Operation
from daprhttp.routing import BadEscape, RouteMatch, match, parse_query
from mockserver.testing import serving

SESSION = web.AppKey("session", aiohttp.ClientSession)


def route_of(method: str, raw_path: str) -> RouteMatch | None:
    """The workflow route daprd runs for this method and raw path (None: the fallback)."""
    try:
        return match(method, raw_path.partition("?")[0])
    except BadEscape:
        return None


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
    upstream: str = ""
    session: aiohttp.ClientSession | None = field(default=None, repr=False)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def set_json(self, value: Any) -> None:
        self.body = json.dumps(value, separators=(",", ":")).encode()
        self.headers["Content-Type"] = "application/json"

    @property
    def route(self) -> RouteMatch | None:
        """The workflow route daprd runs for this request (None: the fallback)."""
        return route_of(self.method, self.path)

    @property
    def operation(self) -> Operation | None:
        """The workflow operation daprd routes this request to (None: no workflow route)."""
        found = self.route
        return found.target if found is not None and isinstance(found.target, Operation) else None

    @property
    def instance_id(self) -> str | None:
        """The instance the request is about (a start's ``instanceID``), as daprd decodes it."""
        found = self.route
        if found is None:
            return None
        if found.target is Operation.START:
            return parse_query(self.query).get("instanceID")
        return found.params.get("instanceID")

    async def ask(self, method: str, path: str) -> tuple[int, Any]:
        """Send a request of the rewrite's own to the upstream: its status and JSON body."""
        assert self.session is not None
        async with self.session.request(method, self.upstream + path) as answer:
            text = await answer.read()
        try:
            return answer.status, json.loads(text) if text else None
        except ValueError:
            return answer.status, None


Rewrite = Callable[[Exchange], Awaitable[None] | None]
"""Changes an exchange in place; a ``before`` rewrite may answer itself (sets ``status``)."""


def chain(*rewrites: Rewrite) -> Rewrite:
    """The rewrites in order; as a ``before`` rewrite, only until one of them answers."""

    async def run(exchange: Exchange) -> None:
        answered = bool(exchange.status)
        for rewrite in rewrites:
            await _apply(rewrite, exchange)
            if exchange.status and not answered:
                return

    return run


async def _apply(rewrite: Rewrite, exchange: Exchange) -> None:
    result = rewrite(exchange)
    if inspect.isawaitable(result):
        await result


@contextmanager
def broken_target(
    upstream: str, *, before: Rewrite | None = None, after: Rewrite | None = None
) -> Iterator[str]:
    """Serve a rewriting proxy of ``upstream`` on 127.0.0.1:0; yield its base URL."""
    with serving(rewriting_proxy(upstream, before=before, after=after)) as base_url:
        yield base_url


def rewriting_proxy(
    upstream: str, *, before: Rewrite | None = None, after: Rewrite | None = None
) -> web.Application:
    """The proxy's app: every request goes to ``upstream`` unless ``before`` answers it."""

    async def proxy(request: web.Request) -> web.Response:
        path, _, query = request.raw_path.partition("?")
        session = request.app[SESSION]
        exchange = Exchange(
            request.method, path, query, await request.read(), upstream=upstream, session=session
        )
        if before is not None:
            await _apply(before, exchange)
        if not exchange.status:
            target = exchange.path + (f"?{exchange.query}" if exchange.query else "")
            async with session.request(
                request.method,
                URL(upstream + target, encoded=True),
                data=exchange.request_body,
                headers={k: v for k, v in request.headers.items() if k.lower() == "content-type"},
            ) as answer:
                exchange.status = answer.status
                exchange.body = await answer.read()
                kind = answer.headers.get("Content-Type")
                exchange.headers = {"Content-Type": kind} if kind else {}
            if after is not None:
                await _apply(after, exchange)
        return web.Response(status=exchange.status, body=exchange.body, headers=exchange.headers)

    async def open_session(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as session:
            app[SESSION] = session
            yield

    app = web.Application()
    app.cleanup_ctx.append(open_session)
    app.router.add_route("*", "/{tail:.*}", proxy)
    return app


TRANSIENT_READ_FAILURE = {
    "errorCode": "ERR_GET_WORKFLOW",
    "message": "error while getting workflow info on instance 'x': failed to get workflow "
    "metadata for 'x': failed to fetch workflow metadata: workflow 'x': inbox key "
    "'inbox-000000' declared in metadata (inboxLength=1) but missing from state store "
    "(transient store read failure or partial save?)",
}
"""What daprd 1.18.2 answered a GET that raced the instance's save (conformance.reads)."""


def racing_reads() -> Rewrite:
    """Not a bug: the first GET of an instance after each request that writes it answers
    daprd 1.18.2's transient read failure (500 ERR_GET_WORKFLOW), as a GET racing the
    instance's save does. Works as a ``before`` or an ``after`` rewrite."""
    written: set[str] = set()

    def rewrite(exchange: Exchange) -> None:
        operation, instance_id = exchange.operation, exchange.instance_id
        if operation is None or instance_id is None:
            return
        if operation is not Operation.GET:
            written.add(instance_id)
        elif instance_id in written:
            written.discard(instance_id)
            exchange.status = 500
            exchange.set_json(TRANSIENT_READ_FAILURE)

    return rewrite
