"""Broken targets: wrong instance ID rules."""

from __future__ import annotations

import uuid

from aiohttp import web

from conformance.contract import MAX_INSTANCE_ID_BYTES
from conformance.lifecycle import Operation
from daprhttp.errors import DaprError
from mockserver.engine import Engine
from tests.broken.variants.building import with_engine
from tests.broken.variants.catalogue import variant


class UnicodeRefusingEngine(Engine):
    """Instance IDs must be ASCII."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id and not instance_id.isascii():
            raise DaprError("ERR_INSTANCE_ID_INVALID", instance_id)
        return super().start(workflow_name, instance_id, input_text)


@variant("start.id-unicode-letters.202", says="must answer 202")
def unicode_ids_are_refused(start_delay: float) -> web.Application:
    """IDs of non-ASCII letters (héllo, 实例) are refused (start.id-unicode-letters.202)."""
    return with_engine(UnicodeRefusingEngine, start_delay)


class CharacterCountingEngine(Engine):
    """The 64 limit counts characters: a longer ID of fewer characters is started."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id and len(instance_id) <= MAX_INSTANCE_ID_BYTES < len(instance_id.encode()):
            self.run_due()
            self.transitions.check(Operation.START, instance_id, workflow_name=workflow_name)
            self.transitions.create(workflow_name, instance_id, input_text, parent=None)
            self.run_due()
            return instance_id
        return super().start(workflow_name, instance_id, input_text)


@variant(
    "start.id-length-in-bytes.400",
    says="must answer 400 ERR_INSTANCE_ID_TOO_LONG with the message 'workflow instance ID "
    "exceeds the max length of 64 characters'; the status, errorCode and message differ",
)
def id_length_counts_characters(start_delay: float) -> web.Application:
    """the 64 limit counts characters: 22 CJK ones pass (start.id-length-in-bytes.400)."""
    return with_engine(CharacterCountingEngine, start_delay)


class OffByOneEngine(Engine):
    """An ID of exactly 64 bytes is too long."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id and len(instance_id.encode()) >= MAX_INSTANCE_ID_BYTES:
            raise DaprError("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES)
        return super().start(workflow_name, instance_id, input_text)


@variant("start.id-64-bytes.202", says="must answer 202")
def id_of_64_bytes_is_refused(start_delay: float) -> web.Application:
    """an ID of exactly 64 bytes is too long, off by one (start.id-64-bytes.202)."""
    return with_engine(OffByOneEngine, start_delay)


class HexIdEngine(Engine):
    """Generated IDs are 32 hex digits without dashes."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        return super().start(workflow_name, instance_id or uuid.uuid4().hex, input_text)


@variant("start.generated-id.uuid4", says="UUIDv4")
def generated_ids_are_not_uuid4(start_delay: float) -> web.Application:
    """a generated ID is 32 hex digits, not a UUIDv4 (start.generated-id.uuid4)."""
    return with_engine(HexIdEngine, start_delay)


class ConstantIdEngine(Engine):
    """Every generated ID is the same UUIDv4."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        fixed = "3f0c6c1e-9a4b-4c1e-8f7a-2b6f1d3e4a5b"
        return super().start(workflow_name, instance_id or fixed, input_text)


@variant("start.generated-id.uuid4", says="must generate a new instance ID")
def generated_ids_are_all_the_same(start_delay: float) -> web.Application:
    """every start without an ID gets the same UUIDv4 (start.generated-id.uuid4)."""
    return with_engine(ConstantIdEngine, start_delay)


class LenientRaiseEngine(Engine):
    """raiseEvent to an unknown instance is accepted and dropped."""

    def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        try:
            super().raise_event(instance_id, event_name, payload)
        except DaprError as error:
            if error.code != "ERR_RAISE_EVENT_WORKFLOW":
                raise


@variant(
    "command.not-found.500-codes", "lifecycle.raiseEvent.ABSENT", says="ERR_RAISE_EVENT_WORKFLOW"
)
def raise_event_of_an_unknown_instance_is_202(start_delay: float) -> web.Application:
    """raiseEvent to an unknown ID answers 202, not 500 (command.not-found.500-codes)."""
    return with_engine(LenientRaiseEngine, start_delay)
