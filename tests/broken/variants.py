"""Deliberately broken targets: the mock with exactly one thing wrong each.

A variant is the mock built by ``create_app(...)`` and changed in one way, without patching:
- a middleware put in front of the mock's own rewrites one kind of answer (or refuses one kind
  of request);
- a :class:`~mockserver.transitions.Transitions` subclass (how instances move) or an
  :class:`Engine` subclass (how an operation is answered), run by the app (``use_engine``),
  changes one rule;
- ``create_app(workflows=...)`` replaces one conformance workflow with a wrong one.

Each variant's one-line docstring names the bug and a behaviour that must catch it; its
``@variant(...)`` lists every behaviour whose tests must fail against it (``catches``) and
``says``, a text their failure messages must contain.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from conformance import contract
from conformance.contract import API_VERSIONS, MAX_INSTANCE_ID_BYTES
from conformance.lifecycle import Operation, Status
from conformance.workflows import (
    EVENT,
    FAIL,
    GO_EVENT,
    PARENT,
    TIMER,
    WORKFLOWS,
    ConformanceFailure,
    Workflow,
    WorkflowContext,
    WorkflowResult,
    child_instance_id,
    failure_message,
    timer_seconds,
    timer_workflow,
)
from daprhttp.bodies import go_marshal
from daprhttp.dispatch import ROUTE
from daprhttp.errors import DaprError
from daprhttp.responses import JSON, result_response
from daprhttp.routing import RouteMatch, match
from daprhttp.timestamps import format_rfc3339
from mockserver.app import create_app
from mockserver.backend import use_engine
from mockserver.clock import RealClock
from mockserver.engine import Engine
from mockserver.instance import Instance
from mockserver.orchestrator import TaskResult
from mockserver.scheduler import Due
from mockserver.transitions import Transitions
from tests.kit.proxy import route_of as route_of_path

AppFactory = Callable[[float], web.Application]
"""Builds a broken app from the mock's ``start_delay``."""


@dataclass(frozen=True)
class Variant:
    """A broken target and how the suite must notice it."""

    name: str
    bug: str
    make_app: AppFactory
    catches: tuple[str, ...]
    """Behaviour IDs: the suite runs their tests, and each has a failing one."""
    says: str
    """Text that a failing test of each behaviour must have in its message."""
    quick: bool = True
    start_delay: float = 0.0

    def app(self) -> web.Application:
        return self.make_app(self.start_delay)


VARIANTS: list[Variant] = []


def variant(
    *catches: str,
    says: str,
    quick: bool = True,
    start_delay: float = 0.0,
) -> Callable[[AppFactory], AppFactory]:
    """Register a variant; its docstring is the bug."""

    def register(make_app: AppFactory) -> AppFactory:
        bug = (make_app.__doc__ or "").strip()
        assert bug, f"variant {make_app.__name__} needs a one-line docstring naming its bug"
        VARIANTS.append(
            Variant(make_app.__name__, bug, make_app, catches, says, quick, start_delay)
        )
        return make_app

    return register


# --- building blocks ---------------------------------------------------------------------------


def with_middleware(middleware: Middleware, start_delay: float = 0.0) -> web.Application:
    """The mock behind ``middleware`` (outermost: it sees the mock's final answers)."""
    app = create_app(start_delay=start_delay)
    app.middlewares.insert(0, middleware)
    return app


def with_engine(
    engine: type[Engine] = Engine,
    start_delay: float = 0.0,
    transitions: type[Transitions] = Transitions,
) -> web.Application:
    """The mock running ``engine`` (with ``transitions``) instead of its own."""
    app = create_app(start_delay=start_delay)
    use_engine(
        app,
        engine(
            clock=RealClock(),
            lifecycle=contract.lifecycle(),
            start_delay=start_delay,
            transitions=transitions,
        ),
    )
    return app


