"""The Dapr Workflow HTTP API (daprd's routes, codes and bodies) over :class:`EngineInstances`.

Routing follows daprd rather than aiohttp's router: the escaped path is cleaned (``//`` and
``..``), split on ``/``, matched against the seven route shapes under the three API versions,
and every path parameter is unescaped like Go's ``url.QueryUnescape`` (``%2F`` and ``+``
included). Anything else, wrong methods too, gets daprd's fallback 404 ``ERR_DIRECT_INVOKE``.
"""

from __future__ import annotations

import json
import posixpath
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web

from conformance.contract import API_VERSIONS, MAX_INSTANCE_ID_BYTES
from engineserver.errors import DaprError
from engineserver.instances import EngineInstances

INSTANCES = web.AppKey("instances", EngineInstances)

COMMANDS = ("terminate", "pause", "resume", "purge")


@dataclass(frozen=True)
class Route:
    """A matched workflow route: the operation and its unescaped path parameters."""

    operation: str
    target: str
    event_name: str = ""


def match(method: str, raw_path: str) -> Route | None:
    """The workflow route ``method raw_path`` names, or None (daprd's fallback handler)."""
    cleaned = posixpath.normpath("/" + raw_path.split("?", 1)[0].lstrip("/"))
    parts = cleaned.strip("/").split("/")
    if len(parts) < 4 or parts[0] not in API_VERSIONS or parts[1] != "workflows":
        return None
    params = [unquote_plus(part) for part in parts[3:]]
    if method == "GET" and len(params) == 1:
        return Route("get", params[0])
    if method != "POST":
        return None
    if len(params) == 2 and params[1] == "start":
        return Route("start", params[0])
    if len(params) == 2 and params[1] in COMMANDS:
        return Route(params[1], params[0])
    if len(params) == 3 and params[1] == "raiseEvent":
        return Route("raiseEvent", params[0], params[2])
    return None


def validate_instance_id(instance_id: str) -> None:
    """daprd's start-time ID rule: at most 64 bytes, then letters, digits, ``_`` and ``-``."""
    if len(instance_id.encode("utf-8")) > MAX_INSTANCE_ID_BYTES:
        raise DaprError("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES)
    if not all(ch.isalpha() or ch.isdecimal() or ch in "_-" for ch in instance_id):
        raise DaprError("ERR_INSTANCE_ID_INVALID", instance_id)


def check_json_body(body: bytes) -> None:
    """A non-empty command body must be a JSON object (daprd parses it into its request)."""
    if not body:
        return
    try:
        parsed = json.loads(body)
    except ValueError as failure:
        raise DaprError("ERR_MALFORMED_REQUEST", f"proto: syntax error: {failure}") from None
    if not isinstance(parsed, dict):
        raise DaprError(
            "ERR_MALFORMED_REQUEST", f"proto: syntax error: unexpected token {body[:20]!r}"
        )


def accepted(body: dict[str, Any] | None = None) -> web.Response:
    return web.json_response({} if body is None else body, status=202)


async def dispatch(request: web.Request) -> web.Response:
    """Serve one request the way daprd's workflow handlers and fallback would."""
    route = match(request.method, request.raw_path)
    if route is None:
        raise DaprError("ERR_DIRECT_INVOKE")
    instances = request.app[INSTANCES]
    body = await request.read()
    text = body.decode("utf-8", errors="replace")
    if route.operation == "start":
        instance_id = request.query.get("instanceID", "") or str(uuid.uuid4())
        validate_instance_id(instance_id)
        await instances.start(route.target, instance_id, text)
        return accepted({"instanceID": instance_id})
    if route.operation == "raiseEvent":
        await instances.raise_event(route.target, route.event_name, text)
        return accepted()
    check_json_body(body)
    if route.operation == "get":
        return web.json_response(await instances.get(route.target))
    command: Callable[[str], Awaitable[None]] = getattr(instances, route.operation)
    await command(route.target)
    return accepted()


@web.middleware
async def dapr_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every failure leaves as ``{"errorCode", "message"}``; never a bare 500."""
    try:
        return await handler(request)
    except DaprError as failure:
        return web.json_response(failure.body(), status=failure.status)
    except web.HTTPException:
        raise
    except Exception as failure:
        # daprd's own catch-all shape for errors that are not API errors (facts §5.1).
        return web.json_response({"errorCode": "ERROR", "message": str(failure)}, status=500)


def create_app(*, engine_address: str) -> web.Application:
    """The HTTP API over the engine at ``engine_address`` (``host:port`` of its gRPC)."""
    app = web.Application(middlewares=[dapr_errors])

    async def instances_client(app: web.Application) -> Any:
        instances = EngineInstances.connect(engine_address)
        app[INSTANCES] = instances
        yield
        await instances.close()

    app.cleanup_ctx.append(instances_client)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app
