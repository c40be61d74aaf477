"""daprd's answers as aiohttp responses: JSON bodies from :mod:`daprhttp.bodies`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from daprhttp.bodies import encode, error_body
from daprhttp.errors import ApiError

JSON = "application/json"


def result_response(status: int, body: Any) -> web.Response:
    """A success answer: single-line JSON, no trailing newline, ``application/json``."""
    return web.Response(status=status, body=encode(body), content_type=JSON)


def encoded_response(status: int, body: bytes) -> web.Response:
    """A success answer whose body is already encoded (``encode``, ``EMPTY_OBJECT``)."""
    return web.Response(status=status, body=body, content_type=JSON)


def error_response(error: ApiError) -> web.Response:
    """An error answer: its status and ``{"errorCode","message"}`` as Go writes it."""
    return web.Response(status=error.status, body=error_body(error), content_type=JSON)
