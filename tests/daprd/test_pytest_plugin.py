"""daprsidecar.pytest_plugin: ``dapr_workflow_endpoint`` switches between the mock and daprd."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from daprsidecar.build import CACHE_ENV, cache_root
from daprsidecar.versions import DEFAULT_VERSION
from tests.daprd.conftest import require_daprd

pytest_plugins = ["pytester"]

BASE_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
"""Every inline run gets an ini: the outer run turns pytest-asyncio's warning into an error."""

CACHE = cache_root()
"""The real cache, found before pytester points $HOME at a temporary directory (where daprd is
not built, and would be built again, Go module download and all)."""

USES_THE_MOCK = """
import urllib.request

def test_endpoint(dapr_workflow_endpoint):
    assert dapr_workflow_endpoint.startswith("http://127.0.0.1:")
    reset = urllib.request.Request(dapr_workflow_endpoint + "/_mock/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as answer:  # only the mock has /_mock
        assert answer.status in (200, 204)
"""

USES_DAPRD = """
import json, urllib.request

def test_endpoint(dapr_workflow_endpoint, dapr_sidecar):
    assert dapr_workflow_endpoint == dapr_sidecar
    with urllib.request.urlopen(dapr_workflow_endpoint + "/v1.0/metadata", timeout=10) as answer:
        metadata = json.load(answer)
    assert metadata["runtimeVersion"] == "{version}"
    assert metadata["workflows"]["connectedWorkers"] >= 1
"""

SHOW_VERSION = """
from daprsidecar.pytest_plugin import requested_version

def test_show(pytestconfig):
    print("VERSION=" + requested_version(pytestconfig))
"""


@pytest.fixture(autouse=True)
def clean_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAPRD_VERSION", raising=False)
    monkeypatch.setenv(CACHE_ENV, str(CACHE))
    pytester.makeini(BASE_INI)


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    plugins = pyproject["project"]["entry-points"]["pytest11"]
    assert plugins["dapr_sidecar"] == "daprsidecar.pytest_plugin"


# Runs that start the mock run in a subprocess: an in-process rerun mixes two imports of
# mockserver (pytester drops the modules a run imported), and the mock then fails.
def test_the_endpoint_is_the_mock_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_MOCK)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_the_mock_backend_may_be_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_MOCK)
    pytester.runpytest_subprocess("--dapr-workflow-backend=mock").assert_outcomes(passed=1)


def test_a_backend_other_than_mock_or_daprd_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_MOCK)
    result = pytester.runpytest("--dapr-workflow-backend=docker")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--dapr-workflow-backend*invalid choice*'docker'*"])


@pytest.mark.daprd
def test_the_daprd_backend_gives_a_daprd_that_reports_its_version(
    pytester: pytest.Pytester,
) -> None:
    require_daprd()
    pytester.makepyfile(USES_DAPRD.replace("{version}", DEFAULT_VERSION))
    result = pytester.runpytest(
        "--dapr-workflow-backend=daprd", f"--daprd-version={DEFAULT_VERSION}"
    )
    result.assert_outcomes(passed=1)


def test_without_daprd_built_or_go_the_daprd_backend_skips_and_says_why(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "empty-cache"))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    pytester.makepyfile(USES_DAPRD)
    result = pytester.runpytest("-rs", "--dapr-workflow-backend=daprd")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            f"SKIPPED*daprd {DEFAULT_VERSION} is not built and no Go toolchain is on PATH to "
            "build it (make daprd)"
        ]
    )


def test_a_daprd_version_that_is_not_a_release_fails_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(USES_DAPRD)
    result = pytester.runpytest("--dapr-workflow-backend=daprd", "--daprd-version=latest")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--daprd-version: 'latest' is not a daprd version*"])


def test_the_version_comes_from_the_option_then_the_environment_then_the_default(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(SHOW_VERSION)
    pytester.runpytest("-s").stdout.fnmatch_lines([f"*VERSION={DEFAULT_VERSION}*"])
    monkeypatch.setenv("DAPRD_VERSION", "v1.16.1")
    pytester.runpytest("-s").stdout.fnmatch_lines(["*VERSION=1.16.1*"])
    pytester.runpytest("-s", "--daprd-version=1.18.3").stdout.fnmatch_lines(["*VERSION=1.18.3*"])
