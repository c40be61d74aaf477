"""``dapr-workflow-mock``: serve the mock until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import sys
from collections.abc import Sequence

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from conformance.ready_line import MOCK_PROGRAM, ready_line_template
from daprhttp.limits import DEFAULT_MAX_BODY_BYTES, DEFAULT_READ_BUFFER_BYTES, parse_quantity
from daprhttp.middlewares import TOKEN_ENV
from mockserver import __version__
from mockserver.api_log import API_LOG, ApiCallLogger
from mockserver.app import DEFAULT_APP_ID, create_app
from mockserver.store import StoreError
from mockserver.workflow_file import WorkflowFileError

READY_LINE = ready_line_template(MOCK_PROGRAM)
"""Printed once on stdout when the mock accepts connections (the suite's CLI waits for it)."""
SHUTDOWN_TIMEOUT = 5.0
"""Seconds SIGTERM waits for requests still in flight (a stalled upload must not hold it 60 s)."""
EXPOSED_WARNING = (
    "WARNING: dapr-workflow-mock is listening on {host}, beyond this machine's loopback. "
    "The mock has no protection besides --api-token: anyone who can reach it can start, "
    "change and delete workflow instances and use the control API under /_mock."
)
log = logging.getLogger("mockserver")


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
        choices=("real", "manual", "skip"),
        default="real",
        help="'real' time, a 'manual' clock moved by POST /_mock/clock/advance, or 'skip': "
        "manual, and it jumps to the next due moment whenever every live instance waits only "
        "on time",
    )
    parser.add_argument(
        "--unknown-workflows",
        choices=("fail", "hold"),
        default="fail",
        help="a workflow name nobody declared: 'fail' it as daprd with an SDK app does "
        "(default), or 'hold' it RUNNING until the control API completes or fails it",
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
        "--app-id", default=DEFAULT_APP_ID, help="the id GET /v1.0/metadata reports"
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="keep every instance in this SQLite file across restarts (default: in memory)",
    )
    parser.add_argument(
        "--store-sync",
        choices=("normal", "full"),
        default="normal",
        help="'normal': every answer survives kill -9; 'full': also power loss (slower)",
    )
    parser.add_argument(
        "--api-token",
        default=os.environ.get(TOKEN_ENV) or None,
        help=f"require this dapr-api-token header, as daprd does (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--max-body-size",
        type=_quantity,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="SIZE",
        help="daprd's body limit, e.g. 4Mi, 10Mi, 1e6 or bytes; 0 for none (default 4Mi)",
    )
    parser.add_argument(
        "--read-buffer-size",
        type=_quantity,
        default=DEFAULT_READ_BUFFER_BYTES,
        metavar="SIZE",
        help="daprd's header buffer: lines over SIZE + 4Ki are refused (default 4Ki)",
    )
    parser.add_argument(
        "--max-instances",
        type=_positive,
        metavar="N",
        help="refuse starts (500 ERR_START_WORKFLOW) while N instances are stored",
    )
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every answer against openapi.yaml (a mismatch is logged and answered 500)",
    )
    parser.add_argument(
        "--enable-api-logging",
        action="store_true",
        help="log one line per API call, as daprd's flag of this name does (default: none)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    parser.add_argument(
        "--workflows",
        metavar="FILE",
        help="a YAML or JSON file of declared workflows, run beside the six built-in ones "
        "(a declared name replaces a built-in one; see docs/workflows.md)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _quantity(text: str) -> int:
    try:
        return parse_quantity(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


class RefusedRequestsAsWarnings(logging.Filter):
    """aiohttp logs each malformed request it refuses (400) with a traceback; one line will do."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = "refused a malformed request (%s): %s"
            record.args = (error.code, " ".join(error.message.split())[:200])
            record.exc_info, record.exc_text = None, None
        return True


def exposure_warning(host: str) -> str | None:
    """The warning for a bind address beyond loopback; None for a loopback one."""
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return None
    except ValueError:
        pass  # a host name other than localhost may resolve anywhere
    return EXPOSED_WARNING.format(host=host or "every interface")


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
    logging.getLogger("aiohttp.server").addFilter(RefusedRequestsAsWarnings())
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(args))
    except StoreError as error:
        print(f"dapr-workflow-mock: {error}", file=sys.stderr)
        return 1
    except WorkflowFileError as error:
        for problem in error.problems:
            print(f"dapr-workflow-mock: {problem}", file=sys.stderr)
        return 2
    except OSError as error:  # the address is taken or not on this machine
        print(
            f"dapr-workflow-mock: cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr
        )
        return 1
    return 0


async def _serve(args: argparse.Namespace) -> None:
    app = create_app(
        clock=args.clock,
        start_delay=args.start_delay,
        transition_delay=args.transition_delay,
        validate_responses=args.validate_responses,
        app_id=args.app_id,
        api_token=args.api_token,
        max_body_size=args.max_body_size,
        read_buffer_size=args.read_buffer_size,
        max_instances=args.max_instances,
        store=args.store,
        store_sync=args.store_sync,
        unknown_workflows=args.unknown_workflows,
        **({"workflows": args.workflows} if args.workflows else {}),
    )
    warning = exposure_warning(args.host)
    if warning is not None:
        log.warning(warning)
    runner = web.AppRunner(
        app,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        # daprd writes no line per request unless asked; neither does the mock (it is the
        # default that users run, and the line costs about half the throughput).
        access_log=API_LOG if args.enable_api_logging else None,
        access_log_class=ApiCallLogger,
    )
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
