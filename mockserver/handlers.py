"""Thin aiohttp handlers for daprd's routes: parse the request, call the engine, write the body."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

from conformance.lifecycle import Operation
from mockserver import __version__
from mockserver.api_errors import DaprError
from mockserver.bodies import (
    EMPTY_OBJECT,
    encoded_response,
    result_response,
    start_body,
    state_body,
)
from mockserver.engine import Engine
from mockserver.routing import HEALTHZ, METADATA, BadEscape, RouteMatch, match, parse_query

ENGINE = web.AppKey("engine", Engine)
APP_ID = web.AppKey("app_id", str)
ROUTE = web.RequestKey("dapr_route", RouteMatch)
"""The daprd route a request reached (absent for daprd's fallback)."""

Handler = Callable[[web.Request, dict[str, str], str], Awaitable[web.StreamResponse]]

DAPR_PATH_PREFIX = "/v"
"""Every daprd route starts here (``/v1.0...``); ``/_mock/...`` and the rest never do."""
_CATCH_ALL = "/{tail}"
"""The canonical form of the app's catch-all route, the one daprd's paths reach."""

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


def serve_directly(app: web.Application) -> None:
    """Let requests on daprd's paths skip aiohttp's router: they reach the catch-all route's
    handler through the app's middlewares, as routed requests do, minus the router's per-request
    work (about a quarter of a GET's cost). Anything else (``/_mock/...``, ``Expect``) is routed.
    """
    routed: Callable[[web.Request], Awaitable[web.StreamResponse]] = app._handle
    direct: list[tuple[Callable[[web.Request], Awaitable[web.StreamResponse]], Any]] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        if not request.raw_path.startswith(DAPR_PATH_PREFIX) or hdrs.EXPECT in request.headers:
            return await routed(request)
        if not direct:
            direct.append(_direct_route(app))
        chain, match_info = direct[0]
        request._match_info = match_info
        return await chain(request)

    # The app is frozen by the time the first request arrives, so its middlewares are final.
    object.__setattr__(app, "_handle", handle)


def _direct_route(
    app: web.Application,
) -> tuple[Callable[[web.Request], Awaitable[web.StreamResponse]], UrlMappingMatchInfo]:
    """The catch-all handler wrapped in the app's middlewares, and the match info it gets."""
    route = next(
        r for r in app.router.routes() if r.resource and r.resource.canonical == _CATCH_ALL
    )
    chain: Callable[[web.Request], Awaitable[web.StreamResponse]] = route.handler
    for middleware in reversed(app.middlewares):
        chain = partial(middleware, handler=chain)
    match_info = UrlMappingMatchInfo({}, route)
    match_info.add_app(app)
    match_info.freeze()
    return chain, match_info


async def _start(request: web.Request, params: dict[str, str], query: str) -> web.StreamResponse:
    raw_input = await _body_text(request)
    instance_id = parse_query(query).get("instanceID") or None
    started = request.app[ENGINE].start(params["workflowName"], instance_id, raw_input)
    return encoded_response(202, start_body(started))


async def _get(request: web.Request, params: dict[str, str], query: str) -> web.StreamResponse:
    await _check_json_body(request)
    body = request.app[ENGINE].get_rendered(params["instanceID"], state_body)
    return encoded_response(200, body)


def _command(method: str) -> Handler:
    """A handler for a command that takes only the instance ID (``Engine.<method>``)."""

    async def handle(request: web.Request, params: dict[str, str], query: str) -> web.Response:
        await _check_json_body(request)
        run: Callable[[str], None] = getattr(request.app[ENGINE], method)
        run(params["instanceID"])
        return encoded_response(202, EMPTY_OBJECT)

    return handle


async def _raise_event(
    request: web.Request, params: dict[str, str], query: str
) -> web.StreamResponse:
    payload = await _body_text(request)
    request.app[ENGINE].raise_event(params["instanceID"], params["eventName"], payload)
    return encoded_response(202, EMPTY_OBJECT)


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
    if not request.body_exists:
        return ""
    return (await request.read()).decode("utf-8", "replace")


async def _check_json_body(request: web.Request) -> None:
    """daprd unmarshals a non-empty body with protojson into the request message, then ignores
    it; only a body that would not unmarshal matters (400 ``ERR_MALFORMED_REQUEST``)."""
    if not request.body_exists:
        return
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
        return f"proto: syntax error (line {error.lineno}:{error.colno}): {_go_syntax(error)}"
    except ValueError as error:
        return f"proto: syntax error: {error}"
    except RecursionError:
        # Nested deeper than Python's stack allows; protojson has a depth limit of its own.
        return "proto: exceeded max recursion depth"
    if not isinstance(value, dict):
        text = body.decode("utf-8", "replace")
        start = len(text) - len(text.lstrip())
        return (
            f"proto: syntax error (line 1:{start + 1}): unexpected token {_raw_token(text[start:])}"
        )
    for name in _PROTO_STRING_FIELDS:
        if name in value and not isinstance(value[name], str | None):
            return f"proto: invalid value for string field {name}: {_token(value[name])}"
    return None


_GO_BAD_VALUE = re.compile(r"[-+._a-zA-Z0-9]{1,32}|.", re.DOTALL)
"""What Go's protojson quotes of the input where it stopped (``errRegexp`` in its decoder)."""
_RAW_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?')


def _go_syntax(error: json.JSONDecodeError) -> str:
    """protojson's words for a syntax error where Python's parser stopped (daprd 1.18.2:
    ``invalid value not`` for ``{not json``; ``unexpected EOF`` at the end)."""
    rest = error.doc[error.pos :]
    if not rest.strip():
        return "unexpected EOF"
    found = _GO_BAD_VALUE.match(rest)
    return f"invalid value {found.group(0) if found else rest[:1]}"


def _raw_token(text: str) -> str:
    """The first JSON token of ``text`` as written: ``[``, ``null``, ``"text"``, ``5``."""
    if text[:1] == '"':
        found = _RAW_STRING.match(text)
        return found.group(0) if found else text[:1]
    found = _GO_BAD_VALUE.match(text)
    return found.group(0) if found else text[:1]


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
