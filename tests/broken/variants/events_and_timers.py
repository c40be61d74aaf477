"""Broken targets: lost, early and held events and timers, and wrong workflows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from conformance.lifecycle import Operation, Status
from conformance.workflows import (
    EVENT,
    FAIL,
    GO_EVENT,
    PARENT,
    TIMER,
    ConformanceFailure,
    WorkflowContext,
    WorkflowResult,
    child_instance_id,
    failure_message,
    timer_seconds,
    timer_workflow,
)
from mockserver.engine import Engine
from mockserver.instance import Instance
from mockserver.orchestrator import TaskResult
from mockserver.scheduler import Due
from mockserver.transitions import Transitions
from tests.broken.variants.building import (
    get_body,
    with_engine,
    with_middleware,
    with_transitions,
    with_workflow,
)
from tests.broken.variants.catalogue import variant


class EarlyEventDropping(Transitions):
    """An event nobody waits for yet is dropped."""

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        waiting = instance.waiting
        if op is Operation.RAISE_EVENT and (waiting is None or waiting.name != event_name):
            return
        super().apply(instance, op, event_name, payload)


@variant("workflow.event.buffered", says="buffered, not lost", start_delay=0.5)
def events_raised_before_the_wait_are_lost(start_delay: float) -> web.Application:
    """an event raised while still PENDING is dropped (workflow.event.buffered)."""
    return with_transitions(EarlyEventDropping, start_delay)


class LastEventFirst(Transitions):
    """Buffered events are delivered newest first."""

    def take_result(self, instance: Instance) -> TaskResult | None:
        waiting = instance.waiting
        queue = instance.events.get(waiting.name or "") if waiting is not None else None
        if waiting is not None and waiting.kind == "event" and queue and len(queue) > 1:
            queue.rotate(1)  # the newest goes to the front
        return super().take_result(instance)


@variant("workflow.event.buffered-in-order", says='equal to "first"', start_delay=0.5)
def buffered_events_are_delivered_newest_first(start_delay: float) -> web.Application:
    """buffered events go newest first (workflow.event.buffered-in-order)."""
    return with_transitions(LastEventFirst, start_delay)


@variant("get.last-updated-monotonic", says="it may never go back")
def last_updated_at_drops_back_while_suspended(start_delay: float) -> web.Application:
    """SUSPENDED shows createdAt as lastUpdatedAt (get.last-updated-monotonic)."""

    def change(body: dict[str, Any]) -> None:
        if body.get("runtimeStatus") == "SUSPENDED":
            body["lastUpdatedAt"] = body["createdAt"]

    return with_middleware(get_body(change), start_delay)


class TracingReuse(Transitions):
    """A new run of a finished ID keeps the old run's createdAt and failure."""

    def create(self, workflow_name: str, instance_id: str, *args: Any, **kwargs: Any) -> Instance:
        previous = self.instances.get(instance_id)
        instance = super().create(workflow_name, instance_id, *args, **kwargs)
        if previous is not None:
            instance.created_us, instance.failure = previous.created_us, previous.failure
        return instance

    def mark_started(self, instance: Instance) -> None:
        created = instance.created_us
        super().mark_started(instance)
        if created is not None:
            instance.created_us = created


@variant("start.reuse-after-terminal.no-trace", says="shows the previous run's state")
def reused_ids_show_the_previous_run(start_delay: float) -> web.Application:
    """a reused ID shows the old run's state (start.reuse-after-terminal.no-trace)."""
    return with_transitions(TracingReuse, start_delay)


class EventResumes(Transitions):
    """An event raised while SUSPENDED resumes the instance."""

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        if op is Operation.RAISE_EVENT and instance.status is Status.SUSPENDED:
            super().apply(instance, Operation.RESUME, None, None)
        super().apply(instance, op, event_name, payload)


@variant("suspend.holds-events", says="must stay SUSPENDED")
def events_raised_while_suspended_apply_at_once(start_delay: float) -> web.Application:
    """an event raised while SUSPENDED is delivered at once (suspend.holds-events)."""
    return with_transitions(EventResumes, start_delay)


class EventsByAnyNameEngine(Engine):
    """Every event is delivered as go."""

    def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        super().raise_event(instance_id, GO_EVENT, payload)


@variant("workflow.event.other-names-ignored", says="must stay RUNNING")
def events_of_any_name_complete_the_wait(start_delay: float) -> web.Application:
    """any event name completes EventWorkflow's wait for go (workflow.event.other-names-ignored)."""
    return with_engine(EventsByAnyNameEngine, start_delay)


class TimerThroughSuspend(Transitions):
    """A timer that falls due while SUSPENDED resumes the instance."""

    def timer_fired(self, instance: Instance, index: int) -> None:
        if instance.status is Status.SUSPENDED:
            instance.status = Status.RUNNING
        super().timer_fired(instance, index)


@variant("suspend.holds-timers", says="must stay SUSPENDED", quick=False)
def timers_fire_while_suspended(start_delay: float) -> web.Application:
    """a timer that falls due while SUSPENDED fires and completes the run (suspend.holds-timers)."""
    return with_transitions(TimerThroughSuspend, start_delay)


def instant_timer_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """TimerWorkflow with its timer's length ignored: the timer fires at once."""
    return timer_workflow(ctx, 0)


