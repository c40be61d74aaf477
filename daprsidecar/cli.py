"""``dapr-workflow-sidecar``: build real daprd, or run it on loopback with the conformance app.

    dapr-workflow-sidecar build [VERSION]          build daprd, placement and scheduler (a no-op
                                                   when cached); prints their directory
    dapr-workflow-sidecar run [VERSION] [-- CMD]   start the stack; with CMD, run it once ready
                                                   ({target} and $DAPR_WORKFLOW_TARGET give the
                                                   URL), then stop; without, serve until Ctrl-C

VERSION defaults to ``$DAPRD_VERSION``, else :data:`daprsidecar.versions.DEFAULT_VERSION`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from daprsidecar.build import BuildError, ensure_built
from daprsidecar.stack import SidecarStartError, running_sidecar
from daprsidecar.versions import DEFAULT_VERSION, VERSION_ENV, VersionError, normalise

START_FAILED = 3
COMMAND_NOT_RUN = 127


def default_version() -> str:
    return os.environ.get(VERSION_ENV) or DEFAULT_VERSION


def interrupt_on_sigterm() -> None:
    """Let SIGTERM unwind like Ctrl-C, so every ``finally`` stops what it started."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dapr-workflow-sidecar",
        description="Build real daprd from its Go module, or run it on loopback with the "
        "conformance workflow app.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("build", "build daprd, placement and scheduler (a no-op when cached)"),
        ("run", "start placement, scheduler, daprd and the app; run a command or serve"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("version", nargs="?", default=None, help="daprd version, e.g. 1.18.2")
        if name == "run":
            sub.add_argument("--no-app", action="store_true", help="start no workflow app")
            sub.add_argument(
                "--api-token", default=None, metavar="TOKEN", help="daprd requires this token"
            )
            sub.usage = "%(prog)s [-h] [--no-app] [--api-token TOKEN] [version] [-- CMD ARGS...]"
            sub.epilog = (
                "-- CMD ARGS...: the command to run once daprd is ready ({target} in it and "
                "$DAPR_WORKFLOW_TARGET give daprd's URL); without one, serve until Ctrl-C"
            )
            sub.set_defaults(argv=[])
    return parser


def split_command(argv: Sequence[str]) -> tuple[list[str], list[str] | None]:
    """The runner's own arguments, and the command after the first ``--`` (None without one)."""
    if "--" not in argv:
        return list(argv), None
    at = list(argv).index("--")
    return list(argv[:at]), list(argv[at + 1 :])


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    own, command = split_command(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(own)
    if command is not None:
        if args.command != "run":
            parser.error(f"'{args.command}' takes no command after --")
        args.argv = command
    try:
        version = normalise(args.version or default_version())
    except VersionError as error:
        print(f"dapr-workflow-sidecar: {error}", file=sys.stderr)
        return 2
    try:
        if args.command == "build":
            print(ensure_built(version).directory)
            return 0
        return _run(version, args)
    except BuildError as error:
        print(f"dapr-workflow-sidecar: {error}", file=sys.stderr)
        return START_FAILED


def _run(version: str, args: argparse.Namespace) -> int:
    command: list[str] = list(args.argv)
    interrupt_on_sigterm()
    code = 0
    try:
        with running_sidecar(
            version, app=not args.no_app, api_token=args.api_token, keep_run_dir=lambda: code != 0
        ) as sidecar:
            print(
                f"dapr-workflow-sidecar: daprd {sidecar.version} listening on {sidecar.http_url}",
                flush=True,
            )
            print(
                f"dapr-workflow-sidecar: gRPC {sidecar.grpc_address}; "
                f"run directory {sidecar.run_dir}",
                flush=True,
            )
            if not command:
                threading.Event().wait()
            env = dict(os.environ, DAPR_WORKFLOW_TARGET=sidecar.http_url)
            try:
                code = subprocess.call(
                    [p.replace("{target}", sidecar.http_url) for p in command], env=env
                )
            except OSError as error:  # no such program, not executable
                print(f"dapr-workflow-sidecar: cannot run {command[0]!r}: {error}", file=sys.stderr)
                code = COMMAND_NOT_RUN
            if code != 0:
                print(sidecar.report(), file=sys.stderr)
            return code
    except SidecarStartError as error:
        print(f"dapr-workflow-sidecar: {error}", file=sys.stderr)
        return START_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
