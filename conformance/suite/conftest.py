"""Fixtures of the scenario tests: the profile's checks, the timing, and an instance driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.checks import Checks
from conformance.client import WorkflowClient
from conformance.instances import Instances
from conformance.options import SuiteConfig
from conformance.polling import Timing
from conformance.profiles import Profile


@pytest.fixture(scope="session")
def profile(conformance_config: SuiteConfig) -> Profile:
    """The profile the target is held to."""
    return conformance_config.rules


@pytest.fixture(scope="session")
def checks(profile: Profile) -> Checks:
    """Reply checks under the profile, with explaining failure messages."""
    return Checks(profile)


@pytest.fixture(scope="session")
def timing(conformance_config: SuiteConfig) -> Timing:
    """How long to wait for asynchronous effects."""
    return conformance_config.timing


@pytest.fixture
def client(workflow_client: WorkflowClient) -> WorkflowClient:
    """The client of the target (``v1.0`` prefix, component ``dapr``)."""
    return workflow_client


@pytest.fixture
def instances(
    client: WorkflowClient, checks: Checks, timing: Timing, new_instance_id: Callable[[], str]
) -> Iterator[Instances]:
    """Starts instances for one test and terminates them after it."""
    driver = Instances(client, checks, timing, new_instance_id)
    yield driver
    driver.cleanup()
