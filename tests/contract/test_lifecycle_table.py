"""Every cell of the lifecycle table, pinned by hand from docs/daprd-http.md §7-§9
and from what daprd 1.18.2 answered (tests/vectors/daprd-1.18.2).

The mock, the suite's model and the report all read the table in openapi.yaml, so "mock and
suite agree" cannot catch a wrong cell: this file is written independently, one row per cell,
and a changed cell must be changed here too, on purpose.
"""

from __future__ import annotations

import pytest

from conformance.contract import lifecycle
from conformance.lifecycle import Operation, Outcome, Status

S = Status
O = Operation  # noqa: E741

ACTIVE = (S.PENDING, S.RUNNING, S.SUSPENDED, S.CONTINUED_AS_NEW)
TERMINAL = (S.COMPLETED, S.FAILED, S.TERMINATED, S.CANCELED)

# (operation, status): (http, errorCode, next status or None for "unchanged", uncertain?)
EXPECTED: dict[tuple[Operation, Status], tuple[int, str | None, Status | None, bool]] = {
    # start: a new or finished ID starts a fresh run, an active ID: refused (docs/daprd-http.md §7)
    (O.START, S.ABSENT): (202, None, S.PENDING, False),
    (O.START, S.PENDING): (500, "ERR_START_WORKFLOW", None, False),
    (O.START, S.RUNNING): (500, "ERR_START_WORKFLOW", None, False),
    (O.START, S.SUSPENDED): (500, "ERR_START_WORKFLOW", None, False),
    (O.START, S.CONTINUED_AS_NEW): (500, "ERR_START_WORKFLOW", None, False),
    (O.START, S.UNKNOWN): (500, "ERR_START_WORKFLOW", None, True),
    (O.START, S.COMPLETED): (202, None, S.PENDING, False),
    (O.START, S.FAILED): (202, None, S.PENDING, False),
    (O.START, S.TERMINATED): (202, None, S.PENDING, False),
    (O.START, S.CANCELED): (202, None, S.PENDING, False),
    # get: 200 for any instance, 404 for none (docs/daprd-http.md §8, T8)
    (O.GET, S.ABSENT): (404, "ERR_INSTANCE_ID_NOT_FOUND", None, False),
    (O.GET, S.PENDING): (200, None, None, False),
    (O.GET, S.RUNNING): (200, None, None, False),
    (O.GET, S.SUSPENDED): (200, None, None, False),
    (O.GET, S.CONTINUED_AS_NEW): (200, None, None, False),
    (O.GET, S.UNKNOWN): (200, None, None, False),
    (O.GET, S.COMPLETED): (200, None, None, False),
    (O.GET, S.FAILED): (200, None, None, False),
    (O.GET, S.TERMINATED): (200, None, None, False),
    (O.GET, S.CANCELED): (200, None, None, False),
    # terminate: active -> TERMINATED, terminal -> 202 no-op, unknown -> 404 (docs/daprd-http.md §8)
    (O.TERMINATE, S.ABSENT): (404, "ERR_INSTANCE_ID_NOT_FOUND", None, True),
    (O.TERMINATE, S.PENDING): (202, None, S.TERMINATED, False),
    (O.TERMINATE, S.RUNNING): (202, None, S.TERMINATED, False),
    (O.TERMINATE, S.SUSPENDED): (202, None, S.TERMINATED, False),
    (O.TERMINATE, S.CONTINUED_AS_NEW): (202, None, S.TERMINATED, False),
    (O.TERMINATE, S.UNKNOWN): (500, "ERR_TERMINATE_WORKFLOW", None, False),
    (O.TERMINATE, S.COMPLETED): (202, None, None, False),
    (O.TERMINATE, S.FAILED): (202, None, None, False),
    (O.TERMINATE, S.TERMINATED): (202, None, None, False),
    (O.TERMINATE, S.CANCELED): (202, None, None, False),
    # raiseEvent: accepted for any instance (buffered or dropped), none: 500 (docs/daprd-http.md §8)
    (O.RAISE_EVENT, S.ABSENT): (500, "ERR_RAISE_EVENT_WORKFLOW", None, False),
    (O.RAISE_EVENT, S.PENDING): (202, None, None, False),
    (O.RAISE_EVENT, S.RUNNING): (202, None, None, False),
    (O.RAISE_EVENT, S.SUSPENDED): (202, None, None, False),
    (O.RAISE_EVENT, S.CONTINUED_AS_NEW): (202, None, None, False),
    (O.RAISE_EVENT, S.UNKNOWN): (202, None, None, True),
    (O.RAISE_EVENT, S.COMPLETED): (202, None, None, False),
    (O.RAISE_EVENT, S.FAILED): (202, None, None, False),
    (O.RAISE_EVENT, S.TERMINATED): (202, None, None, False),
    (O.RAISE_EVENT, S.CANCELED): (202, None, None, False),
    # pause: running -> SUSPENDED, everything else a 202 no-op, none -> 500 (docs/daprd-http.md §8)
    (O.PAUSE, S.ABSENT): (500, "ERR_PAUSE_WORKFLOW", None, False),
    (O.PAUSE, S.PENDING): (202, None, S.SUSPENDED, False),
    (O.PAUSE, S.RUNNING): (202, None, S.SUSPENDED, False),
    (O.PAUSE, S.SUSPENDED): (202, None, None, False),
    (O.PAUSE, S.CONTINUED_AS_NEW): (202, None, S.SUSPENDED, False),
    (O.PAUSE, S.UNKNOWN): (202, None, None, True),
    (O.PAUSE, S.COMPLETED): (202, None, None, False),
    (O.PAUSE, S.FAILED): (202, None, None, False),
    (O.PAUSE, S.TERMINATED): (202, None, None, False),
    (O.PAUSE, S.CANCELED): (202, None, None, False),
    # resume: suspended -> RUNNING; not suspended but active -> the Python SDK fails the run;
    # terminal -> 202 no-op; none -> 500 (observed on daprd 1.18.2, tests/vectors)
    (O.RESUME, S.ABSENT): (500, "ERR_RESUME_WORKFLOW", None, False),
    (O.RESUME, S.PENDING): (202, None, S.FAILED, True),
    (O.RESUME, S.RUNNING): (202, None, S.FAILED, True),
    (O.RESUME, S.SUSPENDED): (202, None, S.RUNNING, False),
    (O.RESUME, S.CONTINUED_AS_NEW): (202, None, S.FAILED, True),
    (O.RESUME, S.UNKNOWN): (202, None, None, True),
    (O.RESUME, S.COMPLETED): (202, None, None, False),
    (O.RESUME, S.FAILED): (202, None, None, False),
    (O.RESUME, S.TERMINATED): (202, None, None, False),
    (O.RESUME, S.CANCELED): (202, None, None, False),
    # purge: terminal -> gone, active -> 500 (PENDING: not-found, no state yet), none -> 404
    (O.PURGE, S.ABSENT): (404, "ERR_INSTANCE_ID_NOT_FOUND", None, False),
    (O.PURGE, S.PENDING): (404, "ERR_INSTANCE_ID_NOT_FOUND", None, True),
    (O.PURGE, S.RUNNING): (500, "ERR_PURGE_WORKFLOW", None, False),
    (O.PURGE, S.SUSPENDED): (500, "ERR_PURGE_WORKFLOW", None, False),
    (O.PURGE, S.CONTINUED_AS_NEW): (500, "ERR_PURGE_WORKFLOW", None, False),
    (O.PURGE, S.UNKNOWN): (500, "ERR_PURGE_WORKFLOW", None, False),
    (O.PURGE, S.COMPLETED): (202, None, S.ABSENT, False),
    (O.PURGE, S.FAILED): (202, None, S.ABSENT, False),
    (O.PURGE, S.TERMINATED): (202, None, S.ABSENT, False),
    (O.PURGE, S.CANCELED): (202, None, S.ABSENT, False),
}


