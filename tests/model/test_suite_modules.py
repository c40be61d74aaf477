"""The schema and model-based suite modules, run as users run them, against good and bad targets.

Each test runs ``python -m pytest --pyargs conformance.suite -k ...`` in a subprocess against
the mock (immediate and lagging) or against a deliberately broken proxy in front of it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.operation_tests import OPERATION_LABELS
from mockserver.testing import running_mock, serving
from tests.model.targets import Breakage, broken_proxy

SELECTION = "schema or model"


ALL_PASSED = f"{len(OPERATION_LABELS) + 2} passed"
"""The model test, the linked-operations test and one schema test per operation."""


def run_suite(target: str, cwd: Path, *args: str, select: str = SELECTION) -> tuple[int, str]:
    """Run the selected suite modules against ``target``; return exit code and output."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--pyargs",
        "conformance.suite",
        "-k",
        select,
        "--target",
        target,
        "-p",
        "no:cacheprovider",
        "-W",
        "error",
        # pytest-asyncio (installed beside the suite here) warns at start-up when this is unset,
        # and pytest 9.2 turns a start-up warning under -W error into an internal error.
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "-q",
        *args,
    ]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def lagging_mock() -> Iterator[str]:
    with running_mock(start_delay=0.1, transition_delay=0.05) as base_url:
        yield base_url


def passed_modules(output: str) -> set[str]:
    """The module of every test verbose output reports as PASSED."""
    return {
        line.split("::")[0].rsplit("/", 1)[-1]
        for line in output.splitlines()
        if "::" in line and " PASSED" in line
    }


def failed_modules(output: str) -> set[str]:
    """The module of every test (or subtest) the short summary reports as failed."""
    return {
        line.split()[1].split("::")[0].rsplit("/", 1)[-1]
        for line in output.splitlines()
        if line.startswith(("FAILED ", "SUBFAILED "))
    }


def test_both_modules_pass_against_the_lagging_mock(lagging_mock: str, tmp_path: Path) -> None:
    # Their full run against the plain mock is part of tests/suite's whole-suite run.
    code, output = run_suite(lagging_mock, tmp_path, "--quick", "-vv")
    assert code == 0, output
    assert ALL_PASSED in output, output
    assert passed_modules(output) == {"test_schema.py", "test_model.py"}, output


def run_against(breakage: Breakage, tmp_path: Path, *args: str, select: str) -> tuple[int, str]:
    with running_mock() as upstream, serving(broken_proxy(upstream, breakage)) as target:
        return run_suite(target, tmp_path, *args, select=select)


def model_run_against(breakage: Breakage, tmp_path: Path, *args: str) -> tuple[int, str]:
    return run_against(breakage, tmp_path, *args, select="model")


def test_the_proxy_itself_passes_when_nothing_is_broken(tmp_path: Path) -> None:
    code, output = model_run_against(Breakage(), tmp_path, "--quick")
    assert code == 0, output


def test_the_model_test_passes_when_reads_race_writes_as_on_daprd(tmp_path: Path) -> None:
    code, output = model_run_against(Breakage(reads_race_writes=True), tmp_path, "--quick")
    assert code == 0, output


def assert_replayable_script(output: str) -> None:
    assert "--- replay with curl against" in output, output
    assert "curl -si -X POST" in output, output
    assert "def test_model_regression(" in output, output
    assert "client.start(" in output, output


def test_the_model_test_fails_when_pause_of_a_completed_instance_is_409(tmp_path: Path) -> None:
    code, output = model_run_against(Breakage(pause_of_completed_is_409=True), tmp_path)
    assert code == 1, output
    assert "pause answered 409 ERR_PAUSE_WORKFLOW" in output, output
    assert "in COMPLETED: 202 (no change)" in output, output
    assert "reply = client.pause(" in output, output
    assert_replayable_script(output)


def test_the_model_test_fails_when_purge_of_a_running_instance_succeeds(tmp_path: Path) -> None:
    code, output = model_run_against(Breakage(purge_of_running_succeeds=True), tmp_path)
    assert code == 1, output
    assert "purge answered 202" in output, output
    assert "in RUNNING: 500 ERR_PURGE_WORKFLOW (no change)" in output, output
    assert "reply = client.purge(" in output, output
    assert_replayable_script(output)


def test_renamed_error_codes_fail_both_modules_under_dapr_and_pass_under_docs(
    tmp_path: Path,
) -> None:
    breakage = Breakage(error_codes_renamed=True)
    code, output = run_against(breakage, tmp_path, "--quick", select=SELECTION)
    assert code == 1, output
    assert failed_modules(output) == {"test_schema.py", "test_model.py"}, output
    assert "errorCode ERR_WORKFLOW is not one the spec lists" in output, output
    assert "--- replay with curl against" in output, output
    code, output = run_against(breakage, tmp_path, "--quick", "--profile", "docs", select=SELECTION)
    assert code == 0, output
    assert ALL_PASSED in output, output


def test_the_schema_test_fails_when_too_long_start_ids_are_accepted(tmp_path: Path) -> None:
    code, output = run_against(
        Breakage(long_ids_accepted=True), tmp_path, "--quick", select="schema"
    )
    assert code == 1, output
    assert "Invalid data should have been rejected" in output, output
    assert "instanceID" in output, output
