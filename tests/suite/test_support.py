"""The suite's helpers: message rules, timestamps, waiting, and the failure text."""

from __future__ import annotations

import json
import re

import pytest

from conformance.checks import Checks
from conformance.client import Reply, WorkflowClient
from conformance.daprd_errors import (
    MessageRule,
    cause_error,
    duplicate_start_error,
    exact_error,
    not_found_error,
)
from conformance.daprd_formats import PROTOJSON_TIME, parse_time
from conformance.failures import Nonconformance, explain
from conformance.instance_waits import stays, wait_for_status
from conformance.lifecycle import Operation
from conformance.polling import Timing
from conformance.profiles import profile


def reply(status: int = 404, text: str = '{"errorCode":"E","message":"m"}') -> Reply:
    return Reply(
        method="POST",
        url="http://t/v1.0/workflows/dapr/i/pause",
        status=status,
        headers={"content-type": "application/json"},
        text=text,
    )


def test_an_exact_message_is_the_template_filled_in() -> None:
    expected = exact_error("ERR_INSTANCE_ID_TOO_LONG", 64)
    assert expected.status == 400
    assert expected.message.matches("workflow instance ID exceeds the max length of 64 characters")
    assert not expected.message.matches("workflow instance ID exceeds the max length of 64")


def test_a_cause_error_checks_only_the_certain_prefix() -> None:
    expected = cause_error("ERR_PAUSE_WORKFLOW", "abc")
    assert expected.message == MessageRule("error pausing workflow abc: ", "prefix")
    assert expected.message.matches("error pausing workflow abc: no such instance exists")
    assert not expected.message.matches("error pausing workflow 'abc': x")


def test_a_duplicate_start_needs_the_engine_sentence_anywhere_after_the_prefix() -> None:
    rule = duplicate_start_error("EventWorkflow", "i1").message
    good = (
        "error starting workflow 'EventWorkflow': unable to start workflow: failed to start "
        "orchestration: an active workflow with ID 'i1' already exists"
    )
    assert rule.matches(good)
    assert not rule.matches("error starting workflow 'EventWorkflow': already exists")


@pytest.mark.parametrize(
    ("operation", "suffix", "ok"),
    [
        (Operation.GET, "", True),
        (Operation.GET, "%!(EXTRA *fmt.wrapError=no such instance exists)", False),
        (Operation.TERMINATE, "%!(EXTRA *fmt.wrapError=no such instance exists)", True),
        (Operation.PURGE, "", True),
        (Operation.PURGE, " and more", False),
    ],
)
def test_not_found_messages_allow_the_extra_artefact_only_on_terminate_and_purge(
    operation: Operation, suffix: str, ok: bool
) -> None:
    message = "unable to find workflow with the provided instance ID: x" + suffix
    assert not_found_error(operation, "x").message.matches(message) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2025-01-02T03:04:05Z", True),
        ("2025-01-02T03:04:05.123Z", True),
        ("2025-01-02T03:04:05.123456789Z", True),
        ("2025-01-02T03:04:05.1234Z", False),
        ("2025-01-02T03:04:05+00:00", False),
    ],
)
def test_protojson_timestamps_are_utc_with_0_3_6_or_9_digits(text: str, ok: bool) -> None:
    assert bool(PROTOJSON_TIME.fullmatch(text)) is ok


def test_timestamps_with_nanoseconds_parse() -> None:
    assert parse_time("2025-01-02T03:04:05.123456789Z") < parse_time("2025-01-02T03:04:05.1235Z")
    assert parse_time("0001-01-01T00:00:00Z").year == 1


def test_a_failure_message_says_what_was_sent_what_came_back_and_what_daprd_answers() -> None:
    text = explain(
        "lifecycle.pause.ABSENT",
        "pause of an unknown instance must answer 500 ERR_PAUSE_WORKFLOW",
        reply(),
        daprd='500 {"errorCode":"ERR_PAUSE_WORKFLOW"}',
    )
    assert text.splitlines() == [
        "pause of an unknown instance must answer 500 ERR_PAUSE_WORKFLOW",
        "  behaviour: [lifecycle.pause.ABSENT] pause of an ABSENT instance answers"
        " 500 ERR_PAUSE_WORKFLOW (no change) (facts §8, §5.3)",
        "  sent:      POST http://t/v1.0/workflows/dapr/i/pause",
        """  got:       404 (application/json) '{"errorCode":"E","message":"m"}'""",
        """  daprd:     500 {"errorCode":"ERR_PAUSE_WORKFLOW"}""",
        "  replay:    curl -si -X POST 'http://t/v1.0/workflows/dapr/i/pause'",
    ]


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


