"""The engine-backed target answers every recorded daprd exchange as daprd did.

The same vectors as tests/vectors/test_replay.py (recorded against real daprd with the
conformance app), replayed against ``dapr-workflow-engine``.
"""

from __future__ import annotations

import pytest

from conformance.launcher import Child
from tests.vectors.replay import REFERENCE_VERSION, recorded, replay

VECTORS = recorded()


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_the_engine_target_answers_as_daprd_did(name: str, engine_server: Child) -> None:
    found = replay(VECTORS[name], engine_server.url)
    assert not found, f"{name}: the engine target differs from daprd {REFERENCE_VERSION}:\n" + (
        "\n".join(found)
    )
