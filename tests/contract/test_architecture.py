"""The import-linter contracts in pyproject.toml hold, and they break when a boundary is crossed.

``make lint`` runs them over the repository; here each is also shown to catch a crossing, on a
copy of the packages with one import added.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("conformance", "daprhttp", "mockserver", "engineserver", "daprsidecar")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_repository_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "added", "broken"),
    [
        ("conformance/reads.py", "import mockserver.engine", "The suite never imports"),
        ("conformance/suite/test_get.py", "import daprhttp.view", "The suite never imports"),
        ("daprhttp/view.py", "import mockserver.clock", "The two servers stand on"),
        ("engineserver/cli.py", "import mockserver.faults", "The two servers stand on"),
        ("mockserver/faults.py", "import aiohttp", "Pure modules import no HTTP library"),
        ("conformance/report.py", "import conformance.client", "Pure modules import no HTTP"),
    ],
)
def test_a_crossed_boundary_breaks_its_contract(
    tmp_path: Path, module: str, added: str, broken: str
) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{added}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout[-3000:]
    assert broken in result.stdout.partition("Broken contracts")[2], result.stdout[-3000:]
