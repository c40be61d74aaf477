"""daprd's response bodies, as bytes: protojson for results, Go ``encoding/json`` for errors."""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any

from aiohttp import web

from conformance.lifecycle import Status
from mockserver.clock import format_rfc3339
from mockserver.engine import InstanceView
from mockserver.orchestrator import compact_json
from mockserver.routing import go_text

JSON = "application/json"
_GO_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def encode(body: Any) -> bytes:
    """A body as daprd's JSON bytes (no HTML escaping)."""
    text = compact_json(body)
    if text.isascii():
        return text.encode("ascii")  # nothing for go_text to replace
    return go_text(text).encode("utf-8")


def result_response(status: int, body: Any) -> web.Response:
    """A success answer: single-line JSON, no trailing newline, ``application/json``."""
    return web.Response(status=status, body=encode(body), content_type=JSON)


def encoded_response(status: int, body: bytes) -> web.Response:
    """A success answer whose body is already encoded (:func:`encode`, ``EMPTY_OBJECT``)."""
    return web.Response(status=status, body=body, content_type=JSON)


EMPTY_OBJECT = encode({})
"""The body of every 202 but start's."""


def error_response(status: int, body: dict[str, str]) -> web.Response:
    """An error answer ``{"errorCode","message"}``, HTML-escaped as Go's json.Marshal does."""
    text = encode(body).decode("utf-8")
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


def state_body(view: InstanceView) -> bytes:
    """``encode(workflow_state(view))``, written directly: the GET body as bytes.

    Strings go through the JSON encoder's own string function, keys in the same order, so the
    bytes are the same (``tests/mock/test_bodies.py`` checks it).
    """
    text = '{"instanceID":' + encode_basestring(view.instance_id)
    if view.workflow_name:
        text += ',"workflowName":' + encode_basestring(view.workflow_name)
    status = view.runtime_status
    text += (
        f',"createdAt":"{format_rfc3339(view.created_at_us)}"'
        f',"lastUpdatedAt":"{format_rfc3339(view.last_updated_at_us)}"'
        f',"runtimeStatus":{_STATUS_JSON.get(status) or encode_basestring(status.value)}'
    )
    properties = view.properties
    if properties:
        pairs = [
            f"{_key_json(key)}:{encode_basestring(value)}"
            for key, value in sorted(properties.items())
        ]
        text += ',"properties":{' + ",".join(pairs) + "}}"
    else:
        text += "}"
    if text.isascii():
        return text.encode("ascii")
    return go_text(text).encode("utf-8")


def start_body(instance_id: str) -> bytes:
    """``encode({"instanceID": instance_id})``, written directly: start's 202 body."""
    text = '{"instanceID":' + encode_basestring(instance_id) + "}"
    if text.isascii():
        return text.encode("ascii")
    return go_text(text).encode("utf-8")


_STATUS_JSON = {status: encode_basestring(status.value) for status in Status}
_PROPERTY_KEYS = {
    key: encode_basestring(key)
    for key in (
        "dapr.workflow.input",
        "dapr.workflow.custom_status",
        "dapr.workflow.output",
        "dapr.workflow.failure.error_type",
        "dapr.workflow.failure.error_message",
    )
}


def _key_json(key: str) -> str:
    return _PROPERTY_KEYS.get(key) or encode_basestring(key)
