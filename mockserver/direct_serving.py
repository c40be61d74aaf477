"""A shortcut past aiohttp's router for daprd's paths, taken only where it is known to hold.

Requests on daprd's paths reach the catch-all route's handler through the app's middlewares, as
routed requests do, minus the router's per-request work (a GET of a waiting instance serves
about a tenth more requests per second with it, measured with wrk on 2 cores). Anything else
(``/_mock/...``, a request with ``Expect``) is routed as usual.

The shortcut replaces the app's request handler, which aiohttp keeps private (``_handle``), and
hands the request its match info (``_match_info``). Nothing public gives the same, so it is set
up only when those internals are there, at start-up, after the app is frozen (its middlewares
are final); if anything is missing or fails, requests are routed as usual, with the same
answers, only slower, and :data:`DIRECT` says which (``tests/mock/test_direct_serving.py`` runs
the same requests both ways on the installed aiohttp).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DAPR_PATH_PREFIX = "/v"
"""Every daprd route starts here (``/v1.0...``); ``/_mock/...`` and the rest never do."""
CATCH_ALL = "/{tail}"
"""The canonical form of the app's catch-all route, the one daprd's paths reach."""
DIRECT = web.AppKey("direct_serving", bool)
"""Whether the running app takes the shortcut (set at start-up)."""

log = logging.getLogger("mockserver")


def serve_directly(app: web.Application) -> None:
    """Take the shortcut for ``app`` from its start-up on, if this aiohttp allows it."""
    app[DIRECT] = False
    app.on_startup.append(_install)


async def _install(app: web.Application) -> None:
    routed: Handler | None = getattr(app, "_handle", None)
    if routed is None or "_match_info" not in getattr(web.Request, "ATTRS", ()):
        log.debug("daprd's paths go through the router (aiohttp's internals differ)")
        return
    try:
        chain, match_info = _direct_route(app)
    except Exception:  # an aiohttp whose internals moved: route as usual
        log.debug("daprd's paths go through the router", exc_info=True)
        return

    async def handle(request: web.Request) -> web.StreamResponse:
        if not request.raw_path.startswith(DAPR_PATH_PREFIX) or hdrs.EXPECT in request.headers:
            return await routed(request)
        request._match_info = match_info
        return await chain(request)

    object.__setattr__(app, "_handle", handle)
    app[DIRECT] = True


def _direct_route(app: web.Application) -> tuple[Handler, UrlMappingMatchInfo]:
    """The catch-all handler wrapped in the app's middlewares, and the match info it gets."""
    route = next(r for r in app.router.routes() if r.resource and r.resource.canonical == CATCH_ALL)
    chain: Handler = route.handler
    for middleware in reversed(app.middlewares):
        chain = partial(middleware, handler=chain)
    match_info = UrlMappingMatchInfo({}, route)
    match_info.add_app(app)
    match_info.freeze()
    return chain, match_info
