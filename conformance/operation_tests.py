"""Schemathesis's tests of one API operation, as one pytest test per operation.

``schemathesis.pytest.from_fixture`` runs every operation of a schema loaded by a fixture as
subtests of a single pytest test, and names each by rewriting the test node's private ID, which
pytest 9.2 no longer has. Here the operations are pytest parameters instead (their labels, read
from ``openapi.yaml`` when the module is collected): each is a test of its own, with its own node
ID and its own line in the JUnit report, and xdist spreads them over its workers. Each test runs
what Schemathesis's plugin runs for the operation: its Hypothesis test (the examples, coverage
and fuzzing phases the schema's config enables), built by Schemathesis itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemathesis import APIOperation, BaseSchema, Case
from schemathesis.core.failures import FailureGroup, as_reported_failure
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source

from conformance.contract import spec

ApiCase = Case[APIOperation[Any, Any, Any, Any]]

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

OPERATION_LABELS: tuple[str, ...] = tuple(
    f"{method.upper()} {path}"
    for path, item in spec()["paths"].items()
    for method in item
    if method in HTTP_METHODS
)
"""Every operation of ``openapi.yaml`` as Schemathesis labels it (``POST /workflows/...``)."""


def run_operation(schema: BaseSchema, label: str, test: Callable[[ApiCase], None]) -> None:
    """Run ``test`` on every case Schemathesis generates for the operation ``label``; a failure
    is reported as Schemathesis's pytest plugin reports it."""
    __tracebackhide__ = True
    operation = schema.find_operation_by_label(label)
    if operation is None:
        raise LookupError(f"openapi.yaml has no operation {label!r}")

    def case_test(case: ApiCase) -> None:
        __tracebackhide__ = True
        test(case)

    hypothesis_test = build_operation_test(
        config=schema.config,
        operation=operation,
        test_func=case_test,
        given_kwargs={},
        feedback=FeedbackSources(constants_value_source=make_constants_value_source(schema)),
    )
    try:
        hypothesis_test()
    except FailureGroup as failures:
        raise as_reported_failure(failures) from None
