"""The behaviour catalogue: well-formed, sourced, and covering every reachable lifecycle cell."""

from __future__ import annotations

import re

import pytest

from conformance.behaviours import catalogue, lifecycle_behaviour_id
from conformance.contract import behaviours, lifecycle
from conformance.lifecycle import Operation, Status

REACHABLE = [
    Status.ABSENT,
    Status.RUNNING,
    Status.SUSPENDED,
    Status.COMPLETED,
    Status.FAILED,
    Status.TERMINATED,
]


def test_every_behaviour_has_a_sentence_and_a_source() -> None:
    for behaviour in behaviours().values():
        assert behaviour.sentence.endswith(".") or behaviour.id.startswith("lifecycle."), behaviour
        assert behaviour.source, behaviour.id


def test_behaviour_ids_are_dotted_lowercase_names() -> None:
    for behaviour_id in behaviours():
        if not behaviour_id.startswith("lifecycle."):
            assert re.fullmatch(r"[a-z]+(\.[a-z0-9-]+)+", behaviour_id), behaviour_id


@pytest.mark.parametrize("status", REACHABLE)
def test_every_reachable_lifecycle_cell_is_a_behaviour(status: Status) -> None:
    for operation in Operation:
        behaviour = behaviours()[lifecycle_behaviour_id(operation, status)]
        assert behaviour.operation is operation and behaviour.status is status
        assert lifecycle().apply(status, operation).describe() in behaviour.sentence


def test_unreachable_statuses_have_no_lifecycle_behaviours() -> None:
    for behaviour in behaviours().values():
        assert behaviour.status not in {
            Status.PENDING,
            Status.CANCELED,
            Status.UNKNOWN,
            Status.CONTINUED_AS_NEW,
        }


def test_a_duplicate_id_is_refused() -> None:
    entry = {"id": "a.b", "sentence": "s.", "source": "facts"}
    with pytest.raises(ValueError, match="listed twice"):
        catalogue({"behaviours": [entry, entry], "reachable": []}, lifecycle())
