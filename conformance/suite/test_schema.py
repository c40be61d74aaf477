"""Schema tests: Schemathesis drives every operation of ``openapi.yaml`` against the target.

Each operation is fuzzed (examples, coverage and fuzzing phases), then the stateful phase
follows the spec's links: start's 202 links every command to ``$response.body#/instanceID``,
and every command's 202 links to get. Every answer is checked with these checks, chosen
deliberately against what daprd really does:

- ``status_code_conformance``, ``content_type_conformance``, ``response_schema_conformance``
  (formats included, so timestamps are RFC 3339), ``response_headers_conformance``: every
  answer is documented, with its content type and schema.
- ``negative_data_rejection``: input the spec calls invalid is rejected. The spec constrains
  only what daprd rejects (a start ID over 64 characters, an empty path segment, a command body
  that is not a JSON object), so under ``--profile dapr`` the rejection must be 400 or 404, as
  daprd answers; under ``docs`` any 4xx/5xx Schemathesis accepts.
- ``error_body_conformance`` (ours): an error body is exactly ``{"errorCode", "message"}``;
  under ``dapr`` the code must be one of the response's ``x-error-codes`` and the message must
  fit the code's template in ``x-dapr-error-codes``.

The profile's knobs (``profiles.yaml``) loosen these: ``errors: any-error`` drops the code and
template part, ``error_body: any`` the whole error body check, ``content_type: any`` the
content type check, and ``command_body: empty-or-empty-object`` lets a 2xx body be empty.

Left out on purpose:

- ``not_a_server_error``: daprd answers 500 by design (pause, resume and raiseEvent of an
  unknown instance, purge of a running one, start of an active ID); the spec documents them.
- ``positive_data_acceptance``: the spec cannot express daprd's instance ID rule (Unicode
  letters and digits, ``_``, ``-``, at most 64 *bytes*), so schema-valid IDs such as ``a$b`` or
  thirty CJK characters are rightly refused; and a valid command on an unknown ID is 404/500.
- ``unsupported_method`` (and the coverage phase's unexpected methods): daprd has no 405; a
  wrong method falls through to its 404 ``ERR_DIRECT_INVOKE`` handler (docs/daprd-http.md §2.4).
- ``use_after_free`` and ``ensure_resource_availability``: they model REST resources
  (DELETE, sub-paths) that this API does not have; the model-based test checks the lifecycle.

Server state outlives Hypothesis examples, so every start that would create an instance gets
an instance ID unique to this run and example. Budget: ``MAX_EXAMPLES`` per operation and
``STATEFUL_STEPS`` per stateful scenario (``--quick``: ``QUICK_EXAMPLES``, ``QUICK_STEPS``),
deterministic unless ``--hypothesis-seed`` is given.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis import BaseSchema, CheckContext, Response
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance import instance_ids, transport
from conformance.contract import SPEC_PATH, error_codes, spec
from conformance.operation_tests import OPERATION_LABELS, ApiCase, run_operation
from conformance.options import SuiteConfig
from conformance.profiles import Profile

MAX_EXAMPLES = 25
QUICK_EXAMPLES = 5
STATEFUL_EXAMPLES = 10
QUICK_STATEFUL_EXAMPLES = 3
STATEFUL_STEPS = 6
QUICK_STEPS = 3
API_PREFIX = "/v1.0"
START_PATH = "/workflows/{workflowComponentName}/{workflowName}/start"


# --- which error codes each answer may carry --------------------------------------------------


def documented_error_codes(path: str, method: str, status: int) -> frozenset[str] | None:
    """The ``x-error-codes`` of one documented response (``None`` if it lists none)."""
    document = spec()
    response = document["paths"][path][method.lower()]["responses"].get(str(status))
    if response is None:
        return None
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    codes = response.get("x-error-codes")
    return frozenset(codes) if codes is not None else None


def template_pattern(template: str) -> re.Pattern[str]:
    """A Go message template as a regex: ``%s``/``%v`` any text, ``%d`` digits."""
    parts = re.split(r"(%[sdv])", template)
    regex = "".join(
        (r"\d+" if part == "%d" else ".*") if part in ("%s", "%v", "%d") else re.escape(part)
        for part in parts
    )
    return re.compile(regex, re.DOTALL)


def error_body_problem(
    body: object, path: str, method: str, status: int, *, exact: bool
) -> str | None:
    """Why this error body is not what daprd sends, or ``None`` if it is."""
    if not isinstance(body, dict) or set(body) != {"errorCode", "message"}:
        keys = sorted(body) if isinstance(body, dict) else type(body).__name__
        return f'an error body must be exactly {{"errorCode", "message"}}, got {keys}'
    code, message = body["errorCode"], body["message"]
    if not isinstance(code, str) or not isinstance(message, str):
        return "errorCode and message must both be strings"
    if not exact:
        return None
    allowed = documented_error_codes(path, method, status)
    if allowed is not None and code not in allowed:
        return f"errorCode {code} is not one the spec lists for {status}: {sorted(allowed)}"
    known = error_codes().get(code)
    if known is None:
        return f"errorCode {code} is not in x-dapr-error-codes"
    if not template_pattern(known.template).fullmatch(message):
        return f"message {message!r} does not fit the template of {code}: {known.template!r}"
    return None


def error_body_check(exact: bool) -> CheckFunction:
    """The Schemathesis check that every error body is daprd's ``{errorCode, message}``."""

    def error_body_conformance(ctx: CheckContext, response: Response, case: ApiCase) -> bool | None:
        if response.status_code < 400:
            return None
        try:
            body = json.loads(response.text)
        except ValueError:
            raise AssertionError(f"the error body is not JSON: {response.text[:200]!r}") from None
        problem = error_body_problem(
            body, case.operation.path, case.method, response.status_code, exact=exact
        )
        if problem is not None:
            raise AssertionError(problem)
        return None

    return error_body_conformance