def test_the_hand_written_table_has_every_cell_once() -> None:
    assert set(EXPECTED) == {(op, status) for op in Operation for status in Status}


@pytest.mark.parametrize(
    ("operation", "status"),
    list(EXPECTED),
    ids=[f"{op.value}-{status.value}" for op, status in EXPECTED],
)
def test_the_spec_cell_matches_daprd(operation: Operation, status: Status) -> None:
    http, error, following, uncertain = EXPECTED[(operation, status)]
    cell = lifecycle().cell(status, operation)
    assert cell.expected == Outcome(http=http, error=error, next=following)
    assert (cell.uncertain is not None) is uncertain, "the cell's uncertainty flag is wrong"
    assert cell.source.startswith(("docs/daprd-http.md", "observed")), "every cell names its source"


def test_terminate_of_an_unknown_instance_also_accepts_the_remote_actor_500() -> None:
    cell = lifecycle().cell(S.ABSENT, O.TERMINATE)
    assert cell.match(500, "ERR_TERMINATE_WORKFLOW") is not None
    assert cell.match(404, "ERR_INSTANCE_ID_NOT_FOUND") is cell.expected
    assert cell.match(500, "ERR_PURGE_WORKFLOW") is None


def test_start_of_a_stalled_instance_also_accepts_a_fresh_run() -> None:
    cell = lifecycle().cell(S.UNKNOWN, O.START)
    assert cell.match(202, None) == Outcome(http=202, next=S.PENDING)


