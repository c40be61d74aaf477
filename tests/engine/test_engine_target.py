"""The engine-backed target answers like daprd, above all where the engine alone would not."""

from __future__ import annotations

import json
from collections.abc import Callable

from conformance.client import Reply, WorkflowClient
from conformance.launcher import Child
from tests.contract.test_schemathesis_cli import st_run
from tests.engine.servers import eventually_status

FINISHED = {"COMPLETED", "FAILED", "TERMINATED"}


def error_code(reply: Reply) -> str | None:
    body = reply.json()
    assert set(body) == {"errorCode", "message"}, reply.describe()
    return str(body["errorCode"])


def properties(reply: Reply) -> dict[str, str]:
    return dict(reply.json().get("properties", {}))


def start_waiting(engine: WorkflowClient, instance_id: str) -> None:
    """Start an EventWorkflow (it waits for ``go``) and wait until it runs."""
    assert engine.start("EventWorkflow", instance_id, "7").status == 202
    eventually_status(engine, instance_id, {"RUNNING"})


def test_echo_completes_with_its_input_as_output(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    reply = engine.start("EchoWorkflow", instance_id, '{"a":[1,"x"]}')
    assert (reply.status, reply.json()) == (202, {"instanceID": instance_id})
    done = eventually_status(engine, instance_id, FINISHED)
    body = done.json()
    assert body["runtimeStatus"] == "COMPLETED"
    assert body["workflowName"] == "EchoWorkflow"
    assert body["createdAt"].endswith("Z") and body["lastUpdatedAt"].endswith("Z")
    assert properties(done)["dapr.workflow.input"] == '{"a":[1,"x"]}'
    assert json.loads(properties(done)["dapr.workflow.output"]) == {"a": [1, "x"]}


def test_a_start_without_an_id_gets_a_uuid(engine: WorkflowClient) -> None:
    reply = engine.start("EchoWorkflow", None, "1")
    assert reply.status == 202
    generated = reply.json()["instanceID"]
    assert len(generated) == 36 and generated.count("-") == 4
    eventually_status(engine, generated, {"COMPLETED"})


def test_fail_workflow_fails_with_its_message(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    engine.start("FailWorkflow", instance_id, '"it broke"')
    failed = properties(eventually_status(engine, instance_id, FINISHED))
    assert "it broke" in failed["dapr.workflow.failure.error_message"]
    assert failed["dapr.workflow.failure.error_type"]
    assert "dapr.workflow.output" not in failed


def test_timer_and_continue_as_new_complete_with_done(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    timer, again = new_id(), new_id()
    engine.start("TimerWorkflow", timer, "0.1")
    engine.start("ContinueAsNewWorkflow", again, "3")
    for instance_id in (timer, again):
        done = eventually_status(engine, instance_id, FINISHED)
        assert done.json()["runtimeStatus"] == "COMPLETED", done.describe()
        assert properties(done)["dapr.workflow.output"] == '"done"'


def test_an_unregistered_workflow_is_accepted_and_then_fails(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    assert engine.start("NoSuchWorkflow", instance_id).status == 202
    assert eventually_status(engine, instance_id, FINISHED).json()["runtimeStatus"] == "FAILED"


def test_starting_an_active_id_again_is_err_start_workflow(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    start_waiting(engine, instance_id)
    again = engine.start("EventWorkflow", instance_id)
    assert (again.status, error_code(again)) == (500, "ERR_START_WORKFLOW")
    assert f"an active workflow with ID '{instance_id}' already exists" in again.json()["message"]


def test_a_finished_id_is_reused_for_a_fresh_run(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    engine.start("EchoWorkflow", instance_id, '"first"')
    eventually_status(engine, instance_id, {"COMPLETED"})
    assert engine.start("EchoWorkflow", instance_id, '"second"').status == 202
    done = eventually_status(engine, instance_id, {"COMPLETED"})
    assert properties(done)["dapr.workflow.output"] == '"second"'


def test_commands_on_an_unknown_id_answer_like_daprd(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    unknown = new_id()
    answers = {
        "get": engine.get(unknown),
        "terminate": engine.terminate(unknown),
        "purge": engine.purge(unknown),
        "pause": engine.pause(unknown),
        "resume": engine.resume(unknown),
        "raiseEvent": engine.raise_event(unknown, "go", '"x"'),
    }
    assert {op: (reply.status, error_code(reply)) for op, reply in answers.items()} == {
        "get": (404, "ERR_INSTANCE_ID_NOT_FOUND"),
        "terminate": (404, "ERR_INSTANCE_ID_NOT_FOUND"),
        "purge": (404, "ERR_INSTANCE_ID_NOT_FOUND"),
        "pause": (500, "ERR_PAUSE_WORKFLOW"),
        "resume": (500, "ERR_RESUME_WORKFLOW"),
        "raiseEvent": (500, "ERR_RAISE_EVENT_WORKFLOW"),
    }
    assert answers["get"].json()["message"] == (
        f"unable to find workflow with the provided instance ID: {unknown}"
    )


def test_purge_of_a_running_instance_is_refused_and_keeps_it(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    start_waiting(engine, instance_id)
    refused = engine.purge(instance_id)
    assert (refused.status, error_code(refused)) == (500, "ERR_PURGE_WORKFLOW")
    assert engine.get(instance_id).json()["runtimeStatus"] == "RUNNING"


def test_an_event_raised_while_suspended_takes_effect_after_resume(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    start_waiting(engine, instance_id)
    assert (engine.pause(instance_id).status, engine.pause(instance_id).status) == (202, 202)
    eventually_status(engine, instance_id, {"SUSPENDED"})
    assert engine.raise_event(instance_id, "go", '"payload"').status == 202
    assert engine.get(instance_id).json()["runtimeStatus"] == "SUSPENDED"
    assert engine.resume(instance_id).status == 202  # releases the pause held while SUSPENDED
    assert engine.get(instance_id).json()["runtimeStatus"] == "SUSPENDED"
    assert engine.resume(instance_id).status == 202
    done = eventually_status(engine, instance_id, FINISHED)
    assert properties(done)["dapr.workflow.output"] == '"payload"'


def test_pause_and_resume_of_a_finished_instance_change_nothing(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    engine.start("EchoWorkflow", instance_id, "1")
    before = eventually_status(engine, instance_id, {"COMPLETED"}).json()
    for command in (engine.pause, engine.resume, engine.terminate):
        reply = command(instance_id)
        assert (reply.status, reply.json()) == (202, {})
    assert engine.get(instance_id).json() == before


def test_terminating_a_parent_terminates_its_child(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    parent = new_id()
    engine.start("ParentWorkflow", parent, '"x"')
    eventually_status(engine, f"{parent}-child", {"RUNNING"})
    assert engine.terminate(parent).status == 202
    eventually_status(engine, parent, {"TERMINATED"})
    eventually_status(engine, f"{parent}-child", {"TERMINATED"})


def test_purging_a_finished_parent_purges_its_child(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    parent = new_id()
    engine.start("ParentWorkflow", parent, '"x"')
    eventually_status(engine, f"{parent}-child", {"RUNNING"})
    engine.raise_event(f"{parent}-child", "go", '"out"')
    done = eventually_status(engine, parent, FINISHED)
    assert properties(done)["dapr.workflow.output"] == '"out"'
    assert engine.purge(parent).status == 202
    assert engine.get(parent).status == 404
    assert engine.get(f"{parent}-child").status == 404


def test_id_rules_and_unknown_routes_answer_like_daprd(engine: WorkflowClient) -> None:
    too_long = engine.start("EchoWorkflow", "x" * 65)
    invalid = engine.start("EchoWorkflow", "bad$id")
    assert (too_long.status, error_code(too_long)) == (400, "ERR_INSTANCE_ID_TOO_LONG")
    assert (invalid.status, error_code(invalid)) == (400, "ERR_INSTANCE_ID_INVALID")
    assert engine.start("EchoWorkflow", "héllo_实例-1").status == 202
    wrong_method = engine.request("DELETE", engine.url("some-id"))
    assert (wrong_method.status, error_code(wrong_method)) == (404, "ERR_DIRECT_INVOKE")
    malformed = engine.terminate("some-id", body="{not json")
    assert (malformed.status, error_code(malformed)) == (400, "ERR_MALFORMED_REQUEST")


def test_every_api_version_prefix_reaches_the_same_instances(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    engine.with_version("v1.0-alpha1").start("EchoWorkflow", instance_id, "5")
    for version in ("v1.0", "v1.0-beta1", "v1.0-alpha1"):
        client = engine.with_version(version)
        assert eventually_status(client, instance_id, {"COMPLETED"}).status == 200
        client.close()


def test_a_resume_that_finds_nothing_suspended_fails_the_workflow_as_with_daprd(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    instance_id = new_id()
    start_waiting(engine, instance_id)
    # daprd hands the resume to the app's worker, which fails the run (daprd 1.18.2, vectors).
    assert engine.resume(instance_id).status == 202
    done = eventually_status(engine, instance_id, FINISHED)
    assert done.json()["runtimeStatus"] == "FAILED"
    assert properties(done)["dapr.workflow.failure.error_type"] == "WorkflowStateError"


def test_a_body_over_4_mib_gets_the_same_body_read_error_as_the_mock(
    engine: WorkflowClient, new_id: Callable[[], str]
) -> None:
    reply = engine.start("EchoWorkflow", new_id(), b"x" * (4 * 1024 * 1024 + 1))
    assert (reply.status, reply.json()) == (
        400,
        {"errorCode": "ERR_BODY_READ", "message": "failed to read request body: stream too large"},
    )


def test_the_plain_schemathesis_cli_run_passes_against_the_engine_target(
    engine_server: Child,
) -> None:
    # The spec and its shipped configuration, used as Schemathesis comes (issue 15 part 3).
    done = st_run(engine_server.url)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout, done.stdout[-6000:]
