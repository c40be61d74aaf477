"""Fault injection through ``/_mock/faults``: errors, drops, latency; matching, counting, seeds."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from conformance.lifecycle import Operation
from mockserver import admission
from mockserver.faults import FAULT_CAUSE, Faults, InvalidRule, parse_rule
from tests.mock.raw_http import request_bytes, send_raw
from tests.mock.support import Dapr, MockReply


async def add_fault(dapr: Dapr, **rule: Any) -> MockReply:
    return await dapr.call("POST", "/_mock/faults", json.dumps(rule))


async def listed(dapr: Dapr) -> list[dict[str, Any]]:
    reply = await dapr.call("GET", "/_mock/faults")
    assert reply.status == 200
    return list(reply.body["faults"])


OPERATION_CALLS = {
    "start": lambda d: d.start("EventWorkflow", "f"),
    "get": lambda d: d.get("f"),
    "terminate": lambda d: d.terminate("f"),
    "raiseEvent": lambda d: d.raise_event("f", "go"),
    "pause": lambda d: d.pause("f"),
    "resume": lambda d: d.resume("f"),
    "purge": lambda d: d.purge("f"),
}
DEFAULT_MESSAGES = {
    "start": f"error starting workflow 'EventWorkflow': {FAULT_CAUSE}",
    "get": f"error while getting workflow info on instance 'f': {FAULT_CAUSE}",
    "terminate": f"error terminating workflow 'f': {FAULT_CAUSE}",
    "raiseEvent": f"error raising event on workflow 'f': {FAULT_CAUSE}",
    "pause": f"error pausing workflow f: {FAULT_CAUSE}",
    "resume": f"error resuming workflow f: {FAULT_CAUSE}",
    "purge": f"error purging workflow f: {FAULT_CAUSE}",
}


async def test_a_new_rule_is_answered_with_its_id_and_defaults(dapr: Dapr) -> None:
    reply = await add_fault(dapr, operation="pause", status=503)
    assert reply.status == 201
    assert reply.body == {
        "id": 1,
        "operation": "pause",
        "instanceID": None,
        "status": 503,
        "errorCode": None,
        "message": None,
        "latencyMs": 0.0,
        "drop": False,
        "probability": 1.0,
        "seed": None,
        "times": None,
        "fired": 0,
    }
    assert [rule["id"] for rule in await listed(dapr)] == [1]


@pytest.mark.parametrize("operation", sorted(OPERATION_CALLS))
async def test_a_status_fault_answers_daprds_body_for_the_operation_and_changes_nothing(
    dapr: Dapr, operation: str
) -> None:
    if operation != "start":
        await dapr.start("EventWorkflow", "f")
    await add_fault(dapr, operation=operation, status=503)
    reply = await OPERATION_CALLS[operation](dapr)
    assert (reply.status, reply.content_type) == (503, "application/json")
    code = f"ERR_{Operation(operation).name}_WORKFLOW"
    assert reply.body == {"errorCode": code, "message": DEFAULT_MESSAGES[operation]}
    await dapr.call("DELETE", "/_mock/faults")
    assert await dapr.status("f") == ("ABSENT" if operation == "start" else "RUNNING")


async def test_an_error_code_alone_takes_its_daprd_status_and_template(dapr: Dapr) -> None:
    await add_fault(dapr, operation="get", errorCode="ERR_INSTANCE_ID_NOT_FOUND")
    reply = await dapr.get("gone")
    assert reply.status == 404
    assert reply.body == {
        "errorCode": "ERR_INSTANCE_ID_NOT_FOUND",
        "message": "unable to find workflow with the provided instance ID: gone",
    }


async def test_a_custom_code_and_message_are_sent_as_given(dapr: Dapr) -> None:
    await add_fault(dapr, operation="*", status=429, errorCode="TOO_MANY", message="slow <down>")
    reply = await dapr.get("x")
    assert (reply.status, reply.body) == (429, {"errorCode": "TOO_MANY", "message": "slow <down>"})


async def test_a_rule_for_one_instance_leaves_the_others_alone(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "hit")
    await dapr.start("EventWorkflow", "miss")
    await add_fault(dapr, operation="terminate", instanceID="hit", status=500)
    assert (await dapr.terminate("hit")).status == 500
    assert (await dapr.terminate("miss")).status == 202
    assert await dapr.status("hit") == "RUNNING"
    assert await dapr.status("miss") == "TERMINATED"


async def test_a_start_rule_for_an_instance_matches_the_query_id(dapr: Dapr) -> None:
    await add_fault(dapr, operation="start", instanceID="blocked", status=500)
    assert (await dapr.start("EchoWorkflow", "blocked")).status == 500
    assert (await dapr.start("EchoWorkflow", "other")).status == 202
    assert (await dapr.start("EchoWorkflow")).status == 202


async def test_a_wildcard_rule_matches_every_operation(dapr: Dapr) -> None:
    await add_fault(dapr, status=503)
    for call in OPERATION_CALLS.values():
        assert (await call(dapr)).status == 503
    assert (await listed(dapr))[0]["fired"] == len(OPERATION_CALLS)


async def test_faults_leave_health_metadata_and_the_control_api_alone(dapr: Dapr) -> None:
    await add_fault(dapr, status=503)
    assert (await dapr.call("GET", "/v1.0/healthz")).status == 204
    assert (await dapr.call("GET", "/v1.0/metadata")).status == 200
    assert (await dapr.call("GET", "/v1.0/nothing")).error == "ERR_DIRECT_INVOKE"
    assert (await listed(dapr))[0]["fired"] == 0


async def test_times_limits_how_often_a_rule_fires(dapr: Dapr) -> None:
    await add_fault(dapr, operation="get", status=500, times=2)
    statuses = [(await dapr.get("x")).status for _ in range(4)]
    assert statuses == [500, 500, 404, 404]
    assert (await listed(dapr))[0]["fired"] == 2


async def test_the_first_matching_rule_wins(dapr: Dapr) -> None:
    await add_fault(dapr, operation="get", status=502, times=1)
    await add_fault(dapr, operation="*", status=503)
    assert [(await dapr.get("x")).status for _ in range(2)] == [502, 503]


async def test_a_seeded_probability_gives_the_same_pattern_every_time(
    make_mock: Any,
) -> None:
    patterns = []
    for _ in range(2):
        dapr: Dapr = await make_mock(clock="manual")
        await add_fault(dapr, operation="get", status=500, probability=0.5, seed=7)
        patterns.append([(await dapr.get("x")).status for _ in range(24)])
    assert patterns[0] == patterns[1]
    assert {500, 404} == set(patterns[0])


def test_a_probability_fires_about_that_often_and_only_when_it_fires_it_counts() -> None:
    faults = Faults()
    rule = faults.add({"operation": "get", "status": 500, "probability": 0.25, "seed": 1})
    fired = sum(faults.pick(Operation.GET, "x") is not None for _ in range(2000))
    assert 400 < fired < 600
    assert rule.fired == fired


def test_a_probability_of_zero_never_fires() -> None:
    faults = Faults()
    faults.add({"status": 500, "probability": 0})
    assert all(faults.pick(Operation.GET, "x") is None for _ in range(100))


async def test_a_dropped_request_gets_no_answer_and_changes_nothing(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "d")
    await add_fault(dapr, operation="terminate", drop=True, times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await dapr.terminate("d")
    assert await dapr.status("d") == "RUNNING"
    assert (await dapr.terminate("d")).status == 202


async def test_a_dropped_request_closes_the_raw_connection_without_a_status_line(
    dapr: Dapr,
) -> None:
    await add_fault(dapr, operation="get", drop=True)
    reply = await send_raw(dapr.client, request_bytes("GET", b"/v1.0/workflows/dapr/x"))
    assert reply.status == 0


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds each injected latency slept for (the guard's sleep is recorded, not run)."""
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(admission, "asyncio", SimpleNamespace(sleep=fake_sleep))
    return slept


