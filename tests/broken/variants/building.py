"""Building blocks of broken targets: the mock with one middleware, rule or workflow wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from conformance import contract
from conformance.lifecycle import Operation
from conformance.workflows import (
    WORKFLOWS,
    Workflow,
)
from daprhttp.bodies import go_marshal
from daprhttp.errors import DaprError
from daprhttp.responses import JSON, result_response
from daprhttp.routing import RouteMatch
from mockserver.app import create_app
from mockserver.backend import use_engine
from mockserver.clock import RealClock
from mockserver.engine import Engine
from mockserver.transitions import Transitions
from tests.kit.proxy import route_of as route_of_path


def with_middleware(middleware: Middleware, start_delay: float = 0.0) -> web.Application:
    """The mock behind ``middleware`` (outermost: it sees the mock's final answers)."""
    app = create_app(start_delay=start_delay)
    app.middlewares.insert(0, middleware)
    return app


def with_engine(
    engine: type[Engine] = Engine,
    start_delay: float = 0.0,
    transitions: type[Transitions] = Transitions,
) -> web.Application:
    """The mock running ``engine`` (with ``transitions``) instead of its own."""
    app = create_app(start_delay=start_delay)
    use_engine(
        app,
        engine(
            clock=RealClock(),
            lifecycle=contract.lifecycle(),
            start_delay=start_delay,
            transitions=transitions,
        ),
    )
    return app


def with_transitions(transitions: type[Transitions], start_delay: float = 0.0) -> web.Application:
    """The mock whose instances move by ``transitions`` (one rule changed)."""
    return with_engine(start_delay=start_delay, transitions=transitions)


def with_workflow(name: str, workflow: Workflow, start_delay: float = 0.0) -> web.Application:
    """The mock hosting a wrong ``name`` workflow."""
    return create_app(start_delay=start_delay, workflows={**WORKFLOWS, name: workflow})


def route_of(request: web.Request) -> RouteMatch | None:
    """The workflow route daprd runs for this request (None: the fallback)."""
    return route_of_path(request.method, request.raw_path)


def operation_of(request: web.Request) -> Operation | None:
    """The workflow operation daprd routes this request to (None: not a workflow route)."""
    found = route_of(request)
    return found.target if found is not None and isinstance(found.target, Operation) else None


Rewrite = Callable[[web.Request, web.Response], web.StreamResponse]


def answers(rewrite: Rewrite) -> Middleware:
    """A middleware that passes every answer of the mock through ``rewrite``."""

    @web.middleware
    async def rewriting(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        assert isinstance(response, web.Response)
        return rewrite(request, response)

    return rewriting


def refuses(refusal: Callable[[web.Request], web.Response | None]) -> Middleware:
    """A middleware that answers ``refusal(request)`` instead of the mock, when not None."""

    @web.middleware
    async def refusing(request: web.Request, handler: Handler) -> web.StreamResponse:
        answer = refusal(request)
        return answer if answer is not None else await handler(request)

    return refusing


def error_response(status: int, body: dict[str, Any]) -> web.Response:
    """An error answer with any body, written as daprd writes its error bodies."""
    return web.Response(status=status, body=go_marshal(body), content_type=JSON)


def dapr_error(code: str, *args: object) -> web.Response:
    """daprd's error answer ``code`` (from the spec's codes), its message filled with ``args``."""
    error = DaprError(code, *args)
    return error_response(error.status, error.body())


def body_of(response: web.Response) -> Any:
    assert isinstance(response.body, bytes)
    return json.loads(response.body) if response.body else None


def error_code(response: web.Response) -> str | None:
    body = body_of(response) if response.status >= 400 else None
    return body.get("errorCode") if isinstance(body, dict) else None


def get_body(change: Callable[[dict[str, Any]], None]) -> Middleware:
    """A middleware that changes every successful GET body in place with ``change``."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if operation_of(request) is not Operation.GET or response.status != 200:
            return response
        body = body_of(response)
        change(body)
        return result_response(200, body)

    return answers(rewrite)


def properties(body: dict[str, Any]) -> dict[str, str]:
    """The GET body's properties, to change in place (an empty dict when it has none)."""
    found: dict[str, str] = body.get("properties", {})
    return found
