"""The error check under the dapr profile names every part of the answer that differs from
daprd's (conformance.checks)."""

from __future__ import annotations

import json

import pytest

from conformance.checks import Checks
from conformance.client import Reply
from conformance.daprd_errors import cause_error, exact_error, not_found_error
from conformance.failures import Nonconformance
from conformance.lifecycle import Operation
from conformance.profiles import profile
from tests.suite.conftest import reply

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