async def test_latency_alone_delays_the_request_and_then_lets_it_run(
    dapr: Dapr, delays: list[float]
) -> None:
    await dapr.start("EventWorkflow", "slow")
    await add_fault(dapr, operation="pause", latencyMs=250)
    assert (await dapr.pause("slow")).status == 202
    assert await dapr.status("slow") == "SUSPENDED"
    assert delays == [0.25]
    assert (await listed(dapr))[0]["fired"] == 1


async def test_latency_with_a_status_delays_then_answers_the_error(
    dapr: Dapr, delays: list[float]
) -> None:
    await add_fault(dapr, operation="get", latencyMs=40, status=504)
    assert (await dapr.get("x")).status == 504
    assert delays == [0.04]


async def test_a_real_delay_still_answers(dapr: Dapr) -> None:
    await add_fault(dapr, operation="get", latencyMs=1)
    assert (await dapr.get("x")).status == 404


async def test_rules_are_listed_removed_one_by_one_and_cleared(dapr: Dapr) -> None:
    first = (await add_fault(dapr, operation="get", status=500)).body["id"]
    second = (await add_fault(dapr, operation="pause", status=500)).body["id"]
    assert (await dapr.call("DELETE", f"/_mock/faults/{first}")).status == 200
    assert [rule["id"] for rule in await listed(dapr)] == [second]
    missing = await dapr.call("DELETE", f"/_mock/faults/{first}")
    assert (missing.status, missing.error) == (404, "MOCK_FAULT_NOT_FOUND")
    assert (await dapr.call("DELETE", "/_mock/faults/abc")).status == 404
    assert (await dapr.call("DELETE", "/_mock/faults")).body == {}
    assert await listed(dapr) == []
    assert (await dapr.get("x")).status == 404


