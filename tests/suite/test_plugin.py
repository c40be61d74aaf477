"""The pytest plugin: target precedence, usage errors, header, profiles, --quick, the report."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time

import pytest

from conformance.plugin import unanswered

pytest_plugins = ["pytester"]

SHOW_CONFIG = """
def test_show(conformance_config):
    print("TARGET=%s PROFILE=%s SETTLE=%s" % (
        conformance_config.target, conformance_config.profile, conformance_config.settle))
"""


BASE_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
"""Every inline run gets an ini: the outer run turns pytest-asyncio's warning into an error."""


@pytest.fixture(autouse=True)
def clean_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAPR_WORKFLOW_TARGET", raising=False)
    pytester.makeini(BASE_INI)


def test_the_target_on_the_command_line_wins_over_ini_and_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAPR_WORKFLOW_TARGET", "http://env:1")
    pytester.makeini(BASE_INI + "dapr_target = http://ini:2\n")
    pytester.makepyfile(SHOW_CONFIG)
    result = pytester.runpytest("-s", "--target", "http://cli:3/")
    result.stdout.fnmatch_lines(["*TARGET=http://cli:3 *"])


def test_the_ini_target_wins_over_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAPR_WORKFLOW_TARGET", "http://env:1")
    pytester.makeini(BASE_INI + "dapr_target = http://ini:2\n")
    pytester.makepyfile(SHOW_CONFIG)
    pytester.runpytest("-s").stdout.fnmatch_lines(["*TARGET=http://ini:2 *"])


def test_the_environment_gives_the_target_when_nothing_else_does(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAPR_WORKFLOW_TARGET", "http://env:1")
    pytester.makepyfile(SHOW_CONFIG)
    pytester.runpytest("-s").stdout.fnmatch_lines(["*TARGET=http://env:1 *"])


def test_tests_that_need_a_target_stop_with_a_usage_error_without_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("def test_needs(dapr_target):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no target to check: pass --target URL*DAPR_WORKFLOW_TARGET*"])


def test_tests_that_need_no_target_run_without_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_report_header_names_the_target_and_the_profile(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest("--target", "http://127.0.0.1:3500", "--profile", "docs")
    result.stdout.fnmatch_lines(
        ["dapr workflow conformance: target http://127.0.0.1:3500, profile docs, deadline 10s*"]
    )


def test_no_header_line_without_a_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest()
    assert "dapr workflow conformance" not in result.stdout.str()


def test_the_profile_comes_from_the_ini_file_unless_given(pytester: pytest.Pytester) -> None:
    pytester.makeini(BASE_INI + "dapr_profile = docs\n")
    pytester.makepyfile(SHOW_CONFIG)
    pytester.runpytest("-s", "--target", "http://t").stdout.fnmatch_lines(["*PROFILE=docs *"])
    pytester.runpytest("-s", "--target", "http://t", "--profile", "dapr").stdout.fnmatch_lines(
        ["*PROFILE=dapr *"]
    )


def test_an_unknown_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SHOW_CONFIG)
    result = pytester.runpytest("--profile", "strictest")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--profile*invalid choice*strictest*"])


TAGGED = """
import pytest

@pytest.mark.behaviour("start.id-too-long.400")
def test_length():
    pass

@pytest.mark.behaviour("start.accepted.202")
def test_accepted():
    pass

@pytest.mark.behaviour("lifecycle.pause.ABSENT")
def test_pause_unknown():
    assert False, "pause of an unknown instance must answer 500"

@pytest.mark.slow
@pytest.mark.behaviour("suspend.holds-timers")
def test_slow():
    pass
"""


def test_the_docs_profile_skips_behaviours_the_reference_document_does_not_promise(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(TAGGED)
    result = pytester.runpytest("--target", "http://t", "--profile", "docs", "-rs")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*not checked by profile docs: the reference document sets no length limit*"]
    )
    pytester.runpytest("--target", "http://t").assert_outcomes(passed=3, failed=1)


def test_quick_skips_the_tests_marked_slow(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TAGGED)
    result = pytester.runpytest("--target", "http://t", "--quick", "-rs")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*slow; skipped by --quick*"])


