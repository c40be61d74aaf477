"""pytest fixtures for testing your own code against real daprd (entry point ``dapr_sidecar``).

- ``dapr_sidecar`` (session): daprd's HTTP base URL, with the conformance app's workflow worker
  connected; ``--daprd-version`` picks the release (else ``$DAPRD_VERSION``, else the
  project's default). Skipped, with the reason, when daprd is not built and no Go is on PATH.
- ``dapr_workflow_endpoint``: the one switch. ``--dapr-workflow-backend=mock`` (the default)
  gives the mock (``dapr_workflow_mock``, reset before each test);
  ``--dapr-workflow-backend=daprd`` gives ``dapr_sidecar`` (one daprd for the session: its
  instances are not reset between tests, so give each test its own instance IDs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from daprsidecar.build import BuildError, cached, go_available
from daprsidecar.stack import SidecarStartError, running_sidecar
from daprsidecar.versions import DEFAULT_VERSION, VERSION_ENV, VersionError, normalise

BACKENDS = ("mock", "daprd")
DEFAULT_BACKEND = "mock"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dapr-sidecar", "real daprd (dapr_sidecar fixture)")
    group.addoption(
        "--daprd-version",
        dest="daprd_version",
        metavar="VERSION",
        default=None,
        help=f"the daprd release dapr_sidecar runs, e.g. {DEFAULT_VERSION} "
        f"(default ${VERSION_ENV}, else {DEFAULT_VERSION})",
    )
    group.addoption(
        "--dapr-workflow-backend",
        dest="dapr_workflow_backend",
        choices=BACKENDS,
        default=DEFAULT_BACKEND,
        help="what dapr_workflow_endpoint gives: the mock or real daprd (default mock)",
    )


def unavailable_reason(version: str) -> str | None:
    """Why ``version`` cannot run here (not built, and no Go to build it), or None."""
    if cached(version).complete() or go_available() is not None:
        return None
    return (
        f"daprd {normalise(version)} is not built and no Go toolchain is on PATH to build it "
        "(make daprd)"
    )


def requested_version(config: pytest.Config) -> str:
    """``--daprd-version``, else ``$DAPRD_VERSION``, else the default, normalised."""
    option: str | None = config.getoption("daprd_version")
    return normalise(option or os.environ.get(VERSION_ENV) or DEFAULT_VERSION)


@pytest.fixture(scope="session")
def dapr_sidecar(pytestconfig: pytest.Config) -> Iterator[str]:
    """daprd's HTTP base URL, with the conformance workflow app connected, for the session."""
    try:
        version = requested_version(pytestconfig)
    except VersionError as error:
        pytest.fail(f"--daprd-version: {error}", pytrace=False)
    reason = unavailable_reason(version)
    if reason is not None:
        pytest.skip(reason)
    try:
        with running_sidecar(version) as sidecar:
            yield sidecar.http_url
    except (BuildError, SidecarStartError) as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def dapr_workflow_endpoint(request: pytest.FixtureRequest) -> str:
    """The base URL of the backend ``--dapr-workflow-backend`` names: the mock or daprd."""
    backend: str = request.config.getoption("dapr_workflow_backend")
    fixture = "dapr_sidecar" if backend == "daprd" else "dapr_workflow_mock"
    url: str = request.getfixturevalue(fixture)
    return url
