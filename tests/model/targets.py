"""Targets for the suite's own tests: deliberately broken proxies in front of the mock, built
as rewrites of the one rewriting proxy (:mod:`tests.kit.proxy`)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

from aiohttp import web

from conformance.lifecycle import Operation
from tests.kit.proxy import Exchange, Rewrite, chain, racing_reads, rewriting_proxy


@dataclass(frozen=True)
class Breakage:
    """How a proxy departs from daprd; each flag is one deliberate bug."""

    pause_of_completed_is_409: bool = False
    purge_of_running_succeeds: bool = False
    error_codes_renamed: bool = False
    long_ids_accepted: bool = False
    reads_race_writes: bool = False
    """Not a bug: the first GET of an instance after each write to it answers daprd 1.18.2's
    transient read failure (500 ERR_GET_WORKFLOW), as a GET racing the instance's save does."""


def broken_proxy(upstream: str, breakage: Breakage) -> web.Application:
    """An app that forwards every request to ``upstream`` except where ``breakage`` says."""
    before: list[Rewrite] = []
    if breakage.reads_race_writes:
        before.append(racing_reads())
    if breakage.pause_of_completed_is_409:
        before.append(pause_of_completed_is_409)
    if breakage.purge_of_running_succeeds:
        before.append(purge_of_running_succeeds)
    if breakage.long_ids_accepted:
        before.append(long_ids_accepted)
    after = [error_codes_renamed] if breakage.error_codes_renamed else []
    return rewriting_proxy(upstream, before=chain(*before), after=chain(*after))


def instance_path(exchange: Exchange) -> str:
    """The GET path of the instance a command is sent to."""
    return exchange.path.rpartition("/")[0]


async def status_of(exchange: Exchange) -> str | None:
    """The instance's runtimeStatus as the upstream shows it (None when it is no instance)."""
    status, body = await exchange.ask("GET", instance_path(exchange))
    return str(body["runtimeStatus"]) if status == 200 else None


async def pause_of_completed_is_409(exchange: Exchange) -> None:
    if exchange.operation is Operation.PAUSE and await status_of(exchange) == "COMPLETED":
        instance = exchange.instance_id
        exchange.status = 409
        exchange.set_json(
            {"errorCode": "ERR_PAUSE_WORKFLOW", "message": f"error pausing workflow {instance}"}
        )


async def purge_of_running_succeeds(exchange: Exchange) -> None:
    if exchange.operation is Operation.PURGE and await status_of(exchange) == "RUNNING":
        await exchange.ask("POST", instance_path(exchange) + "/terminate")
        while await status_of(exchange) != "TERMINATED":
            await asyncio.sleep(0.01)
        await exchange.ask("POST", instance_path(exchange) + "/purge")
        exchange.status = 202
        exchange.set_json({})


def long_ids_accepted(exchange: Exchange) -> None:
    instance_id = exchange.instance_id or ""
    if exchange.operation is Operation.START and len(instance_id.encode()) > 64:
        exchange.query = f"instanceID=long{uuid.uuid4().hex}"


def error_codes_renamed(exchange: Exchange) -> None:
    if exchange.status >= 400:
        error = json.loads(exchange.body)
        exchange.body = json.dumps({**error, "errorCode": "ERR_WORKFLOW"}).encode()
