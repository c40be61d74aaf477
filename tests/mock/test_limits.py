"""Size limits as daprd has them, the instance cap, and hostile bytes in the request line."""

from __future__ import annotations

import argparse
import asyncio
import io
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from conformance.ready_line import MOCK_PROGRAM, ready_url
from daprhttp.limits import parse_quantity
from mockserver import cli
from tests.mock.raw_http import RawReply, request_bytes, send_raw
from tests.mock.support import Dapr, MockFactory

MIB = 1024 * 1024
BODY_READ = {
    "errorCode": "ERR_BODY_READ",
    "message": "failed to read request body: stream too large",
}
"""daprd master (dapr/kit ``streams.ErrStreamTooLarge`` inside ``messages.ErrBodyRead``)."""
DAPRD_BODY_MESSAGES = {
    BODY_READ["message"],
    "failed to read request body: http: request body too large",  # Go's MaxBytesReader
}


def assert_body_read_error(reply: RawReply | object) -> None:
    status = getattr(reply, "status", None)
    body = reply.json() if isinstance(reply, RawReply) else getattr(reply, "body", None)
    assert status == 400, reply
    assert isinstance(body, dict) and body["errorCode"] == "ERR_BODY_READ"
    assert body["message"] in DAPRD_BODY_MESSAGES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4Mi", 4 * MIB),
        ("10Mi", 10 * MIB),
        ("4194304", 4 * MIB),
        ("4Ki", 4096),
        ("1e6", 1_000_000),
        ("10M", 10_000_000),
        ("1.5Mi", 3 * MIB // 2),
        ("1Gi", 1024 * MIB),
        ("0", 0),
    ],
)
def test_sizes_are_read_as_daprd_reads_resource_quantities(text: str, expected: int) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["", "4MB", "Mi", "-1", "1.5", "four", "4 Mi"])
def test_a_size_that_is_no_whole_quantity_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text)


def test_the_cli_takes_daprds_size_flags_and_the_instance_cap() -> None:
    args = cli.build_parser().parse_args(
        ["--max-body-size", "10Mi", "--read-buffer-size", "16Ki", "--max-instances", "5"]
    )
    assert (args.max_body_size, args.read_buffer_size, args.max_instances) == (10 * MIB, 16384, 5)
    defaults = cli.build_parser().parse_args([])
    assert (defaults.max_body_size, defaults.read_buffer_size) == (4 * MIB, 4096)
    assert defaults.max_instances is None


@pytest.mark.parametrize(
    "argv", [["--max-body-size", "4MB"], ["--max-instances", "0"], ["--read-buffer-size", "x"]]
)
def test_the_cli_refuses_a_bad_limit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(argv)
    assert "error: argument" in capsys.readouterr().err


# --- the body limit ---------------------------------------------------------------------------


@pytest.fixture
async def small(make_mock: MockFactory) -> Dapr:
    """A mock whose body limit is 16 bytes."""
    return await make_mock(clock="manual", max_body_size=16)


async def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not(small: Dapr) -> None:
    assert (await small.start("EchoWorkflow", "fits", b'"' + b"x" * 14 + b'"')).status == 202
    reply = await small.start("EchoWorkflow", "over", b'"' + b"x" * 15 + b'"')
    assert (reply.status, reply.body) == (400, BODY_READ)
    assert await small.status("over") == "ABSENT"


@pytest.mark.parametrize(
    "operation", ["get", "terminate", "raise_event", "pause", "resume", "purge"]
)
async def test_every_workflow_operation_refuses_an_oversize_body_and_changes_nothing(
    small: Dapr, operation: str
) -> None:
    await small.start("EventWorkflow", "b")
    body = b" " * 17
    if operation == "raise_event":
        reply = await small.raise_event("b", "go", body)
    else:
        reply = await getattr(small, operation)("b", body)
    assert_body_read_error(reply)
    assert await small.status("b") == "RUNNING"


async def test_a_chunked_body_that_grows_past_the_limit_is_refused(small: Dapr) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 8

    url = "/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=chunked"
    async with small.client.post(url, data=chunks()) as response:
        assert response.headers.get("Content-Type") == "application/json"
        assert (response.status, await response.json()) == (400, BODY_READ)


async def test_a_declared_oversize_body_is_refused_before_it_is_sent(dapr: Dapr) -> None:
    # 10 GB declared, 3 bytes sent: the answer comes without the mock waiting for the rest.
    request = request_bytes(
        "POST",
        b"/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=huge",
        headers={"Content-Length": str(10**10)},
        body=b"abc",
    )
    assert_body_read_error(await send_raw(dapr.client, request))
    assert await dapr.status("huge") == "ABSENT"


