"""start: the instance ID rules (length in UTF-8 bytes, the characters daprd accepts)."""

from __future__ import annotations

import pytest

from conformance.checks import Checks
from conformance.client import WorkflowClient
from conformance.contract import MAX_INSTANCE_ID_BYTES
from conformance.daprd_errors import exact_error
from conformance.failures import fail
from conformance.instances import Instances
from conformance.sending import encode
from conformance.workflows import ECHO


def padded(stem: str, size: int, filler: str = "x") -> str:
    """``stem`` padded with ``filler`` to exactly ``size`` UTF-8 bytes."""
    text = stem
    while len((text + filler).encode()) <= size:
        text += filler
    return text


@pytest.mark.behaviour("start.id-too-long.400")
@pytest.mark.parametrize(
    "instance_id",
    [
        "a" * (MAX_INSTANCE_ID_BYTES + 1),
        "this_is_a_very_long_instance_id_that_is_longer_than_64_characters_and_therefore"
        "_should_not_be_allowed",
    ],
    ids=["65-bytes", "daprd-test-T4"],
)
def test_an_instance_id_longer_than_64_bytes_is_refused(
    instance_id: str, client: WorkflowClient, checks: Checks
) -> None:
    reply = client.start(ECHO, instance_id)
    checks.error(
        reply,
        exact_error("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES),
        behaviour="start.id-too-long.400",
        doing=f"start with a {len(instance_id.encode())}-byte instance ID",
    )


@pytest.mark.behaviour("start.id-64-bytes.202")
@pytest.mark.parametrize("filler", ["x", "实"], ids=["ascii", "cjk"])
def test_an_instance_id_of_exactly_64_bytes_is_accepted(
    filler: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    instance_id = padded(instances.new_id() + "-", MAX_INSTANCE_ID_BYTES, filler)
    instance_id = padded(instance_id, MAX_INSTANCE_ID_BYTES)  # top up with ASCII bytes
    assert len(instance_id.encode()) == MAX_INSTANCE_ID_BYTES
    reply = client.start(ECHO, instance_id, encode(filler))
    instances.started.append(instance_id)
    checks.started(
        reply,
        instance_id,
        behaviour="start.id-64-bytes.202",
        doing="start with an instance ID of exactly 64 bytes",
    )


@pytest.mark.behaviour("start.id-length-in-bytes.400")
def test_the_length_limit_counts_utf8_bytes_not_characters(
    client: WorkflowClient, checks: Checks
) -> None:
    instance_id = "实" * 22  # 22 characters, 66 bytes
    reply = client.start(ECHO, instance_id)
    checks.error(
        reply,
        exact_error("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES),
        behaviour="start.id-length-in-bytes.400",
        doing="start with an instance ID of 22 CJK characters (66 UTF-8 bytes)",
    )


@pytest.mark.behaviour("start.id-length-before-chars.400")
def test_the_length_is_checked_before_the_characters(
    client: WorkflowClient, checks: Checks
) -> None:
    reply = client.start(ECHO, "$" * (MAX_INSTANCE_ID_BYTES + 1))
    checks.error(
        reply,
        exact_error("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES),
        behaviour="start.id-length-before-chars.400",
        doing="start with a 65-byte instance ID of '$' characters (too long AND invalid)",
    )


@pytest.mark.behaviour("start.id-invalid-chars.400")
@pytest.mark.parametrize(
    "instance_id",
    ["invalid$ID", "has space", "dot.ted", "slash/ed", "plus+sign", "colon:", "emoji😀", "a%b"],
)
def test_an_instance_id_with_a_character_daprd_refuses_is_400(
    instance_id: str, client: WorkflowClient, checks: Checks
) -> None:
    reply = client.start(ECHO, instance_id)
    checks.error(
        reply,
        exact_error("ERR_INSTANCE_ID_INVALID", instance_id),
        behaviour="start.id-invalid-chars.400",
        doing=f"start with the instance ID {instance_id!r}",
    )


@pytest.mark.behaviour("start.id-unicode-letters.202")
@pytest.mark.parametrize("suffix", ["héllo", "实例", "Ünïcödé_٣"])
def test_instance_ids_of_unicode_letters_and_digits_are_accepted(
    suffix: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "start.id-unicode-letters.202"
    instance_id = f"{instances.new_id()}-{suffix}"
    reply = client.start(ECHO, instance_id, encode(suffix))
    instances.started.append(instance_id)
    checks.started(reply, instance_id, behaviour=behaviour, doing=f"start as {instance_id!r}")
    state = instances.wait(
        instance_id, "COMPLETED", behaviour=behaviour, why="the unicode ID names the instance"
    )
    if state.body.get("instanceID") != instance_id:
        raise fail(behaviour, f"GET must answer instanceID {instance_id!r}", state.reply)


@pytest.mark.behaviour("start.id-dash-underscore.202")
def test_instance_ids_with_dashes_and_underscores_are_accepted(
    client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    instance_id = f"{instances.new_id()}_under_score-dash-"
    reply = client.start(ECHO, instance_id, encode(1))
    instances.started.append(instance_id)
    checks.started(
        reply,
        instance_id,
        behaviour="start.id-dash-underscore.202",
        doing="start with an ID of letters, digits, '-' and '_'",
    )
