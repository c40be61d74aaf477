"""The pytest plugin: the suite's hooks (markers, profile skips, header, report) and fixtures.

Registered through the ``pytest11`` entry point, so it is active wherever the package is
installed; it only adds options (:mod:`conformance.options`), markers and fixtures, and changes
nothing unless tests tagged with ``@pytest.mark.behaviour`` or using the target are collected.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conformance.options import HEALTH_PATH, TARGET_ENV, SuiteConfig, add_options, suite_config
from conformance.transport_report import TransportErrors, transport_line

if TYPE_CHECKING:
    from conformance.client import WorkflowClient

BEHAVIOUR_MARK = "behaviour"
SLOW_MARK = "slow"
STRESS_MARK = "stress"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{BEHAVIOUR_MARK}(*ids): the catalogue behaviour(s) a conformance test checks"
    )
    config.addinivalue_line(
        "markers", f"{SLOW_MARK}: a long-running conformance test, skipped under --quick"
    )
    config.addinivalue_line(
        "markers", f"{STRESS_MARK}: an opt-in concurrency test, run only with --stress"
    )
    settings = suite_config(config)
    config.pluginmanager.register(TransportErrors(), "dapr-conformance-transport-errors")
    if settings.report_dir is not None and not is_xdist_worker(config):
        # Under pytest-xdist the controller sees every test's report; a worker sees only its own
        # tests, and a report it wrote would race the controller's for the same files.
        config.pluginmanager.register(ReportCollector(settings), "dapr-conformance-report")


def is_xdist_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (it has ``workerinput``)."""
    return hasattr(config, "workerinput")


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = suite_config(config)
    if settings.target is None:
        return []
    extras = ", quick" if settings.quick else ""
    if settings.retries:
        extras += f", {settings.retries} retries"
    if settings.report_dir is not None:
        extras += f", report in {settings.report_dir}"
    return [
        f"dapr workflow conformance: target {settings.target}, profile {settings.profile}, "
        f"deadline {settings.deadline:g}s, poll {settings.poll_interval:g}s, "
        f"settle {settings.settle:g}s{extras}"
    ]


def behaviour_ids(item: pytest.Item) -> tuple[str, ...]:
    """The behaviour IDs a test is tagged with, in order, without repeats."""
    found: list[str] = []
    for mark in item.iter_markers(BEHAVIOUR_MARK):
        found += [str(arg) for arg in mark.args if str(arg) not in found]
    return tuple(found)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    settings = suite_config(config)
    tagged = [(item, behaviour_ids(item)) for item in items]
    if any(ids for _, ids in tagged):
        _reject_unknown_behaviours(tagged)
        _apply_profile(tagged, settings)
    elif settings.quick:
        _apply_profile(tagged, settings)
    # else nothing here is the suite's: every pytest run of every project passes by here, and
    # reading the profiles (YAML) is left to the runs that need them.
    needs_target = any("dapr_target" in getattr(item, "fixturenames", ()) for item in items)
    if needs_target and settings.target is None and not config.option.collectonly:
        raise pytest.UsageError(
            "no target to check: pass --target URL (e.g. --target http://127.0.0.1:3500), "
            f"set the ini option dapr_target, or set ${TARGET_ENV}"
        )


def _apply_profile(
    tagged: list[tuple[pytest.Item, tuple[str, ...]]], settings: SuiteConfig
) -> None:
    """Tag each test with its behaviours; skip what the profile does not check or --quick skips."""
    rules = settings.rules
    for item, ids in tagged:
        for behaviour_id in ids:
            item.user_properties.append((BEHAVIOUR_MARK, behaviour_id))
        reasons = [rules.why_not_checked(i) for i in ids]
        if ids and all(reasons):
            why = "; ".join(sorted({str(r) for r in reasons}))
            item.add_marker(pytest.mark.skip(reason=f"not checked by profile {rules.name}: {why}"))
        elif settings.quick and item.get_closest_marker(SLOW_MARK):
            item.add_marker(pytest.mark.skip(reason="slow; skipped by --quick"))
        elif not settings.stress and item.get_closest_marker(STRESS_MARK):
            item.add_marker(pytest.mark.skip(reason="opt-in: run with --stress"))


def _reject_unknown_behaviours(tagged: list[tuple[pytest.Item, tuple[str, ...]]]) -> None:
    from conformance.contract import behaviours

    known = behaviours()
    unknown = sorted({f"{item.nodeid}: {i}" for item, ids in tagged for i in ids if i not in known})
    if unknown:
        raise pytest.UsageError(
            "tests tagged with behaviour IDs that are not in the catalogue "
            "(conformance/behaviours.yaml or lifecycle.<op>.<STATUS>):\n  " + "\n  ".join(unknown)
        )


@pytest.fixture(scope="session")
def conformance_config(pytestconfig: pytest.Config) -> SuiteConfig:
    """The suite's settings for this run."""
    return suite_config(pytestconfig)


