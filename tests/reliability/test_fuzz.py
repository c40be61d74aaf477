"""Hostile input: Schemathesis fuzzes a running mock, positive and negative data, fixed seed.

Every answer must be one ``openapi.yaml`` documents for the operation (status, content type,
headers, schema: so no 5xx the spec does not list), input the spec calls invalid must be
refused with 400/404, every 4xx/5xx body must be daprd's ``{errorCode, message}`` with a code
the spec lists and a message that fits its template, and the server must log no error (the
mock validates its own answers too and logs any mismatch). A raw-request fuzzer then sends
request targets no HTTP library would build: bad and truncated percent-escapes, escaped bytes
that are not UTF-8, NULs, ``..`` and ``//``, on every route. Then the inputs a fuzzer rarely
reaches: JSON nested thousands deep (inputs, event payloads, ignored bodies), a workflow that
continues as new a million times, and fuzzed bodies for the control API.

Budget: ``FUZZ_EXAMPLES`` examples per operation and raw fuzzer (default 30, ~30 s under
``make test``), ``FUZZ_SEED`` the seed; ``make fuzz`` runs a longer one.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import BaseSchema, CheckContext, Response
from schemathesis.checks import CheckFunction

from conformance.contract import API_VERSIONS, SPEC_PATH
from conformance.operation_tests import OPERATION_LABELS, ApiCase, run_operation
from conformance.suite.test_schema import error_body_check, id_tokens, make_start_unique
from mockserver.testing import running_mock
from tests.reliability.server_log import ServerErrors, capturing_server_errors

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261127"))
STATEFUL_EXAMPLES = max(3, FUZZ_EXAMPLES // 5)
STATEFUL_STEPS = 8


@pytest.fixture(scope="module")
def server_errors() -> Iterator[ServerErrors]:
    with capturing_server_errors() as errors:
        yield errors
        errors.assert_none("the fuzzed mock stopped")


@pytest.fixture(scope="module")
def mock_url(server_errors: ServerErrors) -> Iterator[str]:
    """The mock on a free port, real clock, validating its own answers against the spec."""
    with running_mock(validate_responses=True) as url:
        yield url


@pytest.fixture(scope="module")
def fuzzed_schema(mock_url: str) -> BaseSchema:
    """``openapi.yaml`` for Schemathesis: both generation modes, fixed seed, no example database."""
    config = schemathesis.Config.from_dict(
        {
            "base-url": mock_url + "/v1.0",
            "seed": FUZZ_SEED,
            "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES, "database": "none"},
            "checks": {
                "negative_data_rejection": {"expected-statuses": ["400", "404"]},
                # daprd answers documented 500s; status_code_conformance catches any other 5xx.
                "not_a_server_error": {"enabled": False},
                # Out for the reasons conformance/suite/test_schema.py gives.
                "positive_data_acceptance": {"enabled": False},
                "unsupported_method": {"enabled": False},
                "use_after_free": {"enabled": False},
                "ensure_resource_availability": {"enabled": False},
            },
            # daprd has no 405: a wrong method reaches its 404 fallback (docs/daprd-http.md §2.4).
            "phases": {"coverage": {"unexpected-methods": []}},
        }
    )
    return schemathesis.openapi.from_path(SPEC_PATH, config=config)


@pytest.fixture(scope="module")
def start_ids() -> Iterator[str]:
    return id_tokens("fuzz")


def no_server_error(errors: ServerErrors) -> CheckFunction:
    """A check that fails when the server logged an error while answering."""

    def server_logged_no_error(ctx: CheckContext, response: Response, case: ApiCase) -> None:
        errors.assert_none(f"{case.method} {case.formatted_path}")

    return server_logged_no_error


def our_checks(errors: ServerErrors) -> list[CheckFunction]:
    """On top of Schemathesis' own (status code, content type, schema, headers, negative data
    rejection): daprd's error bodies, and a quiet server log."""
    return [error_body_check(exact=True), no_server_error(errors)]


@pytest.mark.parametrize("operation", OPERATION_LABELS)
def test_fuzzed_requests_get_only_answers_the_spec_documents(
    operation: str, fuzzed_schema: BaseSchema, server_errors: ServerErrors, start_ids: Iterator[str]
) -> None:
    checks = our_checks(server_errors)

    def check(case: ApiCase) -> None:
        make_start_unique(case, start_ids)
        case.call_and_validate(additional_checks=checks)

    run_operation(fuzzed_schema, operation, check)