async def test_the_default_limit_is_daprds_4_mib(dapr: Dapr) -> None:
    fits = b'"' + b"x" * (4 * MIB - 2) + b'"'
    assert (await dapr.start("EchoWorkflow", "max", io.BytesIO(fits))).status == 202
    assert_body_read_error(await dapr.start("EchoWorkflow", "over", io.BytesIO(fits + b" ")))


async def test_a_limit_of_zero_turns_the_limit_off(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", max_body_size=0)
    body = io.BytesIO(b'"' + b"x" * (4 * MIB) + b'"')
    assert (await dapr.start("EchoWorkflow", "big", body)).status == 202


async def test_routes_that_never_read_the_body_ignore_the_limit(small: Dapr) -> None:
    health = request_bytes("GET", b"/v1.0/healthz", body=b"x" * 64)
    assert (await send_raw(small.client, health)).status == 204
    unrouted = request_bytes("POST", b"/v1.0/nowhere", body=b"x" * 64)
    reply = await send_raw(small.client, unrouted)
    assert (reply.status, reply.json()["errorCode"]) == (404, "ERR_DIRECT_INVOKE")


async def test_the_control_api_refuses_an_oversize_body_with_a_mock_error(small: Dapr) -> None:
    reply = await small.call("POST", "/_mock/faults", '{"status": 500, "times": 10000000}')
    assert (reply.status, reply.error) == (413, "MOCK_BAD_REQUEST")


# --- the instance cap -------------------------------------------------------------------------


@pytest.fixture
async def capped(make_mock: MockFactory) -> Dapr:
    """A mock that holds at most two instances."""
    dapr = await make_mock(clock="manual", max_instances=2)
    assert (await dapr.start("EchoWorkflow", "one")).status == 202
    assert (await dapr.start("EventWorkflow", "two")).status == 202
    return dapr


CAP_MESSAGE = (
    "error starting workflow 'EchoWorkflow': the mock holds its maximum of 2 instances "
    "(--max-instances); purge finished instances to make room"
)


@pytest.mark.parametrize("instance_id", ["three", None])
async def test_a_start_past_the_cap_is_daprds_start_error_with_the_reason(
    capped: Dapr, instance_id: str | None
) -> None:
    reply = await capped.start("EchoWorkflow", instance_id)
    assert reply.status == 500
    assert reply.body == {"errorCode": "ERR_START_WORKFLOW", "message": CAP_MESSAGE}
    assert await capped.status("three") == "ABSENT"


async def test_a_purge_makes_room_again(capped: Dapr) -> None:
    assert (await capped.purge("one")).status == 202
    assert (await capped.start("EchoWorkflow", "three")).status == 202
    assert (await capped.start("EchoWorkflow", "four")).status == 500


async def test_at_the_cap_a_start_over_an_existing_id_is_still_daprds_own_answer(
    capped: Dapr,
) -> None:
    assert (await capped.start("EchoWorkflow", "one")).status == 202  # finished: reused
    duplicate = await capped.start("EventWorkflow", "two")  # still running
    assert duplicate.status == 500
    assert "already exists" in duplicate.body["message"]
    invalid = await capped.start("EchoWorkflow", "bad$id")
    assert (invalid.status, invalid.error) == (400, "ERR_INSTANCE_ID_INVALID")


async def test_other_operations_run_at_the_cap(capped: Dapr) -> None:
    assert (await capped.pause("two")).status == 202
    assert (await capped.get("two")).status == 200


def test_create_app_refuses_limits_that_make_no_sense() -> None:
    from mockserver.app import create_app

    for bad in ({"max_body_size": -1}, {"read_buffer_size": 0}, {"max_instances": 0}):
        with pytest.raises(ValueError):
            create_app(**bad)  # type: ignore[arg-type]


# --- the request line and headers ---------------------------------------------------------------


async def test_a_request_line_over_the_header_allowance_is_a_clean_400(dapr: Dapr) -> None:
    long_path = b"/v1.0/workflows/dapr/" + b"a" * 8200
    reply = await send_raw(dapr.client, request_bytes("GET", long_path))
    assert reply.status == 400
    assert (await dapr.call("GET", "/v1.0/healthz")).status == 204


async def test_a_request_line_within_the_allowance_is_served(dapr: Dapr) -> None:
    path = b"/v1.0/workflows/dapr/" + b"a" * 8000
    reply = await send_raw(dapr.client, request_bytes("GET", path))
    assert (reply.status, reply.json()["errorCode"]) == (404, "ERR_INSTANCE_ID_NOT_FOUND")


async def test_a_header_over_the_allowance_is_a_clean_400(dapr: Dapr) -> None:
    request = request_bytes("GET", b"/v1.0/healthz", headers={"X-Big": "a" * 8200})
    assert (await send_raw(dapr.client, request)).status == 400
    fits = request_bytes("GET", b"/v1.0/healthz", headers={"X-Big": "a" * 8000})
    assert (await send_raw(dapr.client, fits)).status == 204


async def test_the_read_buffer_size_moves_the_allowance(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", read_buffer_size=1024)
    refused = request_bytes("GET", b"/v1.0/healthz", headers={"X-Big": "a" * 6000})
    assert (await send_raw(dapr.client, refused)).status == 400
    fits = request_bytes("GET", b"/v1.0/healthz", headers={"X-Big": "a" * 5000})
    assert (await send_raw(dapr.client, fits)).status == 204


async def test_too_many_headers_are_a_clean_400(dapr: Dapr) -> None:
    headers = {f"X-{n}": "a" for n in range(300)}
    reply = await send_raw(dapr.client, request_bytes("GET", b"/v1.0/healthz", headers=headers))
    assert reply.status == 400


# --- hostile bytes in IDs and event names ---------------------------------------------------------

HOSTILE = [
    ("GET", b"/v1.0/workflows/dapr/%ZZ", 404),
    ("GET", b"/v1.0/workflows/dapr/%", 404),
    ("GET", b"/v1.0/workflows/dapr/%FF%FE", 404),
    ("GET", b"/v1.0/workflows/dapr/a%00b", 404),
    ("GET", b"/v1.0/workflows/dapr/\xff\xfe", 400),
    ("GET", b"/v1.0/workflows/dapr/a\x00b", 400),
    ("POST", b"/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=%FF", 400),
    ("POST", b"/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=\xff", 400),
    ("POST", b"/v1.0/workflows/dapr/%FF/start?instanceID=ok%C3", 400),
    ("POST", b"/v1.0/workflows/dapr/x/raiseEvent/%G1", 404),
    ("POST", b"/v1.0/workflows/dapr/x%ZZ/pause", 404),
]


@pytest.mark.parametrize(("method", "target", "status"), HOSTILE, ids=lambda v: repr(v))
async def test_bad_bytes_and_escapes_are_a_400_or_404_and_the_mock_carries_on(
    dapr: Dapr, method: str, target: bytes, status: int
) -> None:
    reply = await send_raw(dapr.client, request_bytes(method, target))
    assert reply.status == status
    if reply.headers.get("content-type") == "application/json":
        assert set(reply.json()) == {"errorCode", "message"}
    assert (await dapr.start("EchoWorkflow", "after")).status == 202


async def test_an_event_name_that_is_not_utf8_reaches_a_waiting_instance(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "ev")
    target = b"/v1.0/workflows/dapr/ev/raiseEvent/%FF%FE"
    assert (await send_raw(dapr.client, request_bytes("POST", target))).status == 202
    assert await dapr.status("ev") == "RUNNING"


def test_the_quantity_parser_is_what_the_cli_uses() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not a quantity"):
        cli._quantity("4MB")


def test_the_cli_logs_a_refused_malformed_request_as_one_warning_line() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        port = urlsplit(ready_url(line, MOCK_PROGRAM) or "").port
        assert port is not None, line
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            assert connection.recv(64).startswith(b"HTTP/1.0 400 ")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "WARNING aiohttp.server: refused a malformed request (400): Got more than" in stderr
    assert "Traceback" not in stderr
    assert "ERROR" not in stderr


async def test_concurrent_starts_never_overshoot_the_cap(make_mock: MockFactory) -> None:
    dapr = await make_mock(clock="manual", max_instances=1)
    gate = asyncio.Event()

    async def held_body() -> AsyncIterator[bytes]:
        yield b'"x'
        await gate.wait()  # every request reaches the mock before any body is complete
        yield b'"'

    async def start(n: int) -> int:
        url = f"/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=c{n}"
        async with dapr.client.post(url, data=held_body()) as response:
            return response.status

    starts = asyncio.gather(*(start(n) for n in range(4)))
    await asyncio.sleep(0.2)  # lets the requests in; the outcome does not depend on it
    gate.set()
    assert sorted(await starts) == [202, 500, 500, 500]