@pytest.fixture(scope="session")
def dapr_target(conformance_config: SuiteConfig) -> str:
    """The base URL under test; the suite cannot run without one."""
    if conformance_config.target is None:
        raise pytest.UsageError(
            "no target to check: pass --target URL (e.g. --target http://127.0.0.1:3500), "
            f"set the ini option dapr_target, or set ${TARGET_ENV}"
        )
    silence = unanswered(conformance_config.target, conformance_config.wait_for_target)
    if silence is not None:
        pytest.exit(
            f"the target {conformance_config.target} did not answer within "
            f"{conformance_config.wait_for_target:g}s ({silence}); is it running? "
            "(--wait-for-target S waits longer)",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    return conformance_config.target


def unanswered(target: str, seconds: float) -> str | None:
    """Why ``target`` gave no HTTP answer within ``seconds``, or ``None`` once it answers.

    Any answer counts (even 401 or 404): the target is up; the tests judge what it says.
    """
    import requests

    until = time.monotonic() + seconds
    while True:
        try:
            requests.get(target + HEALTH_PATH, timeout=max(min(seconds, 5.0), 1.0)).close()
        except requests.RequestException as error:
            if time.monotonic() >= until:
                return type(error).__name__
            time.sleep(0.05)
        else:
            return None


@pytest.fixture(scope="session")
def workflow_client(dapr_target: str, conformance_config: SuiteConfig) -> Iterator[WorkflowClient]:
    """A client for the target under the stable ``v1.0`` prefix."""
    from conformance.client import WorkflowClient

    headers = (
        {"dapr-api-token": conformance_config.api_token} if conformance_config.api_token else None
    )
    client = WorkflowClient(dapr_target, headers=headers, retries=conformance_config.retries)
    yield client
    client.close()


@pytest.fixture(scope="session")
def run_tag() -> str:
    """A short tag unique to this run, so instance IDs never collide across runs."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def new_instance_id(run_tag: str, request: pytest.FixtureRequest) -> Callable[[], str]:
    """A factory of instance IDs unique to this run and test (valid daprd IDs)."""
    counter = iter(range(1_000_000))
    stem = "".join(ch if ch.isalnum() else "-" for ch in request.node.name)[-28:].strip("-")

    def make() -> str:
        return f"c{run_tag}-{stem}-{next(counter)}"

    return make


class ReportCollector:
    """Collects each tagged test's outcome and writes the report when the session ends."""

    def __init__(self, settings: SuiteConfig) -> None:
        self.settings = settings
        self.outcomes: dict[str, str] = {}
        self.reasons: dict[str, str] = {}
        self.behaviours: dict[str, tuple[str, ...]] = {}
        self.written: tuple[Path, Path] | None = None
        self.totals: dict[str, int] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        ids = tuple(str(v) for k, v in report.user_properties if k == BEHAVIOUR_MARK)
        self.behaviours.setdefault(report.nodeid, ids)
        previous = self.outcomes.get(report.nodeid)
        unanswered = transport_line(report)
        if unanswered is not None:
            if previous != "fail":
                self.outcomes[report.nodeid] = "transport error"
                self.reasons[report.nodeid] = f"transport error in {report.when}: {unanswered}"
        elif report.failed:
            self.outcomes[report.nodeid] = "fail"
            self.reasons[report.nodeid] = _failure_reason(report)
        elif report.skipped and previous != "fail":
            self.outcomes[report.nodeid] = "skip"
            self.reasons[report.nodeid] = _skip_reason(report)
        elif report.when == "call" and previous is None:
            self.outcomes[report.nodeid] = "pass"

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from conformance import report
        from conformance.contract import behaviours, lifecycle

        results = [
            report.TestResult(
                nodeid, outcome, self.behaviours.get(nodeid, ()), self.reasons.get(nodeid, "")
            )
            for nodeid, outcome in self.outcomes.items()
        ]
        data = report.build(
            behaviours(),
            results,
            lifecycle(),
            target=self.settings.target,
            profile=self.settings.profile,
            quick=self.settings.quick,
        )
        assert self.settings.report_dir is not None
        self.written = report.write(data, self.settings.report_dir)
        self.totals = data["totals"]

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.written is None:
            return
        totals = ", ".join(f"{n} {verdict}" for verdict, n in self.totals.items())
        terminalreporter.write_sep("-", "dapr workflow conformance report")
        terminalreporter.write_line(f"behaviours: {totals}")
        for path in self.written:
            terminalreporter.write_line(f"written: {path}")


def _failure_reason(report: pytest.TestReport) -> str:
    """The first line of what failed (a Nonconformance says what was wrong), and where."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = str(getattr(crash, "message", "") or "").strip().splitlines()
    first = message[0] if message else ""
    for prefix in ("conformance.failures.Nonconformance: ", "Failed: "):
        first = first.removeprefix(prefix)
    return f"failed in {report.when}: {first}" if first else f"failed in {report.when}"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return "skipped"
