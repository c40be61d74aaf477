"""``dapr-workflow-engine``: serve the Dapr Workflow HTTP API over a real durable task engine."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from aiohttp import web

from engineserver.engine import start_engine
from engineserver.http import create_app


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
    return parser.parse_args(argv)


async def serve(host: str, port: int, engine_port: int) -> None:
    """Run engine and HTTP server until SIGINT or SIGTERM, then stop both."""
    engine = start_engine(engine_port)
    try:
        runner = web.AppRunner(create_app(engine_address=engine.address), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound = runner.addresses[0][1]
            print(f"dapr-workflow-engine listening on http://{host}:{bound}", flush=True)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()
    finally:
        await asyncio.get_running_loop().run_in_executor(None, engine.stop)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.engine_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
