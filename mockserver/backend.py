"""The mock's engine as the backend of daprd's shared HTTP surface (:mod:`daprhttp.dispatch`).

The engine is called in place (it is synchronous); :func:`use_engine` swaps the engine an app
runs before it starts (tests put a subclass there).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

from daprhttp.dispatch import DAPR_API
from daprhttp.view import InstanceView
from mockserver.engine import Engine

ENGINE = web.AppKey("engine", Engine)

DAPR_PATH_PREFIX = "/v"
"""Every daprd route starts here (``/v1.0...``); ``/_mock/...`` and the rest never do."""
_CATCH_ALL = "/{tail}"
"""The canonical form of the app's catch-all route, the one daprd's paths reach."""


class EngineBackend:
    """:class:`~daprhttp.dispatch.WorkflowBackend` over the mock's :class:`Engine`."""

    __slots__ = ("engine", "revision")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.revision = engine.revision
        """``Engine.revision`` itself: GET asks it on every request."""

    async def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        return self.engine.start(workflow_name, instance_id, input_text)

    async def get(self, instance_id: str) -> InstanceView:
        return self.engine.get(instance_id)

    async def terminate(self, instance_id: str) -> None:
        self.engine.terminate(instance_id)

    async def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        self.engine.raise_event(instance_id, event_name, payload)

    async def pause(self, instance_id: str) -> None:
        self.engine.pause(instance_id)

    async def resume(self, instance_id: str) -> None:
        self.engine.resume(instance_id)

    async def purge(self, instance_id: str) -> None:
        self.engine.purge(instance_id)


def use_engine(app: web.Application, engine: Engine) -> None:
    """Make ``app`` (not started yet) run ``engine``: its daprd routes and its control API."""
    app[ENGINE] = engine
    app[DAPR_API].backend = EngineBackend(engine)


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
