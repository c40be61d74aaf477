"""start_delay and transition_delay: daprd's asynchrony, on the mock's own clock."""

from __future__ import annotations

import pytest

from tests.mock.support import Dapr, MockFactory


async def test_an_instance_stays_pending_for_the_start_delay(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", start_delay=3)
    await dapr.start("EventWorkflow", "slow")
    await dapr.advance(2.9)
    assert await dapr.status("slow") == "PENDING"
    await dapr.advance(0.1)
    body = (await dapr.get("slow")).body
    assert (body["runtimeStatus"], body["workflowName"]) == ("RUNNING", "EventWorkflow")
    assert body["createdAt"] != "0001-01-01T00:00:00Z"


async def test_a_duplicate_start_is_refused_while_pending(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", start_delay=3)
    await dapr.start("EchoWorkflow", "dup")
    assert (await dapr.start("EchoWorkflow", "dup")).error == "ERR_START_WORKFLOW"


async def test_a_pending_instance_paused_stays_suspended_after_its_start_is_due(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual", start_delay=3)
    await dapr.start("EchoWorkflow", "hold", "1")
    await dapr.pause("hold")
    await dapr.advance(5)
    assert await dapr.status("hold") == "SUSPENDED"
    await dapr.resume("hold")
    assert await dapr.status("hold") == "COMPLETED"


async def test_a_pending_instance_terminated_never_runs(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", start_delay=3)
    await dapr.start("EchoWorkflow", "never", "1")
    await dapr.terminate("never")
    await dapr.advance(5)
    assert await dapr.status("never") == "TERMINATED"
    assert "dapr.workflow.output" not in await dapr.properties("never")


@pytest.mark.parametrize(
    ("command", "before", "after"),
    [("pause", "RUNNING", "SUSPENDED"), ("terminate", "RUNNING", "TERMINATED")],
)
async def test_a_command_takes_effect_after_the_transition_delay(
    make_mock: MockFactory, command: str, before: str, after: str
) -> None:
    dapr = await make_mock(clock="manual", transition_delay=2)
    await dapr.start("EventWorkflow", "later")
    assert (await getattr(dapr, command)("later")).status == 202
    assert await dapr.status("later") == before
    await dapr.advance(2)
    assert await dapr.status("later") == after


async def test_an_event_arrives_after_the_transition_delay(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", transition_delay=1)
    await dapr.start("EventWorkflow", "ev")
    await dapr.raise_event("ev", "go", "1")
    assert await dapr.status("ev") == "RUNNING"
    await dapr.advance(1)
    assert await dapr.status("ev") == "COMPLETED"


async def test_a_delayed_purge_answers_now_and_removes_later(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", transition_delay=1)
    await dapr.start("EchoWorkflow", "gone")
    assert (await dapr.purge("gone")).status == 202
    assert await dapr.status("gone") == "COMPLETED"
    await dapr.advance(1)
    assert await dapr.status("gone") == "ABSENT"


async def test_a_delayed_command_for_a_run_that_was_replaced_is_dropped(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual", transition_delay=1)
    await dapr.start("EchoWorkflow", "swap")
    await dapr.purge("swap")
    assert (await dapr.start("EventWorkflow", "swap")).status == 202
    await dapr.advance(1)
    assert await dapr.status("swap") == "RUNNING"


async def test_commands_apply_in_the_order_they_were_accepted(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", transition_delay=1)
    await dapr.start("EventWorkflow", "order")
    await dapr.pause("order")
    await dapr.resume("order")
    await dapr.advance(1)
    assert await dapr.status("order") == "RUNNING"


async def test_without_delays_everything_is_immediate(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "now")
    assert await dapr.status("now") == "RUNNING"
    await dapr.pause("now")
    assert await dapr.status("now") == "SUSPENDED"
