"""The Dapr app registers exactly the six workflows, and the Dapr SDK runs them as specified.

Each check runs the app in a child interpreter: the Dapr SDK and durabletask register the same
protobuf symbols, so the SDK must never be imported into this (engine-testing) process.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from typing import Any

import pytest

from conformance.workflows import WORKFLOWS

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("dapr") is None,
    reason="the Dapr app needs the 'dapr' extra (pip install -e '.[dapr]')",
)


def run_child(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    """What the Dapr SDK's own executor does with each workflow (see ``dapr_probe.py``)."""
    report: dict[str, Any] = json.loads(run_child("-m", "tests.engine.dapr_probe"))
    return report


def only_action(probe: dict[str, Any], scenario: str) -> dict[str, Any]:
    actions = probe[scenario]["actions"]
    assert len(actions) == 1, actions
    action: dict[str, Any] = actions[0]
    return action


def test_the_app_lists_exactly_the_six_workflow_names() -> None:
    listed = run_child("-m", "conformance.app", "--list").split()
    assert listed == sorted(WORKFLOWS) and len(listed) == 6


def test_the_sdk_registry_holds_exactly_the_six_names(probe: dict[str, Any]) -> None:
    assert probe["names"] == sorted(WORKFLOWS)


def test_echo_completes_with_its_input(probe: dict[str, Any]) -> None:
    done = only_action(probe, "EchoWorkflow")["completeWorkflow"]
    assert done["workflowStatus"] == "ORCHESTRATION_STATUS_COMPLETED"
    assert json.loads(done["result"]) == {"a": 1}


def test_event_sets_waiting_then_returns_the_go_payload(probe: dict[str, Any]) -> None:
    assert only_action(probe, "EventWorkflow")["createTimer"]["externalEvent"] == {"name": "go"}
    assert probe["EventWorkflow"]["custom_status"] == "waiting"
    done = only_action(probe, "EventWorkflow+go")["completeWorkflow"]
    assert json.loads(done["result"]) == "payload"


def test_timer_creates_one_timer_of_its_input_seconds(probe: dict[str, Any]) -> None:
    assert only_action(probe, "TimerWorkflow")["createTimer"]["fireAt"] == "1970-01-01T00:00:02Z"


def test_fail_fails_with_its_input_as_message(probe: dict[str, Any]) -> None:
    done = only_action(probe, "FailWorkflow")["completeWorkflow"]
    assert done["workflowStatus"] == "ORCHESTRATION_STATUS_FAILED"
    assert done["failureDetails"]["errorMessage"] == "it broke"
    assert done["failureDetails"]["errorType"]


def test_continue_as_new_continues_with_n_minus_one(probe: dict[str, Any]) -> None:
    done = only_action(probe, "ContinueAsNewWorkflow")["completeWorkflow"]
    assert done["workflowStatus"] == "ORCHESTRATION_STATUS_CONTINUED_AS_NEW"
    assert json.loads(done["result"]) == 1


def test_parent_starts_event_workflow_as_its_named_child(probe: dict[str, Any]) -> None:
    child = only_action(probe, "ParentWorkflow")["createChildWorkflow"]
    assert child == {"instanceId": "probe-1-child", "name": "EventWorkflow", "input": '"x"'}
