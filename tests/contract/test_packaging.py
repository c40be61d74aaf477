"""The wheel ships openapi.yaml and the catalogue, and registers the entry points."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("dapr_workflow_conformance-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_ships_the_spec_itself_not_a_link(wheel: zipfile.ZipFile) -> None:
    assert wheel.read("conformance/openapi.yaml") == (ROOT / "openapi.yaml").read_bytes()


def test_the_wheel_ships_the_behaviour_catalogue(wheel: zipfile.ZipFile) -> None:
    assert wheel.read("conformance/behaviours.yaml")


def test_the_wheel_ships_the_workflows_file_schema_beside_its_loader(
    wheel: zipfile.ZipFile,
) -> None:
    shipped = wheel.read("mockserver/workflows.schema.json")
    assert shipped == (ROOT / "mockserver" / "workflows.schema.json").read_bytes()


def test_the_wheel_ships_the_docs_beside_the_spec_that_cites_them(wheel: zipfile.ZipFile) -> None:
    """The spec and the catalogue cite "docs/daprd-http.md §N": in the installed package that
    path resolves beside them (``conformance/docs/``), with every page of docs/ as it is."""
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    shipped = sorted(
        n.removeprefix("conformance/docs/")
        for n in wheel.namelist()
        if n.startswith("conformance/docs/")
    )
    assert shipped == pages
    assert "daprd-http.md" in pages
    for page in pages:
        assert wheel.read(f"conformance/docs/{page}") == (ROOT / "docs" / page).read_bytes()


def test_the_wheel_registers_the_console_scripts_and_the_pytest_plugin(
    wheel: zipfile.ZipFile,
) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "dapr-workflow-mock = mockserver.cli:main" in text
    assert "dapr-workflow-conformance = conformance.cli:main" in text
    assert "[pytest11]" in text and "conformance.plugin" in text


def test_the_wheel_states_its_licence_as_an_spdx_expression_with_the_text(
    wheel: zipfile.ZipFile,
) -> None:
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    assert "License-Expression: Apache-2.0" in wheel.read(metadata).decode().splitlines()
    (licence,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    assert b"Apache License" in wheel.read(licence)


def test_the_package_copy_of_the_spec_is_the_root_spec() -> None:
    from conformance.contract import SPEC_PATH

    assert SPEC_PATH.read_bytes() == (ROOT / "openapi.yaml").read_bytes()