def with_transitions(transitions: type[Transitions], start_delay: float = 0.0) -> web.Application:
    """The mock whose instances move by ``transitions`` (one rule changed)."""
    return with_engine(start_delay=start_delay, transitions=transitions)


def with_workflow(name: str, workflow: Workflow, start_delay: float = 0.0) -> web.Application:
    """The mock hosting a wrong ``name`` workflow."""
    return create_app(start_delay=start_delay, workflows={**WORKFLOWS, name: workflow})


def route_of(request: web.Request) -> RouteMatch | None:
    """The workflow route daprd runs for this request (None: the fallback)."""
    return route_of_path(request.method, request.raw_path)


def operation_of(request: web.Request) -> Operation | None:
    """The workflow operation daprd routes this request to (None: not a workflow route)."""
    found = route_of(request)
    return found.target if found is not None and isinstance(found.target, Operation) else None


Rewrite = Callable[[web.Request, web.Response], web.StreamResponse]


def answers(rewrite: Rewrite) -> Middleware:
    """A middleware that passes every answer of the mock through ``rewrite``."""

    @web.middleware
    async def rewriting(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        assert isinstance(response, web.Response)
        return rewrite(request, response)

    return rewriting


def refuses(refusal: Callable[[web.Request], web.Response | None]) -> Middleware:
    """A middleware that answers ``refusal(request)`` instead of the mock, when not None."""

    @web.middleware
    async def refusing(request: web.Request, handler: Handler) -> web.StreamResponse:
        answer = refusal(request)
        return answer if answer is not None else await handler(request)

    return refusing


def error_response(status: int, body: dict[str, Any]) -> web.Response:
    """An error answer with any body, written as daprd writes its error bodies."""
    return web.Response(status=status, body=go_marshal(body), content_type=JSON)


def dapr_error(code: str, *args: object) -> web.Response:
    """daprd's error answer ``code`` (from the spec's codes), its message filled with ``args``."""
    error = DaprError(code, *args)
    return error_response(error.status, error.body())


def body_of(response: web.Response) -> Any:
    assert isinstance(response.body, bytes)
    return json.loads(response.body) if response.body else None


def error_code(response: web.Response) -> str | None:
    body = body_of(response) if response.status >= 400 else None
    return body.get("errorCode") if isinstance(body, dict) else None


def get_body(change: Callable[[dict[str, Any]], None]) -> Middleware:
    """A middleware that changes every successful GET body in place with ``change``."""

    def rewrite(request: web.Request, response: web.Response) -> web.Response:
        if operation_of(request) is not Operation.GET or response.status != 200:
            return response
        body = body_of(response)
        change(body)
        return result_response(200, body)

    return answers(rewrite)


def properties(body: dict[str, Any]) -> dict[str, str]:
    """The GET body's properties, to change in place (an empty dict when it has none)."""
    found: dict[str, str] = body.get("properties", {})
    return found


# --- wrong status codes, keys and bodies ----------------------------------------------------------


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


# --- wrong GET bodies -----------------------------------------------------------------------------


@variant("get.timestamps.rfc3339", says="createdAt must be")
def created_at_is_not_rfc3339(start_delay: float) -> web.Application:
    """createdAt is "2025-01-02 03:04:05", not RFC 3339 (get.timestamps.rfc3339)."""

    def change(body: dict[str, Any]) -> None:
        body["createdAt"] = body["createdAt"].replace("T", " ").removesuffix("Z")

    return with_middleware(get_body(change), start_delay)


@variant("get.last-updated-moves", says="lastUpdatedAt must move forward")
def last_updated_at_never_moves(start_delay: float) -> web.Application:
    """lastUpdatedAt is always createdAt, so it never moves (get.last-updated-moves)."""

    def change(body: dict[str, Any]) -> None:
        body["lastUpdatedAt"] = body["createdAt"]

    return with_middleware(get_body(change), start_delay)


@variant("get.created-at.fixed", says="createdAt must stay")
def created_at_follows_last_updated_at(start_delay: float) -> web.Application:
    """createdAt is the time of the last change, not of the start (get.created-at.fixed)."""

    def change(body: dict[str, Any]) -> None:
        if body["createdAt"] != "0001-01-01T00:00:00Z":
            body["createdAt"] = body["lastUpdatedAt"]

    return with_middleware(get_body(change), start_delay)


@variant("get.created-at.fixed", says="createdAt must stay")
def created_at_is_the_time_of_the_get(start_delay: float) -> web.Application:
    """createdAt is the time of each GET, not of the start (get.created-at.fixed)."""

    def change(body: dict[str, Any]) -> None:
        if body["createdAt"] != "0001-01-01T00:00:00Z":
            body["createdAt"] = format_rfc3339(RealClock().now_us())

    return with_middleware(get_body(change), start_delay)


@variant("prefixes.all-three", says="lastUpdatedAt")
def last_updated_at_is_always_now(start_delay: float) -> web.Application:
    """lastUpdatedAt is the time of the GET, not of the last change (prefixes.all-three)."""

    def change(body: dict[str, Any]) -> None:
        body["lastUpdatedAt"] = format_rfc3339(RealClock().now_us())

    return with_middleware(get_body(change), start_delay)


@variant("start.input-empty", says="dapr.workflow.input")
def empty_input_is_null(start_delay: float) -> web.Application:
    """an empty start body gives the input "null", not "" (start.input-empty)."""

    def change(body: dict[str, Any]) -> None:
        if properties(body).get("dapr.workflow.input") == "":
            properties(body)["dapr.workflow.input"] = "null"

    return with_middleware(get_body(change), start_delay)


@variant("get.properties.failure", says="must have no dapr.workflow.failure.* properties")
def completed_instances_have_empty_failure_properties(start_delay: float) -> web.Application:
    """a COMPLETED instance shows empty failure properties (get.properties.failure)."""

    def change(body: dict[str, Any]) -> None:
        if body.get("runtimeStatus") == "COMPLETED":
            failure = {
                "dapr.workflow.failure.error_type": "",
                "dapr.workflow.failure.error_message": "",
            }
            body["properties"] = {**properties(body), **failure}

    return with_middleware(get_body(change), start_delay)


@variant("get.properties.output", "workflow.echo.completes", says="dapr.workflow.output")
def output_is_text_not_json(start_delay: float) -> web.Application:
    """the output property is str(output), not its JSON text (get.properties.output)."""

    def change(body: dict[str, Any]) -> None:
        props = properties(body)
        if "dapr.workflow.output" in props:
            value = json.loads(props["dapr.workflow.output"])
            props["dapr.workflow.output"] = value if isinstance(value, str) else str(value)

    return with_middleware(get_body(change), start_delay)


@variant("start.input-verbatim", "get.properties.input", says="dapr.workflow.input")
def input_is_re_encoded(start_delay: float) -> web.Application:
    """the input property is the start body re-encoded, not verbatim (start.input-verbatim)."""

    def change(body: dict[str, Any]) -> None:
        props = properties(body)
        with contextlib.suppress(KeyError, ValueError):
            value = json.loads(props["dapr.workflow.input"])
            props["dapr.workflow.input"] = json.dumps(value, separators=(",", ":"))

    return with_middleware(get_body(change), start_delay)


# --- wrong instance ID rules ---------------------------------------------------------------------


class UnicodeRefusingEngine(Engine):
    """Instance IDs must be ASCII."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id and not instance_id.isascii():
            raise DaprError("ERR_INSTANCE_ID_INVALID", instance_id)
        return super().start(workflow_name, instance_id, input_text)


@variant("start.id-unicode-letters.202", says="must answer 202")
def unicode_ids_are_refused(start_delay: float) -> web.Application:
    """IDs of non-ASCII letters (héllo, 实例) are refused (start.id-unicode-letters.202)."""
    return with_engine(UnicodeRefusingEngine, start_delay)


class CharacterCountingEngine(Engine):
    """The 64 limit counts characters: a longer ID of fewer characters is started."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id and len(instance_id) <= MAX_INSTANCE_ID_BYTES < len(instance_id.encode()):
            self.settle()
            self.transitions.check(Operation.START, instance_id, workflow_name=workflow_name)
            self.transitions.create(workflow_name, instance_id, input_text, parent=None)
            self.settle()
            return instance_id
        return super().start(workflow_name, instance_id, input_text)


@variant(
    "start.id-length-in-bytes.400",
    says="must answer 400 ERR_INSTANCE_ID_TOO_LONG with the message 'workflow instance ID "
    "exceeds the max length of 64 characters'; the status, errorCode and message differ",
)
def id_length_counts_characters(start_delay: float) -> web.Application:
    """the 64 limit counts characters: 22 CJK ones pass (start.id-length-in-bytes.400)."""
    return with_engine(CharacterCountingEngine, start_delay)


class OffByOneEngine(Engine):
    """An ID of exactly 64 bytes is too long."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id and len(instance_id.encode()) >= MAX_INSTANCE_ID_BYTES:
            raise DaprError("ERR_INSTANCE_ID_TOO_LONG", MAX_INSTANCE_ID_BYTES)
        return super().start(workflow_name, instance_id, input_text)


@variant("start.id-64-bytes.202", says="must answer 202")
def id_of_64_bytes_is_refused(start_delay: float) -> web.Application:
    """an ID of exactly 64 bytes is too long, off by one (start.id-64-bytes.202)."""
    return with_engine(OffByOneEngine, start_delay)


class HexIdEngine(Engine):
    """Generated IDs are 32 hex digits without dashes."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        return super().start(workflow_name, instance_id or uuid.uuid4().hex, input_text)


@variant("start.generated-id.uuid4", says="UUIDv4")
def generated_ids_are_not_uuid4(start_delay: float) -> web.Application:
    """a generated ID is 32 hex digits, not a UUIDv4 (start.generated-id.uuid4)."""
    return with_engine(HexIdEngine, start_delay)


class ConstantIdEngine(Engine):
    """Every generated ID is the same UUIDv4."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        fixed = "3f0c6c1e-9a4b-4c1e-8f7a-2b6f1d3e4a5b"
        return super().start(workflow_name, instance_id or fixed, input_text)


@variant("start.generated-id.uuid4", says="must generate a new instance ID")
def generated_ids_are_all_the_same(start_delay: float) -> web.Application:
    """every start without an ID gets the same UUIDv4 (start.generated-id.uuid4)."""
    return with_engine(ConstantIdEngine, start_delay)


class LenientRaiseEngine(Engine):
    """raiseEvent to an unknown instance is accepted and dropped."""

    def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        try:
            super().raise_event(instance_id, event_name, payload)
        except DaprError as error:
            if error.code != "ERR_RAISE_EVENT_WORKFLOW":
                raise


@variant(
    "command.not-found.500-codes", "lifecycle.raiseEvent.ABSENT", says="ERR_RAISE_EVENT_WORKFLOW"
)
def raise_event_of_an_unknown_instance_is_202(start_delay: float) -> web.Application:
    """raiseEvent to an unknown ID answers 202, not 500 (command.not-found.500-codes)."""
    return with_engine(LenientRaiseEngine, start_delay)


# --- wrong lifecycle ----------------------------------------------------------------------------


def ignoring(operation: Operation) -> type[Transitions]:
    """Transitions that answer ``operation`` as daprd does but never apply it."""

    class Ignoring(Transitions):
        def apply(
            self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
        ) -> None:
            if op is not operation:
                super().apply(instance, op, event_name, payload)

    return Ignoring


@variant("lifecycle.pause.RUNNING", "command.accepted.empty-object", says="did not reach SUSPENDED")
def pause_does_not_suspend(start_delay: float) -> web.Application:
    """pause answers 202 but the instance keeps RUNNING (lifecycle.pause.RUNNING)."""
    return with_transitions(ignoring(Operation.PAUSE), start_delay)


@variant("lifecycle.terminate.RUNNING", says="did not reach TERMINATED")
def terminate_does_not_terminate(start_delay: float) -> web.Application:
    """terminate answers 202 but the instance keeps RUNNING (lifecycle.terminate.RUNNING)."""
    return with_transitions(ignoring(Operation.TERMINATE), start_delay)


@variant("lifecycle.resume.SUSPENDED", says="did not reach RUNNING")
def resume_does_not_resume(start_delay: float) -> web.Application:
    """resume answers 202 but the instance stays SUSPENDED (lifecycle.resume.SUSPENDED)."""
    return with_transitions(ignoring(Operation.RESUME), start_delay)


@variant(
    "lifecycle.purge.COMPLETED",
    "start.reuse-after-purge.fresh-run",
    says="did not reach ABSENT",
)
def purge_keeps_the_instance(start_delay: float) -> web.Application:
    """purge answers 202 but the instance stays (lifecycle.purge.COMPLETED)."""
    return with_transitions(ignoring(Operation.PURGE), start_delay)


class ShallowTerminate(Transitions):
    """terminate stops only the instance it names."""

    def terminate(self, instance: Instance) -> None:
        children, instance.children = instance.children, []
        super().terminate(instance)
        instance.children = children


@variant("terminate.recursive", says="did not reach TERMINATED")
def terminate_is_not_recursive(start_delay: float) -> web.Application:
    """terminate of a ParentWorkflow leaves its child RUNNING (terminate.recursive)."""
    return with_transitions(ShallowTerminate, start_delay)


class ShallowPurge(Transitions):
    """purge deletes only the instance it names."""

    def purge(self, instance: Instance) -> None:
        instance.children = []
        super().purge(instance)


@variant("purge.recursive", says="did not reach ABSENT")
def purge_is_not_recursive(start_delay: float) -> web.Application:
    """purge of a finished ParentWorkflow keeps its child (purge.recursive)."""
    return with_transitions(ShallowPurge, start_delay)


class PurgeAnythingEngine(Engine):
    """purge of an active instance terminates it first instead of refusing."""

    def purge(self, instance_id: str) -> None:
        with contextlib.suppress(DaprError):
            self.terminate(instance_id)
        super().purge(instance_id)


@variant("purge.active.message", "lifecycle.purge.RUNNING", says="ERR_PURGE_WORKFLOW")
def purge_of_a_running_instance_is_allowed(start_delay: float) -> web.Application:
    """purge of a RUNNING or SUSPENDED instance is done, not refused (purge.active.message)."""
    return with_engine(PurgeAnythingEngine, start_delay)


class ReplacingStartEngine(Engine):
    """start of an active ID terminates the old run and starts a new one."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id:
            with contextlib.suppress(DaprError):
                self.terminate(instance_id)
        return super().start(workflow_name, instance_id, input_text)


@variant(
    "start.duplicate-active-id.message",
    "lifecycle.start.RUNNING",
    "start.concurrent-same-id.one-wins",
    says="ERR_START_WORKFLOW",
)
def duplicate_start_of_an_active_id_is_accepted(start_delay: float) -> web.Application:
    """start of an active ID replaces the run (start.duplicate-active-id.message)."""
    return with_engine(ReplacingStartEngine, start_delay)


class InputOverwritingStartEngine(Engine):
    """A refused start of an active ID still stores its input on the running instance."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        instance = self.transitions.instances.get(instance_id or "")
        if instance is not None and instance.status is Status.RUNNING:
            instance.input = input_text
            self.transitions.touch(instance)
        return super().start(workflow_name, instance_id, input_text)


@variant("start.duplicate-active-id.message", says="a refused start must not touch the run")
def a_refused_start_overwrites_the_input(start_delay: float) -> web.Application:
    """a refused start of a RUNNING ID replaces its input (start.duplicate-active-id.message)."""
    return with_engine(InputOverwritingStartEngine, start_delay)


class NoReuseEngine(Engine):
    """An ID can be started once, unless purged."""

    def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        if instance_id:
            try:
                self.get(instance_id)
            except DaprError:
                pass
            else:
                raise DaprError(
                    "ERR_START_WORKFLOW",
                    workflow_name,
                    f"an orchestration with ID '{instance_id}' already exists",
                )
        return super().start(workflow_name, instance_id, input_text)


@variant(
    "start.reuse-after-terminal.fresh-run", "lifecycle.start.COMPLETED", says="must answer 202"
)
def reuse_of_a_terminal_id_is_refused(start_delay: float) -> web.Application:
    """start of the ID of a finished instance is 500 (start.reuse-after-terminal.fresh-run)."""
    return with_engine(NoReuseEngine, start_delay)


class TerminateFinished(Transitions):
    """terminate of a COMPLETED or FAILED instance marks it TERMINATED."""

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        if op is Operation.TERMINATE and instance.status in (Status.COMPLETED, Status.FAILED):
            instance.status = Status.TERMINATED
            self.touch(instance)
        super().apply(instance, op, event_name, payload)


@variant("terminate.terminal.keeps-state", "lifecycle.terminate.COMPLETED", says="TERMINATED")
def terminate_of_a_finished_instance_changes_it(start_delay: float) -> web.Application:
    """terminate ends a finished instance TERMINATED (terminate.terminal.keeps-state)."""
    return with_transitions(TerminateFinished, start_delay)


# --- lost, early and held events and timers --------------------------------------------------


class EarlyEventDropping(Transitions):
    """An event nobody waits for yet is dropped."""

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        waiting = instance.waiting
        if op is Operation.RAISE_EVENT and (waiting is None or waiting.name != event_name):
            return
        super().apply(instance, op, event_name, payload)


@variant("workflow.event.buffered", says="buffered, not lost", start_delay=0.5)
def events_raised_before_the_wait_are_lost(start_delay: float) -> web.Application:
    """an event raised while still PENDING is dropped (workflow.event.buffered)."""
    return with_transitions(EarlyEventDropping, start_delay)


class LastEventFirst(Transitions):
    """Buffered events are delivered newest first."""

    def take_result(self, instance: Instance) -> TaskResult | None:
        waiting = instance.waiting
        queue = instance.events.get(waiting.name or "") if waiting is not None else None
        if waiting is not None and waiting.kind == "event" and queue and len(queue) > 1:
            queue.rotate(1)  # the newest goes to the front
        return super().take_result(instance)


@variant("workflow.event.buffered-in-order", says='equal to "first"', start_delay=0.5)
def buffered_events_are_delivered_newest_first(start_delay: float) -> web.Application:
    """buffered events go newest first (workflow.event.buffered-in-order)."""
    return with_transitions(LastEventFirst, start_delay)


@variant("get.last-updated-monotonic", says="it may never go back")
def last_updated_at_drops_back_while_suspended(start_delay: float) -> web.Application:
    """SUSPENDED shows createdAt as lastUpdatedAt (get.last-updated-monotonic)."""

    def change(body: dict[str, Any]) -> None:
        if body.get("runtimeStatus") == "SUSPENDED":
            body["lastUpdatedAt"] = body["createdAt"]

    return with_middleware(get_body(change), start_delay)


class TracingReuse(Transitions):
    """A new run of a finished ID keeps the old run's createdAt and failure."""

    def create(self, workflow_name: str, instance_id: str, *args: Any, **kwargs: Any) -> Instance:
        previous = self.instances.get(instance_id)
        instance = super().create(workflow_name, instance_id, *args, **kwargs)
        if previous is not None:
            instance.created_us, instance.failure = previous.created_us, previous.failure
        return instance

    def mark_started(self, instance: Instance) -> None:
        created = instance.created_us
        super().mark_started(instance)
        if created is not None:
            instance.created_us = created


@variant("start.reuse-after-terminal.no-trace", says="shows the previous run's state")
def reused_ids_show_the_previous_run(start_delay: float) -> web.Application:
    """a reused ID shows the old run's state (start.reuse-after-terminal.no-trace)."""
    return with_transitions(TracingReuse, start_delay)


class EventResumes(Transitions):
    """An event raised while SUSPENDED resumes the instance."""

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        if op is Operation.RAISE_EVENT and instance.status is Status.SUSPENDED:
            super().apply(instance, Operation.RESUME, None, None)
        super().apply(instance, op, event_name, payload)


@variant("suspend.holds-events", says="must stay SUSPENDED")
def events_raised_while_suspended_apply_at_once(start_delay: float) -> web.Application:
    """an event raised while SUSPENDED is delivered at once (suspend.holds-events)."""
    return with_transitions(EventResumes, start_delay)


class EventsByAnyNameEngine(Engine):
    """Every event is delivered as go."""

    def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        super().raise_event(instance_id, GO_EVENT, payload)


@variant("workflow.event.other-names-ignored", says="must stay RUNNING")
def events_of_any_name_complete_the_wait(start_delay: float) -> web.Application:
    """any event name completes EventWorkflow's wait for go (workflow.event.other-names-ignored)."""
    return with_engine(EventsByAnyNameEngine, start_delay)


class TimerThroughSuspend(Transitions):
    """A timer that falls due while SUSPENDED resumes the instance."""

    def timer_fired(self, instance: Instance, index: int) -> None:
        if instance.status is Status.SUSPENDED:
            instance.status = Status.RUNNING
        super().timer_fired(instance, index)


@variant("suspend.holds-timers", says="must stay SUSPENDED", quick=False)
def timers_fire_while_suspended(start_delay: float) -> web.Application:
    """a timer that falls due while SUSPENDED fires and completes the run (suspend.holds-timers)."""
    return with_transitions(TimerThroughSuspend, start_delay)


def instant_timer_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """TimerWorkflow with its timer's length ignored: the timer fires at once."""
    return timer_workflow(ctx, 0)


@variant("suspend.holds-timers", says="did not reach RUNNING", quick=False)
def timers_fire_at_once(start_delay: float) -> web.Application:
    """durable timers fire at once, whatever their length (suspend.holds-timers)."""
    return with_workflow(TIMER, instant_timer_workflow, start_delay)


def early_timer_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """TimerWorkflow whose timer fires at 60% of its length."""
    return timer_workflow(ctx, timer_seconds(input) * 0.6)


@variant("workflow.timer.not-early", says="the timer fired before it was due")
def timers_fire_early(start_delay: float) -> web.Application:
    """durable timers fire at 60% of their length (workflow.timer.not-early)."""
    return with_workflow(TIMER, early_timer_workflow, start_delay)


class RestartingHeldTimer(Transitions):
    """A timer that fell due while SUSPENDED is started again, for its whole length, on resume."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timer_lengths: dict[str, int] = {}

    def wait(self, instance: Instance, task: Any) -> Any:
        waiting = super().wait(instance, task)
        if waiting.kind == "timer" and waiting.due_us is not None:
            self.timer_lengths[instance.instance_id] = waiting.due_us - self.clock.now_us()
        return waiting

    def apply(
        self, instance: Instance, op: Operation, event_name: str | None, payload: str | None
    ) -> None:
        waiting = instance.waiting
        held = waiting is not None and waiting.kind == "timer" and waiting.result is not None
        if op is Operation.RESUME and instance.status is Status.SUSPENDED and held:
            assert waiting is not None
            length = self.timer_lengths.get(instance.instance_id, 0)
            waiting.result = None
            waiting.due_us = self.clock.now_us() + length
            self.scheduler.at(
                waiting.due_us,
                Due("timer", instance.instance_id, instance.execution, waiting.index),
            )
        super().apply(instance, op, event_name, payload)


@variant("suspend.held-timer-fires-on-resume", says="it is not started again", quick=False)
def held_timers_start_again_on_resume(start_delay: float) -> web.Application:
    """held timers restart on resume (suspend.held-timer-fires-on-resume)."""
    return with_transitions(RestartingHeldTimer, start_delay)


@variant("workflow.timer.completes", says="must stay PENDING or RUNNING")
def timers_fire_at_once_under_quick(start_delay: float) -> web.Application:
    """durable timers fire at once, checked with --quick (workflow.timer.completes)."""
    return with_workflow(TIMER, instant_timer_workflow, start_delay)


def endless_timer_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """TimerWorkflow whose timer never falls due (a day, whatever the input)."""
    return timer_workflow(ctx, 86_400)


@variant("workflow.timer.completes", says="did not reach COMPLETED")
def timer_workflow_never_completes(start_delay: float) -> web.Application:
    """TimerWorkflow's timer never fires, so it never completes (workflow.timer.completes)."""
    return with_workflow(TIMER, endless_timer_workflow, start_delay)


# --- wrong workflows ---------------------------------------------------------------------------


def completing_fail_workflow(ctx: WorkflowContext, input: Any) -> Any:
    """FailWorkflow that returns its message instead of raising it."""
    return failure_message(input)


@variant("workflow.fail.failed", "get.properties.failure", says="did not reach FAILED")
def fail_workflow_completes(start_delay: float) -> web.Application:
    """FailWorkflow ends COMPLETED with its message as output (workflow.fail.failed)."""
    return with_workflow(FAIL, completing_fail_workflow, start_delay)


def silent_event_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """EventWorkflow that never sets its custom status."""
    payload = yield ctx.wait_for_external_event(GO_EVENT)
    return payload


@variant("workflow.event.waits", "get.properties.custom-status", says="custom status")
def custom_status_is_missing(start_delay: float) -> web.Application:
    """EventWorkflow never sets the custom status "waiting" (workflow.event.waits)."""
    return with_workflow(EVENT, silent_event_workflow, start_delay)


def vague_fail_workflow(ctx: WorkflowContext, input: Any) -> Any:
    """FailWorkflow that fails with a fixed message, not its input."""
    raise ConformanceFailure("workflow failed")


@variant("workflow.fail.failed", "get.properties.failure", says="error_message")
def failure_message_is_not_the_input(start_delay: float) -> web.Application:
    """FailWorkflow fails with a fixed message, not its input string (workflow.fail.failed)."""
    return with_workflow(FAIL, vague_fail_workflow, start_delay)


def misnamed_child_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """ParentWorkflow that names its child ``<id>_child``, not ``<id>-child``."""
    return (
        yield ctx.call_child_workflow(EVENT, input=input, instance_id=ctx.instance_id + "_child")
    )


@variant("workflow.parent.completes-with-child", says="-child")
def child_is_not_named_id_dash_child(start_delay: float) -> web.Application:
    """the child of ParentWorkflow is <id>_child (workflow.parent.completes-with-child)."""
    return with_workflow(PARENT, misnamed_child_workflow, start_delay)


def orphaned_child_parent_workflow(ctx: WorkflowContext, input: Any) -> WorkflowResult:
    """ParentWorkflow that starts its child without input."""
    return (
        yield ctx.call_child_workflow(
            EVENT, input=None, instance_id=child_instance_id(ctx.instance_id)
        )
    )


@variant("workflow.parent.completes-with-child", says="the child must get the parent's input")
def child_gets_no_input(start_delay: float) -> web.Application:
    """ParentWorkflow starts its child without its input (workflow.parent.completes-with-child)."""
    return with_workflow(PARENT, orphaned_child_parent_workflow, start_delay)
