"""``dapr-workflow-mock``: serve the mock until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from aiohttp import web

from mockserver import __version__
from mockserver.app import create_app

READY_LINE = "dapr-workflow-mock listening on http://{host}:{port}"
"""Printed once on stdout when the mock accepts connections (the suite's CLI waits for it)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dapr-workflow-mock",
        description="A stateful mock of the Dapr sidecar's Workflow HTTP API (daprd).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=3500, help="port to bind; 0 picks a free one (default 3500)"
    )
    parser.add_argument(
        "--clock",
        choices=("real", "manual"),
        default="real",
        help="'real' time, or a 'manual' clock moved by POST /_mock/clock/advance",
    )
    parser.add_argument(
        "--start-delay",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="how long a new instance stays PENDING (default 0)",
    )
    parser.add_argument(
        "--transition-delay",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="how long after a 202 command its effect shows (default 0)",
    )
    parser.add_argument(
        "--app-id", default="dapr-workflow-mock", help="the id GET /v1.0/metadata reports"
    )
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every answer against openapi.yaml (a mismatch is logged and answered 500)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    app = create_app(
        clock=args.clock,
        start_delay=args.start_delay,
        transition_delay=args.transition_delay,
        validate_responses=args.validate_responses,
        app_id=args.app_id,
    )
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, args.host, args.port)
        await site.start()
        port = runner.addresses[0][1]
        print(READY_LINE.format(host=_url_host(args.host), port=port), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