# --- unique instance IDs -----------------------------------------------------------------------


def is_valid_instance_id(value: str) -> bool:
    """daprd's rule (conformance.instance_ids): Unicode letters and decimal digits by Go's
    tables, ``_`` and ``-``, at most 64 bytes; not empty."""
    return value != "" and instance_ids.accepted(value)


def unique_instance_id(value: str, token: str) -> str:
    """``value`` made unique with ``token`` (ASCII) in front, cut from the end until it is valid.

    An ID the spec's patterns match stays one they match (at most 16 to 64 characters, by the
    widest UTF-8 character in it), so Schemathesis still sees the query it generated as valid;
    a valid ID no pattern matches (mixed widths) only has to stay within daprd's 64 bytes.
    """
    fits = (
        instance_ids.schema_accepts if instance_ids.schema_accepts(value) else is_valid_instance_id
    )
    combined = token + value
    while not fits(combined):
        combined = combined[:-1]
    return combined


def make_start_unique(case: ApiCase, tokens: Iterator[str]) -> None:
    """Give a start that would create an instance an ID no earlier example used."""
    if case.operation.path != START_PATH:
        return
    value = case.query.get("instanceID") if case.query else None
    if isinstance(value, str) and is_valid_instance_id(value):
        case.query = {**case.query, "instanceID": unique_instance_id(value, next(tokens))}


def id_tokens(run_tag: str) -> Iterator[str]:
    return (f"s{run_tag}n{n}x" for n in itertools.count())


# --- the schema under test ----------------------------------------------------------------------


def schema_config(config: SuiteConfig, target: str, seed: object) -> schemathesis.Config:
    """Schemathesis settings for this target: checks, budget, determinism."""
    rejections = {"expected-statuses": ["400", "404"]} if config.rules.exact_errors else {}
    data: dict[str, Any] = {
        "base-url": target + API_PREFIX,
        "generation": {
            "max-examples": QUICK_EXAMPLES if config.quick else MAX_EXAMPLES,
            "deterministic": seed is None,
            "database": "none",
        },
        "checks": {
            "not_a_server_error": {"enabled": False},
            "positive_data_acceptance": {"enabled": False},
            "unsupported_method": {"enabled": False},
            "use_after_free": {"enabled": False},
            "ensure_resource_availability": {"enabled": False},
            "negative_data_rejection": rejections,
        },
        "phases": {
            "coverage": {"unexpected-methods": []},
            "stateful": {"max-steps": QUICK_STEPS if config.quick else STATEFUL_STEPS},
        },
    }
    if config.api_token:
        data["headers"] = {"dapr-api-token": config.api_token}
    if seed is not None:
        data["seed"] = int(str(seed))
    return schemathesis.Config.from_dict(data)


