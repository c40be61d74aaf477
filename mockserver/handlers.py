"""Thin aiohttp handlers for daprd's routes: parse the request, call the engine, write the body."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from conformance.lifecycle import Operation
from mockserver import __version__
from mockserver.api_errors import DaprError
from mockserver.bodies import result_response, workflow_state
from mockserver.engine import Engine
from mockserver.routing import HEALTHZ, METADATA, BadEscape, RouteMatch, match, parse_query

ENGINE = web.AppKey("engine", Engine)
APP_ID = web.AppKey("app_id", str)
ROUTE = web.RequestKey("dapr_route", RouteMatch)
"""The daprd route a request reached (absent for daprd's fallback)."""

Handler = Callable[[web.Request, dict[str, str], str], Awaitable[web.StreamResponse]]

_PROTO_STRING_FIELDS = ("instanceID", "instance_id", "workflowComponent", "workflow_component")


async def dapr(request: web.Request) -> web.StreamResponse:
    """Every request outside ``/_mock``: route it as daprd does, else daprd's fallback."""
    path, _, query = request.raw_path.partition("?")
    try:
        found = match(request.method, path)
    except BadEscape:
        # daprd answers a plain-text 400 here; the mock keeps to Dapr error bodies and treats
        # a path it cannot decode as one that matches no route.
        found = None
    if found is None:
        raise DaprError("ERR_DIRECT_INVOKE")
    request[ROUTE] = found
    return await _HANDLERS[found.target](request, found.params, query)


async def _start(request: web.Request, params: dict[str, str], query: str) -> web.StreamResponse:
    raw_input = await _body_text(request)
    instance_id = parse_query(query).get("instanceID") or None
    started = request.app[ENGINE].start(params["workflowName"], instance_id, raw_input)
    return result_response(202, {"instanceID": started})


async def _get(request: web.Request, params: dict[str, str], query: str) -> web.StreamResponse:
    await _check_json_body(request)
    view = request.app[ENGINE].get(params["instanceID"])
    return result_response(200, workflow_state(view))


def _command(method: str) -> Handler:
    """A handler for a command that takes only the instance ID (``Engine.<method>``)."""

    async def handle(request: web.Request, params: dict[str, str], query: str) -> web.Response:
        await _check_json_body(request)
        run: Callable[[str], None] = getattr(request.app[ENGINE], method)
        run(params["instanceID"])
        return result_response(202, {})

    return handle


async def _raise_event(
    request: web.Request, params: dict[str, str], query: str
) -> web.StreamResponse:
    payload = await _body_text(request)
    request.app[ENGINE].raise_event(params["instanceID"], params["eventName"], payload)
    return result_response(202, {})


async def _metadata(request: web.Request, params: dict[str, str], query: str) -> web.Response:
    return result_response(
        200,
        {
            "id": request.app[APP_ID],
            "runtimeVersion": f"{__version__}-mock",
            "enabledFeatures": [],
            "components": [],
            "extended": {"mock": "dapr-workflow-mock"},
        },
    )


async def _healthz(request: web.Request, params: dict[str, str], query: str) -> web.Response:
    return web.Response(status=204)


_HANDLERS: dict[Operation | str, Handler] = {
    Operation.START: _start,
    Operation.GET: _get,
    Operation.TERMINATE: _command("terminate"),
    Operation.RAISE_EVENT: _raise_event,
    Operation.PAUSE: _command("pause"),
    Operation.RESUME: _command("resume"),
    Operation.PURGE: _command("purge"),
    METADATA: _metadata,
    HEALTHZ: _healthz,
}


async def _body_text(request: web.Request) -> str:
    """The raw body as the workflow input or event payload (daprd passes it verbatim)."""
    return (await request.read()).decode("utf-8", "replace")


async def _check_json_body(request: web.Request) -> None:
    """daprd unmarshals a non-empty body with protojson into the request message, then ignores
    it; only a body that would not unmarshal matters (400 ``ERR_MALFORMED_REQUEST``)."""
    body = await request.read()
    if body:
        problem = protojson_problem(body)
        if problem is not None:
            raise DaprError("ERR_MALFORMED_REQUEST", problem)


def protojson_problem(body: bytes) -> str | None:
    """Why protojson would refuse ``body`` for a workflow request message, in its words."""
    try:
        value = json.loads(body, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        return f"proto: syntax error (line {error.lineno}:{error.colno}): {error.msg}"
    except ValueError as error:
        return f"proto: syntax error: {error}"
    except RecursionError:
        # Nested deeper than Python's stack allows; protojson has a depth limit of its own.
        return "proto: exceeded max recursion depth"
    if not isinstance(value, dict):
        return f"proto: syntax error (line 1:1): unexpected token {_token(value)}"
    for name in _PROTO_STRING_FIELDS:
        if name in value and not isinstance(value[name], str | None):
            return f"proto: invalid value for string field {name}: {_token(value[name])}"
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid value {name}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f'duplicate field "{key}"')
        found[key] = value
    return found


def _token(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:40]
