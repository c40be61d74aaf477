"""Fault rules for the control API (``/_mock/faults``): what a matching request gets instead.

A rule matches an operation (or ``"*"``) and optionally one instance ID. When it fires (with its
``probability``, from its own seeded random stream, at most ``times`` times) it answers an error
body, closes the connection (``drop``), or only delays the request (``latencyMs`` alone; the
operation then runs). The first rule that matches and fires wins; rules are kept in the order
they were added. Rule payloads are checked strictly: an unknown key is an error, not a no-op.

Pure: no aiohttp.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance import contract
from conformance.lifecycle import Operation
from daprhttp.errors import ApiError, failure_code

ANY_OPERATION = "*"
OPERATIONS = frozenset(op.value for op in Operation)
FAULT_CAUSE = "fault injected by dapr-workflow-mock"
MAX_LATENCY_MS = 600_000
_KEYS = frozenset(
    {"operation", "instanceID", "status", "errorCode", "message", "latencyMs", "drop"}
    | {"probability", "seed", "times"}
)


class InvalidRule(ValueError):
    """A fault rule the mock cannot use; the message says which field and why."""


@dataclass(slots=True)
class FaultRule:
    """One rule, as added; ``fired`` counts the requests it answered or delayed."""

    id: int
    operation: str
    instance_id: str | None
    status: int | None
    error_code: str | None
    message: str | None
    latency_ms: float
    drop: bool
    probability: float
    seed: int | None
    times: int | None
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def answers(self) -> bool:
        """True when the rule answers an error itself (not only a delay or a drop)."""
        return not self.drop and (
            self.status is not None or self.error_code is not None or self.message is not None
        )

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, operation: Operation, instance_id: str | None) -> bool:
        if self.operation != ANY_OPERATION and self.operation != operation.value:
            return False
        return self.instance_id is None or self.instance_id == instance_id

    def error(self, operation: Operation, subject: str) -> ApiError:
        """The error the rule answers; ``subject`` is the workflow name or instance ID."""
        code = self.error_code or failure_code(operation)
        known = contract.error_codes().get(code)
        status = self.status or (known.status if known else 500)
        message = self.message
        if message is None:
            message = _daprd_message(code, subject) if known else FAULT_CAUSE
        return ApiError(code, status, message)

    def describe(self) -> dict[str, Any]:
        """The rule as the control API lists it."""
        return {
            "id": self.id,
            "operation": self.operation,
            "instanceID": self.instance_id,
            "status": self.status,
            "errorCode": self.error_code,
            "message": self.message,
            "latencyMs": self.latency_ms,
            "drop": self.drop,
            "probability": self.probability,
            "seed": self.seed,
            "times": self.times,
            "fired": self.fired,
        }


def _daprd_message(code: str, subject: str) -> str:
    """The code's message template filled with the subject and, where it takes one, the cause."""
    template = contract.error(code)
    verbs = template.template.count("%s") + template.template.count("%v")
    if "%d" in template.template:
        return FAULT_CAUSE
    return template.message(*(subject, FAULT_CAUSE)[:verbs])


class Faults:
    """The rules of one mock; empty (falsy) unless someone added one."""

    def __init__(self) -> None:
        self.entries: list[FaultRule] = []
        """The rules in order; changed in place only, so a reader may hold on to the list."""
        self._next_id = 1

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, payload: Mapping[str, Any]) -> FaultRule:
        rule = parse_rule(self._next_id, payload)
        self._next_id += 1
        self.entries.append(rule)
        return rule

    def rules(self) -> list[FaultRule]:
        return list(self.entries)

    def remove(self, rule_id: int) -> bool:
        kept = [rule for rule in self.entries if rule.id != rule_id]
        removed = len(kept) != len(self.entries)
        self.entries[:] = kept
        return removed

    def clear(self) -> None:
        self.entries.clear()

    def pick(self, operation: Operation, instance_id: str | None) -> FaultRule | None:
        """The first rule that matches and fires for this request (its counters move)."""
        for rule in self.entries:
            if rule.exhausted or not rule.matches(operation, instance_id):
                continue
            if rule.probability < 1 and rule.rng.random() >= rule.probability:
                continue
            rule.fired += 1
            return rule
        return None


def parse_rule(rule_id: int, payload: Mapping[str, Any]) -> FaultRule:
    """A rule from its JSON payload; InvalidRule names the first problem."""
    unknown = sorted(set(payload) - _KEYS)
    if unknown:
        raise InvalidRule(f"unknown fault field(s) {unknown}; known: {sorted(_KEYS)}")
    operation = payload.get("operation", ANY_OPERATION)
    if operation != ANY_OPERATION and operation not in OPERATIONS:
        raise InvalidRule(f"operation must be '*' or one of {sorted(OPERATIONS)}: {operation!r}")
    status = _optional_int(payload, "status", 400, 599)
    latency = _number(payload, "latencyMs", 0, MAX_LATENCY_MS, default=0)
    drop = payload.get("drop", False)
    if not isinstance(drop, bool):
        raise InvalidRule(f"drop must be true or false: {drop!r}")
    seed = payload.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InvalidRule(f"seed must be an integer: {seed!r}")
    rule = FaultRule(
        id=rule_id,
        operation=operation,
        instance_id=_optional_text(payload, "instanceID"),
        status=status,
        error_code=_optional_text(payload, "errorCode"),
        message=_optional_text(payload, "message"),
        latency_ms=latency,
        drop=drop,
        probability=_number(payload, "probability", 0, 1, default=1),
        seed=seed,
        times=_optional_int(payload, "times", 1, None),
        rng=random.Random(seed),
    )
    if drop and (rule.status or rule.error_code or rule.message):
        raise InvalidRule("a rule either drops the connection or answers an error, not both")
    if not (rule.answers or drop or latency):
        raise InvalidRule(
            "the rule does nothing: give a status/errorCode/message, drop: true or latencyMs"
        )
    return rule


def _optional_text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidRule(f"{key} must be a non-empty string: {value!r}")
    return value


def _optional_int(payload: Mapping[str, Any], key: str, low: int, high: int | None) -> int | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRule(f"{key} must be an integer: {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidRule(f"{key} must be {bound}: {value}")
    return value


def _number(
    payload: Mapping[str, Any], key: str, low: float, high: float, *, default: float
) -> float:
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidRule(f"{key} must be a number between {low} and {high}: {value!r}")
    return float(value)
