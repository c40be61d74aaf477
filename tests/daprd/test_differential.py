"""Differential: the same random operation sequences against real daprd and the mock.

The sequences and the comparison are those of the mock-vs-engine test (:mod:`tests.differential`);
here messages must match exactly too, as the ``dapr`` profile holds them. A fixed,
derandomized set of 100 sequences, so the CI gate runs the same ones every time; every
difference found is fixed in the mock or explained in the spec and docs/differences.md, with a
regression vector in tests/vectors.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given

from conformance.client import WorkflowClient
from daprsidecar.stack import Sidecar
from tests.differential import RequestStep, compare, fixed_sequences, mock_client, steps

pytestmark = pytest.mark.daprd


@pytest.fixture(scope="module")
def mock() -> Iterator[WorkflowClient]:
    with mock_client() as client:
        yield client


@pytest.fixture(scope="module")
def daprd(sidecar: Sidecar) -> Iterator[WorkflowClient]:
    client = WorkflowClient(sidecar.http_url)
    yield client
    client.close()


@fixed_sequences(100)
@given(sequence=steps)
def test_daprd_and_the_mock_agree_on_random_operation_sequences(
    sequence: list[RequestStep], mock: WorkflowClient, daprd: WorkflowClient
) -> None:
    difference = compare(sequence, mock, daprd, "daprd", exact=True)
    if difference is not None:
        pytest.fail(difference)
