"""The six conformance workflows as the mock runs them, and the rules around them (over HTTP)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime

from tests.mock.support import Dapr, MockFactory

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$")


async def test_echo_completes_with_its_input_as_output(dapr: Dapr) -> None:
    await dapr.start("EchoWorkflow", "echo", '{"a": [1, "two", null]}')
    reply = await dapr.get("echo")
    assert reply.body["runtimeStatus"] == "COMPLETED"
    assert reply.body["workflowName"] == "EchoWorkflow"
    properties = reply.body["properties"]
    assert properties["dapr.workflow.input"] == '{"a": [1, "two", null]}'
    assert json.loads(properties["dapr.workflow.output"]) == {"a": [1, "two", None]}


async def test_an_empty_start_body_is_the_input_empty_string_and_echo_has_no_output(
    dapr: Dapr,
) -> None:
    await dapr.start("EchoWorkflow", "empty")
    assert await dapr.properties("empty") == {"dapr.workflow.input": ""}


async def test_the_start_body_is_kept_verbatim_whatever_its_content_type(dapr: Dapr) -> None:
    reply = await dapr.client.post(
        "/v1.0/workflows/dapr/EventWorkflow/start?instanceID=verbatim",
        data=b'  {"spaced" :  true }\n',
        headers={"Content-Type": "text/plain"},
    )
    assert reply.status == 202
    properties = await dapr.properties("verbatim")
    assert properties["dapr.workflow.input"] == '  {"spaced" :  true }\n'


async def test_event_workflow_waits_with_custom_status_waiting_as_plain_text(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "waits", "7")
    reply = await dapr.get("waits")
    assert reply.body["runtimeStatus"] == "RUNNING"
    # The Python SDK stores a str custom status as it is (daprd 1.18.2 showed "waiting").
    assert reply.body["properties"]["dapr.workflow.custom_status"] == "waiting"
    assert "dapr.workflow.output" not in reply.body["properties"]


async def test_event_workflow_ignores_other_names_and_completes_with_the_go_payload(
    dapr: Dapr,
) -> None:
    await dapr.start("EventWorkflow", "ev")
    await dapr.raise_event("ev", "stop", '"not this"')
    await dapr.raise_event("ev", "gone", '"nor this"')
    assert await dapr.status("ev") == "RUNNING"
    await dapr.raise_event("ev", "go", '{"ok": true}')
    properties = await dapr.properties("ev")
    assert await dapr.status("ev") == "COMPLETED"
    assert json.loads(properties["dapr.workflow.output"]) == {"ok": True}


async def test_an_event_raised_before_the_workflow_waits_is_buffered(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual", start_delay=2)
    await dapr.start("EventWorkflow", "early")
    await dapr.raise_event("early", "go", '"first"')
    await dapr.raise_event("early", "go", '"second"')
    assert await dapr.status("early") == "PENDING"
    await dapr.advance(2)
    properties = await dapr.properties("early")
    assert json.loads(properties["dapr.workflow.output"]) == "first"


async def test_timer_workflow_completes_only_once_its_timer_is_due(dapr: Dapr) -> None:
    await dapr.start("TimerWorkflow", "timer", "5")
    await dapr.advance(4.9)
    assert await dapr.status("timer") == "RUNNING"
    await dapr.advance(0.1)
    properties = await dapr.properties("timer")
    assert await dapr.status("timer") == "COMPLETED"
    assert json.loads(properties["dapr.workflow.output"]) == "done"


async def test_timer_workflow_waits_one_second_without_input(dapr: Dapr) -> None:
    await dapr.start("TimerWorkflow", "default-timer")
    await dapr.advance(0.999)
    assert await dapr.status("default-timer") == "RUNNING"
    await dapr.advance(0.001)
    assert await dapr.status("default-timer") == "COMPLETED"


async def test_fail_workflow_fails_with_its_message_and_no_output_key(dapr: Dapr) -> None:
    await dapr.start("FailWorkflow", "fails", '"it broke"')
    reply = await dapr.get("fails")
    properties = reply.body["properties"]
    assert reply.body["runtimeStatus"] == "FAILED"
    assert "it broke" in properties["dapr.workflow.failure.error_message"]
    assert properties["dapr.workflow.failure.error_type"]
    assert "dapr.workflow.output" not in properties


async def test_fail_workflow_without_a_string_uses_the_default_message(dapr: Dapr) -> None:
    await dapr.start("FailWorkflow", "fails-default", "42")
    properties = await dapr.properties("fails-default")
    assert properties["dapr.workflow.failure.error_message"] == "conformance failure"


async def test_continue_as_new_completes_with_done(dapr: Dapr) -> None:
    await dapr.start("ContinueAsNewWorkflow", "can", "3")
    properties = await dapr.properties("can")
    assert await dapr.status("can") == "COMPLETED"
    assert json.loads(properties["dapr.workflow.output"]) == "done"


async def test_continue_as_new_reads_running_between_generations(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", start_delay=1)
    await dapr.start("ContinueAsNewWorkflow", "can", "2")
    seen = []
    for _ in range(4):
        seen.append(await dapr.status("can"))
        await dapr.advance(1)
    assert seen == ["PENDING", "RUNNING", "RUNNING", "COMPLETED"]


async def test_parent_runs_event_workflow_as_its_child_and_returns_the_childs_output(
    dapr: Dapr,
) -> None:
    await dapr.start("ParentWorkflow", "fam", '"in"')
    child = await dapr.get("fam-child")
    assert child.body["workflowName"] == "EventWorkflow"
    assert child.body["properties"]["dapr.workflow.input"] == '"in"'
    assert await dapr.status("fam") == "RUNNING"
    await dapr.raise_event("fam-child", "go", "[1, 2]")
    assert await dapr.status("fam-child") == "COMPLETED"
    properties = await dapr.properties("fam")
    assert await dapr.status("fam") == "COMPLETED"
    assert json.loads(properties["dapr.workflow.output"]) == [1, 2]


async def test_parent_fails_when_its_child_fails(dapr: Dapr) -> None:
    await dapr.start("ParentWorkflow", "sad")
    await dapr.call("POST", "/_mock/instances/sad-child/fail", '{"message": "child broke"}')
    properties = await dapr.properties("sad")
    assert await dapr.status("sad") == "FAILED"
    assert "child broke" in properties["dapr.workflow.failure.error_message"]


async def test_terminating_a_parent_terminates_its_child(dapr: Dapr) -> None:
    await dapr.start("ParentWorkflow", "tree")
    await dapr.terminate("tree")
    assert await dapr.status("tree") == "TERMINATED"
    assert await dapr.status("tree-child") == "TERMINATED"


async def test_purging_a_terminal_parent_purges_its_child(dapr: Dapr) -> None:
    await dapr.start("ParentWorkflow", "gone")
    await dapr.terminate("gone")
    assert (await dapr.purge("gone")).status == 202
    assert (await dapr.get("gone")).error == "ERR_INSTANCE_ID_NOT_FOUND"
    assert (await dapr.get("gone-child")).error == "ERR_INSTANCE_ID_NOT_FOUND"


async def test_purge_leaves_a_child_id_that_was_reused_by_another_run_alone(dapr: Dapr) -> None:
    await dapr.start("ParentWorkflow", "p")
    await dapr.terminate("p")
    await dapr.start("EchoWorkflow", "p-child", "1")
    await dapr.purge("p")
    assert await dapr.status("p-child") == "COMPLETED"


async def test_while_suspended_an_event_is_held_until_resume(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "held")
    await dapr.pause("held")
    await dapr.raise_event("held", "go", '"late"')
    await dapr.advance(60)
    assert await dapr.status("held") == "SUSPENDED"
    await dapr.resume("held")
    properties = await dapr.properties("held")
    assert await dapr.status("held") == "COMPLETED"
    assert json.loads(properties["dapr.workflow.output"]) == "late"


async def test_while_suspended_a_fired_timer_is_held_until_resume(dapr: Dapr) -> None:
    await dapr.start("TimerWorkflow", "nap", "5")
    await dapr.pause("nap")
    await dapr.advance(10)
    assert await dapr.status("nap") == "SUSPENDED"
    await dapr.resume("nap")
    assert await dapr.status("nap") == "COMPLETED"


async def test_a_suspended_parent_holds_its_finished_child_until_resume(dapr: Dapr) -> None:
    await dapr.start("ParentWorkflow", "sleepy")
    await dapr.pause("sleepy")
    await dapr.raise_event("sleepy-child", "go", "1")
    assert await dapr.status("sleepy-child") == "COMPLETED"
    assert await dapr.status("sleepy") == "SUSPENDED"
    await dapr.resume("sleepy")
    assert await dapr.status("sleepy") == "COMPLETED"


async def test_the_id_of_a_terminal_instance_starts_a_fresh_run(dapr: Dapr) -> None:
    await dapr.start("EchoWorkflow", "again", '"old"')
    assert (await dapr.start("EventWorkflow", "again", '"new"')).status == 202
    reply = await dapr.get("again")
    assert reply.body["workflowName"] == "EventWorkflow"
    assert reply.body["runtimeStatus"] == "RUNNING"
    assert reply.body["properties"]["dapr.workflow.input"] == '"new"'
    assert "dapr.workflow.output" not in reply.body["properties"]


async def test_the_id_of_a_purged_instance_starts_a_fresh_run(dapr: Dapr) -> None:
    await dapr.start("FailWorkflow", "phoenix")
    await dapr.purge("phoenix")
    assert (await dapr.start("EchoWorkflow", "phoenix", "2")).status == 202
    assert await dapr.status("phoenix") == "COMPLETED"


async def test_sixteen_concurrent_starts_of_one_id_give_exactly_one_202(dapr: Dapr) -> None:
    replies = await asyncio.gather(
        *(dapr.start("EventWorkflow", "race", f"{n}") for n in range(16))
    )
    assert sorted(reply.status for reply in replies) == [202] + [500] * 15
    for reply in replies:
        if reply.status == 500:
            assert reply.error == "ERR_START_WORKFLOW"
            assert "an active workflow with ID 'race' already exists" in reply.body["message"]


async def test_event_names_match_case_insensitively_as_the_python_sdk_matches_them(
    dapr: Dapr,
) -> None:
    await dapr.start("EventWorkflow", "loud")
    await dapr.raise_event("loud", "GO", '"upper case"')
    assert await dapr.status("loud") == "COMPLETED"
    assert (await dapr.properties("loud"))["dapr.workflow.output"] == '"upper case"'


async def test_an_unregistered_workflow_is_accepted_and_then_fails_as_the_python_sdk_says(
    dapr: Dapr,
) -> None:
    assert (await dapr.start("NoSuchWorkflow", "nobody")).status == 202
    reply = await dapr.get("nobody")
    assert reply.body["runtimeStatus"] == "FAILED"
    properties = reply.body["properties"]
    assert properties["dapr.workflow.failure.error_message"] == (
        "A 'NoSuchWorkflow' orchestrator was not registered."
    )
    assert properties["dapr.workflow.failure.error_type"] == "OrchestratorNotRegisteredError"
    assert properties["dapr.workflow.failure.stack_trace"]


async def test_input_that_is_not_json_fails_the_instance_clearly(dapr: Dapr) -> None:
    await dapr.start("EchoWorkflow", "garbled", "not json")
    properties = await dapr.properties("garbled")
    assert await dapr.status("garbled") == "FAILED"
    assert properties["dapr.workflow.failure.error_type"] == "JSONDecodeError"
    assert properties["dapr.workflow.failure.error_message"] == (
        "Expecting value: line 1 column 1 (char 0)"
    )
    assert properties["dapr.workflow.input"] == "not json"


async def test_an_event_payload_that_is_not_json_fails_the_instance_clearly(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "bad-event")
    await dapr.raise_event("bad-event", "go", "finished")
    properties = await dapr.properties("bad-event")
    assert await dapr.status("bad-event") == "FAILED"
    assert properties["dapr.workflow.failure.error_type"] == "JSONDecodeError"
    assert properties["dapr.workflow.failure.error_message"] == (
        "Expecting value: line 1 column 1 (char 0)"
    )


async def test_timestamps_are_rfc3339_utc_and_last_updated_moves_on_every_change(
    dapr: Dapr,
) -> None:
    # The manual clock stands still, so only the mock's own bookkeeping can move the stamp.
    await dapr.start("EventWorkflow", "stamps")
    stamps = [(await dapr.get("stamps")).body["lastUpdatedAt"]]
    for change in (dapr.pause, dapr.resume):
        await change("stamps")
        stamps.append((await dapr.get("stamps")).body["lastUpdatedAt"])
    await dapr.raise_event("stamps", "go", "1")
    body = (await dapr.get("stamps")).body
    stamps.append(body["lastUpdatedAt"])
    assert all(RFC3339_UTC.match(stamp) for stamp in [*stamps, body["createdAt"]])
    parsed = [datetime.fromisoformat(stamp) for stamp in stamps]
    assert parsed == sorted(set(parsed)), stamps
    assert datetime.fromisoformat(body["createdAt"]) <= parsed[0]


async def test_a_get_changes_nothing(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "still")
    assert await dapr.get("still") == await dapr.get("still")
