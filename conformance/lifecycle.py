"""The workflow instance lifecycle as plain tables: what each operation does in each status.

Rules, as daprd applies them (the cells themselves live in ``openapi.yaml`` under
``x-dapr-lifecycle``, the single source that the mock, the suite's model and the report read):

- ``ABSENT`` is the pseudo-status of an ID with no instance (never started, or purged).
- Every (operation, status) pair has exactly one expected :class:`Outcome`; cells where daprd's
  behaviour is uncertain carry the other answers a correct daprd may give (``alternatives``).
- An outcome names the HTTP status, the ``errorCode`` for errors, and the status the operation
  leads to (``None`` when it changes nothing).
- Instances also move on their own (``autonomous``): PENDING becomes RUNNING, RUNNING becomes
  COMPLETED or FAILED; SUSPENDED and the terminal statuses hold still.

This module does no I/O; :func:`conformance.contract.lifecycle` builds one from the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """An instance's ``runtimeStatus``, plus ABSENT for an ID with no instance."""

    ABSENT = "ABSENT"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUSPENDED = "SUSPENDED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    TERMINATED = "TERMINATED"
    CONTINUED_AS_NEW = "CONTINUED_AS_NEW"
    CANCELED = "CANCELED"
    UNKNOWN = "UNKNOWN"


class Operation(StrEnum):
    """The seven workflow operations, named as in the spec's paths."""

    START = "start"
    GET = "get"
    TERMINATE = "terminate"
    RAISE_EVENT = "raiseEvent"
    PAUSE = "pause"
    RESUME = "resume"
    PURGE = "purge"


RUNTIME_STATUSES: tuple[Status, ...] = tuple(s for s in Status if s is not Status.ABSENT)
"""The values a GET may report as ``runtimeStatus``."""


class LifecycleError(ValueError):
    """The lifecycle table is malformed or was asked about something it does not know."""


@dataclass(frozen=True)
class Outcome:
    """daprd's answer to one operation in one status."""

    http: int
    error: str | None = None
    next: Status | None = None

    @property
    def is_success(self) -> bool:
        return 200 <= self.http < 300

    def status_after(self, current: Status) -> Status:
        """The status the instance is in once this outcome has taken effect."""
        return current if self.next is None else self.next

    def describe(self) -> str:
        answer = f"{self.http} {self.error}" if self.error else str(self.http)
        effect = "no change" if self.next is None else f"-> {self.next}"
        return f"{answer} ({effect})"


@dataclass(frozen=True)
class Conditional:
    """An answer that is right only after an earlier request (``when`` says which)."""

    outcome: Outcome
    when: str


@dataclass(frozen=True)
class Cell:
    """One (operation, status) entry of the table, with where it comes from."""

    operation: Operation
    status: Status
    expected: Outcome
    source: str
    uncertain: str | None = None
    alternatives: tuple[Outcome, ...] = ()
    conditional: tuple[Conditional, ...] = ()
    """Answers right only after an earlier request; a check that knows the instance's whole
    history (one pause, then resume) leaves them out."""

    @property
    def accepted(self) -> tuple[Outcome, ...]:
        """Every outcome a correct daprd may give here, the expected one first."""
        return (self.expected, *self.alternatives)

    def match(self, http: int, error: str | None) -> Outcome | None:
        """The first accepted outcome with this HTTP status and error code, if any."""
        found = self.matches(http, error)
        return found[0] if found else None

    def matches(
        self, http: int, error: str | None, *, conditional: bool = False
    ) -> tuple[Outcome, ...]:
        """Every accepted outcome with this HTTP status and error code (one answer may lead to
        different statuses, e.g. resume of a RUNNING instance: FAILED or unchanged); with
        ``conditional``, also those right only after an earlier request."""
        candidates = self.accepted
        if conditional:
            candidates += tuple(c.outcome for c in self.conditional)
        return tuple(o for o in candidates if o.http == http and o.error == error)


