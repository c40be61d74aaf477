"""``dapr-workflow-conformance``: the bundled mock as a subprocess, pass-through, exit codes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import bundled_mock, given_target, main
from conformance.launcher import LaunchError

CLI = Path(sys.executable).with_name("dapr-workflow-conformance")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "DAPR_WORKFLOW_TARGET"},
    )


def is_listening(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) == 0


def test_without_a_target_it_checks_the_bundled_mock_and_stops_it(tmp_path: Path) -> None:
    result = run_cli("--quick", "-q", "-k", "lifecycle and ABSENT", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    found = re.search(r"checking the bundled mock at (http://127\.0\.0\.1:\d+)", result.stdout)
    assert found, result.stdout
    assert "7 passed" in result.stdout
    assert not is_listening(found.group(1)), "the mock subprocess outlived the run"


def test_the_exit_code_is_not_zero_when_a_test_fails(tmp_path: Path) -> None:
    result = run_cli(
        "--mock-start-delay",
        "2",
        "--eventually-deadline",
        "0.2",
        "-q",
        "-k",
        "test_lifecycle and get-RUNNING",
        f"--junitxml={tmp_path / 'junit.xml'}",
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout[-5000:]
    assert "did not reach RUNNING within" in result.stdout
    assert "observed:  PENDING" in result.stdout
    assert (tmp_path / "junit.xml").exists()


def test_an_explicit_target_is_used_as_it_is(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    target = f"http://127.0.0.1:{port}"
    result = run_cli(
        "--target", target, "--wait-for-target", "0.2", "-q", "-k", "get", cwd=tmp_path
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "bundled mock" not in result.stdout
    assert f"the target {target} did not answer within 0.2s" in result.stdout


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (["--target", "http://a:1", "-q"], "http://a:1"),
        (["-x", "--target=http://b:2"], "http://b:2"),
        (["-k", "target"], None),
    ],
)
def test_the_target_is_found_among_pytest_arguments(args: list[str], target: str | None) -> None:
    assert given_target(args) == target


def test_a_mock_that_exits_early_is_reported_with_its_error_output() -> None:
    command = [sys.executable, "-c", "import sys; sys.stderr.write('port in use'); sys.exit(3)"]
    expected = re.escape("exited (code 3) before it listened: port in use")
    with pytest.raises(LaunchError, match=expected), bundled_mock(command):
        pass


def test_the_mock_subprocess_is_stopped_when_the_run_ends() -> None:
    script = (
        "import time; print('dapr-workflow-mock listening on http://127.0.0.1:9', flush=True);"
        "time.sleep(60)"
    )
    with bundled_mock([sys.executable, "-c", script]) as url:
        assert url == "http://127.0.0.1:9"
        children = subprocess.run(
            ["pgrep", "-P", str(os.getpid()), "-f", "time.sleep"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        assert children
    assert subprocess.run(["ps", "-p", children[0]], capture_output=True, check=False).returncode


def test_help_lists_the_cli_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--mock-start-delay" in capsys.readouterr().out