def test_only_the_uncertain_cells_have_alternatives() -> None:
    with_alternatives = {
        (c.operation, c.status) for c in lifecycle().cells.values() if c.alternatives
    }
    assert with_alternatives == {
        (O.TERMINATE, S.ABSENT),
        (O.START, S.UNKNOWN),
        (O.RESUME, S.PENDING),
        (O.RESUME, S.RUNNING),
        (O.RESUME, S.CONTINUED_AS_NEW),
        (O.PURGE, S.PENDING),
    }


def test_resume_of_an_active_instance_that_is_not_suspended_may_fail_it_or_change_nothing() -> None:
    for status in (S.PENDING, S.RUNNING, S.CONTINUED_AS_NEW):
        cell = lifecycle().cell(status, O.RESUME)
        assert {o.next for o in cell.matches(202, None)} == {S.FAILED, None}


def test_resume_of_a_suspended_instance_stays_suspended_only_after_a_held_pause() -> None:
    cell = lifecycle().cell(S.SUSPENDED, O.RESUME)
    assert cell.matches(202, None) == (Outcome(http=202, next=S.RUNNING),)
    assert cell.matches(202, None, conditional=True) == (
        Outcome(http=202, next=S.RUNNING),
        Outcome(http=202),
    )
    assert "already SUSPENDED" in cell.conditional[0].when


def test_purge_in_the_pending_window_is_not_found_or_not_completed() -> None:
    cell = lifecycle().cell(S.PENDING, O.PURGE)
    assert cell.match(404, "ERR_INSTANCE_ID_NOT_FOUND") is cell.expected
    assert cell.match(500, "ERR_PURGE_WORKFLOW") is not None


@pytest.mark.parametrize("status", ACTIVE)
def test_an_active_instance_cannot_be_purged_or_restarted(status: Status) -> None:
    assert lifecycle().cell(status, O.PURGE).match(500, "ERR_PURGE_WORKFLOW") is not None
    assert lifecycle().apply(status, O.START).error == "ERR_START_WORKFLOW"


@pytest.mark.parametrize("status", TERMINAL)
def test_a_terminal_instance_ignores_every_command_but_purge_and_start(status: Status) -> None:
    table = lifecycle()
    for operation in (O.TERMINATE, O.RAISE_EVENT, O.PAUSE, O.RESUME):
        assert table.apply(status, operation) == Outcome(http=202)
    assert table.apply(status, O.PURGE).next is S.ABSENT
