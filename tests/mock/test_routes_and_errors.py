"""daprd's routing, request bodies and error bodies, over HTTP (docs/daprd-http.md §2-§5)."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from aiohttp import web

from conformance.contract import API_VERSIONS
from daprhttp import dispatch
from daprhttp.routing import METADATA
from mockserver.engine import Engine
from tests.mock.support import Dapr, MockFactory

DIRECT_INVOKE = {
    "errorCode": "ERR_DIRECT_INVOKE",
    "message": "failed getting app id either from the URL path or the header dapr-app-id",
}


async def raw_request(dapr: Dapr, request_line: str) -> tuple[int, bytes]:
    """Send a request target byte for byte (test clients normalise paths)."""
    server = dapr.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(f"{request_line} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


@pytest.mark.parametrize("prefix", API_VERSIONS)
async def test_every_prefix_serves_all_seven_operations(dapr: Dapr, prefix: str) -> None:
    api = dapr.under(prefix)
    assert (await api.start("EventWorkflow", "p")).status == 202
    assert (await api.get("p")).status == 200
    for reply in (
        await api.pause("p"),
        await api.resume("p"),
        await api.raise_event("p", "go", "1"),
        await api.terminate("p"),
        await api.purge("p"),
    ):
        assert (reply.status, reply.body) == (202, {})
    assert (await api.get("p")).status == 404


async def test_the_prefixes_share_one_set_of_instances(dapr: Dapr) -> None:
    await dapr.under("v1.0-alpha1").start("EventWorkflow", "shared")
    await dapr.under("v1.0-beta1").pause("shared")
    assert await dapr.under("v1.0").status("shared") == "SUSPENDED"


async def test_any_component_name_works_like_dapr(dapr: Dapr) -> None:
    reply = await dapr.call("POST", "/v1.0/workflows/anything/EchoWorkflow/start?instanceID=c")
    assert reply.status == 202
    assert (await dapr.call("GET", "/v1.0/workflows/other/c")).body["runtimeStatus"] == "COMPLETED"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1.0/workflows/dapr/x/start"),
        ("GET", "/v1.0/workflows/dapr/x/terminate"),
        ("DELETE", "/v1.0/workflows/dapr/x"),
        ("PUT", "/v1.0/workflows/dapr/x/pause"),
        ("POST", "/v1.0/workflows/dapr/x"),
        ("POST", "/v1.0/workflows/dapr/x/stop"),
        ("POST", "/v1.0/workflows/dapr/x/raiseEvent"),
        ("GET", "/v2.0/workflows/dapr/x"),
        ("GET", "/v1.0-beta1/metadata"),
        ("POST", "/v1.0/healthz"),
        ("GET", "/"),
        ("GET", "/_mock/reset"),
        ("GET", "/v1.0/workflows/dapr/a%zz"),
        ("GET", "/v1.0/workflows/dapr/a%25zz"),
        ("POST", "/v1.0/workflows/dapr/a%/pause"),
    ],
)
async def test_an_unknown_route_or_method_is_daprds_direct_invoke_404(
    dapr: Dapr, method: str, path: str
) -> None:
    reply = await dapr.call(method, path)
    assert (reply.status, reply.body, reply.content_type) == (
        404,
        DIRECT_INVOKE,
        "application/json",
    )


@pytest.mark.parametrize(
    ("path", "instance_id"),
    [
        ("/v1.0/workflows/dapr/a%2Fb", "a/b"),
        ("/v1.0/workflows/dapr/a+b", "a b"),
        ("/v1.0/workflows/dapr/a%2Bb", "a+b"),
        ("/v1.0/workflows/dapr/a%2541", "aA"),
        ("/v1.0/workflows/dapr/%E5%AE%9E/", "实"),
        ("/v1.0/workflows/dapr/a%FF%3C", "a\ufffd<"),
        ("/v1.0/workflows/dapr/a%0Ab%0D", "a\nb\r"),
    ],
)
async def test_path_parameters_are_decoded_as_daprd_decodes_them(
    dapr: Dapr, path: str, instance_id: str
) -> None:
    reply = await dapr.call("GET", path)
    assert reply.body == {
        "errorCode": "ERR_INSTANCE_ID_NOT_FOUND",
        "message": f"unable to find workflow with the provided instance ID: {instance_id}",
    }


async def test_a_trailing_slash_is_stripped(dapr: Dapr) -> None:
    await dapr.start("EventWorkflow", "slash")
    assert (await dapr.call("POST", "/v1.0/workflows/dapr/slash/pause/")).status == 202
    assert (await dapr.call("GET", "/v1.0/workflows/dapr/slash/")).body["runtimeStatus"] == (
        "SUSPENDED"
    )


async def test_dot_segments_and_double_slashes_are_cleaned_before_routing(dapr: Dapr) -> None:
    await dapr.start("EchoWorkflow", "clean")
    status, body = await raw_request(dapr, "GET /v1.0/workflows/dapr/other/../clean")
    assert (status, json.loads(body)["instanceID"]) == (200, "clean")
    status, body = await raw_request(dapr, "GET /v1.0//workflows/dapr//clean")
    assert (status, json.loads(body)["instanceID"]) == (200, "clean")
    status, body = await raw_request(dapr, "POST /v1.0/workflows/dapr//pause")
    assert (status, json.loads(body)) == (404, DIRECT_INVOKE)


@pytest.mark.parametrize("operation", ["get", "terminate", "pause", "resume", "purge"])
@pytest.mark.parametrize("body", ["{bad", "[1]", '"text"', "NaN", '{"instanceID": 5}', " "])
async def test_a_body_protojson_would_refuse_is_malformed_on_the_json_operations(
    dapr: Dapr, operation: str, body: str
) -> None:
    await dapr.start("EventWorkflow", "m")
    reply = await getattr(dapr, operation)("m", body)
    assert reply.status == 400
    assert reply.error == "ERR_MALFORMED_REQUEST"
    assert reply.body["message"].startswith("failed deserializing HTTP body: ")
    assert await dapr.status("m") == "RUNNING"


@pytest.mark.parametrize("operation", ["get", "terminate", "pause", "resume"])
async def test_a_valid_json_body_is_accepted_and_ignored(dapr: Dapr, operation: str) -> None:
    await dapr.start("EventWorkflow", "j")
    body = '{"instanceID": "someone-else", "workflowComponent": "x", "unknown": [1]}'
    reply = await getattr(dapr, operation)("j", body)
    assert reply.status in (200, 202)
    assert (await dapr.get("j")).body["instanceID"] == "j"


async def test_start_and_raise_event_take_any_body(dapr: Dapr) -> None:
    assert (await dapr.start("EventWorkflow", "any", "{bad")).status == 202
    assert (await dapr.raise_event("any", "other", "{bad")).status == 202


async def test_a_body_over_4_mib_is_a_body_read_error(dapr: Dapr) -> None:
    reply = await dapr.start("EchoWorkflow", "big", io.BytesIO(b"x" * (4 * 1024 * 1024 + 1)))
    assert reply.status == 400
    assert reply.body["errorCode"] == "ERR_BODY_READ"
    # daprd master's cause (dapr/kit streams.ErrStreamTooLarge); Go's MaxBytesReader says the other.
    assert reply.body["message"] in (
        "failed to read request body: stream too large",
        "failed to read request body: http: request body too large",
    )


async def test_error_bodies_escape_html_characters_as_go_does(dapr: Dapr) -> None:
    reply = await dapr.client.get("/v1.0/workflows/dapr/%3Ca%26b%3E")
    raw = await reply.read()
    assert b"\\u003ca\\u0026b\\u003e" in raw
    assert json.loads(raw)["message"].endswith("<a&b>")


async def test_success_and_error_bodies_are_single_line_json_without_a_newline(
    dapr: Dapr,
) -> None:
    for response in (
        await dapr.client.post("/v1.0/workflows/dapr/EventWorkflow/start?instanceID=n"),
        await dapr.client.post("/v1.0/workflows/dapr/n/pause"),
        await dapr.client.get("/v1.0/workflows/dapr/n"),
        await dapr.client.get("/v1.0/workflows/dapr/none"),
    ):
        raw = await response.read()
        assert response.headers["Content-Type"] == "application/json"
        assert b"\n" not in raw


async def test_metadata_names_the_app_and_healthz_is_204(make_mock: MockFactory) -> None:
    dapr = await make_mock(app_id="my-app")
    metadata = await dapr.call("GET", "/v1.0/metadata")
    assert (metadata.status, metadata.body["id"]) == (200, "my-app")
    health = await dapr.call("GET", "/v1.0/healthz")
    assert (health.status, health.body) == (204, None)
    outbound = await dapr.call("GET", "/v1.0/healthz/outbound")
    assert (outbound.status, outbound.body) == (204, None)


ENGINE_FAILURES = [
    ("start", "ERR_START_WORKFLOW", "error starting workflow 'EchoWorkflow': "),
    ("get", "ERR_GET_WORKFLOW", "error while getting workflow info on instance 'x': "),
    ("terminate", "ERR_TERMINATE_WORKFLOW", "error terminating workflow 'x': "),
    ("raise_event", "ERR_RAISE_EVENT_WORKFLOW", "error raising event on workflow 'x': "),
    ("pause", "ERR_PAUSE_WORKFLOW", "error pausing workflow x: "),
    ("resume", "ERR_RESUME_WORKFLOW", "error resuming workflow x: "),
    ("purge", "ERR_PURGE_WORKFLOW", "error purging workflow x: "),
]


@pytest.mark.parametrize(("method", "code", "prefix"), ENGINE_FAILURES)
async def test_an_engine_failure_is_the_operations_own_dapr_error_not_a_bare_500(
    dapr: Dapr, monkeypatch: pytest.MonkeyPatch, method: str, code: str, prefix: str
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Engine, method, broken)
    if method == "start":
        reply = await dapr.start("EchoWorkflow", "x")
    elif method == "raise_event":
        reply = await dapr.raise_event("x", "go")
    else:
        reply = await getattr(dapr, method)("x")
    assert reply.body == {
        "errorCode": code,
        "message": f"{prefix}mock engine failure: disk on fire",
    }
    assert reply.status == 500


async def test_a_request_the_handler_cannot_answer_never_escapes_as_plain_text(
    dapr: Dapr, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(request: web.Request, params: object, query: str) -> web.Response:
        raise ValueError("boom")

    monkeypatch.setitem(dispatch._HANDLERS, METADATA, broken)
    reply = await dapr.call("GET", "/v1.0/metadata")
    assert (reply.status, reply.body) == (
        500,
        {"errorCode": "ERROR", "message": "mock failure: boom"},
    )


async def test_an_aiohttp_routing_refusal_becomes_daprds_fallback(
    dapr: Dapr, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unroutable(request: web.Request, params: object, query: str) -> web.Response:
        raise web.HTTPMethodNotAllowed("GET", ["POST"])

    monkeypatch.setitem(dispatch._HANDLERS, METADATA, unroutable)
    reply = await dapr.call("GET", "/v1.0/metadata")
    assert (reply.status, reply.body) == (404, DIRECT_INVOKE)
