"""The conformance suite fails against every broken variant of the mock, for the right reason.

Each variant (``tests/broken/variants/``) is served on a free loopback port and the scenario
tests of the behaviours that must catch its bug run against it in a subprocess. The run must
fail; among the failures must be a test of each of those behaviours, whose message names the
behaviour and says what is wrong. The control runs the same selections against the unbroken
mock, where they must pass, so a failure proves the bug and not a flaky test.

The runs of the selected tests start together, ``PARALLEL_RUNS`` at a time (most of a run is
the suite waiting out a deadline for an effect that never comes), and each test reads its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from conformance.contract import behaviours
from mockserver.app import create_app
from mockserver.testing import serving
from tests.broken.suite_run import SuiteRun, run_suite
from tests.broken.variants import VARIANTS, Variant

CONTROLS = sorted({(v.start_delay, v.quick) for v in VARIANTS})
NONCONFORMANCE = "conformance.failures.Nonconformance: "
"""How a failure the suite explains starts (a crash or a bare assert is no explanation)."""
PARALLEL_RUNS = 2


class SuiteGap(AssertionError):
    """The suite lets a bug through: it passes, or its failure does not say what is wrong."""


class BugMissed(SuiteGap):
    """The suite passed against a broken target."""


class FailureUnclear(SuiteGap):
    """The suite failed, but no failure names the behaviour and what is wrong."""


def run_against(variant: Variant, workdir: Path) -> SuiteRun:
    """The tests of ``variant.catches`` against the broken target."""
    with serving(variant.app()) as url:
        return run_suite(url, variant.catches, workdir=workdir, quick=variant.quick)


def control_group(start_delay: float, quick: bool) -> list[Variant]:
    return [v for v in VARIANTS if (v.start_delay, v.quick) == (start_delay, quick)]


def control_behaviours(start_delay: float, quick: bool) -> list[str]:
    return sorted({b for v in control_group(start_delay, quick) for b in v.catches})


def run_control(start_delay: float, quick: bool, workdir: Path) -> SuiteRun:
    """The tests of every variant with these settings against the unbroken mock."""
    with serving(create_app(start_delay=start_delay)) as url:
        return run_suite(url, control_behaviours(start_delay, quick), workdir=workdir, quick=quick)


def job(params: dict[str, Any]) -> tuple[str, Callable[[Path], SuiteRun]]:
    """The run one test's parameters ask for, and its key."""
    if "variant" in params:
        variant: Variant = params["variant"]
        return variant.name, partial(run_against, variant)
    delay, quick = params["start_delay"], params["quick"]
    return f"control-{delay:g}-{quick}", partial(run_control, delay, quick)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[SuiteRun]]]:
    """Every run this session's selected tests of this module need, started at once."""
    jobs = dict(
        job(item.callspec.params)
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is request.module
        and "runs" in item.fixturenames
    )
    with ThreadPoolExecutor(PARALLEL_RUNS, thread_name_prefix="suite-run") as pool:
        futures = {key: pool.submit(run, tmp_path_factory.mktemp(key)) for key, run in jobs.items()}
        yield futures
        for future in futures.values():
            future.cancel()


def test_each_variant_is_a_distinct_bug_named_with_catalogue_behaviours() -> None:
    known = behaviours()
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)
    assert len(VARIANTS) >= 20
    for variant in VARIANTS:
        unknown = [b for b in variant.catches if b not in known]
        assert variant.catches and not unknown, f"{variant.name}: unknown behaviours {unknown}"
        assert "\n" not in variant.bug and any(b in variant.bug for b in variant.catches), (
            f"{variant.name}: the one-line docstring must name a behaviour it catches"
        )


def assert_caught(variant: Variant, run: SuiteRun) -> None:
    """The run failed, and each behaviour of ``variant.catches`` has a telling failure."""
    __tracebackhide__ = True
    if run.returncode == 0:
        raise BugMissed(f"the suite passed against: {variant.bug}\n{run.summary()}")
    assert run.returncode == 1, f"the suite did not run to the end\n{run.summary()}"
    errors = [case.name for case in run.cases if case.outcome == "error"]
    assert not errors, f"tests errored instead of failing: {errors}\n{run.summary()}"
    for behaviour in variant.catches:
        failed = run.outcomes(behaviour, "failed")
        if not failed:
            raise BugMissed(f"no test of {behaviour} failed against: {variant.bug}")
        telling = [
            case
            for case in failed
            if case.message.startswith(NONCONFORMANCE)
            and f"[{behaviour}]" in case.message
            and variant.says in case.message
        ]
        if not telling:
            raise FailureUnclear(
                f"no failure of {behaviour} is a Nonconformance naming it with "
                f"{variant.says!r}:\n" + "\n---\n".join(case.message for case in failed)
            )


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_the_suite_fails_against_a_broken_target_for_the_right_reason(
    variant: Variant, runs: dict[str, Future[SuiteRun]]
) -> None:
    assert_caught(variant, runs[variant.name].result())


@pytest.mark.parametrize(
    ("start_delay", "quick"),
    CONTROLS,
    ids=[f"start_delay={delay:g}{'-quick' if quick else ''}" for delay, quick in CONTROLS],
)
def test_the_same_selections_pass_against_the_unbroken_mock(
    start_delay: float, quick: bool, runs: dict[str, Future[SuiteRun]]
) -> None:
    key, _ = job({"start_delay": start_delay, "quick": quick})
    run = runs[key].result()
    assert run.returncode == 0, run.summary()
    for behaviour in control_behaviours(start_delay, quick):
        assert run.outcomes(behaviour, "passed"), f"no test of {behaviour} passed\n{run.summary()}"
