"""Raw HTTP/1.1 over a socket, for requests an HTTP client would refuse or normalise."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

TIMEOUT = 10.0


@dataclass(frozen=True)
class RawReply:
    """Status, lower-cased headers and body of one answer (status 0: closed without one)."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def send_raw(client: TestClient[Any, Any], request: bytes) -> RawReply:
    """Send ``request`` as given on a new connection; read one answer (or the close)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        async with asyncio.timeout(TIMEOUT):
            writer.write(request)
            await writer.drain()
            return await _read_reply(reader, head_only=request.startswith(b"HEAD "))
    finally:
        writer.close()


async def _read_reply(reader: asyncio.StreamReader, *, head_only: bool) -> RawReply:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as closed:
        if closed.partial:
            raise
        return RawReply(0, {}, b"")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = 0 if head_only else int(headers.get("content-length", "0"))
    body = await reader.readexactly(length)
    return RawReply(int(status_line.split()[1]), headers, body)


def request_bytes(
    method: str, target: bytes, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """One request with ``Connection: close``; ``Content-Length`` unless a header sets it."""
    fields = {"Host": "mock", "Connection": "close", **(headers or {})}
    if not any(name.lower() == "content-length" for name in fields):
        fields["Content-Length"] = str(len(body))
    head = b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in fields.items())
    return method.encode() + b" " + target + b" HTTP/1.1\r\n" + head + b"\r\n" + body
