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
            sub.add_argument("--api-token", default=None, help="daprd requires this token")
            sub.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
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
    command = [part for part in args.command if part != "--"] if args.command else []
    interrupt_on_sigterm()
    code = 0
    try:
        with running_sidecar(
            version, app=not args.no_app, api_token=args.api_token, keep_run_dir=lambda: code != 0
        ) as sidecar:
            print(f"dapr-workflow-sidecar: daprd {sidecar.version} listening on {sidecar.http_url}", flush=True)
            print(f"dapr-workflow-sidecar: gRPC {sidecar.grpc_address}; run directory {sidecar.run_dir}", flush=True)
            if not command:
                threading.Event().wait()
            env = dict(os.environ, DAPR_WORKFLOW_TARGET=sidecar.http_url)
            code = subprocess.call([p.replace("{target}", sidecar.http_url) for p in command], env=env)
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