def test_fuzzed_linked_sequences_get_only_answers_the_spec_documents(
    fuzzed_schema: BaseSchema, server_errors: ServerErrors, start_ids: Iterator[str]
) -> None:
    checks = our_checks(server_errors)

    class LinkedOperations(fuzzed_schema.as_state_machine()):  # type: ignore[misc]
        """Schemathesis' link-following state machine with unique start IDs and our checks."""

        def before_call(self, case: ApiCase) -> None:
            make_start_unique(case, start_ids)

        def after_call(self, response: Response, case: ApiCase) -> None:
            super().after_call(response, case)
            for check in checks:
                check(None, response, case)

    test_case = LinkedOperations.TestCase
    test_case.settings = hypothesis.settings(
        fuzzed_schema.config.get_hypothesis_settings(),
        max_examples=STATEFUL_EXAMPLES,
        stateful_step_count=STATEFUL_STEPS,
        phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    test_case().runTest()


# --- raw request targets ------------------------------------------------------------------------

_ESCAPES = st.one_of(
    st.binary(min_size=1, max_size=3).map(lambda raw: "".join(f"%{b:02X}" for b in raw)),
    st.sampled_from(["%", "%G", "%4", "%zz", "%%", "%C3%28", "%ED%A0%80", "%F4%90%80%80"]),
    st.sampled_from(["%2F", "%2f", "%00", "%0A", "%20", "+", "%2B", "%25", "%C3%A9", "%E4%B8%AD"]),
)
_PLAIN = st.text(alphabet="abcXYZ019_-.~!$&'()*,;=:@", min_size=1, max_size=6)
SEGMENTS = st.one_of(
    st.just(""),
    st.lists(st.one_of(_PLAIN, _ESCAPES, st.sampled_from(["..", "."])), min_size=1, max_size=4).map(
        "".join
    ),
)
"""A path segment as a client might send it: plain characters, any escape, valid or not."""

_ROUTES = [
    ("POST", "/{v}/workflows/{c}/{w}/start?instanceID={i}"),
    ("POST", "/{v}/workflows/{c}/{w}/start?{i}={i}&instanceID={i}"),
    ("GET", "/{v}/workflows/{c}/{i}"),
    ("POST", "/{v}/workflows/{c}/{i}/terminate"),
    ("POST", "/{v}/workflows/{c}/{i}/raiseEvent/{e}"),
    ("POST", "/{v}/workflows/{c}/{i}/pause"),
    ("POST", "/{v}/workflows/{c}/{i}/resume"),
    ("POST", "/{v}/workflows/{c}/{i}/purge"),
    ("GET", "/{v}/{i}/{e}"),
]


@st.composite
def raw_requests(draw: st.DrawFn) -> tuple[str, bytes, bytes]:
    """A method, a request target built from fuzzed segments, and a body."""
    method, template = draw(st.sampled_from(_ROUTES))
    target = template.format(
        v=draw(st.sampled_from(API_VERSIONS)),
        c=draw(st.one_of(st.just("dapr"), SEGMENTS)),
        w=draw(st.one_of(st.sampled_from(["EchoWorkflow", "EventWorkflow"]), SEGMENTS)),
        i=draw(SEGMENTS),
        e=draw(st.one_of(st.just("go"), SEGMENTS)),
    )
    if draw(st.booleans()):
        target = target.replace("/", draw(st.sampled_from(["//", "/./", "/%2F"])), 1)
    body = draw(st.one_of(st.just(b""), st.binary(max_size=16), st.just(b"\xff{")))
    return method, target.encode("ascii"), body


def send_raw(base_url: str, method: str, target: bytes, body: bytes) -> tuple[int, bytes, bytes]:
    """One HTTP/1.1 request with this exact target; the status, Content-Type and body."""
    host, port = base_url.removeprefix("http://").split(":")
    head = (
        f"{method} ".encode() + target + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head + body)
        answer = b"".join(iter(lambda: connection.recv(65536), b""))
    header, _, payload = answer.partition(b"\r\n\r\n")
    lines = header.split(b"\r\n")
    fields = dict(line.split(b": ", 1) for line in lines[1:] if b": " in line)
    return int(lines[0].split()[1]), fields.get(b"Content-Type", b""), payload


@hypothesis.settings(max_examples=FUZZ_EXAMPLES * 4, database=None, deadline=None)
@hypothesis.seed(FUZZ_SEED)
@hypothesis.given(raw=raw_requests())
def test_raw_request_targets_get_a_dapr_answer_and_never_a_crash(
    mock_url: str, server_errors: ServerErrors, raw: tuple[str, bytes, bytes]
) -> None:
    method, target, body = raw
    status, content_type, payload = send_raw(mock_url, method, target, body)
    # The mock checks its own answers on workflow routes against the spec and logs a mismatch.
    server_errors.assert_none(f"{method} {target!r}")
    assert status in (200, 202, 400, 404, 500), f"{method} {target!r} answered {status}"
    if status >= 400:
        assert content_type.startswith(b"application/json"), (status, content_type, payload)
        error = json.loads(payload)
        assert set(error) == {"errorCode", "message"}, error
        assert all(isinstance(value, str) for value in error.values()), error


# --- deeply nested JSON ---------------------------------------------------------------------------

NESTED_ROUTES = [
    ("POST", "/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=deep{n}"),
    ("POST", "/v1.0/workflows/dapr/ParentWorkflow/start?instanceID=parent{n}"),
    ("POST", "/v1.0/workflows/dapr/EventWorkflow/start?instanceID=event{n}"),
    ("POST", "/v1.0/workflows/dapr/event{n}/raiseEvent/go"),
    ("POST", "/v1.0/workflows/dapr/parent{n}-child/raiseEvent/go"),
    ("GET", "/v1.0/workflows/dapr/deep{n}"),
    ("POST", "/v1.0/workflows/dapr/event{n}/pause"),
    ("POST", "/_mock/clock/advance"),
]
"""Each body goes to every route in turn: inputs, event payloads (a child's output reaches its
parent), bodies daprd unmarshals and ignores, and the control API."""


@pytest.mark.parametrize("depth", [500, 960, 990, 5000])
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deeply_nested_json_is_refused_or_fails_the_workflow_and_never_crashes(
    mock_url: str, server_errors: ServerErrors, depth: int, opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    body = (opening * depth + "1" + closing * depth).encode()
    tag = f"{depth}{'a' if opening == '[' else 'o'}"
    for method, template in NESTED_ROUTES:
        target = template.format(n=tag).encode()
        status, _, payload = send_raw(mock_url, method, target, body)
        server_errors.assert_none(f"{method} {target!r} with JSON nested {depth} deep")
        assert status in (200, 202, 400, 404, 500), (target, status, payload)


def test_a_workflow_that_continues_as_new_a_million_times_does_not_hold_the_mock(
    mock_url: str, server_errors: ServerErrors
) -> None:
    start = b"/v1.0/workflows/dapr/ContinueAsNewWorkflow/start?instanceID=endless"
    assert send_raw(mock_url, "POST", start, b"1000000")[0] == 202
    state = send_raw(mock_url, "GET", b"/v1.0/workflows/dapr/endless", b"")
    assert json.loads(state[2])["runtimeStatus"] == "RUNNING", state
    other = b"/v1.0/workflows/dapr/EchoWorkflow/start?instanceID=meanwhile"
    assert send_raw(mock_url, "POST", other, b"1")[0] == 202
    assert send_raw(mock_url, "POST", b"/v1.0/workflows/dapr/endless/terminate", b"")[0] == 202
    state = send_raw(mock_url, "GET", b"/v1.0/workflows/dapr/endless", b"")
    assert json.loads(state[2])["runtimeStatus"] == "TERMINATED", state
    server_errors.assert_none("an endless continue-as-new chain")


# --- the control API ------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
CONTROL_BODIES = st.one_of(
    st.builds(lambda value: {"seconds": value}, JSON_VALUES | st.floats(min_value=1e9)),
    st.builds(lambda value: {"output": value}, JSON_VALUES),
    st.builds(lambda m, t: {"message": m, "errorType": t}, JSON_VALUES, JSON_VALUES),
    JSON_VALUES,
).map(lambda value: json.dumps(value).encode())
CONTROL_PATHS = [
    b"/_mock/clock/advance",
    b"/_mock/instances/held/complete",
    b"/_mock/instances/held/fail",
]


@pytest.fixture(scope="module")
def manual_mock_url(server_errors: ServerErrors) -> Iterator[str]:
    with running_mock(clock="manual", validate_responses=True) as url:
        yield url


@hypothesis.settings(max_examples=FUZZ_EXAMPLES * 2, database=None, deadline=None)
@hypothesis.seed(FUZZ_SEED)
@hypothesis.given(path=st.sampled_from(CONTROL_PATHS), body=CONTROL_BODIES)
def test_fuzzed_control_api_bodies_are_refused_or_obeyed_and_the_mock_keeps_working(
    manual_mock_url: str, server_errors: ServerErrors, path: bytes, body: bytes
) -> None:
    start = b"/v1.0/workflows/dapr/EventWorkflow/start?instanceID=held"
    send_raw(manual_mock_url, "POST", start, b"")
    status, _, payload = send_raw(manual_mock_url, "POST", path, body)
    assert status in (200, 400, 404, 409), (path, body, status, payload)
    state = send_raw(manual_mock_url, "GET", b"/v1.0/workflows/dapr/held", b"")
    assert state[0] == 200, (path, body, state)
    server_errors.assert_none(f"POST {path!r} {body!r}")
