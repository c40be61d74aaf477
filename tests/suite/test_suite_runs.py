"""The suite passes against the bundled mock, against a lagging mock, and quickly."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.contract import behaviours
from mockserver.testing import running_mock
from tests.suite.conftest import SCENARIO_MODULES, run_pytest


def test_the_whole_suite_passes_against_the_mock_and_reports_every_behaviour(
    mock_url: str, tmp_path: Path
) -> None:
    report_dir, junit = tmp_path / "report", tmp_path / "junit.xml"
    result = run_pytest(
        "--pyargs",
        "conformance.suite",
        "--target",
        mock_url,
        "-q",
        "--conformance-report",
        str(report_dir),
        "--junitxml",
        str(junit),
        "--stress",  # every behaviour, the opt-in one too
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    report = json.loads((report_dir / "conformance-report.json").read_text())
    results = {row["id"]: row["result"] for row in report["behaviours"]}
    assert set(results) == set(behaviours())
    assert {r for r in results.values()} == {"pass"}, {
        i: r for i, r in results.items() if r != "pass"
    }
    assert "| pause | " in (report_dir / "conformance-report.md").read_text()
    assert 'name="behaviour" value="lifecycle.pause.ABSENT"' in junit.read_text()


def test_the_scenario_tests_pass_against_a_lagging_mock(
    lagging_mock_url: str, tmp_path: Path
) -> None:
    result = run_pytest(
        "--pyargs", *SCENARIO_MODULES, "--target", lagging_mock_url, "-q", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert " failed" not in result.stdout


def test_the_quick_run_passes_and_skips_the_slow_tests(mock_url: str, tmp_path: Path) -> None:
    result = run_pytest(
        "--pyargs",
        *SCENARIO_MODULES,
        "--target",
        mock_url,
        "--quick",
        "-q",
        "-rs",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "slow; skipped by --quick" in result.stdout


def test_the_docs_profile_passes_against_the_mock_and_skips_what_the_document_does_not_promise(
    mock_url: str, tmp_path: Path
) -> None:
    result = run_pytest(
        "--pyargs",
        *SCENARIO_MODULES,
        "--target",
        mock_url,
        "--profile",
        "docs",
        "-q",
        "-rs",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "not checked by profile docs: the reference document sets no length limit" in (
        result.stdout
    )


def test_the_whole_suite_passes_against_the_declared_twins_of_the_six(tmp_path: Path) -> None:
    twins = Path(__file__).resolve().parents[2] / "examples/workflows/conformance-twins.yaml"
    with running_mock(workflows=twins) as url:
        result = run_pytest("--pyargs", "conformance.suite", "--target", url, "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert " failed" not in result.stdout
