"""The suite's options (``--target``, ``--profile``, ...) and the settings resolved from them.

:func:`suite_config` resolves the options, the ini file and the environment once per run into
a :class:`SuiteConfig` kept in ``config.stash``; the plugin's hooks and fixtures read it there.
The target comes from ``--target`` > ini ``dapr_target`` > env ``DAPR_WORKFLOW_TARGET``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.polling import Timing
from conformance.profiles import DEFAULT_PROFILE, Profile, profile, profiles

TARGET_ENV = "DAPR_WORKFLOW_TARGET"
DEFAULT_DEADLINE = 10.0
DEFAULT_POLL_INTERVAL = 0.02
DEFAULT_SETTLE = 0.3
DEFAULT_WAIT_FOR_TARGET = 5.0
HEALTH_PATH = "/v1.0/healthz"
QUICK_SETTLE = 0.1


@dataclass(frozen=True)
class SuiteConfig:
    """How the suite runs against one target."""

    target: str | None
    profile: str
    deadline: float
    poll_interval: float
    quick: bool
    api_token: str | None
    settle: float = DEFAULT_SETTLE
    report_dir: Path | None = None
    wait_for_target: float = DEFAULT_WAIT_FOR_TARGET
    retries: int = 0
    """Re-sends of a request that is safe to repeat when its answer never arrived."""
    stress: bool = False
    """Run the opt-in concurrency tests (marked ``stress``)."""

    @property
    def timing(self) -> Timing:
        return Timing(deadline=self.deadline, interval=self.poll_interval, settle=self.settle)

    @property
    def rules(self) -> Profile:
        """The profile's strictness knobs and exemptions (``profiles.yaml``)."""
        return profile(self.profile)


SETTINGS = pytest.StashKey[SuiteConfig]()
"""Where :func:`suite_config` keeps the run's settings."""


def add_options(parser: pytest.Parser) -> None:
    """The suite's command-line and ini options (the plugin's ``pytest_addoption``)."""
    group = parser.getgroup("dapr-workflow-conformance", "Dapr Workflow conformance")
    group.addoption(
        "--target",
        dest="dapr_target",
        metavar="URL",
        help=f"base URL of the implementation to check, e.g. http://127.0.0.1:3500 "
        f"(else ini dapr_target, else ${TARGET_ENV})",
    )
    group.addoption(
        "--profile",
        dest="dapr_profile",
        metavar="NAME",
        help="what to hold the target to: 'dapr' (daprd 1.16-master, exact codes and messages; "
        "default) or 'docs' (only what the Workflow API reference document promises)",
    )
    group.addoption(
        "--eventually-deadline",
        dest="dapr_deadline",
        type=float,
        help=f"seconds to wait for an asynchronous transition before failing "
        f"(default {DEFAULT_DEADLINE:g})",
    )
    group.addoption(
        "--poll-interval",
        dest="dapr_poll_interval",
        type=float,
        help=f"seconds between polls while waiting for a transition "
        f"(default {DEFAULT_POLL_INTERVAL:g})",
    )
    group.addoption(
        "--settle",
        dest="dapr_settle",
        type=float,
        help=f"seconds an instance is watched to show that it does NOT change "
        f"(default {DEFAULT_SETTLE:g}, {QUICK_SETTLE:g} with --quick)",
    )
    group.addoption(
        "--wait-for-target",
        dest="dapr_wait_for_target",
        type=float,
        metavar="S",
        help=f"seconds to wait, before the first test, for the target to answer HTTP "
        f"(GET {HEALTH_PATH}), e.g. while a sidecar starts (default {DEFAULT_WAIT_FOR_TARGET:g})",
    )
    group.addoption(
        "--quick",
        dest="dapr_quick",
        action="store_true",
        default=False,
        help="check what matters most, fast: skip tests marked slow (long timers) and the "
        "long fuzzing and model-based phases",
    )
    group.addoption(
        "--retries",
        dest="dapr_retries",
        type=int,
        metavar="N",
        help="when no answer arrives (the connection breaks or times out), re-send a request "
        "that is safe to repeat (a GET, or one whose connection never opened) up to N times "
        "(default 0); a command is never re-sent. A test whose request got no answer in the "
        "end is a TRANSPORT ERROR, counted apart from wrong answers",
    )
    group.addoption(
        "--stress",
        dest="dapr_stress",
        action="store_true",
        default=False,
        help="also run the opt-in concurrency check: commands sent at once to one instance "
        "must fit one serial order (test_stress.py)",
    )
    group.addoption(
        "--api-token",
        dest="dapr_api_token",
        metavar="TOKEN",
        help="send this dapr-api-token header with every request (else $DAPR_API_TOKEN)",
    )
    group.addoption(
        "--conformance-report",
        dest="dapr_report_dir",
        metavar="DIR",
        help="write the behaviour matrix and operation x status coverage to "
        "DIR/conformance-report.md and DIR/conformance-report.json",
    )
    parser.addini("dapr_target", "base URL of the implementation to check")
    parser.addini("dapr_profile", "conformance profile: dapr or docs", default=DEFAULT_PROFILE)


def resolve_target(config: pytest.Config) -> str | None:
    """The target URL by precedence: CLI, then ini, then environment."""
    value = (
        config.getoption("dapr_target")
        or config.getini("dapr_target")
        or os.environ.get(TARGET_ENV)
    )
    return str(value).rstrip("/") if value else None


def suite_config(config: pytest.Config) -> SuiteConfig:
    """The suite's settings for this run, resolved once (in ``pytest_configure``) and kept in
    ``config.stash``; every hook and fixture reads them from there."""
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        settings = config.stash[SETTINGS] = _resolve(config)
    return settings


def _resolve(config: pytest.Config) -> SuiteConfig:
    """The settings from the options, the ini file and the environment."""
    name = config.getoption("dapr_profile") or config.getini("dapr_profile") or DEFAULT_PROFILE
    if name != DEFAULT_PROFILE:  # the default is known; reading profiles.yaml costs every run
        known = profiles()
        if name not in known:  # worded as argparse words a refused choice
            choices = ", ".join(repr(n) for n in sorted(known))
            raise pytest.UsageError(
                f"argument --profile (or ini dapr_profile): invalid choice: {name!r} "
                f"(choose from {choices})"
            )
    quick = bool(config.getoption("dapr_quick"))
    settle = config.getoption("dapr_settle")
    report_dir = config.getoption("dapr_report_dir")
    wait = config.getoption("dapr_wait_for_target")
    retries = config.getoption("dapr_retries") or 0
    if retries < 0:
        raise pytest.UsageError(f"--retries must be 0 or more, not {retries}")
    return SuiteConfig(
        target=resolve_target(config),
        profile=name,
        deadline=config.getoption("dapr_deadline") or DEFAULT_DEADLINE,
        poll_interval=config.getoption("dapr_poll_interval") or DEFAULT_POLL_INTERVAL,
        quick=quick,
        api_token=config.getoption("dapr_api_token") or os.environ.get("DAPR_API_TOKEN"),
        settle=settle if settle is not None else (QUICK_SETTLE if quick else DEFAULT_SETTLE),
        report_dir=Path(report_dir) if report_dir else None,
        wait_for_target=DEFAULT_WAIT_FOR_TARGET if wait is None else wait,
        retries=retries,
        stress=bool(config.getoption("dapr_stress")),
    )
