"""The pure lifecycle model: autonomous moves, terminal statuses and table loading errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conformance.contract import lifecycle, spec
from conformance.lifecycle import Lifecycle, LifecycleError, Operation, Outcome, Status

S = Status


def test_terminal_statuses_are_the_finished_ones() -> None:
    assert lifecycle().terminal == {S.COMPLETED, S.FAILED, S.TERMINATED, S.CANCELED}


@pytest.mark.parametrize("status", [S.COMPLETED, S.FAILED, S.TERMINATED, S.CANCELED, S.ABSENT])
def test_a_finished_or_absent_instance_never_changes_on_its_own(status: Status) -> None:
    assert lifecycle().may_become(status) == {status}


def test_a_suspended_instance_holds_still() -> None:
    assert lifecycle().may_become(S.SUSPENDED) == {S.SUSPENDED}


def test_a_pending_instance_may_run_and_finish_but_not_suspend_or_terminate_itself() -> None:
    reachable = lifecycle().may_become(S.PENDING)
    assert {S.PENDING, S.RUNNING, S.COMPLETED, S.FAILED} <= reachable
    assert not reachable & {S.SUSPENDED, S.TERMINATED, S.ABSENT, S.CANCELED}


def test_a_running_instance_may_complete_or_fail_but_never_go_back_to_pending() -> None:
    reachable = lifecycle().may_become(S.RUNNING)
    assert {S.COMPLETED, S.FAILED} <= reachable
    assert S.PENDING not in reachable


def test_active_means_existing_and_not_terminal() -> None:
    table = lifecycle()
    assert [s for s in Status if table.is_active(s)] == [
        S.PENDING,
        S.RUNNING,
        S.SUSPENDED,
        S.CONTINUED_AS_NEW,
        S.UNKNOWN,
    ]


def test_an_outcome_without_next_leaves_the_status_alone() -> None:
    assert Outcome(http=202).status_after(S.RUNNING) is S.RUNNING
    assert Outcome(http=202, next=S.SUSPENDED).status_after(S.RUNNING) is S.SUSPENDED


def test_outcomes_describe_themselves_for_failure_messages() -> None:
    assert Outcome(http=500, error="ERR_PAUSE_WORKFLOW").describe() == (
        "500 ERR_PAUSE_WORKFLOW (no change)"
    )
    assert Outcome(http=202, next=S.SUSPENDED).describe() == "202 (-> SUSPENDED)"


def _spec_copy() -> dict[str, Any]:
    return copy.deepcopy(spec())


def test_a_missing_cell_is_reported_with_its_operation() -> None:
    broken = _spec_copy()
    del broken["x-dapr-lifecycle"]["transitions"]["pause"]["RUNNING"]
    with pytest.raises(LifecycleError, match=r"pause has no cell for .*RUNNING"):
        Lifecycle.from_spec(broken)


def test_an_unknown_status_is_reported_with_the_known_ones() -> None:
    broken = _spec_copy()
    broken["x-dapr-lifecycle"]["autonomous"]["RUNNING"].append("DONE")
    with pytest.raises(LifecycleError, match=r"unknown status 'DONE'; known: \["):
        Lifecycle.from_spec(broken)


def test_an_error_code_on_a_success_is_refused() -> None:
    broken = _spec_copy()
    broken["x-dapr-lifecycle"]["transitions"]["get"]["RUNNING"]["error"] = "ERR_GET_WORKFLOW"
    with pytest.raises(LifecycleError, match="get/RUNNING"):
        Lifecycle.from_spec(broken)


def test_a_missing_operation_row_is_reported() -> None:
    broken = _spec_copy()
    del broken["x-dapr-lifecycle"]["transitions"]["purge"]
    with pytest.raises(LifecycleError, match="purge"):
        Lifecycle.from_spec(broken)


def test_a_spec_without_the_extension_is_refused() -> None:
    with pytest.raises(LifecycleError, match="x-dapr-lifecycle"):
        Lifecycle.from_spec({"openapi": "3.1.0"})


def test_asking_for_a_cell_the_table_lacks_names_it() -> None:
    empty = Lifecycle(cells={}, terminal=frozenset(), autonomous={})
    with pytest.raises(LifecycleError, match="operation pause in status RUNNING"):
        empty.apply(S.RUNNING, Operation.PAUSE)
