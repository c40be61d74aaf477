"""Differential: random operation sequences against the mock and the engine-backed target.

The sequences and the comparison are in :mod:`tests.differential`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given

from conformance.client import WorkflowClient
from tests.differential import RequestStep, compare, fixed_sequences, mock_client, steps


@pytest.fixture(scope="module")
def mock() -> Iterator[WorkflowClient]:
    with mock_client() as client:
        yield client


@fixed_sequences(60)
@given(sequence=steps)
def test_the_mock_and_the_engine_agree_on_random_operation_sequences(
    sequence: list[RequestStep], mock: WorkflowClient, engine: WorkflowClient
) -> None:
    difference = compare(sequence, mock, engine, "engine")
    if difference is not None:
        pytest.fail(difference)
