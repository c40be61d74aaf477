"""Waiting for an instance's status, and watching that it keeps one, with failures that tell
the story: what was awaited, and every status the instance showed on the way.

:func:`wait_for_status` polls GET (through :func:`conformance.polling.eventually`) until the
instance shows an awaited status and gives up early once it ended otherwise; :func:`stays`
watches it for a while and fails as soon as it leaves the statuses it must keep.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from conformance import contract
from conformance.answers import State, is_404, label, read_state
from conformance.client import Reply, WorkflowClient
from conformance.failures import Nonconformance, fail
from conformance.lifecycle import Status
from conformance.polling import Timing, eventually
from conformance.reads import read_instance


@dataclass(frozen=True)
class Sighting:
    """What one poll saw: the time since polling began and a short label (status or error)."""

    at: float
    label: str


@dataclass
class History:
    """The distinct labels polling observed, in order, with when each first appeared."""

    started: float = field(default_factory=time.monotonic)
    seen: list[Sighting] = field(default_factory=list)

    def add(self, text: str) -> None:
        if not self.seen or self.seen[-1].label != text:
            self.seen.append(Sighting(time.monotonic() - self.started, text))

    def describe(self) -> str:
        return " -> ".join(f"{o.label} (at {o.at:.2f}s)" for o in self.seen) or "nothing"


def _ends(label: str, wanted: Collection[str]) -> bool:
    """Whether ``label`` is a terminal status from which no status in ``wanted`` follows alone."""
    try:
        status = Status(label)
    except ValueError:
        return False
    model = contract.lifecycle()
    return model.is_terminal(status) and not {s.value for s in model.may_become(status)} & set(
        wanted
    )


def _awaited(wanted: Collection[str], condition: str) -> str:
    statuses = " or ".join(
        "a not-found answer (ABSENT)" if s == Status.ABSENT.value else s for s in sorted(wanted)
    )
    return f"runtimeStatus {statuses}" + (f", with {condition}" if condition else "")


def wait_for_status(
    client: WorkflowClient,
    instance_id: str,
    statuses: Collection[str],
    *,
    timing: Timing,
    behaviour: str = "",
    why: str = "",
    accept: Callable[[State], bool] | None = None,
    condition: str = "",
    absent: Callable[[Reply], bool] | None = None,
    previous: Collection[str] = (),
) -> State:
    """Poll GET until the instance shows one of ``statuses`` (and ``accept``, if given).

    ``ABSENT`` in ``statuses`` means a not-found answer counts (``absent``; default a 404).
    ``condition`` says in words what ``accept`` asks, for the failure message.

    The wait fails early when the instance shows a terminal status that is not awaited and
    leads to none that is: it ended otherwise. Only ``previous`` (statuses the instance may
    still show from before the request that should change it, e.g. the old run's status after
    a start of its ID) and, when ABSENT is awaited, every terminal status (a purge may lag) are
    excused, until the instance shows something else. On timeout the failure says what was
    awaited, what was seen last and since when, and every status observed on the way.
    """
    __tracebackhide__ = True
    history = History()
    wanted = set(statuses)
    excused = set(previous)
    if Status.ABSENT.value in wanted:
        excused |= {s.value for s in contract.lifecycle().terminal}
    awaited = _awaited(wanted, condition or ("the test's extra condition" if accept else ""))
    why_part = f": {why}" if why else ""

    def probe() -> Reply:
        reply = read_instance(client, instance_id, interval=timing.interval)
        history.add(label(reply))
        return reply

    def reached(reply: Reply) -> bool:
        state = read_state(reply)
        if state is None:
            return Status.ABSENT.value in wanted and (absent or is_404)(reply)
        return state.status in wanted and (accept is None or accept(state))

    def details(*, lasting: bool = True) -> list[str]:
        last, waited = history.seen[-1], time.monotonic() - history.started
        seen = f"last seen: {last.label} since {last.at:.2f}s (for {waited - last.at:.2f}s "
        return [
            f"awaited:   {awaited}",
            *([seen + f"of the {waited:.2f}s waited)"] if lasting else []),
            f"observed:  {history.describe()}",
        ]

    def ended(reply: Reply, elapsed: float) -> Nonconformance | None:
        seen = history.seen[-1].label
        if not _ends(seen, wanted):
            return None
        if seen in excused and len(history.seen) == 1:
            return None
        claim = (
            f"instance {instance_id!r} did not reach {' or '.join(sorted(wanted))}: it ended "
            f"{seen} after {elapsed:.2f}s, a terminal status it does not leave on its own"
            f"{why_part}"
        )
        return fail(behaviour or "-", claim, reply, details=details(lasting=False))

    def timeout(reply: Reply, elapsed: float) -> Nonconformance:
        state = read_state(reply)
        if accept is not None and state is not None and state.status in wanted:
            claim = (
                f"instance {instance_id!r} showed {state.status} but not "
                f"{condition or 'what the test awaits'} within {elapsed:.1f}s{why_part}"
            )
        else:
            claim = (
                f"instance {instance_id!r} did not reach {' or '.join(sorted(wanted))} "
                f"within {elapsed:.1f}s{why_part}"
            )
        return fail(behaviour or "-", claim, reply, details=details())

    reply = eventually(probe, reached, timing=timing, on_timeout=timeout, hopeless=ended)
    state = read_state(reply)
    if state is None:  # ABSENT reached: hand back the 404 as an empty state
        return State(reply, {})
    return state


def stays(
    client: WorkflowClient,
    instance_id: str,
    statuses: Collection[str],
    *,
    seconds: float,
    timing: Timing,
    behaviour: str,
    why: str,
    absent: Callable[[Reply], bool] | None = None,
) -> State:
    """Watch the instance for ``seconds`` and fail as soon as it leaves ``statuses``."""
    __tracebackhide__ = True
    history = History()
    wanted = set(statuses)
    until = time.monotonic() + seconds
    while True:
        reply = read_instance(client, instance_id, interval=timing.interval)
        history.add(label(reply))
        state = read_state(reply)
        gone = state is None and (absent or is_404)(reply)
        found = state.status if state else (Status.ABSENT.value if gone else None)
        if found not in wanted:
            raise fail(
                behaviour,
                f"instance {instance_id!r} must stay {' or '.join(sorted(wanted))} for "
                f"{seconds:.2f}s: {why}; it showed {label(reply)} after "
                f"{history.seen[-1].at:.2f}s",
                reply,
                details=[f"observed:  {history.describe()}"],
            )
        if time.monotonic() >= until:
            return state if state is not None else State(reply, {})
        time.sleep(min(timing.interval * 5, max(until - time.monotonic(), 0.0)) or 0.001)
