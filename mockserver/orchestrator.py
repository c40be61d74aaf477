"""Runs one execution of a workflow generator, step by step, and rebuilds it by replay.

Rules (the durable-task model):
- A workflow ``yield``s a task and is resumed with the task's result; the results it has
  consumed, in order, are its history (:class:`TaskResult`, plain data).
- Workflows are deterministic, so feeding the same history to a fresh generator brings it back
  to the same point (:meth:`Execution.replay`); the mock never needs to keep a generator alive
  across a restart, only the history.
- "Now" inside a workflow is the time of the latest history entry, never the wall clock, so a
  timer's due time comes out the same on replay.
- Inputs, outputs, event payloads and custom status cross this boundary as JSON text; the
  workflow sees decoded values (an empty text decodes to ``None``).
- Where an SDK decides (value encoding, event-name matching, custom status, failures), the
  mock does what the Dapr Python SDK's worker does, because that is what daprd answered with
  the conformance app (tests/vectors/daprd-1.18.2): values are written by ``json.dumps`` with
  its defaults, event names match case-insensitively (``str.casefold``), a ``str`` custom status
  is kept as it is, and every failure carries a stack trace.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

import inspect
import json
import re
import traceback
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring_ascii,
)
from typing import Any, Literal

from conformance.workflows import Workflow
from mockserver.clock import seconds_to_us

UNREGISTERED_ERROR_TYPE = "OrchestratorNotRegisteredError"
SYNTHETIC_STACK_TRACE = "  (raised by dapr-workflow-mock, standing in for the SDK's worker)\n"
"""The stack trace of a failure the SDK's worker raises itself (an unregistered name, bad JSON):
daprd shows one for every failure the Python SDK reports; its lines are the SDK's own."""
_SDK_ENCODER = json.JSONEncoder()
"""``json.dumps`` with its defaults: how the Dapr Python SDK writes workflow values."""
_C_SDK_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _SDK_ENCODER.default, encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
)
MAX_JSON_DEPTH = 512
"""Deeper JSON is not valid to a workflow: Python's json recurses once per level (its limit is
near 1000 frames), and a decoded value must survive re-encoding anywhere in the engine."""
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


@dataclass(frozen=True, slots=True)
class EventTask:
    """Wait for the next external event called ``name`` (until ``due_us``, when set)."""

    name: str
    due_us: int | None = None
    """Give up at this time: the wait raises :class:`EventTimeoutError` in the workflow."""


@dataclass(frozen=True, slots=True)
class TimerTask:
    """Wait until ``due_us``."""

    due_us: int


@dataclass(frozen=True, slots=True)
class ChildTask:
    """Run the workflow ``name`` as the child ``instance_id`` and wait for its end."""

    name: str
    input: str | None
    instance_id: str


@dataclass(frozen=True, slots=True)
class ActivityTask:
    """A declared activity: done at ``due_us`` with ``result`` (JSON text), or failed with
    ``failure`` (its message). The mock plays the activity; nothing runs it."""

    name: str
    input: str | None
    due_us: int
    result: str | None = None
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class HeldTask:
    """Wait for the control API: what a workflow nobody declared does under ``hold``."""


Task = EventTask | TimerTask | ChildTask | ActivityTask | HeldTask
TASK_TYPES = (EventTask, TimerTask, ChildTask, ActivityTask, HeldTask)


def held_workflow(ctx: Any, input: Any) -> Generator[HeldTask, Any, None]:
    """Stands in for a workflow nobody declared: RUNNING, with its input, until the control API
    completes or fails it (``/_mock/instances/{id}/complete`` or ``/fail``)."""
    yield HeldTask()


@dataclass(frozen=True, slots=True)
class TaskResult:
    """What a waited-for task produced: one history entry, plain data."""

    kind: Literal["event", "timer", "child", "activity"]
    at_us: int
    payload: str | None = None
    """The event payload (raw text), or the child's or activity's output (JSON text)."""
    failure: str | None = None
    """Why the child failed; the task then raises in the workflow."""
    timed_out: bool = False
    """The event did not come before the wait's time ran out."""


@dataclass(frozen=True, slots=True)
class Yielded:
    """The workflow now waits for ``task``."""

    task: Task


@dataclass(frozen=True, slots=True)
class Returned:
    """The workflow completed with ``output`` (JSON text, None for no output)."""

    output: str | None


@dataclass(frozen=True, slots=True)
class ContinuedAsNew:
    """The workflow asked to start over with ``input`` (JSON text)."""

    input: str | None


@dataclass(frozen=True, slots=True)
class Failed:
    """The workflow raised."""

    error_type: str
    message: str
    stack_trace: str = SYNTHETIC_STACK_TRACE


Step = Yielded | Returned | ContinuedAsNew | Failed


class TaskFailedError(Exception):
    """Raised inside a workflow whose child workflow failed (named as the Dapr SDKs name it)."""


class EventTimeoutError(TimeoutError):
    """Raised inside a workflow whose wait for an event ran out of time."""


class ReplayMismatch(RuntimeError):
    """The workflow did not yield the same tasks when its history was replayed."""


def to_json_text(value: Any) -> str | None:
    """The JSON text of a workflow value as the Python SDK writes it (``json.dumps(value)``);
    None stays None (no output)."""
    if value is None:
        return None
    if isinstance(value, str):
        return str(encode_basestring_ascii(value))
    if _C_SDK_ENCODE is None:
        return _SDK_ENCODER.encode(value)
    return "".join(_C_SDK_ENCODE(value, 0))


def custom_status_text(status: Any) -> str | None:
    """A custom status as the Python SDK stores it: a ``str`` as it is, else its JSON."""
    return status if status is None or isinstance(status, str) else to_json_text(status)


