"""Declared workflows: the steps of a workflows file, run as workflow code.

Each declared workflow becomes a workflow generator (:data:`conformance.workflows.Workflow`) run
by the mock's orchestrator like the built-in ones, so it is durable, replayable, suspendable,
and its timers follow the mock's clock. What each step does:

- ``set_status``: the custom status becomes the rendered template.
- ``activity``: a durable timer of ``duration`` seconds, then the rendered ``result``; with
  ``fail``, the attempt fails instead (all of them, or the first ``fail_attempts``). ``retry``
  tries again as the SDKs' retry policies do: after ``first_interval`` seconds, multiplied by
  ``backoff_coefficient`` after each attempt, at most ``max_interval``, ``max_attempts`` in all.
  An activity that still fails fails the workflow with ``TaskFailedError`` and the message
  ``<instance>: Activity task #N failed: <message>``, the Python SDK's words. A failed child
  fails it as a built-in workflow's child does.
- ``timer``: a durable timer.
- ``wait_event``: the next event of that name (names match case-insensitively); its payload is
  the value. With ``timeout``, ``on_timeout`` says what then: ``fail`` (the default, a
  ``TimeoutError``) or ``continue_with`` a value.
- ``all`` / ``any`` of activities and timers: they run at once; ``all`` gives the list of their
  results when the last is done (or fails when the first fails), ``any`` the result of the first
  done (the first listed on a tie). Both wait on one durable timer, to the moment that decides.
- ``child``: the workflow ``workflow`` as a child instance (``instance_id`` defaults to
  ``<instance>-<step number>``); its output is the value.
- ``if`` / ``then`` / ``else``: the steps of the branch the condition picks.
- ``continue_as_new``, ``complete`` (with ``output``), ``fail`` (``message``, ``error_type``):
  the end. Steps that run out complete the workflow without an output.

``save_as`` keeps a step's value under a name later templates use (:mod:`mockserver.templates`).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.workflows import Workflow, WorkflowContext
from mockserver.orchestrator import Context, EventTimeoutError, TaskFailedError
from mockserver.templates import render

DeclaredStep = Mapping[str, Any]
Scope = dict[str, Any]
DEFAULT_ERROR_TYPE = "WorkflowFailure"


class _End(Exception):
    """Raised to end the steps early: the workflow's return value travels with it."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def compile_workflows(declared: Mapping[str, Mapping[str, Any]]) -> dict[str, Workflow]:
    """Each declared workflow (``{"steps": [...]}``, validated) as a workflow function."""
    return {name: _workflow(definition["steps"]) for name, definition in declared.items()}


def _workflow(steps: Sequence[DeclaredStep]) -> Workflow:
    def run(ctx: WorkflowContext, input: Any) -> Generator[Any, Any, Any]:
        scope: Scope = {"input": input, "instance_id": ctx.instance_id}
        runner = _Runner(ctx, scope)
        try:
            yield from runner.steps(steps)
        except _End as end:
            return end.value
        return None

    return run


