"""The middleware that turns every failure into a Dapr error body; nothing escapes as a bare 500."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from conformance.lifecycle import Operation
from mockserver.api_errors import ControlError, DaprError
from mockserver.bodies import error_response
from mockserver.handlers import ROUTE
from mockserver.limits import body_too_large

log = logging.getLogger("mockserver")

_FAILURE_CODES: dict[Operation, tuple[str, str]] = {
    Operation.START: ("ERR_START_WORKFLOW", "workflowName"),
    Operation.GET: ("ERR_GET_WORKFLOW", "instanceID"),
    Operation.TERMINATE: ("ERR_TERMINATE_WORKFLOW", "instanceID"),
    Operation.RAISE_EVENT: ("ERR_RAISE_EVENT_WORKFLOW", "instanceID"),
    Operation.PAUSE: ("ERR_PAUSE_WORKFLOW", "instanceID"),
    Operation.RESUME: ("ERR_RESUME_WORKFLOW", "instanceID"),
    Operation.PURGE: ("ERR_PURGE_WORKFLOW", "instanceID"),
}
"""The code daprd uses for an engine failure in each operation, and the parameter it names."""


@web.middleware
async def dapr_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (DaprError, ControlError) as error:
        return error_response(error.status, error.body())
    except web.HTTPRequestEntityTooLarge:
        # A body with no declared length that grows past the limit: the same answer the guard
        # gives a body declared too large.
        too_large = body_too_large()
        return error_response(too_large.status, too_large.body())
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        unrouted = DaprError("ERR_DIRECT_INVOKE")
        return error_response(unrouted.status, unrouted.body())
    except Exception as failure:
        log.exception("the mock failed on %s %s", request.method, request.path)
        return error_response(500, _engine_failure(request, failure))


def _engine_failure(request: web.Request, failure: Exception) -> dict[str, str]:
    """What daprd answers when its engine fails: the operation's own code, else ``ERROR``."""
    found = request.get(ROUTE)
    if found is not None and isinstance(found.target, Operation):
        code, param = _FAILURE_CODES[found.target]
        return DaprError(code, found.params[param], f"mock engine failure: {failure}").body()
    return {"errorCode": "ERROR", "message": f"mock failure: {failure}"}
