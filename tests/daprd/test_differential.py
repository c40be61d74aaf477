"""Differential: the same random operation sequences against real daprd and the mock.

The sequences and the comparison are those of the mock-vs-engine test (:mod:`tests.differential`);
here messages must match exactly too, as the ``dapr`` profile holds them. A fixed,
derandomized set of 100 sequences, so the CI gate runs the same ones every time; every
difference found is fixed in the mock or explained in the spec and the README, with a
regression vector in tests/vectors.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from conformance.client import WorkflowClient
from daprsidecar.stack import Sidecar
from tests.differential import Step, compare, steps

pytestmark = pytest.mark.daprd


@pytest.fixture(scope="module")
def mock() -> Iterator[WorkflowClient]:
    from mockserver.testing import running_mock

    with running_mock(validate_responses=True) as url:
        client = WorkflowClient(url)
        yield client
        client.close()


@pytest.fixture(scope="module")
def daprd(sidecar: Sidecar) -> Iterator[WorkflowClient]:
    client = WorkflowClient(sidecar.http_url)
    yield client
    client.close()


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_daprd_and_the_mock_agree_on_random_operation_sequences(
    sequence: list[Step], mock: WorkflowClient, daprd: WorkflowClient
) -> None:
    difference = compare(sequence, mock, daprd, "daprd", exact=True)
    if difference is not None:
        pytest.fail(difference)
