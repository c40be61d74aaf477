"""The model run beside the target in the model-based test: the pure judge of its answers.

Rules the model follows (all of them follow from the lifecycle table and the conformance
workflows; nothing here is specific to one target):

- An instance is tracked as the SET of statuses the target may show for it, never one status:
  targets are asynchronous (PENDING right after start, a 202 command's effect visible later),
  and a run moves on its own (EchoWorkflow completes, FailWorkflow fails).
- What a run may become on its own is :meth:`Lifecycle.may_become`, cut down to what its
  workflow can do: EchoWorkflow never fails, FailWorkflow never completes, EventWorkflow
  completes only after the event ``go``. Statuses that only requests cause (SUSPENDED,
  TERMINATED, ABSENT) hold until the next request.
- An answer is correct if, for SOME status the instance may be in, the lifecycle cell accepts
  it (:attr:`Cell.accepted`); the statuses whose cell accepts it are the ones the instance was
  in, which narrows the set.
- A command that changes the status leaves the instance *awaiting*: until the effect is
  visible a GET may still show the old statuses (``before``); the effect is visible once GET
  shows one of ``after``. A status in both only proves the effect if the command leaves it
  unchanged, or, for a restart, if GET shows the new run's input (or a new createdAt).
- With ``exact_errors=False`` (the ``docs`` profile: "any 4xx or 5xx") an answer is only
  judged as a success or an error: where the cell expects an error any 4xx/5xx passes, where
  it expects a success any 2xx passes.

Pure: no I/O. The model-based test sends the requests and feeds the answers in here; a failing
run is written out by :mod:`conformance.script`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from conformance.lifecycle import Lifecycle, Operation, Outcome, Status

EVENT_NAME = "go"
"""The event that completes an EventWorkflow."""

WORKFLOW_ENDINGS: dict[str, frozenset[Status]] = {
    "EchoWorkflow": frozenset({Status.COMPLETED}),
    "FailWorkflow": frozenset({Status.FAILED}),
    "EventWorkflow": frozenset(),
}
"""The statuses each conformance workflow the model drives ends in on its own."""

_RUN_STATUSES = frozenset({Status.PENDING, Status.RUNNING})


class ModelError(RuntimeError):
    """The model was used out of order (e.g. a command sent while an effect is awaited)."""


@dataclass(frozen=True)
class Run:
    """One run of a workflow on an instance: its name, its raw input, and whether it got go."""

    workflow: str
    input: str
    got_go: bool = False
    may_end: frozenset[Status] = frozenset()
    """Statuses an accepted command may still bring later (a resume of a RUNNING instance: an
    SDK may fail the run, or ignore the resume; seeing RUNNING does not settle which)."""

    def shows(self) -> frozenset[Status]:
        """Every status this run can show without a request."""
        endings = WORKFLOW_ENDINGS.get(self.workflow)
        if endings is None:
            raise ModelError(f"the model knows no workflow {self.workflow!r}")
        if self.workflow == "EventWorkflow" and self.got_go:
            endings = frozenset({Status.COMPLETED})
        return _RUN_STATUSES | endings | self.may_end


@dataclass(frozen=True)
class Observation:
    """What one GET showed: a runtimeStatus (ABSENT for 404) and the run's evidence."""

    status: Status
    input: str | None = None
    created_at: str | None = None


@dataclass(frozen=True)
class Awaiting:
    """A command whose effect the target may not show yet."""

    operation: Operation
    before: frozenset[Status]
    after: frozenset[Status]
    undecided: frozenset[Status]
    old_created_at: str | None = None


@dataclass(frozen=True)
class InstanceState:
    """What the model knows about one instance ID."""

    possible: frozenset[Status] = frozenset({Status.ABSENT})
    run: Run | None = None
    awaiting: Awaiting | None = None
    created_at: str | None = None

    @property
    def may_show(self) -> frozenset[Status]:
        """Every status a GET may answer now."""
        if self.awaiting is None:
            return self.possible
        return self.awaiting.before | self.awaiting.after

    def describe(self) -> str:
        """``{RUNNING, COMPLETED}``, or ``{RUNNING} -> {SUSPENDED}`` while an effect is awaited."""
        if self.awaiting is None:
            return status_set(self.possible)
        return f"{status_set(self.awaiting.before)} -> {status_set(self.awaiting.after)}"


