"""daprd's error expectations: exact messages, certain prefixes and the 1.12-1.18 artefact
(conformance.daprd_errors)."""

from __future__ import annotations

import pytest

from conformance.daprd_errors import (
    MessageRule,
    cause_error,
    duplicate_start_error,
    exact_error,
    not_found_error,
)
from conformance.lifecycle import Operation


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
