"""The engine target's pure parts: daprd's routing, ID rule, body check and GET body."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest

pytest.importorskip("durabletask", reason="the engine target needs the 'engine' extra")

from durabletask.client import OrchestrationState, OrchestrationStatus
from durabletask.task import FailureDetails

from engineserver.errors import DaprError
from engineserver.http import Route, check_json_body, match, validate_instance_id
from engineserver.instances import rfc3339, state_body
from tests.engine.servers import ENGINE_COMMAND, launch

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


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("POST", "/v1.0/workflows/dapr/Echo/start", Route("start", "Echo")),
        ("GET", "/v1.0-beta1/workflows/any/id%2Fwith+slash", Route("get", "id/with slash")),
        ("POST", "/v1.0-alpha1/workflows/dapr/i/raiseEvent/go", Route("raiseEvent", "i", "go")),
        ("POST", "//v1.0/workflows//dapr/i/x/../purge", Route("purge", "i")),
        ("POST", "/v1.0/workflows/dapr/i/pause/", Route("pause", "i")),
        ("GET", "/v1.0/workflows/dapr/i/terminate", None),
        ("DELETE", "/v1.0/workflows/dapr/i", None),
        ("POST", "/v2.0/workflows/dapr/i/pause", None),
        ("POST", "/v1.0/workflows/dapr/i/stop", None),
    ],
)
def test_routes_match_like_daprd(method: str, path: str, route: Route | None) -> None:
    assert match(method, path) == route


@pytest.mark.parametrize(
    ("instance_id", "code"),
    [
        ("a" * 64, None),
        ("é" * 32, None),
        ("é" * 33, "ERR_INSTANCE_ID_TOO_LONG"),
        ("$" * 65, "ERR_INSTANCE_ID_TOO_LONG"),
        ("实例_x-1", None),
        ("with space", "ERR_INSTANCE_ID_INVALID"),
        ("dot.ted", "ERR_INSTANCE_ID_INVALID"),
        ("sup²", "ERR_INSTANCE_ID_INVALID"),
    ],
)
def test_instance_ids_follow_daprds_rule(instance_id: str, code: str | None) -> None:
    if code is None:
        validate_instance_id(instance_id)
        return
    with pytest.raises(DaprError) as raised:
        validate_instance_id(instance_id)
    assert raised.value.error.code == code


@pytest.mark.parametrize("body", [b"{", b"[1]", b'"x"', b" "])
def test_a_command_body_must_be_a_json_object(body: bytes) -> None:
    with pytest.raises(DaprError) as raised:
        check_json_body(body)
    assert (raised.value.status, raised.value.error.code) == (400, "ERR_MALFORMED_REQUEST")


def test_an_empty_or_object_command_body_is_accepted() -> None:
    check_json_body(b"")
    check_json_body(b'{"unknown": 1}')


def test_a_continued_as_new_instance_reads_running_not_pending() -> None:
    fresh = state(OrchestrationStatus.PENDING)
    continued = state(OrchestrationStatus.PENDING, last_updated_at=LATER)
    assert state_body(fresh)["runtimeStatus"] == "PENDING"
    assert state_body(continued)["runtimeStatus"] == "RUNNING"


def test_the_get_body_has_daprds_keys_and_omissions() -> None:
    body = state_body(state(OrchestrationStatus.RUNNING, name="", serialized_custom_status='"w"'))
    assert body == {
        "instanceID": "i1",
        "createdAt": "2025-01-02T03:04:05.123456Z",
        "lastUpdatedAt": "2025-01-02T03:04:05.123456Z",
        "runtimeStatus": "RUNNING",
        "properties": {"dapr.workflow.input": "", "dapr.workflow.custom_status": '"w"'},
    }


def test_a_failed_instance_shows_its_failure_and_no_output() -> None:
    failure = FailureDetails("boom", "conformance.workflows.ConformanceFailure", "trace")
    failed = state(OrchestrationStatus.FAILED, serialized_output='"x"', failure_details=failure)
    assert state_body(failed)["properties"] == {
        "dapr.workflow.input": "",
        "dapr.workflow.failure.error_type": "conformance.workflows.ConformanceFailure",
        "dapr.workflow.failure.error_message": "boom",
        "dapr.workflow.failure.stack_trace": "trace",
    }


def test_timestamps_are_rfc3339_utc() -> None:
    assert rfc3339(datetime(2025, 1, 2, 3, 4, 5)) == "2025-01-02T03:04:05.000000Z"


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
