"""A workflows file: every problem is one clear line, a bad file loads nothing, and the mock
runs what a good one declares (over HTTP, from the command line, and across a restart)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver import workflow_file
from mockserver.workflow_file import WorkflowFileError, load
from tests.mock.support import MockFactory

REPO = Path(__file__).resolve().parents[2]
TWINS = REPO / "examples" / "workflows" / "conformance-twins.yaml"
ORDERS = REPO / "examples" / "workflows" / "orders.yaml"


def problems_of(tmp_path: Path, text: str, name: str = "w.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(WorkflowFileError) as raised:
        load(path)
    prefix = f"{path}: "
    assert all(line.startswith(prefix) for line in raised.value.problems), raised.value.problems
    return [line.removeprefix(prefix) for line in raised.value.problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", "at the top: 'workflows' is a required property"),
        ("workflows: {W: {}}", "at /workflows/W: 'steps' is a required property"),
        (
            "workflows: {W: {steps: [{sleep: 1}]}}",
            "at /workflows/W/steps/0: Additional properties are not allowed ('sleep' was "
            "unexpected)",
        ),
        (
            "workflows: {W: {steps: [{timer: 1, set_status: x}]}}",
            "at /workflows/W/steps/0: a step has exactly one of set_status, activity, timer, "
            "wait_event, all, any, child, if, continue_as_new, complete, fail (has set_status, "
            "timer)",
        ),
        (
            "workflows: {W: {steps: [{complete: {}}, {timer: 1}]}}",
            "at /workflows/W/steps/0: complete ends the workflow, so it must be the last step",
        ),
        (
            "workflows: {W: {steps: [{activity: {name: A, duration: -1}}]}}",
            "at /workflows/W/steps/0/activity/duration: -1 is not valid under any of the given "
            "schemas",
        ),
        (
            "workflows: {W: {steps: [{activity: {duration: 1}}]}}",
            "at /workflows/W/steps/0/activity: 'name' is a required property",
        ),
        (
            "workflows: {W: {steps: [{complete: {output: '${later}'}}]}}",
            "at /workflows/W/steps/0: ${later...} names nothing: use input, instance_id or the "
            "save_as of an earlier step",
        ),
        (
            "workflows: {W: {steps: [{set_status: '${not a path}'}]}}",
            "at /workflows/W/steps/0: '${not a path}' is not ${name}, ${name.key} or ${name[0]}",
        ),
        (
            "workflows: {W: {steps: [{if: {is_string: x}}]}}",
            "at /workflows/W/steps/0: an if step needs then (and may have else)",
        ),
        (
            "workflows: {W: {steps: [{wait_event: {name: e, save_as: input}}]}}",
            "at /workflows/W/steps/0/wait_event/save_as: 'input' should not be valid under "
            "{'enum': ['input', 'instance_id']}",
        ),
    ],
)
def test_each_problem_is_one_line_with_where_and_what(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in problems_of(tmp_path, text)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    found = problems_of(
        tmp_path,
        "workflows:\n  A: {steps: [{sleep: 1}]}\n  B: {steps: [{complete: {output: '${x}'}}]}\n",
    )
    assert len(found) == 2 and found[0].startswith("at /workflows/A/steps/0")
    assert found[1].startswith("at /workflows/B/steps/0")


def test_a_file_that_is_not_yaml_or_cannot_be_read_says_so(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "workflows: [")[0].startswith("not YAML or JSON: ")
    with pytest.raises(WorkflowFileError, match="cannot be read"):
        load(tmp_path / "missing.yaml")


def test_a_saved_name_is_known_to_later_steps_and_branches(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(
        json.dumps(
            {
                "workflows": {
                    "W": {
                        "steps": [
                            {"activity": {"name": "A", "result": 1, "save_as": "a"}},
                            {"if": {"is_number": "${a}"}, "then": [{"set_status": "${a}"}]},
                            {"complete": {"output": "${a}"}},
                        ]
                    }
                }
            }
        )
    )
    assert sorted(load(path)) == ["W"]


def test_the_shipped_examples_are_valid() -> None:
    assert sorted(load(TWINS)) == sorted(
        ["EchoWorkflow", "EventWorkflow", "TimerWorkflow", "FailWorkflow", "ContinueAsNewWorkflow",
         "ParentWorkflow"]
    )  # fmt: skip
    assert "OrderWorkflow" in load(ORDERS)


def test_the_schema_ships_in_the_package() -> None:
    assert workflow_file.SCHEMA_PATH.is_file()
    assert workflow_file.schema()["title"] == "dapr-workflow-mock workflows file"


def test_the_command_refuses_a_bad_file_with_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("workflows:\n  A: {steps: [{sleep: 1}]}\n  B: {steps: [{timer: x}]}\n")
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "0", "--workflows", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert all(line.startswith(f"dapr-workflow-mock: {bad}: at /workflows/") for line in lines)
    assert "Traceback" not in done.stderr and done.stdout == ""


async def test_the_mock_runs_the_example_as_docs_workflows_md_walks_through_it(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual", workflows=ORDERS)
    body = '{"id": "o1", "items": ["book"], "amount": 12}'
    assert (await dapr.start("OrderWorkflow", "o1", body=body)).status == 202
    assert await dapr.status("o1") == "RUNNING"
    assert (await dapr.properties("o1"))["dapr.workflow.custom_status"] == "reserving"
    await dapr.advance(5)
    assert (await dapr.properties("o1"))["dapr.workflow.custom_status"] == "awaiting approval"
    assert (await dapr.raise_event("o1", "approval", '{"approved": true}')).status == 202
    assert (await dapr.properties("o1"))["dapr.workflow.custom_status"] == "shipping"
    await dapr.advance(45)
    assert await dapr.status("o1") == "COMPLETED"
    output = json.loads((await dapr.properties("o1"))["dapr.workflow.output"])
    assert output == {"order": "o1", "receipt": "r-o1", "shipments": ["parcel-1", "parcel-2"]}


async def test_the_example_order_is_rejected_or_times_out_as_the_docs_say(
    make_mock: MockFactory,
) -> None:
    dapr = await make_mock(clock="manual", workflows=ORDERS)
    body = '{"id": "o2", "items": [], "amount": 1}'
    await dapr.start("OrderWorkflow", "o2", body=body)
    await dapr.start("OrderWorkflow", "o3", body=body.replace("o2", "o3"))
    await dapr.advance(5)
    await dapr.raise_event("o2", "approval", '{"approved": false}')
    await dapr.advance(86_400)
    rejected, late = await dapr.properties("o2"), await dapr.properties("o3")
    assert rejected["dapr.workflow.failure.error_type"] == "OrderRejected"
    assert late["dapr.workflow.failure.error_type"] == "ApprovalTimeout"
    assert late["dapr.workflow.failure.error_message"] == "order o3 was not approved within a day"


async def test_a_declared_workflow_mid_activity_survives_a_restart(
    make_mock: MockFactory, tmp_path: Path
) -> None:
    path = tmp_path / "store.db"
    first = await make_mock(clock="manual", store=path, workflows=ORDERS)
    await first.start("OrderWorkflow", "o-2", body='{"id": "o-2", "items": [], "amount": 1}')
    await first.advance(1)
    await first.client.close()
    second = await make_mock(clock="manual", store=path, workflows=ORDERS)
    assert await second.status("o-2") == "RUNNING"
    await second.advance(4)
    props = await second.properties("o-2")
    assert props["dapr.workflow.custom_status"] == "awaiting approval"