async def test_reset_clears_the_rules_too(dapr: Dapr) -> None:
    await add_fault(dapr, status=500)
    await dapr.call("POST", "/_mock/reset")
    assert await listed(dapr) == []
    assert (await dapr.get("x")).status == 404


INVALID_RULES = [
    {"operation": "delete", "status": 500},
    {"status": 500, "latency": 5},
    {"status": 200},
    {"status": 600},
    {"status": "500"},
    {"status": True},
    {"status": 500, "probability": 1.5},
    {"status": 500, "probability": -0.1},
    {"latencyMs": -1},
    {"latencyMs": 600_001},
    {"status": 500, "times": 0},
    {"status": 500, "seed": "abc"},
    {"drop": "yes"},
    {"drop": True, "status": 500},
    {"instanceID": "", "status": 500},
    {"errorCode": 5},
    {"operation": "get"},
    {},
]


@pytest.mark.parametrize("payload", INVALID_RULES, ids=json.dumps)
def test_a_rule_the_mock_cannot_use_is_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidRule):
        parse_rule(1, payload)


@pytest.mark.parametrize("body", ['{"status": 700}', "[1]", "{bad", '{"operation": "nope"}'])
async def test_an_invalid_rule_is_a_400_control_error_and_adds_nothing(
    dapr: Dapr, body: str
) -> None:
    reply = await dapr.call("POST", "/_mock/faults", body)
    assert (reply.status, reply.error) == (400, "MOCK_BAD_REQUEST")
    assert reply.body["message"]
    assert await listed(dapr) == []


async def test_the_token_check_comes_before_any_fault(make_mock: Any) -> None:
    dapr: Dapr = await make_mock(clock="manual", api_token="t")
    added = await send_raw(
        dapr.client,
        request_bytes(
            "POST", b"/_mock/faults", headers={"dapr-api-token": "t"}, body=b'{"status": 503}'
        ),
    )
    assert added.status == 201
    refused = await send_raw(dapr.client, request_bytes("GET", b"/v1.0/workflows/dapr/x"))
    assert refused.status == 401
    faulted = request_bytes("GET", b"/v1.0/workflows/dapr/x", headers={"dapr-api-token": "t"})
    assert (await send_raw(dapr.client, faulted)).status == 503