def test_quick_shortens_the_settle_time_unless_it_is_given(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SHOW_CONFIG)
    pytester.runpytest("-s", "--target", "t", "--quick").stdout.fnmatch_lines(["*SETTLE=0.1"])
    pytester.runpytest("-s", "--target", "t", "--quick", "--settle", "0.5").stdout.fnmatch_lines(
        ["*SETTLE=0.5"]
    )


def test_a_tag_that_is_not_in_the_catalogue_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.behaviour('start.no-such-thing')\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest("--target", "http://t")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*not in the catalogue*", "*::test_x: start.no-such-thing"])


def test_the_conformance_report_holds_the_behaviour_matrix_and_the_coverage(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(TAGGED)
    report_dir = pytester.path / "out"
    result = pytester.runpytest(
        "--target", "http://t", "--profile", "docs", "--conformance-report", str(report_dir)
    )
    result.stdout.fnmatch_lines(["*dapr workflow conformance report*", "behaviours: *"])
    report = json.loads((report_dir / "conformance-report.json").read_text())
    assert report["target"] == "http://t" and report["profile"] == "docs"
    rows = {row["id"]: row for row in report["behaviours"]}
    assert rows["start.accepted.202"]["result"] == "pass"
    assert rows["lifecycle.pause.ABSENT"]["result"] == "fail"
    assert rows["start.id-too-long.400"]["result"] == "skip"
    assert "no length limit" in rows["start.id-too-long.400"]["reasons"][0]
    assert rows["get.shape.200"]["result"] == "not run"
    assert rows["lifecycle.pause.ABSENT"]["operation"] == "pause"
    assert rows["lifecycle.pause.ABSENT"]["status"] == "ABSENT"
    assert report["coverage"]["pause"]["ABSENT"] == "fail"
    assert report["coverage"]["pause"]["PENDING"] == "unreachable"
    markdown = (report_dir / "conformance-report.md").read_text()
    assert (
        "| `lifecycle.pause.ABSENT` | pause | ABSENT | **FAIL** (failed in call: AssertionError: "
        "pause of an unknown instance must answer 500" in markdown
    )
    assert rows["lifecycle.pause.ABSENT"]["reasons"][0].startswith(
        "failed in call: AssertionError: pause of an unknown instance must answer 500"
    )
    assert "| pause | **FAIL** | - |" in markdown


ON_A_WORKER = """
def test_a_worker_collects_no_report(pytestconfig):
    assert hasattr(pytestconfig, "workerinput")
    assert pytestconfig.pluginmanager.get_plugin("dapr-conformance-report") is None
"""


def test_under_xdist_only_the_controller_writes_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tagged=TAGGED, test_worker=ON_A_WORKER)
    report_dir = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        "-n", "2", "--target", "http://t", "--conformance-report", str(report_dir)
    )
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*dapr workflow conformance report*", "behaviours: *"])
    report = json.loads((report_dir / "conformance-report.json").read_text())
    rows = {row["id"]: row for row in report["behaviours"]}
    assert rows["start.accepted.202"]["result"] == "pass"
    assert rows["lifecycle.pause.ABSENT"]["result"] == "fail"
    assert rows["suspend.holds-timers"]["result"] == "pass"


def test_the_junit_xml_carries_the_behaviour_ids(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TAGGED)
    junit = pytester.path / "junit.xml"
    pytester.runpytest("--target", "http://t", f"--junitxml={junit}")
    assert '<property name="behaviour" value="lifecycle.pause.ABSENT"' in junit.read_text()


def late_server(delay: float) -> tuple[str, threading.Thread]:
    """An HTTP server bound now (connections refused) that listens and answers once after
    ``delay``."""
    server = http.server.HTTPServer(
        ("127.0.0.1", 0), http.server.BaseHTTPRequestHandler, bind_and_activate=False
    )
    server.server_bind()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    def serve() -> None:
        time.sleep(delay)
        server.server_activate()
        server.handle_request()
        server.server_close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return url, thread


def test_the_run_waits_for_a_target_that_starts_late() -> None:
    url, server = late_server(0.3)
    assert unanswered(url, 10.0) is None
    server.join(5)


def test_a_target_that_never_answers_is_named_after_the_wait(pytester: pytest.Pytester) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
        pytester.makepyfile("def test_target(dapr_target):\n    pass\n")
        result = pytester.runpytest("--target", url, "--wait-for-target", "0.2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(
        [f"*the target {url} did not answer within 0.2s (ConnectionError)*"]
    )
