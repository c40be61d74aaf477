"""``dapr-workflow-conformance``: run the conformance suite against a target.

With ``--target URL`` (or ``$DAPR_WORKFLOW_TARGET``) the suite checks that URL. Without one it
starts the bundled mock as a subprocess (``python -m mockserver --port 0``) on a free port,
checks it, and stops it. Every other argument goes to pytest unchanged (``--junitxml``, ``-x``,
``-k``, ``--profile``, ``--quick``, ``--conformance-report`` ...). The exit code is pytest's.

Start-up is kept short: the Hypothesis and Schemathesis packages are imported before pytest
starts (while the mock boots), so pytest's assertion rewriter leaves them alone; rewriting
them costs seconds whenever no bytecode cache can be written (``PYTHONDONTWRITEBYTECODE``).

The suite never imports the mock: it is only ever a process at a URL.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import pytest

from conformance.launcher import STARTUP_TIMEOUT, LaunchError, running
from conformance.ready_line import MOCK_PROGRAM

TARGET_ENV = "DAPR_WORKFLOW_TARGET"
TOKEN_ENV = "DAPR_API_TOKEN"
SUITE = "conformance.suite"
PRELOADED = (
    "_hypothesis_pytestplugin",
    "hypothesis.stateful",
    "schemathesis.pytest.plugin",
    "schemathesis.pytest.lazy",
    "schemathesis.pytest.xdist",
    "schemathesis.specs.openapi.checks",
    "schemathesis.specs.openapi.schemas",
    "schemathesis.specs.openapi.stateful",
)
"""The third-party plugins and modules the suite uses, imported early so they are not rewritten."""
NOT_REWRITTEN = (
    "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning"
)
"""Silences pytest's note that the preloaded packages keep their plain asserts."""


def given_target(args: Sequence[str]) -> str | None:
    """The value of ``--target`` in pytest-style arguments, if any."""
    return given_option(args, "--target")


def given_option(args: Sequence[str], name: str) -> str | None:
    """The value of option ``name`` (``--name VALUE`` or ``--name=VALUE``) in ``args``, if any."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(f"{name}="):
            return arg.partition("=")[2]
    return None


def mock_environment(pytest_args: Sequence[str]) -> dict[str, str]:
    """The bundled mock's environment: it asks for the token the suite sends (``--api-token``)."""
    environment = dict(os.environ)
    token = given_option(pytest_args, "--api-token")
    if token:
        environment[TOKEN_ENV] = token  # not on the command line, where ps would show it
    return environment


def mock_command(start_delay: float, transition_delay: float) -> list[str]:
    """The command line of the bundled mock on a free port."""
    command = [sys.executable, "-m", "mockserver", "--port", "0"]
    if start_delay:
        command += ["--start-delay", str(start_delay)]
    if transition_delay:
        command += ["--transition-delay", str(transition_delay)]
    return command


@contextmanager
def bundled_mock(
    command: Sequence[str],
    *,
    timeout: float = STARTUP_TIMEOUT,
    env: Mapping[str, str] | None = None,
    meanwhile: Callable[[], object] = lambda: None,
) -> Iterator[str]:
    """Run the mock subprocess; yield its base URL once it says it listens; then stop it.

    ``meanwhile`` runs while the mock starts up. Raises :class:`LaunchError` when it does not.
    """
    with running(
        command,
        name="the mock",
        program=MOCK_PROGRAM,
        env=env,
        timeout=timeout,
        meanwhile=meanwhile,
    ) as mock:
        yield mock.url


def preload_plugins() -> None:
    """Import the big third-party plugins now, before pytest's assertion rewriter is installed."""
    for name in PRELOADED:
        with contextlib.suppress(ImportError):  # not installed: pytest reports what is missing
            importlib.import_module(name)


def run_suite(pytest_args: Sequence[str]) -> int:
    """Run the suite in this process with these pytest arguments; pytest's exit code."""
    preload_plugins()
    return int(pytest.main(["--pyargs", SUITE, "-W", NOT_REWRITTEN, *pytest_args]))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dapr-workflow-conformance",
        description="Check a Dapr Workflow HTTP API implementation (or, without --target, the "
        "bundled mock). Arguments not listed here go to pytest; see "
        "'dapr-workflow-conformance --help-pytest' for the suite's options.",
        add_help=False,
        allow_abbrev=False,
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    parser.add_argument(
        "--help-pytest", action="store_true", help="show pytest's help with the suite's options"
    )
    parser.add_argument(
        "--mock-start-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="without --target: the bundled mock keeps new instances PENDING this long",
    )
    parser.add_argument(
        "--mock-transition-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="without --target: the bundled mock shows a command's effect this late",
    )
    parser.add_argument(
        "--daprd",
        nargs="?",
        const="",
        default=None,
        metavar="VERSION",
        help="check real daprd: build it (cached per version) and start placement, scheduler, "
        "daprd and the conformance app on loopback, run the suite against daprd, stop them "
        "(VERSION: $DAPRD_VERSION, else the project's default)",
    )
    return parser


def check_real_daprd(version: str | None, pytest_args: Sequence[str]) -> int:
    """Run the suite against real daprd started by :mod:`daprsidecar` (a front door, like the
    bundled mock: the suite itself still only sees a URL)."""
    from daprsidecar.build import BuildError
    from daprsidecar.cli import default_version, interrupt_on_sigterm
    from daprsidecar.stack import SidecarStartError, running_sidecar

    interrupt_on_sigterm()
    code = 0
    token = given_option(pytest_args, "--api-token")
    try:
        with running_sidecar(
            version or default_version(), api_token=token, keep_run_dir=lambda: code != 0
        ) as sidecar:
            print(
                f"dapr-workflow-conformance: checking daprd {sidecar.version} at "
                f"{sidecar.http_url} (with python -m conformance.app)",
                flush=True,
            )
            code = run_suite(["--target", sidecar.http_url, *pytest_args])
            if code != 0:
                report = sidecar.report()
                print(f"dapr-workflow-conformance: the stack's logs\n{report}", file=sys.stderr)
            return code
    except (BuildError, SidecarStartError) as error:
        print(f"dapr-workflow-conformance: {error}", file=sys.stderr)
        return 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    own, pytest_args = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if own.help:
        parser.print_help()
        return 0
    if own.help_pytest:
        return run_suite(["--help"])
    if own.daprd is not None:
        return check_real_daprd(own.daprd or None, pytest_args)
    if given_target(pytest_args) or os.environ.get(TARGET_ENV):
        return run_suite(pytest_args)
    command = mock_command(own.mock_start_delay, own.mock_transition_delay)
    try:
        environment = mock_environment(pytest_args)
        with bundled_mock(command, env=environment, meanwhile=preload_plugins) as url:
            print(f"dapr-workflow-conformance: checking the bundled mock at {url}", flush=True)
            return run_suite(["--target", url, *pytest_args])
    except LaunchError as error:
        print(f"dapr-workflow-conformance: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
