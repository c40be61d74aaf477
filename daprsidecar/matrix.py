"""``make conformance-daprd-matrix``: the whole suite against several daprd releases, compared.

``python -m daprsidecar.matrix [--versions 1.16.0,1.18.2] [--out DIR] [pytest args...]`` runs
``dapr-workflow-conformance --daprd VERSION --conformance-report DIR/VERSION`` for each version
(each builds its daprd if needed), then writes ``DIR/matrix.md`` and ``DIR/matrix.json``: per
version the totals, and every behaviour whose result differs between versions, with the reasons
the failing runs gave. The exit code is 0 when every run finished (a behaviour that fails on an
older release is a finding, not an error), else the first failing run's code.

:func:`compare` and :func:`markdown` are pure; only :func:`main` runs anything.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from daprsidecar.versions import MATRIX, normalise

REPORT_FILE = "conformance-report.json"
RUN_ERRORS = {2, 3, 4}
"""pytest's interrupted/usage codes and the CLI's start failures: the run itself broke."""


def compare(reports: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The behaviours whose result differs between the versions' reports, and each total."""
    versions = list(reports)
    results: dict[str, dict[str, str]] = {}
    sentences: dict[str, str] = {}
    reasons: dict[str, dict[str, list[str]]] = {}
    for version, report in reports.items():
        for row in report.get("behaviours", []):
            results.setdefault(row["id"], {})[version] = row["result"]
            sentences[row["id"]] = row.get("sentence", "")
            if row.get("reasons"):
                reasons.setdefault(row["id"], {})[version] = list(row["reasons"])
    differing = [
        {
            "id": behaviour,
            "sentence": sentences[behaviour],
            "results": {v: by_version.get(v, "not run") for v in versions},
            "reasons": reasons.get(behaviour, {}),
        }
        for behaviour, by_version in sorted(results.items())
        if len({by_version.get(v, "not run") for v in versions}) > 1
    ]
    totals = {version: _totals(report.get("behaviours", [])) for version, report in reports.items()}
    return {"versions": versions, "totals": totals, "differing": differing}


def _totals(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for row in rows:
        counted[row["result"]] = counted.get(row["result"], 0) + 1
    return counted


def markdown(matrix: Mapping[str, Any]) -> str:
    versions = matrix["versions"]
    lines = ["# The conformance suite against daprd releases", ""]
    lines += ["| daprd | " + " | ".join(versions) + " |", "|---|" + "---|" * len(versions)]
    for verdict in ("pass", "fail", "skip", "not run"):
        counts = [str(matrix["totals"][v].get(verdict, 0)) for v in versions]
        lines.append(f"| behaviours {verdict} | " + " | ".join(counts) + " |")
    lines += ["", "## Behaviours that differ by version", ""]
    if not matrix["differing"]:
        lines.append("None: every behaviour has the same result on every version.")
        return "\n".join(lines) + "\n"
    lines += [
        "| behaviour | " + " | ".join(versions) + " | why |",
        "|---|" + "---|" * (len(versions) + 1),
    ]
    for row in matrix["differing"]:
        why = "; ".join(
            f"{version}: {reason}" for version, texts in row["reasons"].items() for reason in texts
        )
        cells = [row["results"][v] for v in versions]
        lines.append(
            f"| `{row['id']}` {row['sentence']} | " + " | ".join(cells) + f" | {_cell(why)} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= 300 else flat[:297] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m daprsidecar.matrix", description=__doc__)
    parser.add_argument("--versions", default=",".join(MATRIX), help="comma-separated releases")
    parser.add_argument("--out", type=Path, default=Path("conformance-matrix"))
    args, pytest_args = parser.parse_known_args(argv)
    versions = [normalise(v) for v in args.versions.split(",") if v.strip()]
    reports: dict[str, Any] = {}
    first_error = 0
    for version in versions:
        directory = args.out / version
        command = [
            sys.executable,
            "-m",
            "conformance.cli",
            f"--daprd={version}",
            "--conformance-report",
            str(directory),
            "-q",
            *pytest_args,
        ]
        print(f"daprd {version}: {' '.join(command)}", flush=True)
        code = subprocess.call(command)
        report_path = directory / REPORT_FILE
        if code in RUN_ERRORS or not report_path.is_file():
            print(f"daprd {version}: the run did not finish (exit code {code})", file=sys.stderr)
            first_error = first_error or code or 1
            continue
        reports[version] = json.loads(report_path.read_text("utf-8"))
    matrix = compare(reports)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matrix.json").write_text(json.dumps(matrix, indent=2) + "\n", "utf-8")
    (args.out / "matrix.md").write_text(markdown(matrix), "utf-8")
    print(markdown(matrix))
    return first_error


if __name__ == "__main__":
    raise SystemExit(main())
