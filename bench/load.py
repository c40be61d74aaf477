"""Filling a mock's store and talking to its control API, with a bounded-concurrency client."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import aiohttp

WORKFLOWS = "/v1.0/workflows/dapr"
DEFAULT_CONCURRENCY = 64


def pool_ids(prefix: str, count: int) -> list[str]:
    """The instance IDs of a preloaded pool (the Lua scripts build the same names)."""
    return [f"{prefix}{index}" for index in range(count)]


async def _start_all(
    base_url: str, workflow: str, ids: Iterable[str], body: bytes, concurrency: int
) -> None:
    pending = iter(ids)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url, connector=connector) as session:

        async def worker() -> None:
            for instance_id in pending:
                async with session.post(
                    f"{WORKFLOWS}/{workflow}/start",
                    params={"instanceID": instance_id},
                    data=body,
                    headers={"Content-Type": "application/json"},
                ) as reply:
                    if reply.status != 202:
                        text = await reply.text()
                        raise RuntimeError(f"start {instance_id}: {reply.status} {text}")
                    await reply.read()

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def start_instances(
    base_url: str,
    workflow: str,
    ids: Iterable[str],
    *,
    body: bytes = b"",
    concurrency: int = DEFAULT_CONCURRENCY,
) -> float:
    """Start ``workflow`` once per ID (each must answer 202); returns the seconds it took."""
    began = time.perf_counter()
    asyncio.run(_start_all(base_url, workflow, ids, body, concurrency))
    return time.perf_counter() - began


async def _request(method: str, url: str, payload: Any = None) -> tuple[int, Any]:
    timeout = aiohttp.ClientTimeout(total=600)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.request(method, url, json=payload) as reply,
    ):
        return reply.status, await reply.json(content_type=None)


def call(method: str, url: str, payload: Any = None) -> tuple[int, Any]:
    """One request, its status and its JSON body."""
    return asyncio.run(_request(method, url, payload))


def timed_call(method: str, url: str, payload: Any = None) -> tuple[float, int, Any]:
    """One request: the seconds until its whole answer arrived, its status and its JSON body."""
    began = time.perf_counter()
    status, body = call(method, url, payload)
    return time.perf_counter() - began, status, body


def statuses(base_url: str) -> Counter[str]:
    """How many instances the mock holds in each runtimeStatus (``GET /_mock/instances``)."""
    status, body = call("GET", f"{base_url}/_mock/instances")
    if status != 200:
        raise RuntimeError(f"GET /_mock/instances answered {status}: {body}")
    return Counter(instance["runtimeStatus"] for instance in body["instances"])
