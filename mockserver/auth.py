"""daprd's API token (``--api-token`` or ``$DAPR_API_TOKEN``): the ``dapr-api-token`` header.

As daprd master does it (``pkg/api/http/middlewares.go`` APITokenAuthMiddleware):
- every request needs the header with exactly the token, except ``GET /v1.0/healthz`` and
  ``GET /v1.0/healthz/outbound`` (the decoded path with its outer slashes trimmed; the query
  does not count);
- a refused request gets 401 with Go's ``http.Error`` answer: ``text/plain; charset=utf-8``,
  ``X-Content-Type-Options: nosniff`` and the body ``invalid api token`` plus a newline. daprd
  has no error code for it, so this is the one Dapr answer that is not a JSON error body.
The control API (``/_mock/...``) needs the same header and answers ``MOCK_UNAUTHORIZED`` JSON.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from mockserver.bodies import error_response
from mockserver.control import PREFIX

TOKEN_HEADER = "dapr-api-token"
TOKEN_ENV = "DAPR_API_TOKEN"
REFUSAL = "invalid api token\n"
_OPEN_PATHS = frozenset({"v1.0/healthz", "v1.0/healthz/outbound"})


def is_exempt(method: str, path: str) -> bool:
    """daprd's ``isRouteExcludedFromAPITokenAuth``: health checks need no token."""
    return method == "GET" and path.strip("/") in _OPEN_PATHS


def token_middleware(token: str) -> Middleware:
    """Refuses every request without the token (install only when a token is set)."""
    if not token:
        raise ValueError("an empty API token would let everyone in; pass None to turn it off")
    expected = token.encode("utf-8")

    @web.middleware
    async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get(TOKEN_HEADER)
        if given is not None and _same(given, expected):
            return await handler(request)
        if is_exempt(request.method, request.path):
            return await handler(request)
        return _refusal(request.path)

    return require_token


def _same(given: str, expected: bytes) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected)


def _refusal(path: str) -> web.Response:
    if path == PREFIX or path.startswith(f"{PREFIX}/"):
        return error_response(
            401, {"errorCode": "MOCK_UNAUTHORIZED", "message": "invalid api token"}
        )
    response = web.Response(status=401, text=REFUSAL, content_type="text/plain", charset="utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
