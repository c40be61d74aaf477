"""``dapr-workflow-engine``: serve the Dapr Workflow HTTP API over a real durable task engine.

``dapr-workflow-engine --port 0 -- COMMAND ...`` runs COMMAND once the server is ready, with
the server's URL in ``$DAPR_WORKFLOW_TARGET`` and in place of any ``{target}`` argument, then
stops the server and exits with COMMAND's exit code (how CI runs the suite against it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence

from aiohttp import web

from engineserver.durabletask_engine import start_engine
from engineserver.http import create_app

TARGET_ENV = "DAPR_WORKFLOW_TARGET"
TARGET_PLACEHOLDER = "{target}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dapr-workflow-engine",
        description="Serve the Dapr Workflow HTTP API (daprd's routes, codes and bodies) over "
        "Microsoft's durabletask in-memory engine, with the six conformance workflows.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=3500, help="HTTP port; 0 picks a free one (default 3500)"
    )
    parser.add_argument(
        "--engine-port",
        type=int,
        default=0,
        help="the engine's gRPC port on 127.0.0.1; 0 picks a free one (default 0)",
    )
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every answer against openapi.yaml (a mismatch is logged and answered 500)",
    )
    parser.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        help="after `--`: a command to run against the server ({target} becomes its URL)",
    )
    args = parser.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    return args


async def run_command(command: Sequence[str], url: str, stop: asyncio.Event) -> int:
    """Run ``command`` against ``url``; a stop request terminates it."""
    argv = [part.replace(TARGET_PLACEHOLDER, url) for part in command]
    child = await asyncio.create_subprocess_exec(*argv, env={**os.environ, TARGET_ENV: url})
    stopped = asyncio.create_task(stop.wait())
    finished = asyncio.create_task(child.wait())
    await asyncio.wait({stopped, finished}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not finished.done():
        child.terminate()
    return await finished


async def serve(args: argparse.Namespace) -> int:
    """Run engine and HTTP server until SIGINT/SIGTERM (or the command ends), then stop both."""
    engine = start_engine(args.engine_port)
    try:
        app = create_app(engine_address=engine.address, validate_responses=args.validate_responses)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, args.host, args.port)
            await site.start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            url = f"http://{args.host}:{runner.addresses[0][1]}"
            # Ready only now: the banner promises that SIGTERM is handled.
            print(f"dapr-workflow-engine listening on {url}", flush=True)
            if args.command:
                return await run_command(args.command, url, stop)
            await stop.wait()
            return 0
        finally:
            await runner.cleanup()
    finally:
        await asyncio.get_running_loop().run_in_executor(None, engine.stop)


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
