"""The suite's one polling loop (:func:`eventually`) and how long it waits (:class:`Timing`).

Nothing in the suite assumes that a transition is immediate: the target may lag, so every
observation is polled until a deadline. The status waits (:mod:`conformance.instance_waits`),
the model-based test's settling, the generated regression tests (:mod:`conformance.regression`)
and the project's own tests all poll through :func:`eventually`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """How long to wait for asynchronous effects, and how often to look."""

    deadline: float = 10.0
    interval: float = 0.02
    settle: float = 0.3
    """How long an instance is watched to show that something does NOT happen."""


def eventually(
    probe: Callable[[], T],
    accept: Callable[[T], bool],
    *,
    timing: Timing,
    on_timeout: Callable[[T, float], BaseException],
    hopeless: Callable[[T, float], BaseException | None] | None = None,
) -> T:
    """Poll ``probe`` until ``accept`` holds for its value; else raise ``on_timeout(last, s)``.

    ``hopeless`` may end the wait early: when it returns a failure for a value that was not
    accepted (the awaited value can no longer come), that failure is raised at once.
    """
    __tracebackhide__ = True
    started = time.monotonic()
    while True:
        value = probe()
        if accept(value):
            return value
        elapsed = time.monotonic() - started
        if hopeless is not None:
            given_up = hopeless(value, elapsed)
            if given_up is not None:
                raise given_up
        if elapsed >= timing.deadline:
            raise on_timeout(value, elapsed)
        time.sleep(timing.interval)
