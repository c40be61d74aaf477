"""The conformance report of one run: the behaviour matrix and operation x status coverage.

Pure: the plugin feeds it test results (behaviour IDs and outcomes) and writes the Markdown and
JSON this module renders.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.behaviours import Behaviour, lifecycle_behaviour_id
from conformance.lifecycle import Lifecycle, Operation, Status

PASS, FAIL, SKIP, NOT_RUN, UNREACHABLE = "pass", "fail", "skip", "not run", "unreachable"
TRANSPORT = "transport error"
"""A test (or behaviour) whose answer never arrived: not a wrong answer, and not a pass."""
REPORT_NAME = "conformance-report"


@dataclass(frozen=True)
class TestResult:
    """One test's outcome and the behaviours it checks."""

    nodeid: str
    outcome: str
    """``pass``, ``fail``, ``transport error`` or ``skip``."""
    behaviours: tuple[str, ...]
    reason: str = ""


@dataclass
class BehaviourRow:
    """One behaviour's result in this run, over every test tagged with it."""

    behaviour: Behaviour
    tests: list[TestResult] = field(default_factory=list)

    @property
    def result(self) -> str:
        outcomes = {t.outcome for t in self.tests}
        for verdict in (FAIL, TRANSPORT, PASS, SKIP):
            if verdict in outcomes:
                return verdict
        return NOT_RUN

    def as_dict(self) -> dict[str, Any]:
        b = self.behaviour
        reasons = sorted({t.reason for t in self.tests if t.outcome != PASS and t.reason})
        return {
            "id": b.id,
            "operation": b.operation.value if b.operation else None,
            "status": b.status.value if b.status else None,
            "result": self.result,
            "sentence": b.sentence,
            "source": b.source,
            "tests": [{"nodeid": t.nodeid, "outcome": t.outcome} for t in self.tests],
            "reasons": reasons,
        }


def behaviour_rows(
    catalogue: Mapping[str, Behaviour], results: Iterable[TestResult]
) -> list[BehaviourRow]:
    """A row per catalogue behaviour, in catalogue order, with the tests that checked it."""
    rows = {behaviour_id: BehaviourRow(b) for behaviour_id, b in catalogue.items()}
    for result in results:
        for behaviour_id in result.behaviours:
            if behaviour_id in rows:
                rows[behaviour_id].tests.append(result)
    return list(rows.values())


def coverage(rows: Iterable[BehaviourRow], lifecycle: Lifecycle) -> dict[str, dict[str, str]]:
    """operation -> status -> result of the lifecycle behaviour (``unreachable`` if none)."""
    by_id = {row.behaviour.id: row.result for row in rows}
    return {
        operation.value: {
            status.value: by_id.get(lifecycle_behaviour_id(operation, status), UNREACHABLE)
            for status in Status
            if (operation, status) in lifecycle.cells
        }
        for operation in Operation
    }


def build(
    catalogue: Mapping[str, Behaviour],
    results: Iterable[TestResult],
    lifecycle: Lifecycle,
    *,
    target: str | None,
    profile: str,
    quick: bool = False,
) -> dict[str, Any]:
    """The whole report as plain data (what the JSON file holds)."""
    results = list(results)
    rows = behaviour_rows(catalogue, results)
    totals = {verdict: 0 for verdict in (PASS, FAIL, TRANSPORT, SKIP, NOT_RUN)}
    for row in rows:
        totals[row.result] += 1
    return {
        "target": target,
        "profile": profile,
        "quick": quick,
        "totals": totals,
        "behaviours": [row.as_dict() for row in rows],
        "coverage": coverage(rows, lifecycle),
        "untagged_tests": [r.nodeid for r in results if not r.behaviours],
    }


_MARK = {
    PASS: "pass",
    FAIL: "**FAIL**",
    TRANSPORT: "**TRANSPORT ERROR**",
    SKIP: "skip",
    NOT_RUN: "not run",
    UNREACHABLE: "-",
}


def markdown(report: Mapping[str, Any]) -> str:
    """The report as a Markdown document: summary, coverage matrix, behaviour matrix."""
    totals = report["totals"]
    lines = [
        "# Dapr Workflow conformance report",
        "",
        f"- target: `{report['target']}`",
        f"- profile: `{report['profile']}`{' (quick)' if report['quick'] else ''}",
        f"- behaviours: {totals[PASS]} pass, {totals[FAIL]} fail, {totals[SKIP]} skip, "
        f"{totals[NOT_RUN]} not run, {totals.get(TRANSPORT, 0)} transport error "
        "(the answer never arrived)",
        "",
        "## Operation x status",
        "",
    ]
    matrix: Mapping[str, Mapping[str, str]] = report["coverage"]
    statuses = list(next(iter(matrix.values())))
    lines.append("| operation | " + " | ".join(statuses) + " |")
    lines.append("|---" * (len(statuses) + 1) + "|")
    for operation, row in matrix.items():
        cells = " | ".join(_MARK[row[s]] for s in statuses)
        lines.append(f"| {operation} | {cells} |")
    lines += [
        "",
        "## Behaviours",
        "",
        "| ID | operation | status | result | sentence | source |",
        "|---|---|---|---|---|---|",
    ]
    for row in report["behaviours"]:
        result = _MARK[row["result"]]
        if row["reasons"]:
            result += " (" + "; ".join(row["reasons"]) + ")"
        lines.append(
            f"| `{row['id']}` | {row['operation'] or ''} | {row['status'] or ''} | {result} "
            f"| {_cell(row['sentence'])} | {_cell(row['source'])} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write(report: Mapping[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write ``conformance-report.md`` and ``.json`` into ``directory``; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    md_path = directory / f"{REPORT_NAME}.md"
    json_path = directory / f"{REPORT_NAME}.json"
    md_path.write_text(markdown(report), encoding="utf-8")
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return md_path, json_path
