"""No line per request unless asked (``--enable-api-logging``), as daprd does."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

import pytest

from conformance.ready_line import MOCK_PROGRAM, ready_url


def served_log(*flags: str) -> str:
    """Start the mock CLI with ``flags``, send one start and one GET, stop it; its stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = ready_url(line, MOCK_PROGRAM)
        assert url is not None, line
        start = urllib.request.Request(
            f"{url}/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=logged",
            data=b'"x"',
            method="POST",
        )
        with urllib.request.urlopen(start, timeout=10) as answer:
            assert answer.status == 202
        with urllib.request.urlopen(f"{url}/v1.0/workflows/dapr/logged", timeout=10) as answer:
            assert answer.status == 200
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return stderr


def test_the_mock_writes_no_line_per_request_by_default() -> None:
    stderr = served_log()
    assert "HTTP API Called" not in stderr
    assert "/v1.0/workflows" not in stderr


@pytest.mark.parametrize("level", ["info", "debug"])
def test_enable_api_logging_writes_one_line_per_call_as_daprd_does(level: str) -> None:
    stderr = served_log("--enable-api-logging", "--log-level", level)
    lines = [line for line in stderr.splitlines() if "HTTP API Called" in line]
    assert len(lines) == 2, stderr
    assert (
        'method="POST /v1.0/workflows/dapr/EchoWorkflow/start?instanceID=logged" code=202'
        in (lines[0])
    )
    assert 'method="GET /v1.0/workflows/dapr/logged" code=200' in lines[1]
    assert "duration=" in lines[1]


def test_api_logging_follows_the_log_level() -> None:
    assert "HTTP API Called" not in served_log("--enable-api-logging", "--log-level", "warning")


def test_the_bench_starts_the_mock_at_its_defaults_and_refuses_speed_flags() -> None:
    from bench.servers import check_default_speed, mock_command

    for uvloop in (False, True):
        command = mock_command(uvloop=uvloop)
        assert not any(part.startswith("--log-level") for part in command)
    check_default_speed(["python", "-m", "mockserver", "--port", "0"])
    for flag in ("--log-level=warning", "--enable-api-logging", "--store"):
        with pytest.raises(ValueError, match="defaults"):
            check_default_speed(["python", "-m", "mockserver", flag])
