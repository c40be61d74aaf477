"""The suite's one polling loop (:func:`poll`, and :func:`eventually` that fails on timeout) and
how long it waits (:class:`Timing`).

Nothing in the suite assumes that a transition is immediate: the target may lag, so every
observation is polled until a deadline. The status waits (:mod:`conformance.instance_waits`),
the model-based test's settling, the generated regression tests (:mod:`conformance.regression`)
and the project's own tests all poll through here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """How long to wait for asynchronous effects, and how often to look."""

    deadline: float = 10.0
    interval: float = 0.02
    settle: float = 0.3
    """How long an instance is watched to show that something does NOT happen."""


@dataclass(frozen=True)
class Polled(Generic[T]):
    """How a poll ended: the last value seen, after how long, and whether it was accepted."""

    value: T
    elapsed: float
    accepted: bool


def poll(
    probe: Callable[[], T],
    accept: Callable[[T], bool],
    *,
    timing: Timing,
    hopeless: Callable[[T, float], BaseException | None] | None = None,
) -> Polled[T]:
    """Call ``probe`` every ``timing.interval`` until ``accept`` holds for its value or
    ``timing.deadline`` has passed; the last value either way.

    ``hopeless`` may end the wait early: when it returns a failure for a value that was not
    accepted (the awaited value can no longer come), that failure is raised at once.
    """
    __tracebackhide__ = True
    started = time.monotonic()
    while True:
        value = probe()
        if accept(value):
            return Polled(value, time.monotonic() - started, accepted=True)
        elapsed = time.monotonic() - started
        if hopeless is not None:
            given_up = hopeless(value, elapsed)
            if given_up is not None:
                raise given_up
        if elapsed >= timing.deadline:
            return Polled(value, elapsed, accepted=False)
        time.sleep(timing.interval)


def eventually(
    probe: Callable[[], T],
    accept: Callable[[T], bool],
    *,
    timing: Timing,
    on_timeout: Callable[[T, float], BaseException],
    hopeless: Callable[[T, float], BaseException | None] | None = None,
) -> T:
    """:func:`poll` until ``accept`` holds for the probe's value; else raise
    ``on_timeout(last value, seconds waited)``."""
    __tracebackhide__ = True
    polled = poll(probe, accept, timing=timing, hopeless=hopeless)
    if not polled.accepted:
        raise on_timeout(polled.value, polled.elapsed)
    return polled.value
