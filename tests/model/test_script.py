"""Rendering a model-based run as a curl replay and as a ready-to-paste pytest test."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.client import Reply
from conformance.lifecycle import Operation, Status
from conformance.script import Script, ScriptStep, Settle

S = Status
O = Operation  # noqa: E741
BASE = "http://127.0.0.1:3500/v1.0/workflows/dapr"


def curl(method: str, path: str) -> str:
    return f"curl -si -X {method} '{BASE}/{path}'"


def step(operation: Operation, **fields: Any) -> ScriptStep:
    """A step on instance a (m1-0-a) that answered 202 {} with the model at {RUNNING}."""
    defaults: dict[str, Any] = {
        "slot": "a",
        "instance_id": "m1-0-a",
        "args": (),
        "curl": curl("POST", f"m1-0-a/{operation}"),
        "http": 202,
        "error": None,
        "body": "{}",
        "model_before": "{RUNNING}",
        "model_after": "{RUNNING}",
    }
    return ScriptStep(operation=operation, **{**defaults, **fields})


def failing_script(*, exact_errors: bool = True) -> Script:
    """start EventWorkflow, GET it RUNNING, then purge answered 202 (daprd: 500)."""
    script = Script(target="http://127.0.0.1:3500", exact_errors=exact_errors)
    script.add(
        step(
            O.START,
            args=("EventWorkflow", '"run-1"'),
            curl=curl("POST", "EventWorkflow/start?instanceID=m1-0-a"),
            body='{"instanceID":"m1-0-a"}',
            model_before="{ABSENT}",
            model_after="{PENDING, RUNNING}",
            accepted=((202, None),),
            settle=Settle(frozenset({S.PENDING, S.RUNNING}), seen=(S.ABSENT, S.RUNNING)),
        )
    )
    script.add(
        step(
            O.GET,
            curl=curl("GET", "m1-0-a"),
            http=200,
            model_before="{PENDING, RUNNING}",
            allowed=frozenset({S.PENDING, S.RUNNING}),
        )
    )
    script.add(
        step(
            O.PURGE,
            accepted=((500, "ERR_PURGE_WORKFLOW"),),
            failure="purge answered 202, but the instance may be {RUNNING}",
        )
    )
    return script


def test_the_curl_replay_has_every_request_with_the_model_state_around_it() -> None:
    text = failing_script().curl()
    lines = text.splitlines()
    assert "# instance a = m1-0-a" in lines
    assert lines.index(curl("POST", "EventWorkflow/start?instanceID=m1-0-a")) < lines.index(
        curl("POST", "m1-0-a/purge")
    )
    assert "#   poll GET until runtimeStatus in {PENDING, RUNNING} (saw ABSENT, RUNNING)" in lines
    assert "#   model now {PENDING, RUNNING}" in lines
    assert "#   WRONG: purge answered 202, but the instance may be {RUNNING}" in lines


def test_the_report_names_the_reason_then_both_scripts() -> None:
    report = failing_script().render("the target is wrong")
    assert report.startswith("the target is wrong\n")
    assert report.index("replay with curl") < report.index("def test_model_regression(")


class ScriptedClient:
    """Answers a rendered regression test's requests from a list of (operation, status, body)."""

    def __init__(self, answers: list[tuple[str, int, Any]]) -> None:
        self.answers: Iterator[tuple[str, int, Any]] = iter(answers)
        self.sent: list[str] = []

    def _reply(self, operation: str, *args: object) -> Reply:
        self.sent.append(operation)
        expected, status, body = next(self.answers)
        assert operation == expected, f"the test sent {operation}, the script expected {expected}"
        return Reply("POST", f"{BASE}/{operation}", status, {}, json.dumps(body))

    def __getattr__(self, name: str) -> Callable[..., Reply]:
        return lambda *args, **kwargs: self._reply(name, *args)


def run_rendered(script: Script, client: ScriptedClient) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(script.pytest(), "<rendered>", "exec"), namespace)
    namespace["test_model_regression"](client, iter(["c-0", "c-1"]).__next__)


RUNNING = {"runtimeStatus": "RUNNING", "instanceID": "c-0"}


def test_the_rendered_test_fails_at_the_wrong_step_against_the_same_answers() -> None:
    client = ScriptedClient(
        [
            ("start", 202, {"instanceID": "c-0"}),
            ("get", 404, {"errorCode": "ERR_INSTANCE_ID_NOT_FOUND", "message": "x"}),
            ("get", 200, RUNNING),
            ("get", 200, RUNNING),
            ("purge", 202, {}),
        ]
    )
    with pytest.raises(AssertionError, match="202"):
        run_rendered(failing_script(), client)
    assert client.sent == ["start", "get", "get", "get", "purge"]


def test_the_rendered_test_passes_against_a_correct_target() -> None:
    client = ScriptedClient(
        [
            ("start", 202, {"instanceID": "c-0"}),
            ("get", 200, {"runtimeStatus": "PENDING", "instanceID": "c-0"}),
            ("get", 200, RUNNING),
            ("purge", 500, {"errorCode": "ERR_PURGE_WORKFLOW", "message": "x"}),
        ]
    )
    run_rendered(failing_script(), client)


def test_without_exact_errors_the_rendered_test_checks_success_or_error_only() -> None:
    source = failing_script(exact_errors=False).pytest()
    assert "assert kind(reply.status) in {'error'}" in source
    client = ScriptedClient(
        [
            ("start", 202, {"instanceID": "c-0"}),
            ("get", 200, RUNNING),
            ("get", 200, RUNNING),
            ("purge", 404, {"errorCode": "SOMETHING_ELSE", "message": "x"}),
        ]
    )
    run_rendered(failing_script(exact_errors=False), client)


def test_a_restart_waits_for_the_new_runs_input() -> None:
    script = Script(target="http://t")
    script.add(
        step(
            O.START,
            slot="b",
            args=("EchoWorkflow", '"run-2"'),
            model_before="{COMPLETED}",
            accepted=((202, None), (500, "ERR_START_WORKFLOW")),
            settle=Settle(
                frozenset({S.PENDING, S.RUNNING, S.COMPLETED}),
                undecided=frozenset({S.COMPLETED}),
                run_input='"run-2"',
            ),
        )
    )
    old = {"runtimeStatus": "COMPLETED", "properties": {"dapr.workflow.input": '"run-1"'}}
    new = {"runtimeStatus": "COMPLETED", "properties": {"dapr.workflow.input": '"run-2"'}}
    client = ScriptedClient([("start", 202, {}), ("get", 200, old), ("get", 200, new)])
    namespace: dict[str, Any] = {}
    exec(compile(script.pytest(), "<rendered>", "exec"), namespace)
    namespace["test_model_regression"](client, iter(["c-0"]).__next__)
    assert client.sent == ["start", "get", "get"]


@pytest.mark.parametrize("exact_errors", [True, False])
def test_the_rendered_test_imports_what_it_uses_and_nothing_else(
    exact_errors: bool, tmp_path: Path
) -> None:
    rendered = tmp_path / "test_rendered.py"
    rendered.write_text(failing_script(exact_errors=exact_errors).pytest())
    ruff = Path(sys.executable).with_name("ruff")
    found = subprocess.run(
        [str(ruff), "check", "--no-cache", "--isolated", "--select", "F,I", str(rendered)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert found.returncode == 0, found.stdout + found.stderr
