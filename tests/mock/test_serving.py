"""Serving the mock: the background scheduler, the CLI, running_mock and the pytest fixtures."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conformance.ready_line import MOCK_PROGRAM, ready_line, ready_url
from mockserver.app import create_app
from mockserver.backend import ENGINE
from mockserver.testing import running_mock
from tests.mock.support import Dapr, MockFactory


def fetch(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_the_background_loop_fires_a_real_timer_between_requests(
    make_mock: MockFactory,
) -> None:
    dapr: Dapr = await make_mock()
    await dapr.start("TimerWorkflow", "tick", "0.01")
    engine = dapr.client.app[ENGINE]
    async with asyncio.timeout(10):
        while engine.next_due_us() is not None:
            await asyncio.sleep(0.01)
    assert await dapr.status("tick") == "COMPLETED"


def test_running_mock_serves_on_loopback_and_stops_cleanly() -> None:
    with running_mock(clock="manual") as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert (
            fetch(f"{base_url}/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=x", "POST")[0]
            == 202
        )
        status, body = fetch(f"{base_url}/v1.0/workflows/dapr/x")
        assert (status, body["runtimeStatus"]) == (200, "COMPLETED")
    with pytest.raises(urllib.error.URLError):
        fetch(f"{base_url}/v1.0/healthz")


def test_running_mock_passes_its_options_to_the_app() -> None:
    with running_mock(clock="manual", start_delay=5) as base_url:
        fetch(f"{base_url}/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=p", "POST")
        assert fetch(f"{base_url}/v1.0/workflows/dapr/p")[1]["runtimeStatus"] == "PENDING"
        assert fetch(f"{base_url}/_mock/clock")[1]["mode"] == "manual"


def test_create_app_refuses_an_unknown_clock() -> None:
    with pytest.raises(ValueError, match="unknown clock"):
        create_app(clock="sundial")  # type: ignore[arg-type]


def test_the_cli_prints_one_ready_line_serves_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--clock", "manual"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = ready_url(line, MOCK_PROGRAM)
        assert base_url is not None, line
        assert line == ready_line(MOCK_PROGRAM, base_url) + "\n", line
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url), line
        assert fetch(f"{base_url}/v1.0/healthz") == (204, None)
        assert fetch(f"{base_url}/_mock/clock")[1]["mode"] == "manual"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert stdout == ""
    assert "/v1.0/healthz" not in stderr  # no line per request unless --enable-api-logging
    assert "Traceback" not in stderr


def test_the_cli_refuses_a_negative_delay() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--start-delay", "-1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "must not be negative" in result.stderr


def test_the_pytest_fixture_gives_each_test_a_fresh_mock(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import json, urllib.request

            def post(url):
                request = urllib.request.Request(url, method="POST")
                return urllib.request.urlopen(request).status

            def count(url):
                with urllib.request.urlopen(url + "/_mock/instances") as response:
                    return len(json.load(response)["instances"])

            def test_one(dapr_workflow_mock):
                post(dapr_workflow_mock + "/v1.0/workflows/dapr/EchoWorkflow/start")
                assert count(dapr_workflow_mock) == 1

            def test_two(dapr_workflow_mock):
                assert count(dapr_workflow_mock) == 0
            """
        )
    )
    # Autoload off and the plugin named, so the run does not depend on how the package was
    # installed; the entry point itself is checked below.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "mockserver.pytest_plugin", "-q", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_fixtures_are_registered_as_a_pytest11_entry_point() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    plugins = pyproject["project"]["entry-points"]["pytest11"]
    assert plugins["dapr_workflow_mock"] == "mockserver.pytest_plugin"
