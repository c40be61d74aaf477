"""The start-time instance ID rules, exactly as daprd applies them (docs/daprd-http.md §7)."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.mock.support import Dapr

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TOO_LONG = {
    "errorCode": "ERR_INSTANCE_ID_TOO_LONG",
    "message": "workflow instance ID exceeds the max length of 64 characters",
}


def quoted(instance_id: str) -> str:
    return urllib.parse.quote(instance_id, safe="")


@pytest.mark.parametrize(
    "instance_id",
    ["a" * 64, "实" * 21, "héllo", "实例", "Ωμέγα٣", "with-dash_and_underscore", "٣٤"],
    ids=["64-bytes", "21-cjk-63-bytes", "latin", "cjk", "greek-arabic-digit", "dash", "nd"],
)
async def test_ids_of_letters_and_digits_of_any_script_up_to_64_bytes_are_accepted(
    dapr: Dapr, instance_id: str
) -> None:
    reply = await dapr.start("EchoWorkflow", quoted(instance_id))
    assert (reply.status, reply.body) == (202, {"instanceID": instance_id})
    assert (await dapr.get(quoted(instance_id))).body["instanceID"] == instance_id


@pytest.mark.parametrize(
    "instance_id",
    ["a" * 65, "实" * 22, "é" * 33, "$" * 65],
    ids=["65-bytes", "22-cjk-66-bytes", "33-two-byte-letters", "bad-chars-too"],
)
async def test_ids_over_64_bytes_are_too_long_and_length_is_checked_first(
    dapr: Dapr, instance_id: str
) -> None:
    reply = await dapr.start("EchoWorkflow", quoted(instance_id))
    assert (reply.status, reply.body) == (400, TOO_LONG)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("invalid$ID", "invalid$ID"),
        ("a.b", "a.b"),
        ("a+b", "a b"),
        ("a%2Fb", "a/b"),
        ("%F0", "\ufffd"),
    ],
)
async def test_ids_with_other_characters_are_invalid_with_daprds_message(
    dapr: Dapr, raw: str, shown: str
) -> None:
    reply = await dapr.start("EchoWorkflow", raw)
    assert reply.status == 400
    assert reply.body == {
        "errorCode": "ERR_INSTANCE_ID_INVALID",
        "message": f"workflow instance ID '{shown}' is invalid: only alphanumeric and "
        "underscore characters are allowed",
    }


@pytest.mark.parametrize("query", ["", "?instanceID=", "?instanceID=%zz", "?other=1"])
async def test_a_missing_or_empty_id_becomes_a_lowercase_uuid4(dapr: Dapr, query: str) -> None:
    reply = await dapr.call("POST", f"/v1.0/workflows/dapr/EchoWorkflow/start{query}")
    assert reply.status == 202
    assert UUID4.match(reply.body["instanceID"]), reply.body


async def test_the_first_instance_id_in_the_query_wins(dapr: Dapr) -> None:
    reply = await dapr.call(
        "POST", "/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=first&instanceID=second"
    )
    assert reply.body == {"instanceID": "first"}


async def test_only_start_checks_ids_so_a_bad_id_elsewhere_is_simply_not_found(
    dapr: Dapr,
) -> None:
    reply = await dapr.get("bad$id")
    assert reply.body == {
        "errorCode": "ERR_INSTANCE_ID_NOT_FOUND",
        "message": "unable to find workflow with the provided instance ID: bad$id",
    }
