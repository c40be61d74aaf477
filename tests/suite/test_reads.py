"""conformance.reads: which GET answers are daprd's transient read failure, and how often one
is read again."""

from __future__ import annotations

import json

import pytest

from conformance.client import Reply
from conformance.reads import REREADS, is_transient, lasting_failure, read_instance

TRANSIENT = json.dumps({"errorCode": "ERR_GET_WORKFLOW", "message": "inbox key ... missing"})
RUNNING = json.dumps({"instanceID": "i", "runtimeStatus": "RUNNING"})


def reply(status: int, text: str) -> Reply:
    return Reply("GET", "http://t/v1.0/workflows/dapr/i", status, {}, text)


@pytest.mark.parametrize(
    ("status", "text", "transient"),
    [
        (500, TRANSIENT, True),
        (500, json.dumps({"errorCode": "ERR_PAUSE_WORKFLOW", "message": "m"}), False),
        (404, json.dumps({"errorCode": "ERR_GET_WORKFLOW", "message": "m"}), False),
        (500, "not json", False),
        (500, "[]", False),
        (200, RUNNING, False),
    ],
)
def test_only_a_500_err_get_workflow_is_transient(status: int, text: str, transient: bool) -> None:
    assert is_transient(reply(status, text)) is transient


class Answers:
    """A client whose GETs answer from a list, counting them."""

    def __init__(self, *answers: Reply) -> None:
        self.answers = list(answers)
        self.gets = 0

    def get(self, instance_id: str) -> Reply:
        self.gets += 1
        return self.answers.pop(0)


def test_a_transient_answer_is_read_again_until_another_comes() -> None:
    client = Answers(reply(500, TRANSIENT), reply(500, TRANSIENT), reply(200, RUNNING))
    assert read_instance(client, "i", interval=0).status == 200  # type: ignore[arg-type]
    assert client.gets == 3


def test_a_404_is_taken_as_it_comes() -> None:
    client = Answers(reply(404, json.dumps({"errorCode": "ERR_INSTANCE_ID_NOT_FOUND"})))
    assert read_instance(client, "i", interval=0).status == 404  # type: ignore[arg-type]
    assert client.gets == 1


def test_a_lasting_transient_answer_counts_after_its_rereads() -> None:
    client = Answers(*[reply(500, TRANSIENT)] * (REREADS + 2))
    last = read_instance(client, "i", interval=0)  # type: ignore[arg-type]
    assert is_transient(last) and client.gets == REREADS + 1
    assert f"on {REREADS + 1} reads in a row" in lasting_failure(last)
