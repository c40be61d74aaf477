"""The middlewares in front of daprd's routes: the API token and the error bodies.

- :func:`error_middleware`: every failure becomes an error body; nothing escapes as a bare 500.
  An :class:`~daprhttp.errors.ApiError` is answered as it is, a body that grew past the limit
  while being read is daprd's ``ERR_BODY_READ`` (the one place that answer is given for it),
  aiohttp's own 404/405 are daprd's fallback, and anything else is the operation's failure
  code (daprd's answer when its engine fails), else ``ERROR``.
- :func:`token_middleware`: daprd's API token (``--api-token`` or ``$DAPR_API_TOKEN``), as
  daprd master does it (``pkg/api/http/middlewares.go`` APITokenAuthMiddleware): every request
  needs the ``dapr-api-token`` header with exactly the token, except ``GET /v1.0/healthz`` and
  ``GET /v1.0/healthz/outbound`` (the decoded path with its outer slashes trimmed; the query
  does not count). A refused request gets 401 with Go's ``http.Error`` answer:
  ``text/plain; charset=utf-8``, ``X-Content-Type-Options: nosniff`` and the body
  ``invalid api token`` plus a newline. daprd has no error code for it, so this is the one Dapr
  answer that is not a JSON error body; paths of the server's own (a mock's control API) may
  be given a JSON refusal instead.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from conformance.lifecycle import Operation
from daprhttp.dispatch import ROUTE
from daprhttp.errors import FAILURE_CODES, ApiError, DaprError
from daprhttp.limits import body_too_large
from daprhttp.responses import error_response

TOKEN_HEADER = "dapr-api-token"
TOKEN_ENV = "DAPR_API_TOKEN"
REFUSAL = "invalid api token\n"
_OPEN_PATHS = frozenset({"v1.0/healthz", "v1.0/healthz/outbound"})


def error_middleware(*, name: str, log: logging.Logger) -> Middleware:
    """Every failure as an error body; ``name`` is the server's name in an unexpected failure's
    message (``<name> engine failure: ...``) and ``log`` where that failure is logged."""

    @web.middleware
    async def dapr_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as error:
            return error_response(error)
        except web.HTTPRequestEntityTooLarge:
            # A body with no declared length that grew past the limit while being read.
            return error_response(body_too_large())
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            return error_response(DaprError("ERR_DIRECT_INVOKE"))
        except Exception as failure:
            log.exception("the %s failed on %s %s", name, request.method, request.path)
            return error_response(_unexpected(request, failure, name))

    return dapr_errors


def _unexpected(request: web.Request, failure: Exception, name: str) -> ApiError:
    """What daprd answers when its engine fails: the operation's own code, else ``ERROR``."""
    found = request.get(ROUTE)
    if found is not None and isinstance(found.target, Operation):
        code, param = FAILURE_CODES[found.target]
        return DaprError(code, found.params[param], f"{name} engine failure: {failure}")
    return ApiError("ERROR", 500, f"{name} failure: {failure}")


def is_exempt(method: str, path: str) -> bool:
    """daprd's ``isRouteExcludedFromAPITokenAuth``: health checks need no token."""
    return method == "GET" and path.strip("/") in _OPEN_PATHS


def token_middleware(token: str, json_refusals: Mapping[str, ApiError] | None = None) -> Middleware:
    """Refuses every request without the token (install only when a token is set).

    ``json_refusals``: path prefixes of the server's own routes (``/_mock``), each refused with
    that error's JSON body instead of daprd's plain text.
    """
    if not token:
        raise ValueError("an empty API token would let everyone in; pass None to turn it off")
    expected = token.encode("utf-8")
    own = dict(json_refusals or {})

    @web.middleware
    async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get(TOKEN_HEADER)
        if given is not None and _same(given, expected):
            return await handler(request)
        if is_exempt(request.method, request.path):
            return await handler(request)
        return _refusal(request.path, own)

    return require_token


def _same(given: str, expected: bytes) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected)


def _refusal(path: str, own: Mapping[str, ApiError]) -> web.Response:
    for prefix, error in own.items():
        if path == prefix or path.startswith(f"{prefix}/"):
            return error_response(error)
    response = web.Response(status=401, text=REFUSAL, content_type="text/plain", charset="utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