@dataclass(frozen=True)
class Verdict:
    """The model's judgement of one answer: correct or not, and the state that follows."""

    ok: bool
    state: InstanceState
    reason: str = ""


@dataclass(frozen=True)
class Answer:
    """An answer the model accepts: HTTP status, errorCode, and the status it was given in."""

    http: int
    error: str | None
    status: Status
    outcome: Outcome


class Model:
    """The lifecycle run beside a target, one :class:`InstanceState` per instance ID."""

    def __init__(self, lifecycle: Lifecycle, *, exact_errors: bool = True) -> None:
        self.lifecycle = lifecycle
        self.exact_errors = exact_errors

    def reachable(self, status: Status, run: Run | None) -> frozenset[Status]:
        """``status`` and every status ``run`` can move on to from it without a request."""
        if run is None or status is Status.ABSENT:
            return frozenset({status})
        return frozenset({status}) | (self.lifecycle.may_become(status) & run.shows())

    def answers(self, state: InstanceState, operation: Operation) -> list[Answer]:
        """Every answer a correct target may give to ``operation`` now, by status."""
        found = []
        for status in sorted(state.may_show):
            for outcome in self.lifecycle.cell(status, operation).accepted:
                found.append(Answer(outcome.http, outcome.error, status, outcome))
        return found

    def match(
        self, status: Status, operation: Operation, http: int, error: str | None
    ) -> Outcome | None:
        """The accepted outcome of ``operation`` in ``status`` that this answer is, if any."""
        found = self.matches(status, operation, http, error)
        return found[0] if found else None

    def matches(
        self, status: Status, operation: Operation, http: int, error: str | None
    ) -> tuple[Outcome, ...]:
        """Every accepted outcome of ``operation`` in ``status`` that this answer may be. A
        start's conditional answers count too: the model does not follow child workflows, so
        it cannot tell whether a finished run's child is still active."""
        cell = self.lifecycle.cell(status, operation)
        conditional = operation is Operation.START
        if self.exact_errors:
            return cell.matches(http, error, conditional=conditional)
        kind = answer_kind(http)
        candidates = (*cell.accepted, *(c.outcome for c in cell.conditional if conditional))
        return tuple(o for o in candidates if answer_kind(o.http) == kind)

    def answer(
        self,
        state: InstanceState,
        operation: Operation,
        http: int,
        error: str | None,
        *,
        new_run: Run | None = None,
        event: str | None = None,
    ) -> Verdict:
        """Judge the target's answer to a command (any operation but GET) on this instance."""
        if operation is Operation.GET:
            raise ModelError("a GET is judged with observe(), not answer()")
        if state.awaiting is not None:
            raise ModelError(f"settle the awaited {state.awaiting.operation} before sending more")
        if operation is Operation.START and new_run is None:
            raise ModelError("a start needs the run it begins (new_run)")
        matched = [
            (status, outcome)
            for status in sorted(state.possible)
            for outcome in self.matches(status, operation, http, error)
        ]
        if not matched:
            return Verdict(False, state, self._wrong_answer(state, operation, http, error))
        before: set[Status] = set()
        after: set[Status] = set()
        run_after = state.run
        changes = False
        undetermined = _undetermined_effects(matched)
        for status, outcome in matched:
            run_after = self._run_after(state.run, operation, outcome, new_run, event)
            if undetermined and run_after is not None:
                run_after = replace(run_after, may_end=run_after.may_end | undetermined)
            following = outcome.status_after(status)
            changes = changes or following is not status or run_after != state.run
            before |= self.reachable(status, state.run)
            after |= self.reachable(following, run_after)
        if Status.ABSENT in after:
            run_after = None
        if not changes or (before <= after and operation is not Operation.START):
            return Verdict(True, replace(state, possible=frozenset(before | after), run=run_after))
        undecided = frozenset(
            status for status in before & after if not self._leaves(status, operation, http, error)
        )
        awaiting = Awaiting(
            operation=operation,
            before=frozenset(before),
            after=frozenset(after),
            undecided=undecided,
            old_created_at=state.created_at,
        )
        return Verdict(True, replace(state, run=run_after, awaiting=awaiting))

    def observe(self, state: InstanceState, seen: Observation) -> Verdict:
        """Judge what a GET showed; settles an awaited effect once it is visible."""
        allowed = state.may_show
        if seen.status not in allowed:
            if state.awaiting is None:
                reason = (
                    f"GET shows {seen.status}, but the model allows only {status_set(allowed)}: "
                    f"no request and no workflow step leads there"
                )
            else:
                reason = (
                    f"GET shows {seen.status} while the {state.awaiting.operation} is taking "
                    f"effect, but the instance may show only {status_set(state.awaiting.before)} "
                    f"(before) or {status_set(state.awaiting.after)} (after)"
                )
            return Verdict(False, state, reason)
        awaiting = state.awaiting
        if awaiting is not None and not self._shows_effect(state, awaiting, seen):
            return Verdict(True, state)
        return Verdict(
            True,
            replace(
                state,
                possible=self.reachable(seen.status, state.run),
                awaiting=None,
                created_at=seen.created_at,
            ),
        )

    def _shows_effect(self, state: InstanceState, awaiting: Awaiting, seen: Observation) -> bool:
        if seen.status not in awaiting.after:
            return False
        if seen.status not in awaiting.undecided:
            return True
        return state.run is not None and _same_run(state.run, awaiting, seen)

    def _leaves(self, status: Status, operation: Operation, http: int, error: str | None) -> bool:
        """Whether this answer, given in ``status``, leaves the status as it is."""
        outcome = self.match(status, operation, http, error)
        return outcome is None or outcome.status_after(status) is status

    @staticmethod
    def _run_after(
        run: Run | None,
        operation: Operation,
        outcome: Outcome,
        new_run: Run | None,
        event: str | None,
    ) -> Run | None:
        if operation is Operation.START and outcome.is_success:
            return new_run
        if operation is Operation.RAISE_EVENT and event == EVENT_NAME and run is not None:
            return replace(run, got_go=True) if outcome.is_success else run
        return run

    def _wrong_answer(
        self, state: InstanceState, operation: Operation, http: int, error: str | None
    ) -> str:
        got = f"{http} {error}" if error else str(http)
        lines = [
            f"{operation} answered {got}, but the instance may be {status_set(state.possible)} "
            f"and a correct target answers:"
        ]
        for answer in self.answers(state, operation):
            lines.append(f"  in {answer.status}: {answer.outcome.describe()}")
        if not self.exact_errors:
            lines.append("  (only success or error is compared: any 2xx, any 4xx/5xx)")
        return "\n".join(lines)


