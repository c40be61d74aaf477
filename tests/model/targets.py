"""Targets for the suite's own tests: deliberately broken proxies in front of the mock."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from yarl import URL

SESSION = web.AppKey("session", aiohttp.ClientSession)


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


TRANSIENT_READ_FAILURE = {
    "errorCode": "ERR_GET_WORKFLOW",
    "message": "error while getting workflow info on instance 'x': failed to get workflow "
    "metadata for 'x': failed to fetch workflow metadata: workflow 'x': inbox key "
    "'inbox-000000' declared in metadata (inboxLength=1) but missing from state store "
    "(transient store read failure or partial save?)",
}


def broken_proxy(upstream: str, breakage: Breakage) -> web.Application:
    """An app that forwards every request to ``upstream`` except where ``breakage`` says."""
    app = web.Application()

    async def session(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as client:
            app[SESSION] = client
            yield

    app.cleanup_ctx.append(session)
    written: set[str] = set()

    async def forward(request: web.Request) -> web.Response:
        client = request.app[SESSION]
        body = await request.read()
        if breakage.reads_race_writes:
            racing = _race(request, written)
            if racing is not None:
                return racing
        command = _command(request)
        if command is not None:
            instance, operation = command
            broken = await _broken_answer(client, upstream, instance, operation, breakage)
            if broken is not None:
                return broken
        url = URL(upstream + request.raw_path, encoded=True)
        if breakage.long_ids_accepted and _too_long_start(request):
            url = URL(upstream + request.path).with_query(instanceID=f"long{uuid.uuid4().hex}")
        async with client.request(
            request.method,
            url,
            data=body,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
        ) as answer:
            text = await answer.read()
            status = answer.status
            content_type = answer.headers.get("Content-Type", "application/json")
        if breakage.error_codes_renamed and status >= 400:
            error = json.loads(text)
            text = json.dumps({**error, "errorCode": "ERR_WORKFLOW"}).encode()
        return web.Response(status=status, body=text, headers={"Content-Type": content_type})

    app.router.add_route("*", r"/{tail:[\s\S]*}", forward)
    return app


def _race(request: web.Request, written: set[str]) -> web.Response | None:
    """Note a write to an instance; answer the first GET after one with the transient 500."""
    parts = request.path.split("/")
    if request.method == "POST" and len(parts) > 5 and parts[2] == "workflows":
        written.add(request.query.get("instanceID", "") if parts[5] == "start" else parts[4])
    elif request.method == "GET" and len(parts) == 5 and parts[4] in written:
        written.discard(parts[4])
        return web.json_response(TRANSIENT_READ_FAILURE, status=500)
    return None


def _too_long_start(request: web.Request) -> bool:
    instance_id = request.query.get("instanceID", "")
    return request.path.endswith("/start") and len(instance_id.encode()) > 64


def _command(request: web.Request) -> tuple[str, str] | None:
    """``(instance ID, operation)`` of a ``POST /v1.0/workflows/{c}/{id}/{op}``."""
    parts = request.path.split("/")
    if request.method == "POST" and len(parts) == 6 and parts[2] == "workflows":
        return parts[4], parts[5]
    return None


async def _broken_answer(
    client: aiohttp.ClientSession, upstream: str, instance: str, operation: str, breakage: Breakage
) -> web.Response | None:
    if operation not in ("pause", "purge"):
        return None
    base = f"{upstream}/v1.0/workflows/dapr/{instance}"
    status = await _status(client, base)
    if breakage.pause_of_completed_is_409 and operation == "pause" and status == "COMPLETED":
        return web.json_response(
            {"errorCode": "ERR_PAUSE_WORKFLOW", "message": f"error pausing workflow {instance}"},
            status=409,
        )
    if breakage.purge_of_running_succeeds and operation == "purge" and status == "RUNNING":
        async with client.post(f"{base}/terminate"):
            pass
        while await _status(client, base) != "TERMINATED":
            await asyncio.sleep(0.01)
        async with client.post(f"{base}/purge"):
            pass
        return web.json_response({}, status=202)
    return None


async def _status(client: aiohttp.ClientSession, url: str) -> str | None:
    async with client.get(url) as answer:
        if answer.status != 200:
            return None
        body = await answer.json()
        return str(body["runtimeStatus"])
