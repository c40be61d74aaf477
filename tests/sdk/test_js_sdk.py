"""The Dapr JavaScript SDK's HTTP workflow client (``DaprClient.workflow``) against the mock.

``js_client.mjs`` drives the SDK through every operation and prints what it saw; each test
asserts one behaviour. Skipped unless ``node`` is on PATH and ``@dapr/dapr`` is installed in
``$DAPR_JS_SDK_DIR`` or the repository's ``.sdk/js`` (``make sdk`` installs it there). Nothing
here touches the network beyond the two mocks on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import contract
from mockserver.testing import running_mock

SCRIPT = Path(__file__).with_name("js_client.mjs")
REPO = Path(__file__).resolve().parents[2]
SDK_PACKAGE = Path("node_modules", "@dapr", "dapr", "package.json")
NODE_TIMEOUT = 120.0
TOKEN = "sdk-test-token"
# The SDK reads these; a value inherited from the caller's shell would redirect it.
SDK_ENVIRONMENT = ("DAPR_API_TOKEN", "DAPR_HTTP_ENDPOINT", "DAPR_HTTP_PORT", "DAPR_HOST")


def sdk_dir() -> Path | None:
    """The first directory whose node_modules holds ``@dapr/dapr``, if any."""
    candidates = [os.environ.get("DAPR_JS_SDK_DIR"), str(REPO / ".sdk" / "js")]
    for candidate in candidates:
        if candidate and (Path(candidate) / SDK_PACKAGE).is_file():
            return Path(candidate)
    return None


def run_js_client(sdk: Path, url: str, token_url: str) -> dict[str, Any]:
    """Run ``js_client.mjs`` against the two mocks; return its JSON line."""
    env = {k: v for k, v in os.environ.items() if k not in SDK_ENVIRONMENT}
    args = ["--sdk-dir", str(sdk), "--url", url, "--token-url", token_url, "--token", TOKEN]
    done = subprocess.run(
        ["node", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        env=env,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, (
        f"js_client.mjs exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    observed: dict[str, Any] = json.loads(lines[-1])
    return observed


@pytest.fixture(scope="module")
def observed() -> Iterator[dict[str, Any]]:
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH")
    sdk = sdk_dir()
    if sdk is None:
        pytest.skip("@dapr/dapr is not installed in $DAPR_JS_SDK_DIR or .sdk/js (run `make sdk`)")
    with running_mock() as url, running_mock(api_token=TOKEN) as token_url:
        yield run_js_client(sdk, url, token_url)


def state(observed: dict[str, Any], step: str) -> dict[str, Any]:
    """The instance state the SDK read after ``step``, or a failure naming what it got."""
    result: dict[str, Any] = observed[step]
    assert "error" not in result, f"{step}: the SDK call failed: {result['error']}"
    return result


def test_start_with_an_id_returns_that_id(observed: dict[str, Any]) -> None:
    result = state(observed, "start_with_id")
    assert result["returned"] == result["requested"], f"start returned {result}"


def test_get_reads_a_started_event_workflow_as_running(observed: dict[str, Any]) -> None:
    after = state(observed, "after_start")
    assert (after["status"], after["workflowName"]) == ("RUNNING", "EventWorkflow"), after
    assert after["instanceID"] == observed["start_with_id"]["requested"], after


def test_pause_makes_the_instance_read_suspended(observed: dict[str, Any]) -> None:
    assert state(observed, "after_pause")["status"] == "SUSPENDED", observed["after_pause"]


def test_resume_makes_the_instance_read_running_again(observed: dict[str, Any]) -> None:
    assert state(observed, "after_resume")["status"] == "RUNNING", observed["after_resume"]


def test_raising_go_completes_the_event_workflow_with_its_payload(
    observed: dict[str, Any],
) -> None:
    after = state(observed, "after_raise")
    assert after["status"] == "COMPLETED", after
    assert json.loads(after["output"]) == {"answer": 42, "from": "sdk"}, after


def test_start_without_an_id_returns_an_id_that_get_finds(observed: dict[str, Any]) -> None:
    result = state(observed, "start_without_id")
    # The SDK makes the ID itself (randomUUID) and always sends ?instanceID=.
    uuid.UUID(result["returned"])
    after = result["state"]
    assert (after["instanceID"], after["status"]) == (result["returned"], "COMPLETED"), result
    assert json.loads(after["output"]) == {"hello": "sdk"}, result


def test_terminate_makes_the_instance_read_terminated(observed: dict[str, Any]) -> None:
    after = state(observed, "after_terminate")
    assert after["status"] == "TERMINATED", after


def test_get_after_purge_fails_with_daprds_not_found_error(observed: dict[str, Any]) -> None:
    result = observed["get_after_purge"]
    assert "error" in result, f"get after purge still found the instance: {result}"
    instance_id = observed["after_terminate"]["instanceID"]
    not_found = contract.error("ERR_INSTANCE_ID_NOT_FOUND")
    expected = {"status": not_found.status, "body": not_found.body(instance_id)}
    assert result["error"] == expected, f"get after purge: {result['error']}"


def test_the_api_token_given_as_an_sdk_option_is_accepted(observed: dict[str, Any]) -> None:
    after = state(observed, "token_option")
    assert after["status"] == "COMPLETED", after


def test_the_api_token_from_dapr_api_token_is_accepted(observed: dict[str, Any]) -> None:
    after = state(observed, "token_env")
    assert after["status"] == "COMPLETED", after


def test_a_wrong_token_fails_the_sdks_sidecar_probe(observed: dict[str, Any]) -> None:
    # The SDK polls GET /v1.0/metadata before its first call; daprd guards it with the token.
    expected = {"error": {"message": "DAPR_SIDECAR_COULD_NOT_BE_STARTED"}}
    assert observed["wrong_token"] == expected, observed["wrong_token"]


def test_a_workflow_call_with_a_wrong_token_is_refused_401(observed: dict[str, Any]) -> None:
    result = observed["wrong_token_request"]
    assert "error" in result, f"a wrong token was accepted: {result}"
    assert result["error"]["status"] == 401, result
    assert result["error"]["body"].strip() == "invalid api token", result
