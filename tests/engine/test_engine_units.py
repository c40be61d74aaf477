"""The engine target's pure parts (engine state as daprd's view) and its command line."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("durabletask", reason="the engine target needs the 'engine' extra")

from durabletask.client import OrchestrationState, OrchestrationStatus
from durabletask.task import FailureDetails

from conformance.launcher import launch
from conformance.lifecycle import Status
from engineserver.backend import (
    EngineInstances,
    epoch_us,
    error_type_as_dapr_sdk,
    instance_view,
    state_properties,
)
from tests.engine.servers import ENGINE_COMMAND

CREATED = datetime(2025, 1, 2, 3, 4, 5, 123456)
LATER = datetime(2025, 1, 2, 3, 4, 6)


def state(status: OrchestrationStatus, **changes: object) -> OrchestrationState:
    fields: dict[str, object] = {
        "instance_id": "i1",
        "name": "EchoWorkflow",
        "runtime_status": status,
        "created_at": CREATED,
        "last_updated_at": CREATED,
        "serialized_input": None,
        "serialized_output": None,
        "serialized_custom_status": None,
        "failure_details": None,
    }
    fields.update(changes)
    return OrchestrationState(**fields)  # type: ignore[arg-type]


def test_a_continued_as_new_instance_reads_running_not_pending() -> None:
    fresh = state(OrchestrationStatus.PENDING)
    continued = state(OrchestrationStatus.PENDING, last_updated_at=LATER)
    assert instance_view(fresh).runtime_status is Status.PENDING
    assert instance_view(continued).runtime_status is Status.RUNNING


def test_the_view_has_the_engine_state_and_an_empty_input_is_shown() -> None:
    view = instance_view(
        state(OrchestrationStatus.RUNNING, name="", serialized_custom_status='"w"')
    )
    assert view.workflow_name is None
    assert view.created_at_us == view.last_updated_at_us == epoch_us(CREATED)
    # A str custom status is shown as the Dapr Python SDK stores it: plain text.
    assert view.properties == {"dapr.workflow.input": "", "dapr.workflow.custom_status": "w"}


def test_a_custom_status_that_is_not_a_json_string_is_shown_as_the_engine_has_it() -> None:
    for stored in ('{"a": 1}', "[1]", "not json"):
        view = instance_view(state(OrchestrationStatus.RUNNING, serialized_custom_status=stored))
        assert view.properties["dapr.workflow.custom_status"] == stored


def test_a_failed_instance_shows_its_failure_and_no_output() -> None:
    failure = FailureDetails("boom", "conformance.workflows.ConformanceFailure", "trace")
    failed = state(OrchestrationStatus.FAILED, serialized_output='"x"', failure_details=failure)
    assert state_properties(failed) == {
        "dapr.workflow.input": "",
        "dapr.workflow.failure.error_type": "ConformanceFailure",
        "dapr.workflow.failure.error_message": "boom",
        "dapr.workflow.failure.stack_trace": "trace",
    }


def test_failure_types_are_named_as_the_dapr_sdk_names_them() -> None:
    assert error_type_as_dapr_sdk("durabletask.task.OrchestrationStateError") == (
        "WorkflowStateError"
    )
    assert error_type_as_dapr_sdk("ValueError") == "ValueError"


def test_engine_times_are_utc_microseconds_since_the_epoch() -> None:
    assert epoch_us(datetime(1970, 1, 1, 0, 0, 1, 5)) == 1_000_005
    assert epoch_us(datetime(1970, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == 0


def test_sigterm_stops_the_engine_server_cleanly() -> None:
    server = launch(ENGINE_COMMAND)
    assert server.url.startswith("http://127.0.0.1:")
    assert server.stop() == 0


def test_a_command_after_double_dash_runs_against_the_server_and_gives_the_exit_code() -> None:
    script = (
        "import os, sys, requests; "
        "url = sys.argv[1] + '/v1.0/workflows/dapr/never-started'; "
        "assert os.environ['DAPR_WORKFLOW_TARGET'] == sys.argv[1]; "
        "sys.exit(requests.get(url, timeout=10).status_code - 400)"
    )
    done = subprocess.run(
        [*ENGINE_COMMAND, "--", sys.executable, "-c", script, "{target}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4, done.stderr[-2000:]
    assert "listening on http://127.0.0.1:" in done.stdout


def test_the_engine_watches_a_child_workflow_for_longer_than_30_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from durabletask.testing import InMemoryOrchestrationBackend

    from engineserver.durabletask_engine import LoopbackBackend

    asked: list[float | None] = []
    monkeypatch.setattr(
        InMemoryOrchestrationBackend,
        "_wait_for_state",
        lambda self, instance_id, predicate, timeout: asked.append(timeout),
    )
    LoopbackBackend()._wait_for_state("child", lambda instance: True, None)
    LoopbackBackend()._wait_for_state("child", lambda instance: True, 2.0)
    assert asked[0] is not None and asked[0] >= 24 * 3600
    assert asked[1] == 2.0


class RecordingClient:
    """An engine client whose instance always shows one status; records pause/resume calls."""

    def __init__(self, status: OrchestrationStatus) -> None:
        self.status = status
        self.calls: list[str] = []

    async def get_orchestration_state(self, instance_id: str) -> OrchestrationState:
        return state(self.status)

    async def suspend_orchestration(self, instance_id: str) -> None:
        self.calls.append("suspend")

    async def resume_orchestration(self, instance_id: str) -> None:
        self.calls.append("resume")


async def forwarded(status: OrchestrationStatus, commands: str) -> list[str]:
    """What reaches the engine when ``commands`` (p: pause, r: resume) hit an instance that
    keeps showing ``status`` (the engine has not processed anything yet)."""
    client = RecordingClient(status)
    instances = EngineInstances(client)  # type: ignore[arg-type]
    for letter in commands:
        await (instances.pause if letter == "p" else instances.resume)("i1")
    return client.calls


async def test_pauses_held_while_suspended_never_reach_the_engine_and_each_absorbs_a_resume() -> (
    None
):
    running, suspended = OrchestrationStatus.RUNNING, OrchestrationStatus.SUSPENDED
    assert await forwarded(running, "pprr") == ["suspend", "resume"]
    assert await forwarded(running, "pprrr") == ["suspend", "resume", "resume"]
    assert await forwarded(running, "r") == ["resume"]  # the worker fails it, as with daprd
    assert await forwarded(suspended, "prr") == ["resume"]  # the first resume releases the pause
    assert await forwarded(OrchestrationStatus.PENDING, "prp") == ["suspend", "resume", "suspend"]
    assert await forwarded(OrchestrationStatus.COMPLETED, "pr") == []
