"""daprd's routes over a backend: parse the request, call the backend, write daprd's answer.

One dispatcher serves every target: a backend is anything with daprd's seven workflow
operations (:class:`WorkflowBackend`); the mock calls its engine in place, the engine target
awaits a remote engine. The dispatcher routes as daprd does (:mod:`daprhttp.routing`), checks
the bodies daprd unmarshals (:mod:`daprhttp.protojson`), writes the bodies
(:mod:`daprhttp.bodies`) and keeps GET answers while an instance is unchanged
(:mod:`daprhttp.kept_states`). Errors are raised as :class:`~daprhttp.errors.ApiError` and
answered by :func:`daprhttp.middlewares.error_middleware`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from conformance.lifecycle import Operation
from daprhttp.bodies import EMPTY_OBJECT, start_body, state_body
from daprhttp.errors import DaprError
from daprhttp.kept_states import KeptStates
from daprhttp.payloads import event_payload, start_input
from daprhttp.protojson import protojson_problem
from daprhttp.responses import encoded_response
from daprhttp.routing import HEALTHZ, METADATA, BadEscape, RouteMatch, match, parse_query
from daprhttp.view import InstanceView

ROUTE = web.RequestKey("dapr_route", RouteMatch)
"""The daprd route a request reached (absent for daprd's fallback)."""


class WorkflowBackend(Protocol):
    """daprd's seven workflow operations, as a target carries them out.

    Each raises :class:`~daprhttp.errors.DaprError` with daprd's answer when daprd would refuse.
    """

    async def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        """Start ``workflow_name`` with the raw body as input; returns the (maybe new) ID."""
        ...

    async def get(self, instance_id: str) -> InstanceView: ...

    async def terminate(self, instance_id: str) -> None: ...

    async def raise_event(self, instance_id: str, event_name: str, payload: str) -> None: ...

    async def pause(self, instance_id: str) -> None: ...

    async def resume(self, instance_id: str) -> None: ...

    async def purge(self, instance_id: str) -> None: ...

    def revision(self, instance_id: str) -> Hashable | None:
        """A value that changes whenever GET's answer for this instance would, and only moves
        forward; None: the backend cannot tell (every GET is rendered afresh)."""
        ...


@dataclass(slots=True)
class DaprApi:
    """One server's daprd surface: its backend, its metadata answer and the kept GET bodies."""

    backend: WorkflowBackend
    metadata: bytes
    """The ``GET /v1.0/metadata`` body (``daprhttp.bodies.metadata_body``)."""
    states: KeptStates = field(default_factory=KeptStates)


DAPR_API = web.AppKey("dapr_api", DaprApi)

Handler = Callable[[web.Request, dict[str, str], str], Awaitable[web.StreamResponse]]
"""(the request, its route's parameters, the raw query) -> daprd's answer."""


async def dapr(request: web.Request) -> web.StreamResponse:
    """Every request on daprd's paths: route it as daprd does, else daprd's fallback."""
    path, _, query = request.raw_path.partition("?")
    try:
        found = match(request.method, path)
    except BadEscape:
        # daprd answers a plain-text 400 here; this layer keeps to Dapr error bodies and treats
        # a path it cannot decode as one that matches no route.
        found = None
    if found is None:
        raise DaprError("ERR_DIRECT_INVOKE")
    request[ROUTE] = found
    return await _HANDLERS[found.target](request, found.params, query)


async def _start(request: web.Request, params: dict[str, str], query: str) -> web.StreamResponse:
    instance_id = parse_query(query).get("instanceID") or None
    raw_input = start_input(await _body(request), params["workflowName"], instance_id)
    backend = request.app[DAPR_API].backend
    started = await backend.start(params["workflowName"], instance_id, raw_input)
    return encoded_response(202, start_body(started))


async def _get(request: web.Request, params: dict[str, str], query: str) -> web.StreamResponse:
    await _check_json_body(request)
    api = request.app[DAPR_API]
    instance_id = params["instanceID"]
    revision = api.backend.revision(instance_id)
    body = api.states.kept(instance_id, revision)
    if body is None:
        view = await api.backend.get(instance_id)
        body = api.states.keep(instance_id, revision, state_body(view), api.backend.revision)
    return encoded_response(200, body)


def _command(method: str) -> Handler:
    """A handler for a command that takes only the instance ID (``WorkflowBackend.<method>``)."""

    async def handle(request: web.Request, params: dict[str, str], query: str) -> web.Response:
        await _check_json_body(request)
        run: Callable[[str], Awaitable[None]] = getattr(request.app[DAPR_API].backend, method)
        await run(params["instanceID"])
        return encoded_response(202, EMPTY_OBJECT)

    return handle


async def _raise_event(
    request: web.Request, params: dict[str, str], query: str
) -> web.StreamResponse:
    payload = event_payload(await _body(request), params["instanceID"], params["eventName"])
    backend = request.app[DAPR_API].backend
    await backend.raise_event(params["instanceID"], params["eventName"], payload)
    return encoded_response(202, EMPTY_OBJECT)


async def _metadata(request: web.Request, params: dict[str, str], query: str) -> web.Response:
    return encoded_response(200, request.app[DAPR_API].metadata)


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


async def _body(request: web.Request) -> bytes:
    """The raw body, the workflow input or event payload (daprd passes it verbatim)."""
    if not request.body_exists:
        return b""
    return await request.read()


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
