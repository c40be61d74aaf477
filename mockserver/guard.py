"""The one check in front of daprd's routes: injected faults, the body limit and the instance cap.

While no fault rule exists, no instance cap is set and the body is not declared oversize, a
request costs this module one attribute check and a header lookup; only then is it routed twice.
A fault answers instead of the operation, so a faulted request never changes an instance
(a latency-only rule delays the request, then lets it run).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiohttp import web

from conformance.lifecycle import Operation
from mockserver import handlers
from mockserver.bodies import error_response
from mockserver.engine import Engine, instance_id_problem
from mockserver.faults import FaultRule, Faults
from mockserver.handlers import ENGINE
from mockserver.limits import DEFAULT_MAX_BODY_BYTES, body_too_large, capacity_error
from mockserver.routing import BadEscape, RouteMatch, match, parse_query

log = logging.getLogger("mockserver.faults")


@dataclass(slots=True)
class Guard:
    """One mock's limits and fault rules."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """0 turns the limit off, as ``--max-body-size 0`` does in daprd."""
    max_instances: int | None = None
    faults: Faults = field(default_factory=Faults)


GUARD = web.AppKey("guard", Guard)


async def dispatch(request: web.Request) -> web.StreamResponse:
    """daprd's routes behind the guard (the app's catch-all handler)."""
    guard = request.app[GUARD]
    if guard.faults or guard.max_instances is not None or _oversize(request, guard):
        refusal = await _check(request, guard)
        if refusal is not None:
            return refusal
    try:
        return await handlers.dapr(request)
    except web.HTTPRequestEntityTooLarge:
        # A body without a Content-Length that grew past the limit while being read.
        raise body_too_large() from None


def _oversize(request: web.Request, guard: Guard) -> bool:
    length = request.content_length
    return length is not None and 0 < guard.max_body_bytes < length


async def _check(request: web.Request, guard: Guard) -> web.StreamResponse | None:
    """A fault's answer, or None to let the operation run; raises daprd's limit errors."""
    path, _, query = request.raw_path.partition("?")
    try:
        found = match(request.method, path)
    except BadEscape:
        return None
    if found is None or not isinstance(found.target, Operation):
        return None
    operation = found.target
    if guard.faults:
        instance_id = (
            parse_query(query).get("instanceID") or None
            if operation is Operation.START
            else found.params["instanceID"]
        )
        rule = guard.faults.pick(operation, instance_id)
        if rule is not None:
            answer = await _apply(request, rule, operation, found)
            if answer is not None:
                return answer
    if _oversize(request, guard):
        # daprd reads the body before it looks at anything else; the mock need not read it.
        raise body_too_large()
    if operation is Operation.START and guard.max_instances is not None:
        _check_capacity(request.app[ENGINE], guard.max_instances, found, query)
    return None


async def _apply(
    request: web.Request, rule: FaultRule, operation: Operation, found: RouteMatch
) -> web.StreamResponse | None:
    if rule.latency_ms:
        await asyncio.sleep(rule.latency_ms / 1000)
    if rule.drop:
        log.info("fault %d drops %s %s", rule.id, request.method, request.path)
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=204)  # never sent: the connection is gone
    if not rule.answers:
        return None
    subject = found.params["workflowName" if operation is Operation.START else "instanceID"]
    status, body = rule.error_body(operation, subject)
    log.info("fault %d answers %s %s with %d", rule.id, request.method, request.path, status)
    return error_response(status, body)


def _check_capacity(engine: Engine, limit: int, found: RouteMatch, query: str) -> None:
    stored = engine._instances  # the engine's own table: counting it is O(1)
    if len(stored) < limit:
        return
    instance_id = parse_query(query).get("instanceID") or None
    if instance_id is not None and (
        instance_id_problem(instance_id) is not None or instance_id in stored
    ):
        return  # daprd's own answer comes first: a bad ID, or a start over an existing ID
    raise capacity_error(found.params["workflowName"], limit)
