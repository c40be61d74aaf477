"""The suite's helpers: message rules, timestamps, waiting, and the failure text."""

from __future__ import annotations

import json

import pytest

from conformance.client import Reply, WorkflowClient
from conformance.lifecycle import Operation
from conformance.support import (
    PROTOJSON_TIME,
    MessageRule,
    Nonconformance,
    Timing,
    cause_error,
    duplicate_start_error,
    exact_error,
    explain,
    not_found_error,
    parse_time,
    wait_for_status,
)


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
