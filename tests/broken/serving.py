"""Serve any aiohttp app on 127.0.0.1 and a free port, for as long as a ``with`` block runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

STARTUP_TIMEOUT = 30.0


@contextmanager
def serving(app: web.Application) -> Iterator[str]:
    """Run ``app`` on its own event loop in a daemon thread; yield ``http://127.0.0.1:PORT``."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="broken-target", daemon=True)
    thread.start()
    try:
        runner = asyncio.run_coroutine_threadsafe(_start(app), loop).result(STARTUP_TIMEOUT)
        try:
            yield f"http://127.0.0.1:{runner.addresses[0][1]}"
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(STARTUP_TIMEOUT)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(STARTUP_TIMEOUT)
        loop.close()


async def _start(app: web.Application) -> web.AppRunner:
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner
