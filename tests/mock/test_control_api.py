"""The control API under /_mock: reset, the clock, the instance list, forced endings."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.mock.support import Dapr, MockFactory


async def test_reset_forgets_every_instance_and_every_timer(dapr: Dapr) -> None:
    await dapr.start("TimerWorkflow", "t", "1")
    reply = await dapr.call("POST", "/_mock/reset")
    assert (reply.status, reply.body) == (200, {})
    assert await dapr.status("t") == "ABSENT"
    assert (await dapr.advance(5)).body["fired"] == 0
    assert (await dapr.call("GET", "/_mock/instances")).body == {"instances": []}


async def test_the_manual_clock_reads_and_advances(dapr: Dapr) -> None:
    before = (await dapr.call("GET", "/_mock/clock")).body
    assert before["mode"] == "manual"
    after = (await dapr.advance(90.5)).body
    assert after["nowMicros"] - before["nowMicros"] == 90_500_000
    moved = datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"])
    assert moved.total_seconds() == 90.5


async def test_one_advance_fires_every_timer_that_fell_due(dapr: Dapr) -> None:
    for n in range(50):
        await dapr.start("TimerWorkflow", f"t{n}", str(n % 5 + 1))
    reply = await dapr.advance(3)
    assert reply.body["fired"] == 30
    statuses = [await dapr.status(f"t{n}") for n in range(50)]
    assert statuses.count("COMPLETED") == 30


@pytest.mark.parametrize("body", ['{"seconds": -1}', '{"seconds": "1"}', "{}", "[1]", "{bad"])
async def test_a_bad_advance_is_a_400(dapr: Dapr, body: str) -> None:
    reply = await dapr.call("POST", "/_mock/clock/advance", body)
    assert (reply.status, reply.error) == (400, "MOCK_BAD_REQUEST")


async def test_a_real_clock_cannot_be_advanced(make_mock: MockFactory) -> None:
    dapr = await make_mock()
    assert (await dapr.call("GET", "/_mock/clock")).body["mode"] == "real"
    reply = await dapr.advance(1)
    assert (reply.status, reply.error) == (409, "MOCK_CLOCK_NOT_MANUAL")


async def test_the_instance_list_shows_get_bodies_and_what_each_waits_for(dapr: Dapr) -> None:
    await dapr.start("ParentWorkflow", "fam")
    await dapr.raise_event("fam-child", "later", "1")
    instances = (await dapr.call("GET", "/_mock/instances")).body["instances"]
    assert [i["instanceID"] for i in instances] == ["fam", "fam-child"]
    parent, child = instances
    assert parent["runtimeStatus"] == "RUNNING"
    assert parent["mock"] == {
        "parentInstanceID": None,
        "waitingFor": "child workflow fam-child",
        "bufferedEvents": {},
    }
    assert child["mock"] == {
        "parentInstanceID": "fam",
        "waitingFor": "event go",
        "bufferedEvents": {"later": 1},
    }


async def test_forcing_completion_sets_the_output_and_releases_a_waiting_parent(
    dapr: Dapr,
) -> None:
    await dapr.start("ParentWorkflow", "p")
    reply = await dapr.call("POST", "/_mock/instances/p-child/complete", '{"output": {"n": 1}}')
    assert reply.status == 200
    assert reply.body["runtimeStatus"] == "COMPLETED"
    properties = await dapr.properties("p")
    assert json.loads(properties["dapr.workflow.output"]) == {"n": 1}


async def test_forcing_completion_without_an_output_leaves_no_output(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "quiet")
    await dapr.call("POST", "/_mock/instances/quiet/complete")
    assert "dapr.workflow.output" not in await dapr.properties("quiet")


async def test_forcing_failure_sets_message_and_type(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "f")
    body = '{"message": "forced", "errorType": "CustomError"}'
    reply = await dapr.call("POST", "/_mock/instances/f/fail", body)
    assert reply.body["runtimeStatus"] == "FAILED"
    assert reply.body["properties"]["dapr.workflow.failure.error_message"] == "forced"
    assert reply.body["properties"]["dapr.workflow.failure.error_type"] == "CustomError"


async def test_a_pending_instance_can_be_forced_and_then_has_its_name(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual", start_delay=10)
    await dapr.start("EventWorkflow", "early")
    reply = await dapr.call("POST", "/_mock/instances/early/fail")
    assert reply.body["runtimeStatus"] == "FAILED"
    assert reply.body["workflowName"] == "EventWorkflow"
    await dapr.advance(10)
    assert await dapr.status("early") == "FAILED"


@pytest.mark.parametrize("action", ["complete", "fail"])
async def test_forcing_an_unknown_or_ended_instance_is_refused(dapr: Dapr, action: str) -> None:
    missing = await dapr.call("POST", f"/_mock/instances/none/{action}")
    assert (missing.status, missing.error) == (404, "MOCK_INSTANCE_NOT_FOUND")
    await dapr.start("EchoWorkflow", "done")
    ended = await dapr.call("POST", f"/_mock/instances/done/{action}")
    assert (ended.status, ended.error) == (409, "MOCK_INSTANCE_NOT_ACTIVE")


async def test_a_failure_message_must_be_a_string(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "typed")
    reply = await dapr.call("POST", "/_mock/instances/typed/fail", '{"message": 1}')
    assert (reply.status, reply.error) == (400, "MOCK_BAD_REQUEST")
    assert await dapr.status("typed") == "RUNNING"
