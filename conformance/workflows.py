"""The six conformance workflows, written once as ordinary workflow code.

Every target the suite checks hosts these names (docs/conformance.md, "The conformance workflows").
They are generator functions in the durable-task style: ``yield`` a task to wait for it, and
``return`` the output. They speak only to :class:`WorkflowContext`, a small protocol that the
mock's own orchestrator implements directly and that thin adapters map onto the Dapr Python SDK
(``DaprWorkflowContext``) and Microsoft's ``durabletask`` (``OrchestrationContext``).

Inputs arrive decoded from JSON (``None`` for an empty body), as the SDKs hand them over.
Pure: no I/O, no SDK imports.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

ECHO = "EchoWorkflow"
EVENT = "EventWorkflow"
TIMER = "TimerWorkflow"
FAIL = "FailWorkflow"
CONTINUE_AS_NEW = "ContinueAsNewWorkflow"
PARENT = "ParentWorkflow"

GO_EVENT = "go"
"""The event EventWorkflow waits for; any other name is ignored."""
WAITING_STATUS = "waiting"
"""The custom status EventWorkflow sets while it waits."""
DEFAULT_TIMER_SECONDS = 1.0
DEFAULT_FAILURE_MESSAGE = "conformance failure"
DONE = "done"
CHILD_SUFFIX = "-child"


class WorkflowContext(Protocol):
    """What a conformance workflow may ask of its runtime."""

    @property
    def instance_id(self) -> str: ...

    def set_custom_status(self, status: Any) -> None: ...

    def wait_for_external_event(self, name: str) -> Any:
        """A task that completes with the payload of the next event called ``name``."""
        ...

    def create_timer(self, seconds: float) -> Any:
        """A durable timer task that fires ``seconds`` after now."""
        ...

    def call_child_workflow(self, name: str, *, input: Any, instance_id: str) -> Any:
        """A task that completes with the child's output (and fails if the child fails)."""
        ...

    def continue_as_new(self, new_input: Any) -> None: ...


class ConformanceFailure(Exception):
    """The error FailWorkflow raises; its message is the workflow's input string."""


WorkflowResult = Generator[Any, Any, Any]
Workflow = Callable[[WorkflowContext, Any], Any]


def echo_workflow(ctx: WorkflowContext, input: Any) -> Any:
    """Completes at once with its input as output."""
    return input


def event_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """Sets custom status "waiting", waits for the event ``go``, returns its payload."""
    ctx.set_custom_status(WAITING_STATUS)
    payload = yield ctx.wait_for_external_event(GO_EVENT)
    return payload


def timer_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """Waits on one durable timer of ``input`` seconds (1 when absent), returns "done"."""
    seconds = timer_seconds(input)
    yield ctx.create_timer(seconds)
    return DONE


def fail_workflow(ctx: WorkflowContext, input: Any) -> Any:
    """Raises an error whose message is the input string."""
    raise ConformanceFailure(failure_message(input))


def continue_as_new_workflow(ctx: WorkflowContext, input: Any) -> Any:
    """Continues as new with n - 1 while n > 0; at 0 returns "done"."""
    remaining = input if isinstance(input, int) and not isinstance(input, bool) else 0
    if remaining > 0:
        ctx.continue_as_new(remaining - 1)
        return None
    return DONE


def parent_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """Runs EventWorkflow as the child ``<id>-child`` and returns the child's output."""
    output = yield ctx.call_child_workflow(
        EVENT, input=input, instance_id=child_instance_id(ctx.instance_id)
    )
    return output


def timer_seconds(input: Any) -> float:
    """TimerWorkflow's timer length: a JSON number of seconds, else the default."""
    if isinstance(input, int | float) and not isinstance(input, bool):
        return max(float(input), 0.0)
    return DEFAULT_TIMER_SECONDS


def failure_message(input: Any) -> str:
    """FailWorkflow's error message: the input string, else the default."""
    return input if isinstance(input, str) and input else DEFAULT_FAILURE_MESSAGE


def child_instance_id(parent_instance_id: str) -> str:
    return parent_instance_id + CHILD_SUFFIX


WORKFLOWS: dict[str, Workflow] = {
    ECHO: echo_workflow,
    EVENT: event_workflow,
    TIMER: timer_workflow,
    FAIL: fail_workflow,
    CONTINUE_AS_NEW: continue_as_new_workflow,
    PARENT: parent_workflow,
}
"""The six workflows by the names every conformance target registers them under."""
