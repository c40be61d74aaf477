"""The Dapr Workflow HTTP API over :class:`EngineInstances`, on the shared daprd surface.

Routing, bodies, the dispatcher, error middleware and response validation are
:mod:`daprhttp`'s (daprd's routes, codes and bodies, written once); this target only provides
the backend, awaited over gRPC where the mock's engine is called in place.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from daprhttp import dispatch
from daprhttp.bodies import metadata_body
from daprhttp.dispatch import DAPR_API, DaprApi
from daprhttp.limits import DEFAULT_MAX_BODY_BYTES
from daprhttp.middlewares import error_middleware
from daprhttp.validation import ResponseValidator, validation_middleware
from engineserver import __version__
from engineserver.backend import EngineInstances

INSTANCES = web.AppKey("instances", EngineInstances)
VALIDATION_FAILURES = web.AppKey("validation_failures", list[str])
"""Every response that broke ``openapi.yaml`` (only with ``validate_responses``)."""
APP_NAME = "dapr-workflow-engine"
log = logging.getLogger("engineserver")


class _NotConnected:
    """The backend before the app starts: there is no engine client yet."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("the engine target's app has not started")


_NOT_CONNECTED: Any = _NotConnected()


def create_app(*, engine_address: str, validate_responses: bool = False) -> web.Application:
    """The HTTP API over the engine at ``engine_address`` (``host:port`` of its gRPC).

    ``validate_responses``: check every workflow answer against ``openapi.yaml`` and answer a
    mismatch with a 500 (for tests).
    """
    failures: list[str] = []
    # "mock": the words this target's unexpected failures have always had (it shared the
    # mock's middleware); kept so its answers do not change.
    middlewares: list[Middleware] = [error_middleware(name="mock", log=log)]
    if validate_responses:
        middlewares.insert(0, validation_middleware(ResponseValidator(), failures))
    app = web.Application(middlewares=middlewares, client_max_size=DEFAULT_MAX_BODY_BYTES)
    app[VALIDATION_FAILURES] = failures
    # The metadata answer is the mock's, as it always was for this target.
    metadata = metadata_body(APP_NAME, f"{__version__}-mock", {"mock": "dapr-workflow-mock"})
    api = app[DAPR_API] = DaprApi(_NOT_CONNECTED, metadata=metadata)

    async def engine_client(app: web.Application) -> AsyncIterator[None]:
        # The gRPC client belongs to the app's event loop: made when the app starts.
        instances = EngineInstances.connect(engine_address)
        api.backend = instances
        yield
        await instances.close()

    app.cleanup_ctx.append(engine_client)
    # [\s\S], not ".": a decoded path may hold a newline (%0A), and it must still reach daprd's
    # routing rather than aiohttp's bare 404.
    app.router.add_route("*", "/{tail:[\\s\\S]*}", dispatch.dapr)
    return app