@pytest.fixture(scope="module")
def workflow_schema(
    dapr_target: str, conformance_config: SuiteConfig, pytestconfig: pytest.Config
) -> BaseSchema:
    """``openapi.yaml`` loaded by Schemathesis, pointed at the target's ``/v1.0`` prefix."""
    seed = pytestconfig.getoption("hypothesis_seed", None)
    return schemathesis.openapi.from_path(
        SPEC_PATH, config=schema_config(conformance_config, dapr_target, seed)
    )


def checks_for(rules: Profile) -> list[CheckFunction]:
    """The checks every answer gets, as strict as the profile's knobs say."""
    checks: list[CheckFunction] = [
        status_code_conformance,
        response_headers_conformance,
        negative_data_rejection,
        response_schema_conformance if rules.is_strict("command_body") else schema_or_empty,
    ]
    if rules.is_strict("content_type"):
        checks.append(content_type_conformance)
    if rules.is_strict("error_body"):
        checks.append(error_body_check(exact=rules.exact_errors))
    return checks


def schema_or_empty(ctx: CheckContext, response: Response, case: ApiCase) -> bool | None:
    """``response_schema_conformance``, but a success with an empty body passes (docs)."""
    if 200 <= response.status_code < 300 and not response.content:
        return None
    return response_schema_conformance(ctx, response, case)


@pytest.fixture(scope="module")
def start_ids(run_tag: str) -> Iterator[str]:
    return id_tokens(run_tag)


@pytest.fixture(scope="module")
def schema_session(conformance_config: SuiteConfig) -> Iterator[requests.Session]:
    """The session Schemathesis sends through: ``--retries`` and transport errors as the suite's."""
    session = transport.session(conformance_config.retries)
    yield session
    session.close()


@pytest.mark.parametrize("operation", OPERATION_LABELS)
@pytest.mark.behaviour("error.body.shape", "command.accepted.empty-object")
def test_every_operation_answers_as_the_spec_documents(
    operation: str,
    workflow_schema: BaseSchema,
    conformance_config: SuiteConfig,
    start_ids: Iterator[str],
    schema_session: requests.Session,
) -> None:
    checks = checks_for(conformance_config.rules)

    def check(case: ApiCase) -> None:
        make_start_unique(case, start_ids)
        case.call_and_validate(session=schema_session, checks=checks)

    run_operation(workflow_schema, operation, check)


@pytest.mark.behaviour("error.body.shape", "command.accepted.empty-object")
def test_linked_operation_sequences_answer_as_the_spec_documents(
    workflow_schema: BaseSchema,
    conformance_config: SuiteConfig,
    start_ids: Iterator[str],
    schema_session: requests.Session,
) -> None:
    checks = checks_for(conformance_config.rules)

    class LinkedOperations(workflow_schema.as_state_machine()):  # type: ignore[misc]
        """Schemathesis' link-following state machine, with unique start IDs and our checks."""

        def before_call(self, case: ApiCase) -> None:
            make_start_unique(case, start_ids)

        def get_call_kwargs(self, case: ApiCase) -> dict[str, Any]:
            return {"session": schema_session}

        def validate_response(
            self,
            response: Response,
            case: ApiCase,
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(response, checks=checks, transport_kwargs=kwargs or None)

    quick = conformance_config.quick
    test_case = LinkedOperations.TestCase
    test_case.settings = hypothesis.settings(
        workflow_schema.config.get_hypothesis_settings(),
        max_examples=QUICK_STATEFUL_EXAMPLES if quick else STATEFUL_EXAMPLES,
        phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    test_case().runTest()
