"""Broken targets: wrong status codes, keys and bodies."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from conformance.contract import API_VERSIONS
from conformance.lifecycle import Operation
from daprhttp.dispatch import ROUTE
from daprhttp.responses import result_response
from daprhttp.routing import match
from tests.broken.variants.building import (
    answers,
    body_of,
    dapr_error,
    error_code,
    error_response,
    get_body,
    operation_of,
    refuses,
    route_of,
    with_middleware,
)
from tests.broken.variants.catalogue import variant


@variant("start.accepted.202", says="must answer 202")
def start_answers_200(start_delay: float) -> web.Application:
    """start answers 200 instead of 202 (start.accepted.202)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if operation_of(request) is Operation.START and response.status == 202:
            response.set_status(200)
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("start.accepted.202", says="instanceID")
def start_spells_instance_id_key_instanceId(start_delay: float) -> web.Application:
    """start answers {"instanceId"} instead of {"instanceID"} (start.accepted.202)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if operation_of(request) is Operation.START and response.status == 202:
            return result_response(202, {"instanceId": body_of(response)["instanceID"]})
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("command.accepted.empty-object", says="must answer 202")
def commands_answer_204_without_a_body(start_delay: float) -> web.Application:
    """commands answer 204 and no body, not 202 {} (command.accepted.empty-object)."""

    def rewrite(request: web.Request, response: web.Response) -> web.StreamResponse:
        if operation_of(request) not in (None, Operation.START, Operation.GET) and (
            response.status == 202
        ):
            return web.Response(status=204)
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("command.accepted.empty-object", says="Content-Type application/json")
def commands_answer_text_plain(start_delay: float) -> web.Application:
    """a command's 202 {} comes as text/plain (command.accepted.empty-object)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if operation_of(request) not in (None, Operation.START, Operation.GET):
            response.content_type = "text/plain"
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("command.not-found.500-codes", "lifecycle.pause.ABSENT", says="500 ERR_PAUSE_WORKFLOW")
def pause_of_an_unknown_instance_is_404(start_delay: float) -> web.Application:
    """pause of an unknown ID is 404, not 500 ERR_PAUSE_WORKFLOW (command.not-found.500-codes)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if error_code(response) == "ERR_PAUSE_WORKFLOW":
            return dapr_error("ERR_INSTANCE_ID_NOT_FOUND", request[ROUTE].params["instanceID"])
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("get.not-found.message", "command.not-found.message", says="ERR_INSTANCE_ID_NOT_FOUND")
def not_found_is_err_not_found(start_delay: float) -> web.Application:
    """an unknown ID is ERR_NOT_FOUND, not ERR_INSTANCE_ID_NOT_FOUND (get.not-found.message)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if error_code(response) == "ERR_INSTANCE_ID_NOT_FOUND":
            return error_response(404, {**body_of(response), "errorCode": "ERR_NOT_FOUND"})
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("error.body.shape", says="'details'")
def errors_carry_details(start_delay: float) -> web.Application:
    """error bodies have an extra "details" key beside errorCode and message (error.body.shape)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if error_code(response):
            return error_response(response.status, {**body_of(response), "details": "[]"})
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("error.body.shape", says="not JSON")
def errors_are_plain_text(start_delay: float) -> web.Application:
    """error bodies are text/plain messages, not JSON {errorCode, message} (error.body.shape)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if error_code(response):
            return web.Response(status=response.status, text=body_of(response)["message"])
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("command.malformed-body.400", says="400 ERR_MALFORMED_REQUEST")
def a_malformed_body_is_500(start_delay: float) -> web.Application:
    """a command body that is not JSON is 500, not 400 (command.malformed-body.400)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if error_code(response) == "ERR_MALFORMED_REQUEST":
            return error_response(500, body_of(response))
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("start.id-invalid-chars.400", says="the message differs")
def invalid_id_message_is_not_daprd(start_delay: float) -> web.Application:
    """ERR_INSTANCE_ID_INVALID has a message of its own (start.id-invalid-chars.400)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if error_code(response) == "ERR_INSTANCE_ID_INVALID":
            return error_response(
                400, {"errorCode": "ERR_INSTANCE_ID_INVALID", "message": "invalid instance ID"}
            )
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("route.unknown.404", says="404 ERR_DIRECT_INVOKE")
def a_wrong_method_is_405(start_delay: float) -> web.Application:
    """a wrong method is 405, not 404 ERR_DIRECT_INVOKE (route.unknown.404)."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        path = request.raw_path.partition("?")[0]
        if error_code(response) == "ERR_DIRECT_INVOKE" and any(
            match(method, path) for method in ("GET", "POST")
        ):
            return error_response(
                405, {"errorCode": "ERR_METHOD_NOT_ALLOWED", "message": "method not allowed"}
            )
        return response

    return with_middleware(answers(rewrite), start_delay)


@variant("prefixes.all-three", says="v1.0-beta1")
def only_v1_0_is_served(start_delay: float) -> web.Application:
    """only /v1.0 is served; /v1.0-beta1 and /v1.0-alpha1 are 404 (prefixes.all-three)."""
    others = tuple(f"/{version}/" for version in API_VERSIONS if version != "v1.0")

    def unrouted(request: web.Request) -> web.Response | None:
        return dapr_error("ERR_DIRECT_INVOKE") if request.raw_path.startswith(others) else None

    return with_middleware(refuses(unrouted), start_delay)


@variant("prefixes.every-operation", says="must answer as under /v1.0")
def alpha_prefix_lacks_purge(start_delay: float) -> web.Application:
    """purge under /v1.0-alpha1 is an unknown route, 404 (prefixes.every-operation)."""

    def unrouted(request: web.Request) -> web.Response | None:
        alpha = request.raw_path.startswith("/v1.0-alpha1/")
        purge = request.raw_path.partition("?")[0].endswith("/purge")
        return dapr_error("ERR_DIRECT_INVOKE") if alpha and purge else None

    return with_middleware(refuses(unrouted), start_delay)


def accepts_bodies_not_utf8(
    operation: Operation, answer: Callable[[web.Request], dict[str, Any]]
) -> Middleware:
    """A middleware that accepts ``operation`` with a body that is not UTF-8 (202 ``answer``)."""

    @web.middleware
    async def accepting(request: web.Request, handler: Handler) -> web.StreamResponse:
        if operation_of(request) is operation:
            try:
                (await request.read()).decode("utf-8")
            except UnicodeDecodeError:
                return result_response(202, answer(request))
        return await handler(request)

    return accepting


@variant("start.input-invalid-utf8.500", says="string field contains invalid UTF-8")
def starts_with_bodies_not_utf8_are_accepted(start_delay: float) -> web.Application:
    """a start body that is not UTF-8 is accepted (start.input-invalid-utf8.500)."""

    def started(request: web.Request) -> dict[str, Any]:
        return {"instanceID": request.query.get("instanceID", "")}

    return with_middleware(accepts_bodies_not_utf8(Operation.START, started), start_delay)


@variant("command.event-payload-invalid-utf8.500", says="string field contains invalid UTF-8")
def events_not_utf8_are_accepted(start_delay: float) -> web.Application:
    """an event payload that is not UTF-8 is accepted (command.event-payload-invalid-utf8.500)."""
    accepting = accepts_bodies_not_utf8(Operation.RAISE_EVENT, lambda request: {})
    return with_middleware(accepting, start_delay)


@variant("start.input-verbatim", says="(1048578 characters)")
def large_inputs_are_cut(start_delay: float) -> web.Application:
    """GET cuts dapr.workflow.input at 64 KiB (start.input-verbatim)."""

    def change(body: dict[str, Any]) -> None:
        shown = body.get("properties") or {}
        if "dapr.workflow.input" in shown:
            shown["dapr.workflow.input"] = shown["dapr.workflow.input"][:65536]

    return with_middleware(get_body(change), start_delay)


def drops_overlapping_commands() -> Middleware:
    """A middleware that holds every request 20 ms and acknowledges, without applying, a
    command that arrives while another request to the same instance is still in flight."""
    in_flight: Counter[str] = Counter()
    commands = (Operation.TERMINATE, Operation.PAUSE, Operation.RESUME, Operation.PURGE)

    @web.middleware
    async def racing(request: web.Request, handler: Handler) -> web.StreamResponse:
        found = route_of(request)
        instance_id = found.params.get("instanceID", "") if found is not None else ""
        if not instance_id:
            return await handler(request)
        busy = in_flight[instance_id] > 0
        in_flight[instance_id] += 1
        try:
            await asyncio.sleep(0.02)
            if busy and operation_of(request) in commands:
                return result_response(202, {})
            return await handler(request)
        finally:
            in_flight[instance_id] -= 1

    return racing


@variant("concurrency.linearizable", says="no one-at-a-time order", quick=False)
def overlapping_commands_are_lost(start_delay: float) -> web.Application:
    """a command racing another request on its instance is lost (concurrency.linearizable)."""
    return with_middleware(drops_overlapping_commands(), start_delay)


@variant("route.clean-path", says="daprd cleans the path before routing")
def paths_are_not_cleaned(start_delay: float) -> web.Application:
    """a trailing or doubled '/' is an unknown route, 404 (route.clean-path)."""

    def unclean(request: web.Request) -> web.Response | None:
        path = request.raw_path.partition("?")[0]
        return dapr_error("ERR_DIRECT_INVOKE") if path.endswith("/") or "//" in path else None

    return with_middleware(refuses(unclean), start_delay)


@variant("start.component-ignored", says="conformance-other")
def other_components_are_not_found(start_delay: float) -> web.Application:
    """a component other than dapr is 400, as daprd 1.11-1.14 did (start.component-ignored)."""

    def not_found(request: web.Request) -> web.Response | None:
        parts = request.raw_path.split("/")
        if len(parts) > 3 and parts[2] == "workflows" and parts[3] != "dapr":
            message = f"workflow component '{parts[3]}' does not exist"
            body = {"errorCode": "ERR_WORKFLOW_COMPONENT_NOT_FOUND", "message": message}
            return error_response(400, body)
        return None

    return with_middleware(refuses(not_found), start_delay)


@variant("command.not-found.message", "command.not-found.500-codes", says="invalid-chars; ")
def every_command_validates_the_instance_id(start_delay: float) -> web.Application:
    """commands refuse an ID with '$' as start does, 400 (command.not-found.message)."""

    def invalid(request: web.Request) -> web.Response | None:
        found = route_of(request)
        if found is None or found.target in (Operation.START, Operation.GET):
            return None
        instance_id = found.params.get("instanceID", "")
        return dapr_error("ERR_INSTANCE_ID_INVALID", instance_id) if "$" in instance_id else None

    return with_middleware(refuses(invalid), start_delay)


@variant("start.reuse-after-purge.fresh-run", says="GET of a purged instance")
def purged_instances_have_their_own_error(start_delay: float) -> web.Application:
    """GET of a purged ID is 404 ERR_INSTANCE_PURGED (start.reuse-after-purge.fresh-run)."""
    purged: set[str] = set()

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        operation = operation_of(request)
        if operation is Operation.PURGE and response.status == 202:
            purged.add(request[ROUTE].params["instanceID"])
        elif operation is Operation.START and response.status == 202:
            purged.discard(body_of(response)["instanceID"])
        elif error_code(response) == "ERR_INSTANCE_ID_NOT_FOUND" and operation is Operation.GET:
            instance_id = request[ROUTE].params["instanceID"]
            if instance_id in purged:
                message = f"workflow instance {instance_id} was purged"
                return error_response(404, {"errorCode": "ERR_INSTANCE_PURGED", "message": message})
        return response

    return with_middleware(answers(rewrite), start_delay)
