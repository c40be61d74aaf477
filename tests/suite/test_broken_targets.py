"""The suite fails against broken targets, saying what to fix, and passes where daprd may differ.

Each case puts a rewriting proxy (:mod:`tests.kit.proxy`) in front of the mock and runs the scenario
tests that should notice, in-process (pytester), under one or both profiles.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Protocol

import pytest

from tests.kit.proxy import TRANSIENT_READ_FAILURE, Exchange, Rewrite, broken_target, racing_reads

pytest_plugins = ["pytester"]

BASE_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


class SuiteRunner(Protocol):
    def __call__(
        self,
        *,
        after: Rewrite,
        k: str,
        before: Rewrite | None = None,
        profile: str = "dapr",
        deadline: float = 2.0,
    ) -> pytest.RunResult: ...


@pytest.fixture
def run(pytester: pytest.Pytester, mock_url: str) -> Iterator[SuiteRunner]:
    """``run(after=..., before=..., k=..., profile=...)``: the suite against a broken mock."""
    pytester.makeini(BASE_INI)

    def go(
        *,
        after: Rewrite,
        k: str,
        before: Rewrite | None = None,
        profile: str = "dapr",
        deadline: float = 2.0,
    ) -> pytest.RunResult:
        with broken_target(mock_url, before=before, after=after) as url:
            return pytester.runpytest(
                "--pyargs",
                "conformance.suite",
                "--target",
                url,
                "--profile",
                profile,
                "--eventually-deadline",
                str(deadline),
                "-k",
                k,
            )

    yield go


def is_command(exchange: Exchange, name: str) -> bool:
    return exchange.method == "POST" and exchange.path.endswith("/" + name)


def pause_of_unknown_is_404(exchange: Exchange) -> None:
    if is_command(exchange, "pause") and exchange.status == 500:
        instance_id = exchange.path.split("/")[-2]
        exchange.status = 404
        exchange.set_json(
            {
                "errorCode": "ERR_INSTANCE_ID_NOT_FOUND",
                "message": f"unable to find workflow with the provided instance ID: {instance_id}",
            }
        )


def test_a_404_for_pause_of_an_unknown_instance_fails_with_daprd_answer(run: SuiteRunner) -> None:
    result = run(after=pause_of_unknown_is_404, k="test_lifecycle and pause-ABSENT")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert (
        "pause of an unknown instance (daprd has no not-found mapping for pause, so it is" in text
    )
    assert "must answer 500 ERR_PAUSE_WORKFLOW with a message starting 'error pausing" in text
    assert "behaviour: [lifecycle.pause.ABSENT] pause of an ABSENT instance answers 500" in text
    assert "(docs/daprd-http.md §8, §5.3)" in text
    assert "got:       404 (application/json)" in text
    assert 'daprd:     500 {"errorCode": "ERR_PAUSE_WORKFLOW", "message": "error pausing' in text
    assert "/pause" in text and "replay:    curl -si -X POST" in text


def test_the_docs_profile_accepts_any_error_for_an_unknown_instance(run: SuiteRunner) -> None:
    result = run(after=pause_of_unknown_is_404, k="pause-ABSENT or are_500", profile="docs")
    result.assert_outcomes(passed=4)


def empty_command_bodies(exchange: Exchange) -> None:
    if exchange.method == "POST" and exchange.status == 202 and "/start" not in exchange.path:
        exchange.body = b""
        exchange.headers = {}


def test_an_empty_202_body_fails_the_dapr_profile_and_passes_the_docs_profile(
    run: SuiteRunner,
) -> None:
    k = "empty_json_object"
    failed = run(after=empty_command_bodies, k=k)
    failed.assert_outcomes(failed=1)
    assert "must answer 202 with the body {}" in failed.stdout.str() or (
        "must answer with Content-Type application/json" in failed.stdout.str()
    )
    run(after=empty_command_bodies, k=k, profile="docs").assert_outcomes(passed=1)


def without_workflow_name(exchange: Exchange) -> None:
    if exchange.method == "GET" and exchange.status == 200:
        body = exchange.json()
        body.pop("workflowName", None)
        exchange.set_json(body)


def test_a_get_without_workflow_name_fails_only_the_dapr_profile(run: SuiteRunner) -> None:
    k = "test_get_names_the_workflow or test_get_answers_the_instance_state"
    failed = run(after=without_workflow_name, k=k)
    failed.assert_outcomes(failed=6)
    assert "get.workflow-name" in failed.stdout.str()
    run(after=without_workflow_name, k=k, profile="docs").assert_outcomes(passed=3, skipped=3)


def extra_artefact(exchange: Exchange) -> None:
    if (is_command(exchange, "terminate") or is_command(exchange, "purge")) and (
        exchange.status == 404
    ):
        body = exchange.json()
        body["message"] += (
            "%!(EXTRA *fmt.wrapError=failed to submit termination request:: no such instance"
            " exists)"
        )
        exchange.set_json(body)


def test_daprd_1_16_not_found_messages_with_the_extra_artefact_pass(run: SuiteRunner) -> None:
    result = run(after=extra_artefact, k="terminate-ABSENT or purge-ABSENT or not_found")
    result.assert_outcomes(passed=4)


def ignore_pause(exchange: Exchange) -> None:
    if is_command(exchange, "pause"):
        exchange.status = 202
        exchange.set_json({})


def test_a_pause_that_does_nothing_fails_with_the_observed_statuses(run: SuiteRunner) -> None:
    result = run(before=ignore_pause, after=lambda e: None, k="pause-RUNNING")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "did not reach SUSPENDED within" in text
    assert "202, which moves a RUNNING instance to SUSPENDED" in text
    assert "observed:  RUNNING (at 0.0" in text


def details_in_errors(exchange: Exchange) -> None:
    if exchange.status >= 400:
        body = exchange.json()
        body["details"] = []
        exchange.set_json(body)


def test_an_error_body_with_more_keys_fails_the_error_shape(run: SuiteRunner) -> None:
    result = run(after=details_in_errors, k="test_every_error_is_json")
    assert result.parseoutcomes().get("failed", 0) == 10
    assert "it has the keys ['details', 'errorCode', 'message']" in result.stdout.str()


def invalid_before_too_long(exchange: Exchange) -> None:
    if exchange.path.endswith("/start") and "%24" in exchange.query and exchange.status == 400:
        exchange.set_json(
            {"errorCode": "ERR_INSTANCE_ID_INVALID", "message": "workflow instance ID is invalid"}
        )


def test_checking_characters_before_length_fails_with_daprd_order(run: SuiteRunner) -> None:
    result = run(after=invalid_before_too_long, k="length_is_checked_before")
    result.assert_outcomes(failed=1)
    assert "400 ERR_INSTANCE_ID_TOO_LONG" in result.stdout.str()


def unknown_get_is_500(exchange: Exchange) -> None:
    if exchange.method == "GET" and exchange.status == 404:
        exchange.status = 500
        exchange.set_json({"errorCode": "ERR_GET_WORKFLOW", "message": json.dumps("gone")})


def test_a_500_for_get_of_an_unknown_instance_fails_only_the_dapr_profile(run: SuiteRunner) -> None:
    k = "test_get_of_an_unknown_instance"
    run(after=unknown_get_is_500, k=k).assert_outcomes(failed=3)
    run(after=unknown_get_is_500, k=k, profile="docs").assert_outcomes(passed=3)


def test_daprds_transient_read_failure_after_a_write_passes(run: SuiteRunner) -> None:
    k = "test_get_answers or right_after_start or pause-RUNNING or resume-SUSPENDED or restart"
    result = run(after=racing_reads(), k=k)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 6 and "failed" not in outcomes, result.stdout.str()


def running_get_stays_transient(exchange: Exchange) -> None:
    if exchange.method == "GET" and b'"RUNNING"' in exchange.body:
        exchange.status = 500
        exchange.set_json(TRANSIENT_READ_FAILURE)


def test_a_transient_read_failure_that_lasts_fails(run: SuiteRunner) -> None:
    result = run(after=running_get_stays_transient, k="test_get_answers and RUNNING")
    result.assert_outcomes(failed=1)
    assert "500" in result.stdout.str() and "ERR_GET_WORKFLOW" in result.stdout.str()
