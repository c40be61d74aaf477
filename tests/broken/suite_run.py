"""Run (part of) the conformance suite against a target in a subprocess and read its JUnit XML.

The suite's plugin records every test's behaviour IDs as JUnit properties, so the XML alone
says which behaviours failed, and with which message. Only the conformance plugin and
``selecting`` are loaded (no plugin autoload): a fresh interpreter then starts in under a
second instead of four, and the control runs use the very same command line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.suite import SCENARIO_MODULES

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTUALLY_DEADLINE = 2.0
"""Seconds the suite waits for an effect: plenty for the in-process mock, short for a bug."""
RUN_TIMEOUT = 300
NOT_INHERITED = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
"""Settings of the outer pytest run that must not reach the suite's own run."""


@dataclass(frozen=True)
class Case:
    """One test of the run: its behaviour IDs, outcome and failure text."""

    name: str
    behaviours: tuple[str, ...]
    outcome: str
    """``passed``, ``failed``, ``error`` or ``skipped``."""
    message: str
    """The exception's text (``<type>: <message>``), without the traceback."""


@dataclass(frozen=True)
class SuiteRun:
    """What one run of the suite did."""

    returncode: int
    cases: tuple[Case, ...]
    output: str

    def outcomes(self, behaviour: str, outcome: str) -> list[Case]:
        return [c for c in self.cases if behaviour in c.behaviours and c.outcome == outcome]

    def summary(self) -> str:
        lines = [f"exit code {self.returncode}"]
        lines += [f"  {c.outcome:7} {c.name} {list(c.behaviours)}" for c in self.cases]
        return "\n".join(lines) + "\n" + self.output[-4000:]


def run_suite(
    target: str, behaviours: Sequence[str], *, workdir: Path, quick: bool = True
) -> SuiteRun:
    """The scenario tests tagged with any of ``behaviours``, against ``target``."""
    (workdir / "pytest.ini").write_text("[pytest]\n")
    junit = workdir / "junit.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "conformance.plugin",
        "-p",
        "tests.broken.selecting",
        "-q",
        "--pyargs",
        *SCENARIO_MODULES,
        "--target",
        target,
        "--only-behaviours",
        ",".join(behaviours),
        "--eventually-deadline",
        str(EVENTUALLY_DEADLINE),
        f"--junitxml={junit}",
        "--stress",  # the opt-in concurrency test runs when its behaviour is selected
        *(["--quick"] if quick else []),
    ]
    inherited = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env = {
        **inherited,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    cases = read_junit(junit) if junit.exists() else ()
    return SuiteRun(done.returncode, cases, done.stdout + done.stderr)


SHORTENED = re.compile(r"\n\[\+\d+ more lines?; full report in element text\]$")
"""The note pytest (9.2 and later) ends a ``message`` attribute with when it had to shorten it."""


def full_message(element: ElementTree.Element) -> str:
    """A failure's whole exception text: its ``message`` attribute, or where pytest shortened
    that, the exception's lines (``E   ...``) at the end of the report in the element text."""
    message = element.get("message", "")
    if not SHORTENED.search(message):
        return message
    lines = (element.text or "").splitlines()
    marked = [i for i, line in enumerate(lines) if line.startswith("E ")]
    if not marked:
        return element.text or message
    end = marked[-1]
    start = end
    while start > 0 and lines[start - 1].startswith("E "):
        start -= 1
    first = lines[start]
    indent = len(first) - len(first[1:].lstrip()) if first[1:].strip() else 1
    return "\n".join(line[indent:] for line in lines[start : end + 1])


def read_junit(path: Path) -> tuple[Case, ...]:
    """Every test case of a pytest JUnit XML file."""
    cases = []
    for element in ElementTree.parse(path).iter("testcase"):
        behaviours = tuple(
            str(p.get("value")) for p in element.iter("property") if p.get("name") == "behaviour"
        )
        outcome, message = "passed", ""
        for kind in ("skipped", "error", "failure"):
            found = element.find(kind)
            if found is not None:
                outcome = "failed" if kind == "failure" else kind
                message = full_message(found)
        cases.append(Case(str(element.get("name")), behaviours, outcome, message))
    return tuple(cases)