def _undetermined_effects(matched: list[tuple[Status, Outcome]]) -> frozenset[Status]:
    """The statuses an answer may lead to in a status where it may also change nothing."""
    by_status: dict[Status, set[Status | None]] = {}
    for status, outcome in matched:
        by_status.setdefault(status, set()).add(outcome.next)
    return frozenset(
        following
        for status, nexts in by_status.items()
        if None in nexts or status in nexts
        for following in nexts
        if following is not None and following is not status
    )


def _same_run(run: Run, awaiting: Awaiting, seen: Observation) -> bool:
    """Whether GET shows the run just started rather than the one before it."""
    if seen.input is not None and _same_text(seen.input, run.input):
        return True
    return (
        awaiting.old_created_at is not None
        and seen.created_at is not None
        and seen.created_at != awaiting.old_created_at
    )


def _same_text(shown: str, sent: str) -> bool:
    if shown == sent:
        return True
    try:
        return bool(json.loads(shown) == json.loads(sent))
    except ValueError:
        return False


def answer_kind(http: int) -> str:
    """``success`` (2xx), ``error`` (4xx/5xx) or ``other``: all the docs profile compares."""
    if 200 <= http < 300:
        return "success"
    return "error" if http >= 400 else "other"


def status_set(statuses: Iterable[Status]) -> str:
    """``{COMPLETED, RUNNING}``: a status set, sorted, for messages and scripts."""
    return "{" + ", ".join(sorted(s.value for s in statuses)) + "}"
