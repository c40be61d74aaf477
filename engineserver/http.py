"""The Dapr Workflow HTTP API over :class:`EngineInstances`, on the mock's HTTP layer.

Routing, bodies, error middleware and response validation are the mock's own (daprd's routes,
codes and bodies, written once in :mod:`mockserver`); only the handlers differ, because the
engine is awaited over gRPC where the mock's engine is called in place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from conformance.lifecycle import Operation
from engineserver.instances import EngineInstances
from mockserver import handlers as mock_handlers
from mockserver.api_errors import DaprError
from mockserver.app import MAX_BODY_BYTES, VALIDATION_FAILURES
from mockserver.bodies import result_response, workflow_state
from mockserver.errors import dapr_errors
from mockserver.handlers import APP_ID, ROUTE, protojson_problem
from mockserver.routing import BadEscape, RouteMatch, match, parse_query
from mockserver.validation import ResponseValidator, validation_middleware

INSTANCES = web.AppKey("instances", EngineInstances)
APP_NAME = "dapr-workflow-engine"

Handler = Callable[[EngineInstances, RouteMatch, str, str], Awaitable[web.Response]]
"""(instances, the matched route, the raw body as text, the raw query) -> the answer."""


async def dapr(request: web.Request) -> web.StreamResponse:
    """Every request: route it as daprd does, else daprd's fallback 404."""
    path, _, query = request.raw_path.partition("?")
    try:
        found = match(request.method, path)
    except BadEscape:
        found = None
    if found is None:
        raise DaprError("ERR_DIRECT_INVOKE")
    if not isinstance(found.target, Operation):
        return await mock_handlers.dapr(request)  # /v1.0/metadata and /v1.0/healthz
    request[ROUTE] = found
    body = await request.read()
    if found.target not in (Operation.START, Operation.RAISE_EVENT) and body:
        # daprd parses these bodies into its request message and then ignores them.
        problem = protojson_problem(body)
        if problem is not None:
            raise DaprError("ERR_MALFORMED_REQUEST", problem)
    text = body.decode("utf-8", "replace")
    return await _HANDLERS[found.target](request.app[INSTANCES], found, text, query)


async def _start(
    instances: EngineInstances, found: RouteMatch, text: str, query: str
) -> web.Response:
    instance_id = parse_query(query).get("instanceID") or None
    started = await instances.start(found.params["workflowName"], instance_id, text)
    return result_response(202, {"instanceID": started})


async def _get(
    instances: EngineInstances, found: RouteMatch, text: str, query: str
) -> web.Response:
    view = await instances.get(found.params["instanceID"])
    return result_response(200, workflow_state(view))


async def _raise_event(
    instances: EngineInstances, found: RouteMatch, text: str, query: str
) -> web.Response:
    await instances.raise_event(found.params["instanceID"], found.params["eventName"], text)
    return result_response(202, {})


def _command(run: Callable[[EngineInstances, str], Awaitable[None]]) -> Handler:
    async def handle(
        instances: EngineInstances, found: RouteMatch, text: str, query: str
    ) -> web.Response:
        await run(instances, found.params["instanceID"])
        return result_response(202, {})

    return handle


_HANDLERS: dict[Operation, Handler] = {
    Operation.START: _start,
    Operation.GET: _get,
    Operation.TERMINATE: _command(EngineInstances.terminate),
    Operation.RAISE_EVENT: _raise_event,
    Operation.PAUSE: _command(EngineInstances.pause),
    Operation.RESUME: _command(EngineInstances.resume),
    Operation.PURGE: _command(EngineInstances.purge),
}


def create_app(*, engine_address: str, validate_responses: bool = False) -> web.Application:
    """The HTTP API over the engine at ``engine_address`` (``host:port`` of its gRPC).

    ``validate_responses``: check every workflow answer against ``openapi.yaml`` and answer a
    mismatch with a 500 (for tests).
    """
    failures: list[str] = []
    middlewares: list[Middleware] = [dapr_errors]
    if validate_responses:
        middlewares.insert(0, validation_middleware(ResponseValidator(), failures))
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[APP_ID] = APP_NAME
    app[VALIDATION_FAILURES] = failures

    async def engine_client(app: web.Application) -> AsyncIterator[None]:
        instances = EngineInstances.connect(engine_address)
        app[INSTANCES] = instances
        yield
        await instances.close()

    app.cleanup_ctx.append(engine_client)
    # [\s\S], not ".": a decoded path may hold a newline (%0A), and it must still reach daprd's
    # routing rather than aiohttp's bare 404.
    app.router.add_route("*", "/{tail:[\\s\\S]*}", dapr)
    return app
