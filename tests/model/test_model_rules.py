"""The pure model: which answers it accepts from an asynchronous target, and which it rejects."""

from __future__ import annotations

import pytest

from conformance.contract import lifecycle
from conformance.lifecycle import Operation, Status
from conformance.model import InstanceState, Model, ModelError, Observation, Run

S = Status
O = Operation  # noqa: E741

ECHO = Run("EchoWorkflow", '"run-1"')
EVENT = Run("EventWorkflow", '"run-1"')
FAIL = Run("FailWorkflow", '"run-1"')


@pytest.fixture
def model() -> Model:
    return Model(lifecycle())


def started(model: Model, run: Run, shown: Status = S.RUNNING) -> InstanceState:
    """An instance whose start was accepted and whose GET then showed ``shown``."""
    verdict = model.answer(InstanceState(), O.START, 202, None, new_run=run)
    assert verdict.ok, verdict.reason
    seen = model.observe(verdict.state, Observation(shown, input=run.input, created_at="t1"))
    assert seen.ok, seen.reason
    assert seen.state.awaiting is None
    return seen.state


def test_a_command_on_an_unknown_id_is_judged_by_the_absent_row(model: Model) -> None:
    assert model.answer(InstanceState(), O.PAUSE, 500, "ERR_PAUSE_WORKFLOW").ok
    assert model.answer(InstanceState(), O.PURGE, 404, "ERR_INSTANCE_ID_NOT_FOUND").ok
    wrong = model.answer(InstanceState(), O.PAUSE, 404, "ERR_INSTANCE_ID_NOT_FOUND")
    assert not wrong.ok
    assert "in ABSENT: 500 ERR_PAUSE_WORKFLOW" in wrong.reason


def test_terminate_of_an_unknown_id_may_be_the_uncertain_500_alternative(model: Model) -> None:
    assert model.answer(InstanceState(), O.TERMINATE, 500, "ERR_TERMINATE_WORKFLOW").ok


def test_right_after_start_the_instance_may_still_read_absent(model: Model) -> None:
    verdict = model.answer(InstanceState(), O.START, 202, None, new_run=EVENT)
    assert verdict.state.awaiting is not None
    lagging = model.observe(verdict.state, Observation(S.ABSENT))
    assert lagging.ok
    assert lagging.state.awaiting is not None, "a 404 does not show the start yet"
    pending = model.observe(lagging.state, Observation(S.PENDING))
    assert pending.ok
    assert pending.state.awaiting is None
    assert pending.state.possible == {S.PENDING, S.RUNNING}


def test_an_event_workflow_cannot_complete_without_go(model: Model) -> None:
    state = started(model, EVENT)
    verdict = model.observe(state, Observation(S.COMPLETED))
    assert not verdict.ok
    assert "GET shows COMPLETED, but the model allows only {RUNNING}" in verdict.reason


def test_an_event_workflow_may_complete_once_go_was_accepted(model: Model) -> None:
    state = started(model, EVENT)
    raised = model.answer(state, O.RAISE_EVENT, 202, None, event="go")
    assert raised.ok
    assert raised.state.awaiting is None
    assert raised.state.possible == {S.RUNNING, S.COMPLETED}
    assert model.observe(raised.state, Observation(S.COMPLETED)).ok


def test_another_event_name_does_not_let_an_event_workflow_complete(model: Model) -> None:
    state = started(model, EVENT)
    raised = model.answer(state, O.RAISE_EVENT, 202, None, event="other")
    assert raised.state.possible == {S.RUNNING}


def test_echo_may_complete_but_never_fail(model: Model) -> None:
    state = started(model, ECHO, S.PENDING)
    assert state.possible == {S.PENDING, S.RUNNING, S.COMPLETED}
    assert not model.observe(state, Observation(S.FAILED)).ok
    assert not model.observe(started(model, FAIL, S.PENDING), Observation(S.COMPLETED)).ok


def test_after_pause_the_old_status_is_lag_until_suspended_shows(model: Model) -> None:
    paused = model.answer(started(model, EVENT), O.PAUSE, 202, None)
    assert paused.ok
    assert paused.state.describe() == "{RUNNING} -> {SUSPENDED}"
    lag = model.observe(paused.state, Observation(S.RUNNING))
    assert lag.ok
    assert lag.state.awaiting is not None
    shown = model.observe(lag.state, Observation(S.SUSPENDED))
    assert shown.state.awaiting is None
    assert shown.state.possible == {S.SUSPENDED}


def test_while_awaiting_a_status_outside_before_and_after_is_wrong(model: Model) -> None:
    paused = model.answer(started(model, EVENT), O.PAUSE, 202, None)
    verdict = model.observe(paused.state, Observation(S.TERMINATED))
    assert not verdict.ok
    assert "while the pause is taking effect" in verdict.reason


def test_a_command_while_an_effect_is_awaited_is_a_usage_error(model: Model) -> None:
    paused = model.answer(started(model, EVENT), O.PAUSE, 202, None)
    with pytest.raises(ModelError, match="settle the awaited pause"):
        model.answer(paused.state, O.RESUME, 202, None)