@dataclass
class _Runner:
    ctx: WorkflowContext
    scope: Scope
    tasks: int = 0
    """Tasks scheduled so far: the SDK numbers each one (``Activity task #N``)."""

    def steps(self, steps: Sequence[DeclaredStep], path: str = "") -> Generator[Any, Any, None]:
        for number, step in enumerate(steps, 1):
            yield from self.step(step, f"{path}{number}")

    def step(self, step: DeclaredStep, number: str) -> Generator[Any, Any, None]:
        ctx, scope = self.ctx, self.scope
        if "set_status" in step:
            ctx.set_custom_status(render(step["set_status"], scope))
        elif "activity" in step:
            activity = step["activity"]
            value = yield from self.activity(activity)
            self.save(activity, value)
        elif "timer" in step:
            self.tasks += 1
            yield ctx.create_timer(self.seconds(step["timer"]))
        elif "wait_event" in step:
            wait = step["wait_event"]
            value = yield from self.wait_event(wait)
            self.save(wait, value)
        elif "all" in step or "any" in step:
            kind = "all" if "all" in step else "any"
            value = yield from self.concurrent(step[kind]["of"], every=kind == "all")
            self.save(step[kind], value)
        elif "child" in step:
            child = step["child"]
            instance_id = render(child.get("instance_id", f"{ctx.instance_id}-{number}"), scope)
            self.tasks += 1
            try:
                value = yield ctx.call_child_workflow(
                    child["workflow"],
                    input=render(child.get("input"), scope),
                    instance_id=instance_id,
                )
            except TaskFailedError as error:
                raise TaskFailedError(
                    f"Sub-orchestration task #{self.tasks} failed: {error}"
                ) from None
            self.save(child, value)
        elif "if" in step:
            branch = step["then"] if _holds(step["if"], scope) else step.get("else", [])
            yield from self.steps(branch, f"{number}.")
        elif "continue_as_new" in step:
            ctx.continue_as_new(render(step["continue_as_new"].get("input"), scope))
            raise _End(None)
        elif "complete" in step:
            raise _End(render(step["complete"].get("output"), scope))
        elif "fail" in step:
            raise self.failure(step["fail"])

    def activity(self, activity: Mapping[str, Any]) -> Generator[Any, Any, Any]:
        done, (kind, value) = self.plan(activity)
        self.tasks += 1
        ctx = self.ctx
        assert isinstance(ctx, Context)  # declared workflows run only in the mock
        result = render(value, self.scope) if kind == "result" else None
        failure = None if kind == "result" else self.failure_text(value)
        task = ctx.call_declared_activity(
            activity["name"], render(activity.get("input"), self.scope), done,
            result=result, failure=failure,
        )  # fmt: skip
        return (yield task)

    def wait_event(self, wait: Mapping[str, Any]) -> Generator[Any, Any, Any]:
        ctx = self.ctx
        self.tasks += 1
        if "timeout" not in wait:
            return (yield ctx.wait_for_external_event(wait["name"]))
        timeout = self.seconds(wait["timeout"])
        assert isinstance(ctx, Context)  # declared workflows run only in the mock
        try:
            return (yield ctx.wait_for_external_event_until(wait["name"], timeout))
        except EventTimeoutError:
            on_timeout = wait.get("on_timeout", {})
            if "continue_with" in on_timeout:
                return render(on_timeout["continue_with"], self.scope)
            failure = on_timeout.get("fail") or {
                "message": f"event {wait['name']!r} did not come within {timeout:g} s",
                "error_type": "TimeoutError",
            }
            raise self.failure(failure) from None

    def concurrent(
        self, members: Sequence[DeclaredStep], *, every: bool
    ) -> Generator[Any, Any, Any]:
        planned: list[tuple[float, Mapping[str, Any] | None, tuple[str, Any] | None]] = []
        for member in members:
            if "timer" in member:
                planned.append((self.seconds(member["timer"]), None, None))
            else:
                done, ending = self.plan(member["activity"])
                planned.append((done, member["activity"], ending))
        if every:
            failed = [plan for plan in planned if plan[2] is not None and plan[2][0] == "fail"]
            decisive = min(failed, key=lambda plan: plan[0]) if failed else None
            wait = decisive[0] if decisive else max(plan[0] for plan in planned)
        else:
            decisive = min(planned, key=lambda plan: plan[0])
            wait = decisive[0]
        self.tasks += len(planned)
        yield self.ctx.create_timer(wait)
        if not every or decisive is not None:
            assert decisive is not None
            _, first, ending_of_first = decisive
            if first is None or ending_of_first is None:
                return None
            return self.outcome(first, ending_of_first)
        return [None if a is None or o is None else self.outcome(a, o) for _, a, o in planned]

    def plan(self, activity: Mapping[str, Any]) -> tuple[float, tuple[str, Any]]:
        """When the activity is done (seconds from now, retries included) and how it ends."""
        duration = self.seconds(activity.get("duration", 0))
        if "fail" not in activity:
            return duration, ("result", activity.get("result"))
        retry = activity.get("retry", {"max_attempts": 1})
        attempts = retry["max_attempts"]
        failing = activity.get("fail_attempts", attempts)
        interval = float(retry.get("first_interval", 1))
        longest = float(retry.get("max_interval", float("inf")))
        elapsed = 0.0
        for attempt in range(1, attempts + 1):
            elapsed += duration
            if attempt > failing:
                self.tasks += attempt - 1  # each retry is a task of its own
                return elapsed, ("result", activity.get("result"))
            if attempt < attempts:
                elapsed += min(interval, longest)
                interval *= float(retry.get("backoff_coefficient", 1))
        self.tasks += attempts - 1  # each retry is a task of its own
        return elapsed, ("fail", activity["fail"])

    def outcome(self, activity: Mapping[str, Any], outcome: tuple[str, Any]) -> Any:
        kind, value = outcome
        if kind == "result":
            return render(value, self.scope)
        raise TaskFailedError(self.failure_text(value))

    def failure_text(self, failure: Mapping[str, Any]) -> str:
        """A failed activity's message, in the Python SDK's words."""
        message = render(failure["message"], self.scope)
        return f"{self.ctx.instance_id}: Activity task #{self.tasks} failed: {message}"

    def seconds(self, value: Any) -> float:
        seconds = render(value, self.scope)
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise ValueError(f"{value!r} gives {seconds!r}, not a number of seconds >= 0")
        return float(seconds)

    def save(self, step: Mapping[str, Any], value: Any) -> None:
        if "save_as" in step:
            self.scope[step["save_as"]] = value

    def failure(self, failure: Mapping[str, Any]) -> Exception:
        """The exception that fails the workflow with this type and message."""
        error_type = failure.get("error_type", DEFAULT_ERROR_TYPE)
        message = render(failure["message"], self.scope)
        text = message if isinstance(message, str) else str(message)
        return _error_class(error_type)(text)


_ERROR_CLASSES: dict[str, type[Exception]] = {}


def _error_class(name: str) -> type[Exception]:
    """An exception class called ``name``: the SDK reports a failure by its type's name."""
    found = _ERROR_CLASSES.get(name)
    if found is None:
        found = _ERROR_CLASSES[name] = type(name.rpartition(".")[2], (Exception,), {})
    return found


def _holds(condition: Mapping[str, Any], scope: Scope) -> bool:
    ((test, argument),) = condition.items()
    checks: dict[str, Callable[[Any], bool]] = {
        "is_number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "is_integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "is_string": lambda v: isinstance(v, str),
        "is_empty": lambda v: v in (None, "", [], {}),
    }
    if test in checks:
        return checks[test](render(argument, scope))
    if test == "equals":
        left, right = (render(side, scope) for side in argument)
        return bool(left == right)
    if test == "greater_than":
        left, right = (render(side, scope) for side in argument)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        return numbers and left > right
    if test == "not":
        return not _holds(argument, scope)
    if test == "and":
        return all(_holds(part, scope) for part in argument)
    return any(_holds(part, scope) for part in argument)