def event_key(name: str) -> str:
    """The name events are matched by: the Python SDK casefolds both sides."""
    return name.casefold()


def from_json_text(text: str | None) -> Any:
    """The value of JSON text; None and the empty text decode to None."""
    if text is None or text == "":
        return None
    if len(text) > MAX_JSON_DEPTH and json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    return json.loads(text)


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (cheap unless it has many brackets)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    for token in _JSON_NESTING.findall(text):
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


class Context:
    """The :class:`conformance.workflows.WorkflowContext` of one execution."""

    def __init__(self, instance_id: str, started_at_us: int) -> None:
        self._instance_id = instance_id
        self.now_us = started_at_us
        self.custom_status: str | None = None
        self.continued: tuple[Any] | None = None

    @property
    def instance_id(self) -> str:
        return self._instance_id

    def set_custom_status(self, status: Any) -> None:
        self.custom_status = custom_status_text(status)

    def wait_for_external_event(self, name: str) -> EventTask:
        return EventTask(event_key(name))

    def wait_for_external_event_until(self, name: str, seconds: float) -> EventTask:
        """The next event called ``name``, or :class:`EventTimeoutError` after ``seconds``
        (the mock's own: the SDKs race the event against a timer)."""
        return EventTask(event_key(name), self.now_us + seconds_to_us(seconds))

    def create_timer(self, seconds: float) -> TimerTask:
        return TimerTask(self.now_us + seconds_to_us(seconds))

    def call_declared_activity(
        self,
        name: str,
        input: Any,
        seconds: float,
        *,
        result: Any = None,
        failure: str | None = None,
    ) -> ActivityTask:
        """An activity the mock plays: ``result`` after ``seconds``, or ``failure``."""
        return ActivityTask(
            name,
            to_json_text(input),
            self.now_us + seconds_to_us(seconds),
            None if failure is not None else to_json_text(result),
            failure,
        )

    def call_child_workflow(self, name: str, *, input: Any, instance_id: str) -> ChildTask:
        return ChildTask(name=name, input=to_json_text(input), instance_id=instance_id)

    def continue_as_new(self, new_input: Any) -> None:
        self.continued = (new_input,)


class Execution:
    """One run of one workflow function, from its input to its end."""

    def __init__(
        self, workflow: Workflow | None, *, name: str, instance_id: str, started_at_us: int
    ) -> None:
        self._workflow = workflow
        self._name = name
        self.context = Context(instance_id, started_at_us)
        self._generator: Generator[Any, Any, Any] | None = None

    @property
    def custom_status(self) -> str | None:
        return self.context.custom_status

    def begin(self, input_text: str | None) -> Step:
        """Call the workflow with its decoded input and run it to its first wait or its end."""
        if self._workflow is None:
            # The Python SDK's words for a name its worker has not registered.
            return Failed(
                UNREGISTERED_ERROR_TYPE, f"A '{self._name}' orchestrator was not registered."
            )
        try:
            value = from_json_text(input_text)
        except ValueError as error:
            return _failed(error)
        try:
            result = self._workflow(self.context, value)
        except Exception as error:
            return _failed(error)
        if not inspect.isgenerator(result):
            return self._finished(result)
        self._generator = result
        return self._move(None)

    def resume(self, result: TaskResult) -> Step:
        """Hand the workflow the result of the task it waits for; run to the next wait or end."""
        context = self.context
        if result.at_us > context.now_us:
            context.now_us = result.at_us
        if result.timed_out:
            return self._move(None, EventTimeoutError("the event did not come in time"))
        if result.failure is not None:
            return self._move(None, TaskFailedError(result.failure))
        try:
            value = None if result.payload is None else from_json_text(result.payload)
        except ValueError as error:
            return _failed(error)
        return self._move(value)

    @classmethod
    def replay(
        cls,
        workflow: Workflow | None,
        *,
        name: str,
        instance_id: str,
        started_at_us: int,
        input_text: str | None,
        history: Iterable[TaskResult],
    ) -> tuple[Execution, Step]:
        """A fresh execution fed ``history``; returns it with the step it is at now."""
        execution = cls(workflow, name=name, instance_id=instance_id, started_at_us=started_at_us)
        step = execution.begin(input_text)
        for position, result in enumerate(history):
            if not isinstance(step, Yielded):
                raise ReplayMismatch(
                    f"workflow {name!r} of instance {instance_id!r} ended after {position} "
                    f"history entries, but the history holds more"
                )
            step = execution.resume(result)
        return execution, step

    def _move(self, value: Any, error: BaseException | None = None) -> Step:
        """Send ``value`` into the generator (or throw ``error``); the step it reaches."""
        generator = self._generator
        assert generator is not None
        try:
            task = generator.send(value) if error is None else generator.throw(error)
        except StopIteration as stop:
            return self._finished(stop.value)
        except Exception as failure:
            return _failed(failure)
        if not isinstance(task, TASK_TYPES):
            return Failed("TypeError", f"a workflow may only yield tasks, not {task!r}")
        return Yielded(task)

    def _finished(self, value: Any) -> Step:
        if self.context.continued is not None:
            try:
                return ContinuedAsNew(to_json_text(self.context.continued[0]))
            except (TypeError, ValueError) as error:
                return _failed(error)
        try:
            return Returned(to_json_text(value))
        except (TypeError, ValueError) as error:
            return _failed(error)


def _failed(error: BaseException) -> Failed:
    """The failure the Python SDK reports for ``error`` (its type name, text and traceback)."""
    trace = "".join(traceback.format_tb(error.__traceback__)) or SYNTHETIC_STACK_TRACE
    return Failed(type(error).__name__, str(error), trace)
