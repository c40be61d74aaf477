"""Time a test controls (--clock skip) and workflows nobody declared (--unknown-workflows hold)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.mock.support import MockFactory

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "workflows" / "orders.yaml"
THREE_DAYS = str(3 * 24 * 3600)


async def test_time_skipping_completes_a_three_day_timer_at_once(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="skip")
    before = (await dapr.call("GET", "/_mock/clock")).body
    assert before["mode"] == "skip"
    assert (await dapr.start("TimerWorkflow", "t", body=THREE_DAYS)).status == 202
    assert await dapr.status("t") == "COMPLETED"
    after = (await dapr.call("GET", "/_mock/clock")).body
    assert after["nowMicros"] - before["nowMicros"] == 3 * 24 * 3600 * 1_000_000


async def test_time_does_not_skip_while_an_instance_waits_for_an_event(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="skip")
    await dapr.start("EventWorkflow", "e")
    await dapr.start("TimerWorkflow", "t", body="60")
    assert await dapr.status("t") == "RUNNING"  # the test may still send e's event
    await dapr.raise_event("e", "go", '"now"')
    assert await dapr.status("e") == "COMPLETED"
    assert await dapr.status("t") == "COMPLETED"  # only time is left: it skipped


async def test_time_does_not_skip_while_an_instance_is_suspended(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="skip")
    await dapr.start("EventWorkflow", "e")
    await dapr.pause("e")
    await dapr.start("TimerWorkflow", "t", body="60")
    assert await dapr.status("t") == "RUNNING"
    await dapr.terminate("e")
    assert await dapr.status("t") == "COMPLETED"


async def test_skipped_time_keeps_the_order_real_time_has(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="skip", workflows=ORDERS)
    body = '{"id": "o", "items": ["a"], "amount": 3}'
    await dapr.start("OrderWorkflow", "o", body=body)
    # the activities ran (5 s skipped), now it waits for a person: the clock stops there
    assert (await dapr.properties("o"))["dapr.workflow.custom_status"] == "awaiting approval"
    await dapr.raise_event("o", "approval", '{"approved": true}')
    assert await dapr.status("o") == "COMPLETED"
    output = json.loads((await dapr.properties("o"))["dapr.workflow.output"])
    assert output == {"order": "o", "receipt": "r-o", "shipments": ["parcel-1", "parcel-2"]}


async def test_a_held_workflow_stays_running_with_its_input_until_the_control_api_ends_it(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual", unknown_workflows="hold")
    assert (await dapr.start("NobodyDeclaredThis", "h", body='{"x": 1}')).status == 202
    await dapr.advance(3600)
    assert await dapr.status("h") == "RUNNING"
    assert (await dapr.properties("h")) == {"dapr.workflow.input": '{"x": 1}'}
    status = await dapr.call("POST", "/_mock/instances/h/custom-status", '{"customStatus": "half"}')
    assert (
        status.status == 200 and status.body["properties"]["dapr.workflow.custom_status"] == "half"
    )
    done = await dapr.call("POST", "/_mock/instances/h/complete", '{"output": {"ok": true}}')
    assert done.status == 200
    assert (await dapr.properties("h"))["dapr.workflow.output"] == '{"ok": true}'


async def test_by_default_a_name_nobody_declared_fails_as_the_sdk_fails_it(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual")
    await dapr.start("NobodyDeclaredThis", "f")
    assert await dapr.status("f") == "FAILED"


async def test_the_custom_status_route_wants_a_value_and_an_active_instance(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual")
    await dapr.start("EventWorkflow", "e")
    missing = await dapr.call("POST", "/_mock/instances/e/custom-status", "{}")
    assert (missing.status, missing.error) == (400, "MOCK_BAD_REQUEST")
    json_value = await dapr.call(
        "POST", "/_mock/instances/e/custom-status", '{"customStatus": [1]}'
    )
    assert json_value.body["properties"]["dapr.workflow.custom_status"] == "[1]"
    unknown = await dapr.call("POST", "/_mock/instances/zz/custom-status", '{"customStatus": 1}')
    assert (unknown.status, unknown.error) == (404, "MOCK_INSTANCE_NOT_FOUND")
    await dapr.start("EchoWorkflow", "done")
    ended = await dapr.call("POST", "/_mock/instances/done/custom-status", '{"customStatus": 1}')
    assert (ended.status, ended.error) == (409, "MOCK_INSTANCE_NOT_ACTIVE")