def test_an_answer_narrows_the_statuses_the_instance_was_in(model: Model) -> None:
    state = started(model, ECHO)
    assert state.possible == {S.RUNNING, S.COMPLETED}
    purged = model.answer(state, O.PURGE, 202, None)
    assert purged.ok
    assert purged.state.awaiting is not None
    assert purged.state.awaiting.before == {S.COMPLETED}
    refused = model.answer(state, O.PURGE, 500, "ERR_PURGE_WORKFLOW")
    assert refused.ok
    assert refused.state.possible == {S.RUNNING, S.COMPLETED}


def test_purge_of_a_running_instance_that_succeeds_is_wrong(model: Model) -> None:
    verdict = model.answer(started(model, EVENT), O.PURGE, 202, None)
    assert not verdict.ok
    assert "in RUNNING: 500 ERR_PURGE_WORKFLOW (no change)" in verdict.reason


def test_pause_of_a_completed_instance_answered_409_is_wrong(model: Model) -> None:
    state = started(model, ECHO, S.COMPLETED)
    verdict = model.answer(state, O.PAUSE, 409, "ERR_PAUSE_WORKFLOW")
    assert not verdict.ok
    assert "in COMPLETED: 202 (no change)" in verdict.reason


def test_pause_of_a_completed_instance_is_a_noop(model: Model) -> None:
    state = started(model, ECHO, S.COMPLETED)
    verdict = model.answer(state, O.PAUSE, 202, None)
    assert verdict.ok
    assert verdict.state.awaiting is None
    assert verdict.state.possible == {S.COMPLETED}


def test_a_restart_is_not_shown_by_the_old_runs_status(model: Model) -> None:
    state = started(model, ECHO, S.COMPLETED)
    second = Run("EchoWorkflow", '"run-2"')
    restarted = model.answer(state, O.START, 202, None, new_run=second)
    old = model.observe(restarted.state, Observation(S.COMPLETED, input='"run-1"', created_at="t1"))
    assert old.ok
    assert old.state.awaiting is not None, "COMPLETED with the old input is the old run"
    new = model.observe(old.state, Observation(S.COMPLETED, input='"run-2"', created_at="t2"))
    assert new.state.awaiting is None
    assert new.state.run == second


def test_a_new_created_at_shows_a_restart_when_the_input_is_not_shown(model: Model) -> None:
    state = started(model, ECHO, S.COMPLETED)
    restarted = model.answer(state, O.START, 202, None, new_run=Run("EchoWorkflow", '"run-2"'))
    same = model.observe(restarted.state, Observation(S.COMPLETED, created_at="t1"))
    assert same.state.awaiting is not None
    moved = model.observe(same.state, Observation(S.COMPLETED, created_at="t2"))
    assert moved.state.awaiting is None


def test_the_input_is_compared_as_json(model: Model) -> None:
    state = started(model, ECHO, S.COMPLETED)
    restarted = model.answer(state, O.START, 202, None, new_run=Run("EchoWorkflow", '{"a":1}'))
    seen = model.observe(restarted.state, Observation(S.COMPLETED, input='{"a": 1}'))
    assert seen.state.awaiting is None


def test_start_of_an_active_id_is_refused_and_keeps_the_run(model: Model) -> None:
    state = started(model, EVENT)
    verdict = model.answer(
        state, O.START, 500, "ERR_START_WORKFLOW", new_run=Run("EchoWorkflow", '"run-2"')
    )
    assert verdict.ok
    assert verdict.state.run == EVENT
    assert verdict.state.awaiting is None


def test_after_purge_the_id_has_no_run(model: Model) -> None:
    state = started(model, FAIL, S.FAILED)
    purged = model.answer(state, O.PURGE, 202, None)
    gone = model.observe(purged.state, Observation(S.ABSENT))
    assert gone.state.possible == {S.ABSENT}
    assert gone.state.run is None


def test_without_exact_errors_any_error_passes_where_an_error_is_expected() -> None:
    model = Model(lifecycle(), exact_errors=False)
    assert model.answer(InstanceState(), O.PAUSE, 500, "SOMETHING_ELSE").ok
    assert model.answer(InstanceState(), O.PAUSE, 404, None).ok
    verdict = model.answer(InstanceState(), O.PAUSE, 202, None)
    assert not verdict.ok
    assert "only success or error is compared" in verdict.reason


def test_without_exact_errors_a_success_is_still_required_where_daprd_succeeds() -> None:
    model = Model(lifecycle(), exact_errors=False)
    state = started(model, ECHO, S.COMPLETED)
    assert model.answer(state, O.PAUSE, 200, None).ok
    assert not model.answer(state, O.PAUSE, 409, "ERR_PAUSE_WORKFLOW").ok
    assert not model.answer(started(model, EVENT), O.PURGE, 202, None).ok


def test_get_is_judged_by_observe(model: Model) -> None:
    with pytest.raises(ModelError):
        model.answer(InstanceState(), O.GET, 404, "ERR_INSTANCE_ID_NOT_FOUND")


def test_a_workflow_the_model_does_not_know_is_a_usage_error(model: Model) -> None:
    with pytest.raises(ModelError, match="TimerWorkflow"):
        started(model, Run("TimerWorkflow", "1"))
