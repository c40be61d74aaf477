"""Admission to daprd's routes: the one check in front (injected faults, body limit, instance cap).

While no fault rule exists, no instance cap is set and no body is declared oversize, a request
costs this module a list check and one header lookup (well under a microsecond); only otherwise
is it routed a second time. A fault answers instead of the operation, so a faulted request
never changes an instance (a latency-only rule delays the request, then lets it run).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from conformance.lifecycle import Operation
from daprhttp.dispatch import dapr
from daprhttp.errors import DaprError
from daprhttp.ids import instance_id_problem
from daprhttp.limits import DEFAULT_MAX_BODY_BYTES, body_too_large
from daprhttp.responses import error_response
from daprhttp.routing import BadEscape, RouteMatch, match, parse_query
from mockserver.backend import ENGINE
from mockserver.engine import Engine
from mockserver.faults import FaultRule, Faults

log = logging.getLogger("mockserver.faults")


@dataclass(slots=True)
class Admission:
    """One mock's limits and fault rules."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """0 turns the limit off, as ``--max-body-size 0`` does in daprd."""
    max_instances: int | None = None
    faults: Faults = field(default_factory=Faults)
    limit_digits: int = field(init=False)

    def __post_init__(self) -> None:
        self.limit_digits = len(str(self.max_body_bytes))


ADMISSION = web.AppKey("admission", Admission)


def admitting_dispatch(admission: Admission) -> Handler:
    """daprd's routes behind ``admission``: the app's catch-all handler."""
    rules = admission.faults.entries
    watch_starts = admission.max_instances is not None

    async def dispatch(request: web.Request) -> web.StreamResponse:
        if rules or watch_starts or _oversize(request, admission):
            refusal = await _check(request, admission)
            if refusal is not None:
                return refusal
        return await dapr(request)

    return dispatch


def _oversize(request: web.Request, admission: Admission) -> bool:
    length = request.headers.get(hdrs.CONTENT_LENGTH)
    # Fewer digits than the limit cannot be more than it: most requests stop at len().
    return (
        length is not None
        and admission.max_body_bytes > 0
        and len(length) >= admission.limit_digits
        and int(length) > admission.max_body_bytes
    )


async def _check(request: web.Request, admission: Admission) -> web.StreamResponse | None:
    """A fault's answer, or None to let the operation run; raises daprd's limit errors."""
    path, _, query = request.raw_path.partition("?")
    try:
        found = match(request.method, path)
    except BadEscape:
        return None
    if found is None or not isinstance(found.target, Operation):
        return None
    operation = found.target
    if admission.faults:
        instance_id = (
            parse_query(query).get("instanceID") or None
            if operation is Operation.START
            else found.params["instanceID"]
        )
        rule = admission.faults.pick(operation, instance_id)
        if rule is not None:
            answer = await _apply(request, rule, operation, found)
            if answer is not None:
                return answer
    if _oversize(request, admission):
        # daprd reads the body before it looks at anything else; the mock need not read it.
        raise body_too_large()
    if operation is Operation.START and admission.max_instances is not None:
        # Read the body first (daprd's order), so nothing awaits between this check and the
        # start: concurrent starts cannot all pass it. One that grows past the limit is the
        # error middleware's to answer.
        await request.read()
        _check_capacity(request.app[ENGINE], admission.max_instances, found, query)
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
    error = rule.error(operation, subject)
    log.info("fault %d answers %s %s with %d", rule.id, request.method, request.path, error.status)
    return error_response(error)


def _check_capacity(engine: Engine, limit: int, found: RouteMatch, query: str) -> None:
    if len(engine) < limit:
        return
    instance_id = parse_query(query).get("instanceID") or None
    if instance_id is not None and (
        instance_id_problem(instance_id) is not None or instance_id in engine
    ):
        return  # daprd's own answer comes first: a bad ID, or a start over an existing ID
    raise capacity_error(found.params["workflowName"], limit)


def capacity_error(workflow_name: str, max_instances: int) -> DaprError:
    """A start refused because the mock already holds ``max_instances`` instances."""
    return DaprError(
        "ERR_START_WORKFLOW",
        workflow_name,
        f"the mock holds its maximum of {max_instances} instances (--max-instances); "
        "purge finished instances to make room",
    )
