"""daprd's response bodies, as bytes: protojson for results, Go ``encoding/json`` for errors.

Pure: no I/O, no aiohttp (``daprhttp.responses`` wraps these bytes in answers).
"""

from __future__ import annotations

import json
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
)
from typing import Any

from conformance.lifecycle import Status
from daprhttp.errors import ApiError
from daprhttp.routing import go_text
from daprhttp.timestamps import format_rfc3339
from daprhttp.view import InstanceView

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_C_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _ENCODER.default, encode_basestring, None, ":", ",", False, False, True
    )
)
"""The C encoder ``_ENCODER.encode`` builds on every call, built once; no circular check
(``markers`` None): JSON values decoded from text cannot hold a cycle."""
_GO_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def compact_json(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` of an acyclic value."""
    if isinstance(value, str):
        return encode_basestring(value)
    if _C_ENCODE is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


def encode(body: Any) -> bytes:
    """A body as daprd's JSON bytes (no HTML escaping)."""
    text = compact_json(body)
    if text.isascii():
        return text.encode("ascii")  # nothing for go_text to replace
    return go_text(text).encode("utf-8")


EMPTY_OBJECT = encode({})
"""The body of every 202 but start's."""


def error_body(error: ApiError) -> bytes:
    """An error's ``{"errorCode","message"}``, HTML-escaped as Go's json.Marshal does."""
    return go_marshal(error.body())


def go_marshal(body: Any) -> bytes:
    """``body`` as Go's json.Marshal writes it (HTML-escaped), as daprd writes error bodies."""
    text = encode(body).decode("utf-8")
    for char, escaped in _GO_HTML_ESCAPES.items():
        text = text.replace(char, escaped)
    return text.encode("utf-8")


def metadata_body(app_id: str, runtime_version: str, extended: dict[str, str]) -> bytes:
    """``GET /v1.0/metadata``: the app ID and version, no components or features."""
    return encode(
        {
            "id": app_id,
            "runtimeVersion": runtime_version,
            "enabledFeatures": [],
            "components": [],
            "extended": extended,
        }
    )


def workflow_state(view: InstanceView) -> dict[str, Any]:
    """The GET body (docs/daprd-http.md §4), without an empty ``workflowName`` or ``properties``."""
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
