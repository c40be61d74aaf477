"""The mock answers every recorded daprd exchange as daprd did (``tests/vectors/daprd-*``).

The vectors were recorded against real daprd with the conformance app (``make record-daprd``);
this replay needs neither Go nor daprd, so a mock change that breaks fidelity fails
``make test`` on every machine. The engine-backed target is replayed in tests/engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from mockserver.testing import running_mock
from tests.vectors.replay import REFERENCE_VERSION, recorded, replay
from tests.vectors.scenarios import SCENARIOS, Send

VECTORS = recorded()


def test_vectors_of_the_reference_version_are_in_the_repository() -> None:
    assert len(VECTORS) >= 70, f"tests/vectors/daprd-{REFERENCE_VERSION} holds {len(VECTORS)}"


def test_every_scenario_has_a_recording() -> None:
    assert set(SCENARIOS) == set(VECTORS), "run make record-daprd after changing a scenario"


def test_every_named_instance_of_a_path_is_declared() -> None:
    for scenario in SCENARIOS.values():
        names = {
            name
            for step in scenario.steps
            if isinstance(step, Send)
            for name in re.findall(r"\{([a-z][a-z0-9-]*)\}", step.path)
        }
        declared = set(scenario.instances) | {f"{n}-child" for n in scenario.instances}
        assert names <= declared, f"{scenario.name}: {sorted(names - declared)} not in instances"


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with running_mock() as url:
        yield url


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_the_mock_answers_as_daprd_did(name: str, mock_url: str) -> None:
    found = replay(VECTORS[name], mock_url)
    assert not found, f"{name}: the mock differs from daprd {REFERENCE_VERSION}:\n" + "\n".join(
        found
    )
