"""Broken targets: wrong GET bodies."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from aiohttp import web

from daprhttp.timestamps import format_rfc3339
from mockserver.clock import RealClock
from tests.broken.variants.building import get_body, properties, with_middleware
from tests.broken.variants.catalogue import variant


@variant("get.timestamps.rfc3339", says="createdAt must be")
def created_at_is_not_rfc3339(start_delay: float) -> web.Application:
    """createdAt is "2025-01-02 03:04:05", not RFC 3339 (get.timestamps.rfc3339)."""

    def change(body: dict[str, Any]) -> None:
        body["createdAt"] = body["createdAt"].replace("T", " ").removesuffix("Z")

    return with_middleware(get_body(change), start_delay)


@variant("get.last-updated-moves", says="lastUpdatedAt must move forward")
def last_updated_at_never_moves(start_delay: float) -> web.Application:
    """lastUpdatedAt is always createdAt, so it never moves (get.last-updated-moves)."""

    def change(body: dict[str, Any]) -> None:
        body["lastUpdatedAt"] = body["createdAt"]

    return with_middleware(get_body(change), start_delay)


@variant("get.created-at.fixed", says="createdAt must stay")
def created_at_follows_last_updated_at(start_delay: float) -> web.Application:
    """createdAt is the time of the last change, not of the start (get.created-at.fixed)."""

    def change(body: dict[str, Any]) -> None:
        if body["createdAt"] != "0001-01-01T00:00:00Z":
            body["createdAt"] = body["lastUpdatedAt"]

    return with_middleware(get_body(change), start_delay)


@variant("get.created-at.fixed", says="createdAt must stay")
def created_at_is_the_time_of_the_get(start_delay: float) -> web.Application:
    """createdAt is the time of each GET, not of the start (get.created-at.fixed)."""

    def change(body: dict[str, Any]) -> None:
        if body["createdAt"] != "0001-01-01T00:00:00Z":
            body["createdAt"] = format_rfc3339(RealClock().now_us())

    return with_middleware(get_body(change), start_delay)


@variant("prefixes.all-three", says="lastUpdatedAt")
def last_updated_at_is_always_now(start_delay: float) -> web.Application:
    """lastUpdatedAt is the time of the GET, not of the last change (prefixes.all-three)."""

    def change(body: dict[str, Any]) -> None:
        body["lastUpdatedAt"] = format_rfc3339(RealClock().now_us())

    return with_middleware(get_body(change), start_delay)


@variant("start.input-empty", says="dapr.workflow.input")
def empty_input_is_null(start_delay: float) -> web.Application:
    """an empty start body gives the input "null", not "" (start.input-empty)."""

    def change(body: dict[str, Any]) -> None:
        if properties(body).get("dapr.workflow.input") == "":
            properties(body)["dapr.workflow.input"] = "null"

    return with_middleware(get_body(change), start_delay)


@variant("get.properties.failure", says="must have no dapr.workflow.failure.* properties")
def completed_instances_have_empty_failure_properties(start_delay: float) -> web.Application:
    """a COMPLETED instance shows empty failure properties (get.properties.failure)."""

    def change(body: dict[str, Any]) -> None:
        if body.get("runtimeStatus") == "COMPLETED":
            failure = {
                "dapr.workflow.failure.error_type": "",
                "dapr.workflow.failure.error_message": "",
            }
            body["properties"] = {**properties(body), **failure}

    return with_middleware(get_body(change), start_delay)


@variant("get.properties.output", "workflow.echo.completes", says="dapr.workflow.output")
def output_is_text_not_json(start_delay: float) -> web.Application:
    """the output property is str(output), not its JSON text (get.properties.output)."""

    def change(body: dict[str, Any]) -> None:
        props = properties(body)
        if "dapr.workflow.output" in props:
            value = json.loads(props["dapr.workflow.output"])
            props["dapr.workflow.output"] = value if isinstance(value, str) else str(value)

    return with_middleware(get_body(change), start_delay)


@variant("start.input-verbatim", "get.properties.input", says="dapr.workflow.input")
def input_is_re_encoded(start_delay: float) -> web.Application:
    """the input property is the start body re-encoded, not verbatim (start.input-verbatim)."""

    def change(body: dict[str, Any]) -> None:
        props = properties(body)
        with contextlib.suppress(KeyError, ValueError):
            value = json.loads(props["dapr.workflow.input"])
            props["dapr.workflow.input"] = json.dumps(value, separators=(",", ":"))

    return with_middleware(get_body(change), start_delay)
