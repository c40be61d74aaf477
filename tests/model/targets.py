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


def broken_proxy(upstream: str, breakage: Breakage) -> web.Application:
    """An app that forwards every request to ``upstream`` except where ``breakage`` says."""
    app = web.Application()

    async def session(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as client:
            app[SESSION] = client
            yield

    app.cleanup_ctx.append(session)

    async def forward(request: web.Request) -> web.Response:
        client = request.app[SESSION]
        body = await request.read()
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
