"""Waiting for a status and watching one: what the failures say (conformance.instance_waits)."""

from __future__ import annotations

import json
import re

import pytest

from conformance.client import Reply, WorkflowClient
from conformance.failures import Nonconformance
from conformance.instance_waits import stays, wait_for_status
from conformance.polling import Timing
from tests.suite.conftest import reply


class ScriptedClient(WorkflowClient):
    """Answers GET from a list of (status, runtimeStatus) without any network."""

    def __init__(self, answers: list[str]) -> None:
        super().__init__("http://t")
        self.answers = answers

    def get(self, instance_id: str, *, body: bytes | str | None = None) -> Reply:
        status = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if status == "404":
            return reply(404, '{"errorCode":"ERR_INSTANCE_ID_NOT_FOUND","message":"x"}')
        return reply(200, json.dumps({"instanceID": "i", "runtimeStatus": status}))


def test_waiting_returns_the_first_state_in_the_wanted_statuses() -> None:
    client = ScriptedClient(["404", "PENDING", "RUNNING", "COMPLETED"])
    state = wait_for_status(client, "i", {"RUNNING"}, timing=Timing(deadline=5, interval=0))
    assert state.status == "RUNNING"


def test_a_wait_that_times_out_quotes_every_observed_status_and_the_last_get() -> None:
    client = ScriptedClient(["404", "PENDING", "RUNNING"])
    with pytest.raises(Nonconformance) as failure:
        wait_for_status(
            client,
            "i",
            {"SUSPENDED"},
            timing=Timing(deadline=0.05, interval=0.001),
            behaviour="lifecycle.pause.RUNNING",
            why="pause answered 202",
        )
    text = str(failure.value)
    assert "instance 'i' did not reach SUSPENDED within" in text
    assert "observed:  404 ERR_INSTANCE_ID_NOT_FOUND (at 0.00s) -> PENDING" in text
    assert "-> RUNNING (at" in text and '"runtimeStatus": "RUNNING"' in text


def test_a_wait_on_a_condition_says_what_was_awaited_last_seen_and_for_how_long() -> None:
    client = ScriptedClient(["PENDING", "RUNNING"])
    with pytest.raises(Nonconformance) as failure:
        wait_for_status(
            client,
            "i",
            {"RUNNING"},
            timing=Timing(deadline=0.05, interval=0.001),
            behaviour="workflow.event.waits",
            why="EventWorkflow sets it",
            accept=lambda state: "properties" in state.body,
            condition="properties set",
        )
    lines = str(failure.value).splitlines()
    assert lines[0].startswith("instance 'i' showed RUNNING but not properties set within ")
    assert lines[0].endswith("s: EventWorkflow sets it")
    assert "  awaited:   runtimeStatus RUNNING, with properties set" in lines
    last_seen = [line for line in lines if line.startswith("  last seen: RUNNING since 0.0")]
    assert last_seen and last_seen[0].endswith("s waited)") and " of the " in last_seen[0]


def test_a_wait_stops_as_soon_as_the_instance_ends_in_another_terminal_status() -> None:
    client = ScriptedClient(["RUNNING", "FAILED"])
    with pytest.raises(Nonconformance) as failure:
        wait_for_status(client, "i", {"COMPLETED"}, timing=Timing(deadline=60, interval=0))
    text = str(failure.value)
    assert text.startswith("instance 'i' did not reach COMPLETED: it ended FAILED after 0.0")
    assert "a terminal status it does not leave on its own" in text
    assert "last seen" not in text
    assert re.search(r"observed:  RUNNING \(at 0\.0\ds\) -> FAILED \(at 0\.\d\ds\)", text), text


def test_a_terminal_status_seen_first_stops_the_wait_unless_it_may_be_the_previous_one() -> None:
    with pytest.raises(Nonconformance, match="it ended TERMINATED"):
        wait_for_status(
            ScriptedClient(["TERMINATED", "RUNNING"]),
            "i",
            {"RUNNING"},
            timing=Timing(deadline=60, interval=0),
        )
    state = wait_for_status(
        ScriptedClient(["TERMINATED", "TERMINATED", "PENDING", "RUNNING"]),
        "i",
        {"RUNNING"},
        timing=Timing(deadline=60, interval=0),
        previous={"TERMINATED"},
    )
    assert state.status == "RUNNING"


def test_the_previous_status_is_excused_only_until_the_instance_shows_another() -> None:
    with pytest.raises(Nonconformance, match="it ended FAILED"):
        wait_for_status(
            ScriptedClient(["FAILED", "RUNNING", "FAILED"]),
            "i",
            {"COMPLETED"},
            timing=Timing(deadline=60, interval=0),
            previous={"FAILED"},
        )


def test_a_wait_for_absent_lets_a_purge_lag_behind_a_terminal_status() -> None:
    client = ScriptedClient(["COMPLETED", "COMPLETED", "404"])
    state = wait_for_status(client, "i", {"ABSENT"}, timing=Timing(deadline=60, interval=0))
    assert state.body == {} and state.reply.status == 404


def test_a_stay_that_breaks_says_for_how_long_it_was_watched_and_when_it_changed() -> None:
    with pytest.raises(Nonconformance) as failure:
        stays(
            ScriptedClient(["RUNNING", "COMPLETED"]),
            "i",
            {"PENDING", "RUNNING"},
            seconds=5,
            timing=Timing(interval=0),
            behaviour="workflow.timer.completes",
            why="the timer is not due",
        )
    first = str(failure.value).splitlines()[0]
    assert first.startswith("instance 'i' must stay PENDING or RUNNING for 5.00s: the timer is")
    assert "; it showed COMPLETED after 0.0" in first
