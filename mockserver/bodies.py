"""daprd's response bodies, as bytes: protojson for results, Go ``encoding/json`` for errors."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from mockserver.clock import format_rfc3339
from mockserver.engine import InstanceView
from mockserver.routing import go_text

JSON = "application/json"
_GO_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _encode(body: Any) -> bytes:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return go_text(text).encode("utf-8")


def result_response(status: int, body: Any) -> web.Response:
    """A success answer: single-line JSON, no trailing newline, ``application/json``."""
    return web.Response(status=status, body=_encode(body), content_type=JSON)


def error_response(status: int, body: dict[str, str]) -> web.Response:
    """An error answer ``{"errorCode","message"}``, HTML-escaped as Go's json.Marshal does."""
    text = _encode(body).decode("utf-8")
    for char, escaped in _GO_HTML_ESCAPES.items():
        text = text.replace(char, escaped)
    return web.Response(status=status, body=text.encode("utf-8"), content_type=JSON)


def workflow_state(view: InstanceView) -> dict[str, Any]:
    """The GET body (facts §4): empty ``workflowName`` and empty ``properties`` are omitted."""
    body: dict[str, Any] = {"instanceID": view.instance_id}
    if view.workflow_name:
        body["workflowName"] = view.workflow_name
    body["createdAt"] = format_rfc3339(view.created_at_us)
    body["lastUpdatedAt"] = format_rfc3339(view.last_updated_at_us)
    body["runtimeStatus"] = view.runtime_status.value
    if view.properties:
        body["properties"] = dict(sorted(view.properties.items()))
    return body
