"""Durable state's side of the engine: what changed since the last commit, and what a store keeps.

With a :class:`Store`, every run of due work that changed something ends by handing the store one
:class:`Batch` (the changed instances, the work scheduled and fired); a :class:`Snapshot` the
store loads brings it all back (:meth:`mockserver.engine.Engine.restore`).

Pure: no I/O, no aiohttp (the SQL is in :mod:`mockserver.store`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mockserver.instance import Instance
from mockserver.scheduler import Due


@dataclass(frozen=True, slots=True)
class Batch:
    """Everything changed since the last commit, for a :class:`Store` to commit at once."""

    reset: bool
    """Every instance and everything scheduled was forgotten first."""
    instances: Mapping[str, Instance | None]
    """The changed instances by ID; None for one that is gone."""
    scheduled: Sequence[tuple[int, Due]]
    """New work, with its due time, in the order it was scheduled."""
    fired: Sequence[Due]
    """Work scheduled in an earlier batch (or restored) that has now run."""
    last_execution: int
    now_us: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a :class:`Store` kept: enough to rebuild an engine after a restart."""

    instances: Sequence[Instance]
    dues: Sequence[tuple[int, Due]]
    """Scheduled work not yet run, with due times, in the order it was scheduled."""
    last_execution: int
    now_us: int | None
    """The clock reading at the last commit (None when nothing was ever committed)."""


class Store(Protocol):
    """Where an engine's state is kept (see ``mockserver.store``)."""

    def commit(self, batch: Batch) -> None:
        """Make ``batch`` durable before returning (raise and keep nothing on failure)."""
        ...


@dataclass(slots=True)
class Journal:
    """What changed since the last commit (only kept when the engine has a store)."""

    changed: set[str] = field(default_factory=set)
    scheduled: dict[int, tuple[int, Due]] = field(default_factory=dict)
    """New work keyed by ``id(due)``: work that runs before the commit is never written."""
    fired: list[Due] = field(default_factory=list)
    reset: bool = False
    clock_moved: bool = False

    def __bool__(self) -> bool:
        return bool(self.changed or self.scheduled or self.fired or self.reset or self.clock_moved)

    def batch(self, instances: Mapping[str, Instance], last_execution: int, now_us: int) -> Batch:
        """Everything recorded, as one batch, with the changed instances as they are now."""
        return Batch(
            reset=self.reset,
            instances={key: instances.get(key) for key in self.changed},
            scheduled=list(self.scheduled.values()),
            fired=list(self.fired),
            last_execution=last_execution,
            now_us=now_us,
        )

    def clear(self, *, reset: bool = False) -> None:
        """Start over after a commit (``reset``: the next batch begins by forgetting all)."""
        self.changed = set()
        self.scheduled = {}
        self.fired = []
        self.reset = reset
        self.clock_moved = False
