"""The project's pytest plugins stay cheap: they are active in every pytest run of every project
where the package is installed, so importing them and running their hooks over tests that are
not the suite's loads no HTTP client, YAML, schema or server library."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

from tests.suite.conftest import run_pytest

OURS = ("conformance.plugin", "mockserver.pytest_plugin", "daprsidecar.pytest_plugin")
HEAVY = ("requests", "urllib3", "yaml", "jsonschema", "aiohttp", "schemathesis", "hypothesis")


def test_importing_the_plugins_loads_no_heavy_library() -> None:
    probe = (
        "import sys, pytest\n"
        f"for name in {OURS!r}: __import__(name)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr


PLAIN_PROJECT_TEST = f"""
import sys

def test_nothing_heavy_was_loaded_for_a_plain_project():
    assert sorted(m for m in {HEAVY!r} if m in sys.modules) == []
"""


def test_a_plain_project_run_with_the_plugins_loads_no_heavy_library(tmp_path: Path) -> None:
    others = [
        entry.name
        for entry in importlib.metadata.entry_points(group="pytest11")
        if entry.value.split(".")[0] not in {name.split(".")[0] for name in OURS}
    ]
    (tmp_path / "test_plain.py").write_text(PLAIN_PROJECT_TEST)
    disabled = [arg for name in others for arg in ("-p", f"no:{name}")]
    result = run_pytest(*disabled, "-q", "test_plain.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "dapr-workflow-conformance" in run_pytest(*disabled, "-VV", cwd=tmp_path).stdout
