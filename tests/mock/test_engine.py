"""The pure engine, without HTTP: state machine, errors, replay, scheduling."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from conformance.contract import lifecycle
from conformance.lifecycle import Status
from conformance.workflows import WORKFLOWS, WorkflowContext
from daprhttp.errors import DaprError
from daprhttp.ids import instance_id_problem
from mockserver.clock import ManualClock, RealClock
from mockserver.control_errors import ControlError
from mockserver.engine import Engine

LIFECYCLE = lifecycle()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start_us=1_700_000_000_000_000)


@pytest.fixture
def engine(clock: ManualClock) -> Engine:
    return Engine(lifecycle=LIFECYCLE, clock=clock)


def status(engine: Engine, instance_id: str) -> Status:
    try:
        return engine.get(instance_id).runtime_status
    except DaprError:
        return Status.ABSENT


def test_start_returns_the_id_and_runs_at_once(engine: Engine) -> None:
    assert engine.start("EchoWorkflow", "a", "1") == "a"
    view = engine.get("a")
    assert view.runtime_status is Status.COMPLETED
    assert dict(view.properties) == {"dapr.workflow.input": "1", "dapr.workflow.output": "1"}


def test_an_error_carries_daprds_code_status_and_message(engine: Engine) -> None:
    with pytest.raises(DaprError) as raised:
        engine.pause("ghost")
    assert (raised.value.code, raised.value.status) == ("ERR_PAUSE_WORKFLOW", 500)
    assert raised.value.body()["message"].startswith("error pausing workflow ghost: ")


@pytest.mark.parametrize(
    ("instance_id", "code"),
    [
        ("a" * 64, None),
        ("a" * 65, "ERR_INSTANCE_ID_TOO_LONG"),
        ("é" * 32, None),
        ("é" * 33, "ERR_INSTANCE_ID_TOO_LONG"),
        ("$" * 65, "ERR_INSTANCE_ID_TOO_LONG"),
        ("a$", "ERR_INSTANCE_ID_INVALID"),
        ("\udcff", "ERR_INSTANCE_ID_INVALID"),
        ("\udcff" * 64, "ERR_INSTANCE_ID_INVALID"),
        ("ǅ_ʰ-٣", None),
    ],
    ids=["64", "65", "32x2bytes", "33x2bytes", "both", "dollar", "raw-byte", "64-raw-bytes", "L*"],
)
def test_instance_id_rules_count_bytes_then_check_characters(
    instance_id: str, code: str | None
) -> None:
    problem = instance_id_problem(instance_id)
    assert (problem.code if problem else None) == code


def test_pause_resume_and_terminate_move_the_status(engine: Engine) -> None:
    engine.start("EventWorkflow", "e", "")
    engine.pause("e")
    assert status(engine, "e") is Status.SUSPENDED
    engine.resume("e")
    assert status(engine, "e") is Status.RUNNING
    engine.terminate("e")
    assert status(engine, "e") is Status.TERMINATED
    engine.purge("e")
    assert status(engine, "e") is Status.ABSENT


def test_last_updated_moves_strictly_even_on_a_frozen_clock(engine: Engine) -> None:
    engine.start("EventWorkflow", "e", "")
    stamps = [engine.get("e").last_updated_at_us]
    for change in (engine.pause, engine.resume, engine.terminate):
        change("e")
        stamps.append(engine.get("e").last_updated_at_us)
    assert stamps == sorted(set(stamps))


def test_a_reused_id_never_moves_last_updated_backwards(engine: Engine) -> None:
    engine.start("EventWorkflow", "r", "")
    for _ in range(5):
        engine.pause("r")
    before = engine.get("r").last_updated_at_us
    engine.terminate("r")
    engine.start("EchoWorkflow", "r", "1")
    assert engine.get("r").last_updated_at_us > before


def test_a_timer_fires_on_the_clock_not_before(engine: Engine, clock: ManualClock) -> None:
    engine.start("TimerWorkflow", "t", "2")
    assert engine.next_due_us() == clock.now_us() + 2_000_000
    assert engine.advance(1.999999) == 0
    assert engine.advance(0.000001) == 1
    assert status(engine, "t") is Status.COMPLETED


def test_a_real_clock_cannot_be_advanced() -> None:
    with pytest.raises(ControlError, match="real time"):
        Engine(lifecycle=LIFECYCLE, clock=RealClock()).advance(1)


def test_one_advance_fires_thousands_of_timers(engine: Engine) -> None:
    for n in range(5000):
        engine.start("TimerWorkflow", f"t{n}", "1")
    assert engine.advance(1) == 5000
    assert {view.runtime_status for view in engine.instances()} == {Status.COMPLETED}


def test_replay_rebuilds_a_waiting_parent_and_child_after_a_restart(engine: Engine) -> None:
    engine.start("ParentWorkflow", "p", '"x"')
    engine.forget_live_state()
    engine.raise_event("p-child", "go", '"out"')
    assert engine.get("p").properties["dapr.workflow.output"] == '"out"'


def test_replay_rebuilds_a_timer_with_the_same_due_time(engine: Engine) -> None:
    engine.start("TimerWorkflow", "t", "3")
    due = engine.next_due_us()
    engine.forget_live_state()
    engine.advance(3)
    assert status(engine, "t") is Status.COMPLETED
    assert engine.next_due_us() is None
    assert due is not None


def test_replay_feeds_a_multi_step_workflow_its_history_in_order(
    clock: ManualClock,
) -> None:
    def collector(ctx: WorkflowContext, input: Any) -> Generator[Any, Any, Any]:
        first = yield ctx.wait_for_external_event("a")
        ctx.set_custom_status(first)
        yield ctx.create_timer(1)
        second = yield ctx.wait_for_external_event("b")
        return [first, second]

    engine = Engine(
        lifecycle=LIFECYCLE, clock=clock, workflows={**WORKFLOWS, "Collector": collector}
    )
    engine.start("Collector", "c", "")
    engine.raise_event("c", "a", "1")
    engine.forget_live_state()
    engine.advance(1)
    engine.forget_live_state()
    engine.raise_event("c", "b", "2")
    view = engine.get("c")
    assert view.properties["dapr.workflow.output"] == "[1, 2]"
    assert view.properties["dapr.workflow.custom_status"] == "1"


def test_a_workflow_that_yields_something_else_fails(clock: ManualClock) -> None:
    def confused(ctx: WorkflowContext, input: Any) -> Generator[Any, Any, Any]:
        yield 42

    engine = Engine(lifecycle=LIFECYCLE, clock=clock, workflows={"Confused": confused})
    engine.start("Confused", "c", "")
    assert engine.get("c").properties["dapr.workflow.failure.error_type"] == "TypeError"


def test_a_child_with_an_id_already_active_fails_the_parent(engine: Engine) -> None:
    engine.start("EventWorkflow", "p-child", "")
    engine.start("ParentWorkflow", "p", "")
    view = engine.get("p")
    assert view.runtime_status is Status.FAILED
    assert "already exists" in view.properties["dapr.workflow.failure.error_message"]


def test_a_child_terminated_alone_fails_its_parent(engine: Engine) -> None:
    engine.start("ParentWorkflow", "p", "")
    engine.terminate("p-child")
    view = engine.get("p")
    assert view.runtime_status is Status.FAILED
    assert "was terminated" in view.properties["dapr.workflow.failure.error_message"]


def test_negative_delays_are_refused(clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="negative"):
        Engine(lifecycle=LIFECYCLE, clock=clock, start_delay=-1)


def test_the_start_delay_and_transition_delay_use_the_engines_clock(clock: ManualClock) -> None:
    engine = Engine(lifecycle=LIFECYCLE, clock=clock, start_delay=1, transition_delay=2)
    engine.start("EventWorkflow", "d", "")
    assert status(engine, "d") is Status.PENDING
    engine.advance(1)
    engine.raise_event("d", "go", "5")
    engine.advance(1.5)
    assert status(engine, "d") is Status.RUNNING
    engine.advance(0.5)
    assert engine.get("d").properties["dapr.workflow.output"] == "5"


def test_reset_forgets_everything(engine: Engine) -> None:
    engine.start("TimerWorkflow", "t", "1")
    engine.reset()
    assert engine.instances() == []
    assert engine.next_due_us() is None


def test_a_finished_run_whose_child_is_still_active_cannot_be_started_again(
    engine: Engine,
) -> None:
    engine.start("ParentWorkflow", "p", '"x"')
    engine.resume("p")  # the SDK fails a run resumed while not suspended; the child waits on
    assert status(engine, "p") is Status.FAILED
    assert status(engine, "p-child") is Status.RUNNING
    with pytest.raises(DaprError) as refused:
        engine.start("EventWorkflow", "p", "")
    assert refused.value.code == "ERR_START_WORKFLOW"
    assert refused.value.message == (
        "error starting workflow 'EventWorkflow': unable to start workflow: failed to start "
        "workflow: rpc error: code = AlreadyExists desc = cannot recreate workflow with ID 'p': "
        "child workflow 'p-child': orchestration has not yet completed"
    )
    assert status(engine, "p") is Status.FAILED
    engine.raise_event("p-child", "go", "1")
    assert engine.start("EventWorkflow", "p", "") == "p"