@variant("suspend.holds-timers", says="did not reach RUNNING", quick=False)
def timers_fire_at_once(start_delay: float) -> web.Application:
    """durable timers fire at once, whatever their length (suspend.holds-timers)."""
    return with_workflow(TIMER, instant_timer_workflow, start_delay)


def early_timer_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """TimerWorkflow whose timer fires at 60% of its length."""
    return timer_workflow(ctx, timer_seconds(input) * 0.6)


@variant("workflow.timer.not-early", says="the timer fired before it was due")
def timers_fire_early(start_delay: float) -> web.Application:
    """durable timers fire at 60% of their length (workflow.timer.not-early)."""
    return with_workflow(TIMER, early_timer_workflow, start_delay)


class RestartingHeldTimer(Transitions):
    """A timer that fell due while SUSPENDED is started again, for its whole length, on resume."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timer_lengths: dict[str, int] = {}

    def wait(self, instance: Instance, task: Any) -> Any:
        waiting = super().wait(instance, task)
        if waiting.kind == "timer" and waiting.due_us is not None:
            self.timer_lengths[instance.instance_id] = waiting.due_us - self.clock.now_us()
        return waiting

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        waiting = instance.waiting
        held = waiting is not None and waiting.kind == "timer" and waiting.result is not None
        if op is Operation.RESUME and instance.status is Status.SUSPENDED and held:
            assert waiting is not None
            length = self.timer_lengths.get(instance.instance_id, 0)
            waiting.result = None
            waiting.due_us = self.clock.now_us() + length
            self.scheduler.at(
                waiting.due_us,
                Due("timer", instance.instance_id, instance.execution, waiting.index),
            )
        super().apply(instance, op, event_name, payload)


@variant("suspend.held-timer-fires-on-resume", says="it is not started again", quick=False)
def held_timers_start_again_on_resume(start_delay: float) -> web.Application:
    """held timers restart on resume (suspend.held-timer-fires-on-resume)."""
    return with_transitions(RestartingHeldTimer, start_delay)


@variant("workflow.timer.completes", says="must stay PENDING or RUNNING")
def timers_fire_at_once_under_quick(start_delay: float) -> web.Application:
    """durable timers fire at once, checked with --quick (workflow.timer.completes)."""
    return with_workflow(TIMER, instant_timer_workflow, start_delay)


def endless_timer_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """TimerWorkflow whose timer never falls due (a day, whatever the input)."""
    return timer_workflow(ctx, 86_400)


@variant("workflow.timer.completes", says="did not reach COMPLETED")
def timer_workflow_never_completes(start_delay: float) -> web.Application:
    """TimerWorkflow's timer never fires, so it never completes (workflow.timer.completes)."""
    return with_workflow(TIMER, endless_timer_workflow, start_delay)


# --- wrong workflows ---------------------------------------------------------------------------


def completing_fail_workflow(ctx: WorkflowContext, input: Any) -> Any:
    """FailWorkflow that returns its message instead of raising it."""
    return failure_message(input)


@variant("workflow.fail.failed", "get.properties.failure", says="did not reach FAILED")
def fail_workflow_completes(start_delay: float) -> web.Application:
    """FailWorkflow ends COMPLETED with its message as output (workflow.fail.failed)."""
    return with_workflow(FAIL, completing_fail_workflow, start_delay)


def silent_event_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """EventWorkflow that never sets its custom status."""
    payload = yield ctx.wait_for_external_event(GO_EVENT)
    return payload


@variant("workflow.event.waits", "get.properties.custom-status", says="custom status")
def custom_status_is_missing(start_delay: float) -> web.Application:
    """EventWorkflow never sets the custom status "waiting" (workflow.event.waits)."""
    return with_workflow(EVENT, silent_event_workflow, start_delay)


def vague_fail_workflow(ctx: WorkflowContext, input: Any) -> Any:
    """FailWorkflow that fails with a fixed message, not its input."""
    raise ConformanceFailure("workflow failed")


@variant("workflow.fail.failed", "get.properties.failure", says="error_message")
def failure_message_is_not_the_input(start_delay: float) -> web.Application:
    """FailWorkflow fails with a fixed message, not its input string (workflow.fail.failed)."""
    return with_workflow(FAIL, vague_fail_workflow, start_delay)


def misnamed_child_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """ParentWorkflow that names its child ``<id>_child``, not ``<id>-child``."""
    return (
        yield ctx.call_child_workflow(EVENT, input=input, instance_id=ctx.instance_id + "_child")
    )


@variant("workflow.parent.completes-with-child", says="-child")
def child_is_not_named_id_dash_child(start_delay: float) -> web.Application:
    """the child of ParentWorkflow is <id>_child (workflow.parent.completes-with-child)."""
    return with_workflow(PARENT, misnamed_child_workflow, start_delay)


def orphaned_child_parent_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """ParentWorkflow that starts its child without input."""
    return (
        yield ctx.call_child_workflow(
            EVENT, input=None, instance_id=child_instance_id(ctx.instance_id)
        )
    )


@variant("workflow.parent.completes-with-child", says="the child must get the parent's input")
def child_gets_no_input(start_delay: float) -> web.Application:
    """ParentWorkflow starts its child without its input (workflow.parent.completes-with-child)."""
    return with_workflow(PARENT, orphaned_child_parent_workflow, start_delay)
