"""The pytest plugin: ``--target``, ``--profile`` and the fixtures the conformance suite uses.

Registered through the ``pytest11`` entry point, so it is active wherever the package is
installed; it only adds options and fixtures, and touches nothing unless the suite runs.
The target comes from ``--target`` > ini ``dapr_target`` > env ``DAPR_WORKFLOW_TARGET``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from conformance.client import WorkflowClient

TARGET_ENV = "DAPR_WORKFLOW_TARGET"
PROFILES = ("dapr", "docs")


@dataclass(frozen=True)
class SuiteConfig:
    """How the suite runs against one target."""

    target: str | None
    profile: str
    deadline: float
    poll_interval: float
    quick: bool
    api_token: str | None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dapr-workflow-conformance", "Dapr Workflow conformance")
    group.addoption(
        "--target",
        dest="dapr_target",
        metavar="URL",
        help=f"base URL of the implementation to check, e.g. http://127.0.0.1:3500 "
        f"(else ini dapr_target, else ${TARGET_ENV})",
    )
    group.addoption(
        "--profile",
        dest="dapr_profile",
        choices=PROFILES,
        help="what to hold the target to: 'dapr' (daprd 1.16-master, exact codes and messages; "
        "default) or 'docs' (only what the Workflow API reference document promises)",
    )
    group.addoption(
        "--eventually-deadline",
        dest="dapr_deadline",
        type=float,
        help="seconds to wait for an asynchronous transition before failing (default 10)",
    )
    group.addoption(
        "--poll-interval",
        dest="dapr_poll_interval",
        type=float,
        help="seconds between polls while waiting for a transition (default 0.02)",
    )
    group.addoption(
        "--quick",
        dest="dapr_quick",
        action="store_true",
        default=False,
        help="run the quick profile: skip the long fuzzing and model-based phases",
    )
    group.addoption(
        "--api-token",
        dest="dapr_api_token",
        metavar="TOKEN",
        help="send this dapr-api-token header with every request (else $DAPR_API_TOKEN)",
    )
    parser.addini("dapr_target", "base URL of the implementation to check")
    parser.addini("dapr_profile", "conformance profile: dapr or docs", default="dapr")


def resolve_target(config: pytest.Config) -> str | None:
    """The target URL by precedence: CLI, then ini, then environment."""
    value = (
        config.getoption("dapr_target")
        or config.getini("dapr_target")
        or os.environ.get(TARGET_ENV)
    )
    return str(value).rstrip("/") if value else None


def suite_config(config: pytest.Config) -> SuiteConfig:
    profile = config.getoption("dapr_profile") or config.getini("dapr_profile") or "dapr"
    if profile not in PROFILES:
        raise pytest.UsageError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    return SuiteConfig(
        target=resolve_target(config),
        profile=profile,
        deadline=config.getoption("dapr_deadline") or 10.0,
        poll_interval=config.getoption("dapr_poll_interval") or 0.02,
        quick=bool(config.getoption("dapr_quick")),
        api_token=config.getoption("dapr_api_token") or os.environ.get("DAPR_API_TOKEN"),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "behaviour(*ids): the catalogue behaviour(s) a conformance test checks"
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = suite_config(config)
    if settings.target is None:
        return []
    return [
        f"dapr workflow conformance: target {settings.target}, profile {settings.profile}, "
        f"deadline {settings.deadline:g}s{', quick' if settings.quick else ''}"
    ]


@pytest.fixture(scope="session")
def conformance_config(pytestconfig: pytest.Config) -> SuiteConfig:
    """The suite's settings for this run."""
    return suite_config(pytestconfig)


@pytest.fixture(scope="session")
def dapr_target(conformance_config: SuiteConfig) -> str:
    """The base URL under test; the suite cannot run without one."""
    if conformance_config.target is None:
        raise pytest.UsageError(
            "no target to check: pass --target URL (e.g. --target http://127.0.0.1:3500), "
            f"set the ini option dapr_target, or set ${TARGET_ENV}"
        )
    return conformance_config.target


@pytest.fixture(scope="session")
def workflow_client(dapr_target: str, conformance_config: SuiteConfig) -> Iterator[WorkflowClient]:
    """A client for the target under the stable ``v1.0`` prefix."""
    headers = (
        {"dapr-api-token": conformance_config.api_token} if conformance_config.api_token else None
    )
    client = WorkflowClient(dapr_target, headers=headers)
    yield client
    client.close()


@pytest.fixture(scope="session")
def run_tag() -> str:
    """A short tag unique to this run, so instance IDs never collide across runs."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def new_instance_id(run_tag: str, request: pytest.FixtureRequest) -> Callable[[], str]:
    """A factory of instance IDs unique to this run and test (valid daprd IDs)."""
    counter = iter(range(1_000_000))
    stem = "".join(ch if ch.isalnum() else "-" for ch in request.node.name)[-28:].strip("-")

    def make() -> str:
        return f"c{run_tag}-{stem}-{next(counter)}"

    return make
