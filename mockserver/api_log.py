"""The per-request log line, written only when asked (``--enable-api-logging``), as daprd does.

daprd logs no line per API call unless started with ``--enable-api-logging``; it then writes
``HTTP API Called`` with the method and path, the status code and the duration. The mock uses
the same flag name and the same fields, through aiohttp's public access-logger interface, so the
default (no line) costs nothing per request.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

API_LOG = logging.getLogger("mockserver.api")


class ApiCallLogger(AbstractAccessLogger):
    """``HTTP API Called: method="GET /v1.0/..." code=200 duration=0.123ms`` at INFO."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            'HTTP API Called: method="%s %s" code=%d duration=%.3fms useragent="%s"',
            request.method,
            request.path_qs,
            response.status,
            time * 1000,
            request.headers.get("User-Agent", ""),
        )
