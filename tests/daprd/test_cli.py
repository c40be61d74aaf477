"""``dapr-workflow-sidecar``: its argument split (pure) and ``run -- CMD`` against real daprd."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conformance.ready_line import ready_url
from daprsidecar.cli import build_parser, split_command
from tests.daprd.conftest import refuses_connections, require_daprd

SCRIPT = Path(sys.executable).parent / "dapr-workflow-sidecar"

CHECK_TARGET = textwrap.dedent(
    """
    import os, sys, urllib.request
    target = os.environ["DAPR_WORKFLOW_TARGET"]
    assert sys.argv[1:] == [target, "--", "x"], sys.argv
    with urllib.request.urlopen(target + "/v1.0/healthz", timeout=5) as answer:
        print("healthz answered", answer.status)
        sys.exit(7 if answer.status == 204 else 1)
    """
)


def test_everything_after_the_first_double_dash_is_the_command() -> None:
    own, command = split_command(["run", "--", "python", "-c", "pass", "--", "x"])
    args = build_parser().parse_args(own)
    assert (args.command, args.version) == ("run", None)
    assert command == ["python", "-c", "pass", "--", "x"]
    own, command = split_command(["run", "v1.18.2", "--no-app", "--", "true"])
    args = build_parser().parse_args(own)
    assert (args.version, args.no_app, command) == ("v1.18.2", True, ["true"])
    assert split_command(["build"]) == (["build"], None)


def listening_port(stdout: str) -> int | None:
    """The loopback port of the ready line in ``stdout`` (``conformance.ready_line``)."""
    for line in stdout.splitlines():
        url = ready_url(line)
        if url is not None and urlsplit(url).hostname == "127.0.0.1":
            return urlsplit(url).port
    return None


@pytest.mark.daprd
def test_run_gives_the_command_daprd_s_url_and_exits_with_its_code() -> None:
    require_daprd()
    assert SCRIPT.is_file(), f"{SCRIPT} is not installed (pip install -e .)"
    done = subprocess.run(
        [str(SCRIPT), "run", "--", sys.executable, "-c", CHECK_TARGET, "{target}", "--", "x"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    port = listening_port(done.stdout)
    kept = re.search(r"run directory (\S+)", done.stdout)
    try:
        assert done.returncode == 7, done.stdout + done.stderr
        assert "healthz answered 204" in done.stdout
        assert port is not None and kept is not None, done.stdout
        assert refuses_connections(port)
        # a command that failed keeps the run's logs, and names them on stderr
        assert (Path(kept.group(1)) / "logs" / "daprd.log").is_file()
        assert f"log: {kept.group(1)}/logs/daprd.log" in done.stderr
    finally:
        if kept is not None:
            shutil.rmtree(kept.group(1), ignore_errors=True)


@pytest.mark.daprd
def test_run_with_a_command_that_cannot_start_exits_127_and_stops_the_stack(tmp_path: Path) -> None:
    require_daprd()
    missing = tmp_path / "no-such-program"
    done = subprocess.run(
        [str(SCRIPT), "run", "--", str(missing)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    port = listening_port(done.stdout)
    kept = re.search(r"run directory (\S+)", done.stdout)
    try:
        assert done.returncode == 127, done.stdout + done.stderr
        assert f"cannot run '{missing}'" in done.stderr
        assert port is not None and refuses_connections(port)
    finally:
        if kept is not None:
            shutil.rmtree(kept.group(1), ignore_errors=True)