@dataclass(frozen=True)
class Lifecycle:
    """The whole table: cells, terminal statuses and autonomous moves."""

    cells: Mapping[tuple[Operation, Status], Cell]
    terminal: frozenset[Status]
    autonomous: Mapping[Status, frozenset[Status]]

    def cell(self, status: Status, operation: Operation) -> Cell:
        try:
            return self.cells[(operation, status)]
        except KeyError:
            raise LifecycleError(
                f"no lifecycle cell for operation {operation!s} in status {status!s}"
            ) from None

    def apply(self, status: Status, operation: Operation) -> Outcome:
        """daprd's expected answer to ``operation`` on an instance in ``status``."""
        return self.cell(status, operation).expected

    def is_terminal(self, status: Status) -> bool:
        return status in self.terminal

    def is_active(self, status: Status) -> bool:
        """An existing instance that has not finished (start of its ID is refused)."""
        return status is not Status.ABSENT and status not in self.terminal

    def may_become(self, status: Status) -> frozenset[Status]:
        """Every status reachable from ``status`` without a request, ``status`` included."""
        seen = {status}
        frontier = [status]
        while frontier:
            for following in self.autonomous.get(frontier.pop(), frozenset()):
                if following not in seen:
                    seen.add(following)
                    frontier.append(following)
        return frozenset(seen)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Lifecycle:
        """Build the table from a loaded ``openapi.yaml`` (its ``x-dapr-lifecycle``)."""
        try:
            data = spec["x-dapr-lifecycle"]
        except KeyError:
            raise LifecycleError("the spec has no x-dapr-lifecycle extension") from None
        statuses = [_status(name) for name in data["statuses"]]
        if set(statuses) != set(Status):
            raise LifecycleError(
                f"x-dapr-lifecycle statuses {sorted(statuses)} differ from {sorted(Status)}"
            )
        cells: dict[tuple[Operation, Status], Cell] = {}
        for op_name, row in data["transitions"].items():
            operation = _operation(op_name)
            missing = set(Status) - {_status(name) for name in row}
            if missing:
                raise LifecycleError(f"operation {operation} has no cell for {sorted(missing)}")
            for status_name, raw in row.items():
                status = _status(status_name)
                cells[(operation, status)] = Cell(
                    operation=operation,
                    status=status,
                    expected=_outcome(raw, where=f"{operation}/{status}"),
                    source=str(raw.get("source", "")),
                    uncertain=raw.get("uncertain"),
                    alternatives=tuple(
                        _outcome(alt, where=f"{operation}/{status} alternative")
                        for alt in raw.get("alternatives", ())
                    ),
                    conditional=tuple(
                        Conditional(
                            _outcome(alt, where=f"{operation}/{status} conditional"),
                            str(alt["when"]),
                        )
                        for alt in raw.get("conditional", ())
                    ),
                )
        missing_ops = set(Operation) - {op for op, _ in cells}
        if missing_ops:
            raise LifecycleError(f"x-dapr-lifecycle has no row for {sorted(missing_ops)}")
        return cls(
            cells=cells,
            terminal=frozenset(_statuses(data["terminal"])),
            autonomous={
                _status(name): frozenset(_statuses(following))
                for name, following in data["autonomous"].items()
            },
        )


def _status(name: str) -> Status:
    try:
        return Status(name)
    except ValueError:
        raise LifecycleError(
            f"unknown status {name!r}; known: {[s.value for s in Status]}"
        ) from None


def _statuses(names: Iterable[str]) -> list[Status]:
    return [_status(name) for name in names]


def _operation(name: str) -> Operation:
    try:
        return Operation(name)
    except ValueError:
        known = [o.value for o in Operation]
        raise LifecycleError(f"unknown operation {name!r}; known: {known}") from None


def _outcome(raw: Mapping[str, Any], *, where: str) -> Outcome:
    try:
        http = int(raw["http"])
        next_name = raw["next"]
    except KeyError as missing:
        raise LifecycleError(f"lifecycle cell {where} has no {missing}") from None
    error = raw.get("error")
    if (error is None) != (200 <= http < 300):
        raise LifecycleError(f"lifecycle cell {where}: an errorCode goes with a non-2xx status")
    return Outcome(
        http=http,
        error=error,
        next=None if next_name == "unchanged" else _status(next_name),
    )
