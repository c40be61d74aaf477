"""The behaviour catalogue: every behaviour the suite checks, with its ID, sentence and source.

Hand-written behaviours live in ``behaviours.yaml``; the lifecycle cells of the statuses the
conformance workflows can reach are added as ``lifecycle.<operation>.<STATUS>``. Pure: parsing
the data is done by the loaders, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.lifecycle import Lifecycle, Operation, Status


@dataclass(frozen=True)
class Behaviour:
    """One checkable behaviour of a conforming target."""

    id: str
    sentence: str
    source: str
    operation: Operation | None = None
    status: Status | None = None


def lifecycle_behaviour_id(operation: Operation, status: Status) -> str:
    """The catalogue ID of one lifecycle cell, e.g. ``lifecycle.pause.COMPLETED``."""
    return f"lifecycle.{operation.value}.{status.value}"


def catalogue(data: Mapping[str, Any], lifecycle: Lifecycle) -> dict[str, Behaviour]:
    """All behaviours by ID: those in ``data`` (behaviours.yaml) plus the reachable cells."""
    found: dict[str, Behaviour] = {}
    for raw in data["behaviours"]:
        operation = raw.get("operation")
        behaviour = Behaviour(
            id=raw["id"],
            sentence=raw["sentence"],
            source=raw["source"],
            operation=Operation(operation) if operation else None,
        )
        if behaviour.id in found:
            raise ValueError(f"behaviour {behaviour.id!r} is listed twice in the catalogue")
        found[behaviour.id] = behaviour
    for status in (Status(name) for name in data["reachable"]):
        for operation in Operation:
            cell = lifecycle.cell(status, operation)
            behaviour_id = lifecycle_behaviour_id(operation, status)
            found[behaviour_id] = Behaviour(
                id=behaviour_id,
                sentence=f"{operation.value} of a{_article(status)} {status.value} instance "
                f"answers {cell.expected.describe()}",
                source=cell.source,
                operation=operation,
                status=status,
            )
    return found


def _article(status: Status) -> str:
    return "n" if status.value[0] in "AEIOU" else ""