TOO_LONG = exact_error("ERR_INSTANCE_ID_TOO_LONG", 64)
TOO_LONG_BODY = json.dumps(
    {
        "errorCode": "ERR_INSTANCE_ID_TOO_LONG",
        "message": "workflow instance ID exceeds the max length of 64 characters",
    }
)


def error_failure(answer: Reply, *expected: object) -> str:
    """The failure text of ``Checks.error`` (under the dapr profile) for ``answer``."""
    with pytest.raises(Nonconformance) as failure:
        Checks(profile("dapr")).error(
            answer, list(expected) or TOO_LONG, behaviour="start.id-too-long.400", doing="start"
        )
    return str(failure.value)


def test_an_error_check_accepts_daprd_answer_and_says_which_one_it_was() -> None:
    others = cause_error("ERR_START_WORKFLOW", "EchoWorkflow")
    matched = Checks(profile("dapr")).error(
        reply(400, TOO_LONG_BODY), [others, TOO_LONG], behaviour="b", doing="start"
    )
    assert matched is TOO_LONG


def test_a_success_where_an_error_is_due_names_the_expected_status_code_and_message() -> None:
    text = error_failure(reply(202, '{"instanceID":"x"}'))
    lines = text.splitlines()
    assert lines[0] == (
        "start must answer 400 ERR_INSTANCE_ID_TOO_LONG with the message 'workflow instance ID "
        "exceeds the max length of 64 characters'; the status, errorCode and message differ"
    )
    assert "  sent:      POST http://t/v1.0/workflows/dapr/i/pause" in lines
    assert (
        "  expected:  status 400, errorCode 'ERR_INSTANCE_ID_TOO_LONG', the message "
        "'workflow instance ID exceeds the max length of 64 characters'"
    ) in lines
    assert (
        "  found:     status 202 (differs), no errorCode (differs), no message (differs); "
        "the body has no errorCode and no message (keys ['instanceID'])"
    ) in lines
    assert f"  daprd:     400 {TOO_LONG_BODY}" in lines


@pytest.mark.parametrize(
    ("status", "body", "differ"),
    [
        (500, TOO_LONG_BODY, "; the status differs"),
        (400, TOO_LONG_BODY.replace("64 characters", "64 bytes"), "; the message differs"),
        (400, TOO_LONG_BODY.replace("_TOO_LONG", "_INVALID"), "; the errorCode differs"),
        (404, "not found", "; the status, errorCode and message differ"),
    ],
    ids=["status", "message", "code", "text-body"],
)
def test_a_wrong_error_names_exactly_the_parts_that_differ(
    status: int, body: str, differ: str
) -> None:
    first = error_failure(reply(status, body)).splitlines()[0]
    assert first.startswith("start must answer 400 ERR_INSTANCE_ID_TOO_LONG")
    assert first.endswith(differ)


def test_a_failure_against_several_accepted_errors_lists_each() -> None:
    not_found = not_found_error(Operation.TERMINATE, "i")
    text = error_failure(reply(500, '{"errorCode":"ERR_X","message":"m"}'), not_found, TOO_LONG)
    assert "must answer 404 ERR_INSTANCE_ID_NOT_FOUND with " in text
    assert " or 400 ERR_INSTANCE_ID_TOO_LONG with " in text
    assert "  expected:  status 404, errorCode 'ERR_INSTANCE_ID_NOT_FOUND'" in text
    assert "\n         or: status 400, errorCode 'ERR_INSTANCE_ID_TOO_LONG'" in text


def test_the_right_error_with_a_wrong_body_shape_names_the_extra_keys() -> None:
    body = json.loads(TOO_LONG_BODY) | {"details": []}
    text = error_failure(reply(400, json.dumps(body)))
    assert "it has the keys ['details', 'errorCode', 'message']" in text


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
