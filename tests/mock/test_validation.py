"""The mock's self-check against openapi.yaml catches every kind of drift, loudly."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from conformance.lifecycle import Operation
from daprhttp import dispatch
from daprhttp.validation import ResponseMismatch, ResponseValidator
from mockserver.app import VALIDATION_FAILURES, create_app

JSON = "application/json"
STATE = {
    "instanceID": "i",
    "workflowName": "EchoWorkflow",
    "createdAt": "2025-01-02T03:04:05Z",
    "lastUpdatedAt": "2025-01-02T03:04:05.123456Z",
    "runtimeStatus": "COMPLETED",
    "properties": {"dapr.workflow.output": "1"},
}


@pytest.fixture(scope="module")
def validator() -> ResponseValidator:
    return ResponseValidator()


def check(validator: ResponseValidator, operation: Operation, status: int, body: Any) -> None:
    validator.check(operation, status, JSON, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("operation", "status", "body"),
    [
        (Operation.START, 202, {"instanceID": "x"}),
        (Operation.GET, 200, STATE),
        (Operation.PAUSE, 202, {}),
        (Operation.GET, 404, {"errorCode": "ERR_INSTANCE_ID_NOT_FOUND", "message": "m"}),
        (Operation.PURGE, 500, {"errorCode": "ERR_PURGE_WORKFLOW", "message": "m"}),
    ],
)
def test_answers_the_spec_declares_pass(
    validator: ResponseValidator, operation: Operation, status: int, body: Any
) -> None:
    check(validator, operation, status, body)


@pytest.mark.parametrize(
    ("operation", "status", "body", "complaint"),
    [
        (Operation.START, 200, {"instanceID": "x"}, "does not declare"),
        (Operation.GET, 200, {**STATE, "runtimeStatus": "DONE"}, "breaks the schema"),
        (Operation.GET, 200, {**STATE, "createdAt": "yesterday"}, "breaks the schema"),
        (Operation.GET, 200, {k: v for k, v in STATE.items() if k != "lastUpdatedAt"}, "schema"),
        (Operation.PAUSE, 202, {"ok": True}, "breaks the schema"),
        (Operation.GET, 404, {"errorCode": "X", "message": "m", "details": []}, "schema"),
        (
            Operation.RAISE_EVENT,
            400,
            {"errorCode": "ERR_MALFORMED_REQUEST", "message": "m"},
            "list",
        ),
        (Operation.TERMINATE, 500, {"errorCode": "ERR_PURGE_WORKFLOW", "message": "m"}, "list"),
    ],
)
def test_answers_outside_the_spec_are_refused_with_the_reason(
    validator: ResponseValidator, operation: Operation, status: int, body: Any, complaint: str
) -> None:
    with pytest.raises(ResponseMismatch, match=complaint):
        check(validator, operation, status, body)


def test_a_wrong_content_type_or_a_body_that_is_not_json_is_refused(
    validator: ResponseValidator,
) -> None:
    with pytest.raises(ResponseMismatch, match="text/plain"):
        validator.check(Operation.PAUSE, 202, "text/plain", b"{}")
    with pytest.raises(ResponseMismatch, match="not JSON"):
        validator.check(Operation.PAUSE, 202, JSON, b"Accepted")


async def test_a_drifting_handler_is_recorded_and_answered_as_a_server_error(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatch, "state_body", lambda view: b'{"instanceID":"x"}')
    app: web.Application = create_app(validate_responses=True)
    client = await aiohttp_client(app)
    await client.post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=x")
    response = await client.get("/v1.0/workflows/dapr/x")
    assert response.status == 500
    assert len(app[VALIDATION_FAILURES]) == 1
    assert "getWorkflow" in app[VALIDATION_FAILURES][0]


async def test_without_the_switch_nothing_is_validated(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatch, "state_body", lambda view: b'{"instanceID":"x"}')
    client = await aiohttp_client(create_app())
    await client.post("/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=x")
    assert (await client.get("/v1.0/workflows/dapr/x")).status == 200
