"""Checks a server's own answers against ``openapi.yaml``, so the two can never drift apart.

For a request that reached one of the seven workflow routes, the answer must use a status the
spec declares for that operation, the declared content type, a body valid against the declared
schema (JSON Schema 2020-12, formats checked), and, where the spec lists ``x-error-codes``, one
of those codes. A mismatch raises :class:`ResponseMismatch` and is recorded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance import contract
from conformance.lifecycle import Operation
from daprhttp.dispatch import ROUTE

SPEC_URI = "urn:dapr-workflow-conformance:openapi"
log = logging.getLogger("daprhttp.validation")


class ResponseMismatch(AssertionError):
    """The server answered something its own spec does not allow."""


def operation_id(operation: Operation) -> str:
    """The spec's ``operationId`` of a lifecycle operation (``startWorkflow``, ...)."""
    return f"{operation.value}Workflow"


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _unpointer(ref: str) -> tuple[str, ...]:
    parts = ref.removeprefix("#/").split("/")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in parts)


class ResponseValidator:
    """Validates (operation, status, content type, body) against the spec."""

    def __init__(self, spec: Mapping[str, Any] | None = None) -> None:
        self._spec = spec if spec is not None else contract.spec()
        resource = Resource.from_contents(self._spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._operations: dict[str, tuple[str, str]] = {
            op["operationId"]: (path, method)
            for path, item in self._spec["paths"].items()
            for method, op in item.items()
            if isinstance(op, dict) and "operationId" in op
        }
        self._validators: dict[str, Draft202012Validator] = {}

    def check(
        self, operation: Operation, status: int, content_type: str | None, body: bytes
    ) -> None:
        op_id = operation_id(operation)
        path, method = self._operations[op_id]
        where = f"{method.upper()} {path} ({op_id}) answered {status}"
        responses = self._spec["paths"][path][method]["responses"]
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            raise ResponseMismatch(
                f"{where}, a status the spec does not declare (declared: {sorted(responses)})"
            )
        location: tuple[str, ...] = ("paths", path, method, "responses", key)
        response = responses[key]
        while "$ref" in response:
            location = _unpointer(response["$ref"])
            response = self._resolve(location)
        content = response.get("content", {})
        media = (content_type or "").split(";")[0].strip()
        if not content:
            if body:
                raise ResponseMismatch(f"{where} with a body, but the spec declares none")
            return
        if media not in content:
            raise ResponseMismatch(
                f"{where} as {media or 'no content type'}; the spec declares {sorted(content)}"
            )
        try:
            document = json.loads(body)
        except ValueError as error:
            raise ResponseMismatch(f"{where} with a body that is not JSON: {error}") from None
        validator = self._validator(_pointer(*location, "content", media, "schema"))
        problems = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if problems:
            detail = "; ".join(
                f"{'/'.join(map(str, p.absolute_path)) or '(body)'}: {p.message}" for p in problems
            )
            raise ResponseMismatch(f"{where} with a body that breaks the schema: {detail}")
        codes = response.get("x-error-codes")
        if codes is not None and document.get("errorCode") not in codes:
            raise ResponseMismatch(
                f"{where} with errorCode {document.get('errorCode')!r}, "
                f"which the spec does not list here ({codes})"
            )

    def _resolve(self, location: tuple[str, ...]) -> dict[str, Any]:
        node: Any = self._spec
        for part in location:
            node = node[part]
        return dict(node)

    def _validator(self, pointer: str) -> Draft202012Validator:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": f"{SPEC_URI}#/{pointer}"},
                registry=self._registry,
                format_checker=FormatChecker(),
            )
            self._validators[pointer] = validator
        return validator


def validation_middleware(validator: ResponseValidator, failures: list[str]) -> Middleware:
    """A middleware that checks every workflow-route answer; mismatches are recorded and raised."""

    @web.middleware
    async def validate(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        found = request.get(ROUTE)
        if found is None or not isinstance(found.target, Operation):
            return response
        body = response.body if isinstance(response, web.Response) else b""
        try:
            validator.check(
                found.target,
                response.status,
                response.headers.get("Content-Type"),
                body if isinstance(body, bytes) else b"",
            )
        except ResponseMismatch as mismatch:
            failures.append(str(mismatch))
            log.error("response does not match openapi.yaml: %s", mismatch)
            raise
        return response

    return validate
