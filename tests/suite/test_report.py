"""The report: a behaviour's result over its tests, the coverage matrix, the Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance import report
from conformance.contract import behaviours, lifecycle


def build(*results: report.TestResult) -> dict[str, Any]:
    return report.build(behaviours(), results, lifecycle(), target="http://t", profile="dapr")


def test_one_failing_test_fails_the_behaviour_whatever_the_others_did() -> None:
    data = build(
        report.TestResult("a", "pass", ("start.accepted.202",)),
        report.TestResult("b", "fail", ("start.accepted.202",), "failed in call"),
        report.TestResult("c", "skip", ("start.accepted.202",), "why"),
    )
    rows = {row["id"]: row for row in data["behaviours"]}
    assert rows["start.accepted.202"]["result"] == "fail"
    assert rows["start.accepted.202"]["reasons"] == ["failed in call", "why"]


def test_a_transport_error_is_neither_a_pass_nor_a_failure_and_is_counted_apart() -> None:
    data = build(
        report.TestResult("a", "pass", ("start.accepted.202", "get.shape.200")),
        report.TestResult("b", "transport error", ("start.accepted.202",), "no answer"),
        report.TestResult("c", "transport error", ("get.shape.200",), "no answer"),
        report.TestResult("d", "fail", ("get.shape.200",), "wrong"),
    )
    rows = {row["id"]: row["result"] for row in data["behaviours"]}
    assert rows["start.accepted.202"] == "transport error"  # not checked, so not a pass
    assert rows["get.shape.200"] == "fail"  # a wrong answer still fails it
    assert data["totals"]["transport error"] == 1 and data["totals"]["fail"] == 1
    markdown = report.markdown(data)
    assert "not run, 1 transport error (the answer never arrived)" in markdown
    assert "| `start.accepted.202` | start |  | **TRANSPORT ERROR** (no answer) |" in markdown


def test_a_behaviour_is_skipped_only_when_every_test_of_it_skipped() -> None:
    data = build(
        report.TestResult("a", "skip", ("get.shape.200",), "quick"),
        report.TestResult("b", "pass", ("get.shape.200", "get.workflow-name")),
        report.TestResult("c", "skip", ("get.workflow-name",)),
    )
    rows = {row["id"]: row["result"] for row in data["behaviours"]}
    assert rows["get.shape.200"] == "pass" and rows["get.workflow-name"] == "pass"
    assert rows["get.timestamps.rfc3339"] == "not run"


def test_the_coverage_matrix_has_every_operation_and_status() -> None:
    data = build(report.TestResult("a", "pass", ("lifecycle.purge.COMPLETED",)))
    matrix = data["coverage"]
    assert list(matrix) == ["start", "get", "terminate", "raiseEvent", "pause", "resume", "purge"]
    assert matrix["purge"]["COMPLETED"] == "pass"
    assert matrix["purge"]["FAILED"] == "not run"
    assert matrix["purge"]["CANCELED"] == "unreachable"


def test_the_markdown_and_json_files_are_written(tmp_path: Path) -> None:
    data = build(report.TestResult("a", "fail", ("lifecycle.pause.ABSENT",), "failed in call"))
    md_path, json_path = report.write(data, tmp_path / "out")
    markdown = md_path.read_text()
    assert markdown.startswith("# Dapr Workflow conformance report")
    assert "- behaviours: 0 pass, 1 fail, 0 skip," in markdown
    assert "| operation | ABSENT | PENDING | RUNNING |" in markdown
    assert '"id": "lifecycle.pause.ABSENT"' in json_path.read_text()
