"""The API token (as daprd master checks ``dapr-api-token``) and the non-loopback warning."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

import pytest

from conformance.cli import bundled_mock, given_option, mock_command, mock_environment
from conformance.client import WorkflowClient
from mockserver import cli
from mockserver.app import create_app
from mockserver.testing import running_mock
from tests.mock.raw_http import request_bytes, send_raw
from tests.mock.support import Dapr, MockFactory

TOKEN = "rosebud"
GOOD = {"dapr-api-token": TOKEN}
PROTECTED = [
    ("POST", b"/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=t"),
    ("GET", b"/v1.0/workflows/dapr/t"),
    ("POST", b"/v1.0-beta1/workflows/dapr/t/terminate"),
    ("POST", b"/v1.0-alpha1/workflows/dapr/t/raiseEvent/go"),
    ("GET", b"/v1.0/metadata"),
    ("GET", b"/v1.0/nothing-here"),
    ("PUT", b"/v1.0/healthz"),
    ("HEAD", b"/v1.0/healthz"),
    ("GET", b"/v1.0//healthz"),
    ("GET", b"/v1.0/invoke/app/method/healthz"),
    ("GET", b"/v1.0/invoke/app/method/x?foo=/healthz"),
]
OPEN = [b"/v1.0/healthz", b"/v1.0/healthz/", b"/v1.0/healthz?appid=x", b"//v1.0/healthz//"]


@pytest.fixture
async def guarded(make_mock: MockFactory) -> Dapr:
    return await make_mock(clock="manual", api_token=TOKEN)


@pytest.mark.parametrize(("method", "target"), PROTECTED, ids=lambda v: str(v))
@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN.upper(), TOKEN + "x"])
async def test_without_the_exact_token_daprd_answers_a_plain_text_401(
    guarded: Dapr, method: str, target: bytes, token: str | None
) -> None:
    headers = {} if token is None else {"dapr-api-token": token}
    reply = await send_raw(guarded.client, request_bytes(method, target, headers=headers))
    assert reply.status == 401
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    assert reply.headers["x-content-type-options"] == "nosniff"
    if method != "HEAD":
        assert reply.body == b"invalid api token\n"


async def test_a_refused_request_changes_nothing(guarded: Dapr) -> None:
    request = request_bytes("POST", b"/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=no")
    assert (await send_raw(guarded.client, request)).status == 401
    check = request_bytes("GET", b"/v1.0/workflows/dapr/no", headers=GOOD)
    assert (await send_raw(guarded.client, check)).status == 404


async def test_with_the_token_every_operation_runs(guarded: Dapr) -> None:
    start = request_bytes(
        "POST", b"/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=ok", headers=GOOD
    )
    assert (await send_raw(guarded.client, start)).status == 202
    header_case = {"Dapr-Api-Token": TOKEN}
    get = request_bytes("GET", b"/v1.0/workflows/dapr/ok", headers=header_case)
    reply = await send_raw(guarded.client, get)
    assert (reply.status, reply.json()["runtimeStatus"]) == (200, "COMPLETED")


@pytest.mark.parametrize("target", OPEN)
async def test_the_health_check_needs_no_token(guarded: Dapr, target: bytes) -> None:
    assert (await send_raw(guarded.client, request_bytes("GET", target))).status == 204


async def test_the_exemption_looks_at_the_decoded_path_as_daprd_does(guarded: Dapr) -> None:
    # Past the token check (decoded: /v1.0/healthz), then routed on the raw path: no route.
    reply = await send_raw(guarded.client, request_bytes("GET", b"/v1.0/%68ealthz"))
    assert (reply.status, reply.json()["errorCode"]) == (404, "ERR_DIRECT_INVOKE")


async def test_the_outbound_health_check_needs_no_token_either(guarded: Dapr) -> None:
    reply = await send_raw(guarded.client, request_bytes("GET", b"/v1.0/healthz/outbound"))
    assert reply.status == 204


async def test_the_control_api_needs_the_token_and_answers_a_mock_error(guarded: Dapr) -> None:
    refused = await guarded.call("POST", "/_mock/reset")
    assert refused.status == 401
    assert refused.body == {"errorCode": "MOCK_UNAUTHORIZED", "message": "invalid api token"}
    allowed = await send_raw(guarded.client, request_bytes("GET", b"/_mock/clock", headers=GOOD))
    assert allowed.status == 200


async def test_without_a_token_configured_no_header_is_needed(dapr: Dapr) -> None:
    assert (await dapr.start("EchoWorkflow", "free")).status == 202
    assert (await dapr.call("GET", "/_mock/faults")).status == 200


def test_an_empty_token_is_refused_rather_than_letting_everyone_in() -> None:
    with pytest.raises(ValueError, match="empty API token"):
        create_app(api_token="")


def test_the_cli_reads_the_token_from_daprs_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DAPR_API_TOKEN", "from-env")
    assert cli.build_parser().parse_args([]).api_token == "from-env"
    assert cli.build_parser().parse_args(["--api-token", "flag"]).api_token == "flag"
    monkeypatch.delenv("DAPR_API_TOKEN")
    assert cli.build_parser().parse_args([]).api_token is None


def test_the_suites_client_sends_the_token_it_is_given() -> None:
    with running_mock(clock="manual", api_token=TOKEN) as base_url:
        anonymous = WorkflowClient(base_url)
        client = WorkflowClient(base_url, headers=GOOD)
        try:
            assert anonymous.start("EchoWorkflow", "c").status == 401
            assert client.start("EchoWorkflow", "c").status == 202
            assert client.with_version("v1.0-beta1").get("c").status == 200
        finally:
            anonymous.close()
            client.close()


def test_the_suites_cli_hands_the_api_token_to_the_bundled_mock() -> None:
    args = ["-k", "x", "--api-token", TOKEN]
    assert given_option(args, "--api-token") == TOKEN
    assert given_option(["--api-token=abc"], "--api-token") == "abc"
    environment = mock_environment(args)
    assert environment["DAPR_API_TOKEN"] == TOKEN
    with bundled_mock(mock_command(0, 0), env=environment) as url:
        assert _status(f"{url}/v1.0/healthz") == 204
        assert _status(f"{url}/v1.0/metadata") == 401
        assert _status(f"{url}/v1.0/metadata", GOOD) == 200


def _status(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_a_loopback_address_needs_no_warning(host: str) -> None:
    assert cli.exposure_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "myhost", ""])
def test_any_other_address_gets_the_no_protection_warning(host: str) -> None:
    warning = cli.exposure_warning(host)
    assert warning is not None
    assert "no protection" in warning
    assert (host or "every interface") in warning


def test_the_cli_logs_the_warning_before_it_binds_beyond_loopback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails, nothing listens.
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        code = cli.main(["--host", "192.0.2.1", "--port", "0", "--log-level", "warning"])
    assert code != 0
    assert any("no protection" in record.getMessage() for record in caplog.records)
