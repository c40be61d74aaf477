"""The pytest side of transport failures: a test whose answer never arrived is not a wrong answer.

Registered by ``conformance.plugin``. As each test starts it clears :data:`transport.log`; when
the test fails after one of its requests got no answer (:mod:`conformance.transport`), its report
becomes a TRANSPORT ERROR: its long traceback is replaced by one line (the request and what
happened), the line is kept as the ``transport_error`` property (in JUnit, on the testcase, beside
a ``<failure>`` whose message starts ``transport error:``), the terminal counts it under its own
category and lists each one, and the conformance report counts it apart from failures. The test
still fails the run.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conformance.transport import TransportLog

TRANSPORT_PROPERTY = "transport_error"
"""The user property (and JUnit ``<property>``) holding a transport error's one line."""
RETRIED_PROPERTY = "transport_retried"
"""The user property counting a test's requests answered only after a re-send."""
CATEGORY = "transport error"
"""The terminal's category for these tests (``N transport error`` in the last line)."""
PREFIX = "transport error: "


def transport_line(report: pytest.TestReport) -> str | None:
    """The one line of a failed test's transport error, if its failure is one."""
    if not report.failed:
        return None
    for key, value in report.user_properties:
        if key == TRANSPORT_PROPERTY:
            return str(value)
    return None


def _log() -> TransportLog | None:
    """The transport log, if any request went through the suite's sessions in this process."""
    module = sys.modules.get("conformance.transport")
    log: TransportLog | None = getattr(module, "log", None)
    return log


class TransportErrors:
    """The hooks that tell transport errors apart (one instance per pytest run).

    What the log holds is taken as each report is made, so each phase of a test (and each
    subtest, as Schemathesis runs one per operation) answers for its own requests.
    """

    def __init__(self) -> None:
        self.retried = 0
        self._calling = False

    def pytest_runtest_logstart(self) -> None:
        log = _log()
        if log is not None:
            log.clear()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self) -> Generator[None, object, object]:
        self._calling = True  # a report made now is a subtest's
        try:
            return (yield)
        finally:
            self._calling = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        log = _log()
        if log is None:
            return report
        unanswered, retried = log.take()
        if retried:
            report.user_properties.append((RETRIED_PROPERTY, retried))
        line = None
        if report.failed and unanswered:
            line = unanswered[0].line()
            if len(unanswered) > 1:
                line += f" (and {len(unanswered) - 1} more requests got no answer)"
        if line is not None:
            report.user_properties.append((TRANSPORT_PROPERTY, line))
            report.longrepr = PREFIX + line
            if not self._calling:  # a subtest's report is made during the call
                item.user_properties.append((TRANSPORT_PROPERTY, line))  # JUnit's <property>
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(
        self, report: pytest.TestReport
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        if transport_line(report) is None:
            return None
        return CATEGORY, "T", ("TRANSPORT ERROR", {"red": True})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.retried += sum(int(str(v)) for k, v in report.user_properties if k == RETRIED_PROPERTY)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        reports = terminalreporter.stats.get(CATEGORY, [])
        if reports:
            tests = "test" if len(reports) == 1 else "tests"
            terminalreporter.write_sep(
                "=", f"transport errors: {len(reports)} {tests} got no answer", red=True
            )
            for report in reports:
                terminalreporter.write_line(
                    f"TRANSPORT ERROR {_name(report)} - {transport_line(report)}"
                )
        if self.retried:
            were = "request was" if self.retried == 1 else "requests were"
            terminalreporter.write_line(
                f"dapr workflow conformance: {self.retried} {were} answered only after "
                "a re-send (--retries)"
            )


def _name(report: pytest.TestReport) -> str:
    """The test's node ID, and the subtest's label for a subtest."""
    label = getattr(getattr(report, "context", None), "msg", None)
    return f"{report.nodeid} [{label}]" if label else report.nodeid
