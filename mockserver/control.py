"""The control API under ``/_mock/``: outside Dapr's paths and outside ``openapi.yaml``.

Routes (JSON in, JSON out; errors are ``{"errorCode", "message"}`` with ``MOCK_*`` codes):
- ``POST /_mock/reset`` -> 200 ``{}``: forget every instance and everything scheduled.
- ``GET /_mock/clock`` -> 200 ``{"mode": "real"|"manual"|"skip", "now": RFC 3339,
  "nowMicros": int}``.
- ``POST /_mock/clock/advance`` ``{"seconds": number}`` -> 200 the clock, plus ``"fired"``
  (scheduled entries that ran); 409 ``MOCK_CLOCK_NOT_MANUAL`` on a real clock.
- ``GET /_mock/instances`` -> 200 ``{"instances": [GET body + "mock": {...}, ...]}``.
- ``POST /_mock/instances/{instanceID}/complete`` ``{"output": any JSON}`` (optional) -> 200 the
  instance, now COMPLETED.
- ``POST /_mock/instances/{instanceID}/fail`` ``{"message": str, "errorType": str}`` (both
  optional) -> 200 the instance, now FAILED.
- ``POST /_mock/instances/{instanceID}/custom-status`` ``{"customStatus": any JSON}`` -> 200 the
  instance with that custom status (a string kept as it is, anything else as JSON, as the
  Python SDK stores it); for an active instance, e.g. one held by ``--unknown-workflows hold``.
- ``GET /_mock/instances/{instanceID}/history`` -> 200 ``{"instanceID", "events": [...]}``: what
  happened in its current execution, as Dapr's workflow history events (``mockserver.history``).
- ``POST /_mock/faults`` a fault rule (see :mod:`mockserver.faults`) -> 201 the rule with its
  ``id``; 400 ``MOCK_BAD_REQUEST`` for a rule the mock cannot use.
- ``GET /_mock/faults`` -> 200 ``{"faults": [rule, ...]}`` (with ``fired`` counts).
- ``DELETE /_mock/faults`` -> 200 ``{}``: no more faults (``/_mock/reset`` does this too).
- ``DELETE /_mock/faults/{id}`` -> 200 ``{}``; 404 ``MOCK_FAULT_NOT_FOUND``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from daprhttp.bodies import workflow_state
from daprhttp.responses import result_response
from daprhttp.timestamps import format_rfc3339
from daprhttp.view import InstanceView
from mockserver.admission import ADMISSION
from mockserver.backend import ENGINE
from mockserver.control_errors import ControlError
from mockserver.engine import FORCED_FAILURE_TYPE, Engine
from mockserver.faults import InvalidRule
from mockserver.orchestrator import custom_status_text, to_json_text

PREFIX = "/_mock"
DEFAULT_FAILURE_MESSAGE = "failed through the mock's control API"


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/reset", _reset)
    app.router.add_get(f"{PREFIX}/clock", _clock)
    app.router.add_post(f"{PREFIX}/clock/advance", _advance)
    app.router.add_get(f"{PREFIX}/instances", _instances)
    app.router.add_post(f"{PREFIX}/instances/{{instanceID}}/complete", _complete)
    app.router.add_post(f"{PREFIX}/instances/{{instanceID}}/fail", _fail)
    app.router.add_post(f"{PREFIX}/instances/{{instanceID}}/custom-status", _custom_status)
    app.router.add_get(f"{PREFIX}/instances/{{instanceID}}/history", _history)
    app.router.add_post(f"{PREFIX}/faults", _add_fault)
    app.router.add_get(f"{PREFIX}/faults", _list_faults)
    app.router.add_delete(f"{PREFIX}/faults", _clear_faults)
    app.router.add_delete(f"{PREFIX}/faults/{{id}}", _remove_fault)


async def _reset(request: web.Request) -> web.Response:
    request.app[ENGINE].reset()
    request.app[ADMISSION].faults.clear()
    return result_response(200, {})


async def _add_fault(request: web.Request) -> web.Response:
    payload = await _payload(request)
    try:
        rule = request.app[ADMISSION].faults.add(payload)
    except InvalidRule as error:
        raise ControlError("MOCK_BAD_REQUEST", 400, str(error)) from None
    return result_response(201, rule.describe())


async def _list_faults(request: web.Request) -> web.Response:
    rules = request.app[ADMISSION].faults.rules()
    return result_response(200, {"faults": [rule.describe() for rule in rules]})


async def _clear_faults(request: web.Request) -> web.Response:
    request.app[ADMISSION].faults.clear()
    return result_response(200, {})


async def _remove_fault(request: web.Request) -> web.Response:
    text = request.match_info["id"]
    if not (text.isascii() and text.isdigit()) or not request.app[ADMISSION].faults.remove(
        int(text)
    ):
        raise ControlError("MOCK_FAULT_NOT_FOUND", 404, f"no fault rule with id {text!r}")
    return result_response(200, {})


async def _clock(request: web.Request) -> web.Response:
    return result_response(200, _clock_body(request.app[ENGINE]))


async def _advance(request: web.Request) -> web.Response:
    payload = await _payload(request)
    seconds = payload.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ControlError(
            "MOCK_BAD_REQUEST", 400, 'advance needs {"seconds": <number of seconds>}'
        )
    engine = request.app[ENGINE]
    fired = engine.advance(float(seconds))
    return result_response(200, {**_clock_body(engine), "fired": fired})


async def _instances(request: web.Request) -> web.Response:
    views = request.app[ENGINE].instances()
    return result_response(200, {"instances": [instance_body(view) for view in views]})


async def _complete(request: web.Request) -> web.Response:
    payload = await _payload(request)
    view = request.app[ENGINE].force_complete(
        request.match_info["instanceID"], to_json_text(payload.get("output"))
    )
    return result_response(200, instance_body(view))


async def _fail(request: web.Request) -> web.Response:
    payload = await _payload(request)
    message = payload.get("message", DEFAULT_FAILURE_MESSAGE)
    error_type = payload.get("errorType", FORCED_FAILURE_TYPE)
    if not isinstance(message, str) or not isinstance(error_type, str):
        raise ControlError("MOCK_BAD_REQUEST", 400, "message and errorType must be strings")
    view = request.app[ENGINE].force_fail(request.match_info["instanceID"], message, error_type)
    return result_response(200, instance_body(view))


async def _history(request: web.Request) -> web.Response:
    instance_id = request.match_info["instanceID"]
    events = request.app[ENGINE].history(instance_id)
    return result_response(200, {"instanceID": instance_id, "events": events})


async def _custom_status(request: web.Request) -> web.Response:
    payload = await _payload(request)
    if "customStatus" not in payload:
        raise ControlError("MOCK_BAD_REQUEST", 400, 'the body needs "customStatus" (any JSON)')
    view = request.app[ENGINE].force_custom_status(
        request.match_info["instanceID"], custom_status_text(payload["customStatus"])
    )
    return result_response(200, instance_body(view))


def instance_body(view: InstanceView) -> dict[str, Any]:
    """The GET body of an instance plus what only the mock knows."""
    return {
        **workflow_state(view),
        "mock": {
            "parentInstanceID": view.parent_instance_id,
            "waitingFor": view.waiting_for,
            "bufferedEvents": dict(view.buffered_events),
        },
    }


def _clock_body(engine: Engine) -> dict[str, Any]:
    now = engine.clock.now_us()
    return {
        "mode": ("skip" if engine.time_skipping else "manual")
        if engine.clock.is_manual
        else "real",
        "now": format_rfc3339(now),
        "nowMicros": now,
    }


async def _payload(request: web.Request) -> dict[str, Any]:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ControlError("MOCK_BAD_REQUEST", 413, "the body is over --max-body-size") from None
    if not raw.strip():
        return {}
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise ControlError("MOCK_BAD_REQUEST", 400, f"the body is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise ControlError("MOCK_BAD_REQUEST", 400, "the body must be a JSON object")
    return payload
