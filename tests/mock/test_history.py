"""An instance's history (GET /_mock/instances/{id}/history): each kind of event, in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract import lifecycle
from conformance.workflows import WORKFLOWS
from mockserver.clock import ManualClock
from mockserver.declared import compile_workflows
from mockserver.engine import Engine
from tests.mock.support import MockFactory

START_US = 1_700_000_000_000_000
DECLARED = """
workflows:
  Pay:
    steps:
      - activity: {name: Charge, input: "${input}", duration: 2, result: {ok: true}}
      - activity: {name: Refund, duration: 1, fail: {message: "no"}}
"""


@pytest.fixture
def engine() -> Engine:
    workflows = {**WORKFLOWS, **compile_workflows(yaml.safe_load(DECLARED)["workflows"])}
    return Engine(lifecycle=lifecycle(), clock=ManualClock(START_US), workflows=workflows)


def kinds(engine: Engine, instance_id: str) -> list[str]:
    return [next(key for key in event if key not in ("eventId", "timestamp")) for event in
            engine.history(instance_id)]  # fmt: skip


def body(engine: Engine, instance_id: str, index: int) -> Any:
    event = engine.history(instance_id)[index]
    return next(value for key, value in event.items() if key not in ("eventId", "timestamp"))


def test_events_raised_suspended_resumed_and_completed(engine: Engine) -> None:
    engine.start("EventWorkflow", "e", '"in"')
    engine.raise_event("e", "other", "1")
    engine.pause("e")
    engine.resume("e")
    engine.raise_event("e", "go", '"out"')
    assert kinds(engine, "e") == [
        "executionStarted", "eventRaised", "executionSuspended", "executionResumed",
        "eventRaised", "executionCompleted",
    ]  # fmt: skip
    assert body(engine, "e", 0) == {"name": "EventWorkflow", "input": '"in"'}
    assert body(engine, "e", 4) == {"name": "go", "input": '"out"'}
    assert body(engine, "e", 5) == {
        "orchestrationStatus": "ORCHESTRATION_STATUS_COMPLETED",
        "result": '"out"',
    }
    assert [event["eventId"] for event in engine.history("e")] == list(range(6))


def test_a_timer_is_created_and_fires_at_its_time(engine: Engine) -> None:
    engine.start("TimerWorkflow", "t", "2")
    engine.advance(5)
    assert kinds(engine, "t") == [
        "executionStarted", "timerCreated", "timerFired", "executionCompleted",
    ]  # fmt: skip
    assert body(engine, "t", 1) == {"fireAt": "2023-11-14T22:13:22Z"}
    assert engine.history("t")[2]["timestamp"] == "2023-11-14T22:13:22Z"


def test_a_child_is_created_and_its_end_is_in_the_parents_history(engine: Engine) -> None:
    engine.start("ParentWorkflow", "p", '"x"')
    engine.raise_event("p-child", "go", '"done"')
    assert kinds(engine, "p") == [
        "executionStarted", "subOrchestrationInstanceCreated", "subOrchestrationInstanceCompleted",
        "executionCompleted",
    ]  # fmt: skip
    assert body(engine, "p", 1) == {
        "name": "EventWorkflow",
        "instanceId": "p-child",
        "input": '"x"',
    }


def test_a_failure_and_a_termination_end_the_history(engine: Engine) -> None:
    engine.start("FailWorkflow", "f", '"boom"')
    assert body(engine, "f", 1) == {
        "orchestrationStatus": "ORCHESTRATION_STATUS_FAILED",
        "failureDetails": {"errorType": "ConformanceFailure", "errorMessage": "boom"},
    }
    engine.start("EventWorkflow", "x", "")
    engine.terminate("x")
    assert kinds(engine, "x")[-1] == "executionTerminated"


def test_declared_activities_are_scheduled_then_completed_or_failed(engine: Engine) -> None:
    engine.start("Pay", "a", '"card"')
    engine.advance(3)
    assert kinds(engine, "a") == [
        "executionStarted", "taskScheduled", "taskCompleted", "taskScheduled", "taskFailed",
        "executionCompleted",
    ]  # fmt: skip
    assert body(engine, "a", 1) == {"name": "Charge", "input": '"card"'}
    assert body(engine, "a", 2) == {"result": '{"ok": true}'}
    assert (
        body(engine, "a", 4)["failureDetails"]["errorMessage"] == "a: Activity task #2 failed: no"
    )


def test_continue_as_new_starts_a_history_of_its_own(engine: Engine) -> None:
    engine.start("ContinueAsNewWorkflow", "c", "2")
    assert kinds(engine, "c") == ["executionStarted", "executionCompleted"]
    assert body(engine, "c", 0)["input"] == "0"


async def test_the_route_shows_the_history_and_keeps_it_across_a_restart(
    make_mock: MockFactory, tmp_path: Path
) -> None:
    store = tmp_path / "h.db"
    first = await make_mock(clock="manual", store=store)
    await first.start("TimerWorkflow", "t", body="10")
    await first.advance(1)
    reply = await first.call("GET", "/_mock/instances/t/history")
    assert reply.status == 200 and reply.body["instanceID"] == "t"
    assert [list(e)[-1] for e in reply.body["events"]] == ["executionStarted", "timerCreated"]
    await first.client.close()
    second = await make_mock(clock="manual", store=store)
    assert (await second.call("GET", "/_mock/instances/t/history")).body == reply.body
    await second.advance(10)
    again = await second.call("GET", "/_mock/instances/t/history")
    assert len(again.body["events"]) == 4
    missing = await second.call("GET", "/_mock/instances/nope/history")
    assert (missing.status, missing.error) == (404, "MOCK_INSTANCE_NOT_FOUND")
