"""Run the mock (or any aiohttp app) in-process for synchronous code.

``with running_mock() as base_url: ...`` serves a fresh mock; ``with serving(app) as base_url``
serves any aiohttp application, e.g. one wrapping the mock.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Unpack

from aiohttp import web

from mockserver.app import MockOptions, create_app

STARTUP_TIMEOUT = 30.0


@contextmanager
def running_mock(**options: Unpack[MockOptions]) -> Iterator[str]:
    """Serve ``create_app(**options)`` on 127.0.0.1 and a free port; yield the base URL
    (``http://127.0.0.1:PORT``) and stop everything on exit."""
    with serving(create_app(**options)) as base_url:
        yield base_url


@contextmanager
def serving(app: web.Application) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1, a free port, its own event loop in a daemon thread, without
    an access log; yield the base URL and stop everything on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="dapr-workflow-mock", daemon=True)
    thread.start()
    try:
        runner = asyncio.run_coroutine_threadsafe(_serve(app), loop).result(STARTUP_TIMEOUT)
        try:
            yield f"http://127.0.0.1:{runner.addresses[0][1]}"
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(STARTUP_TIMEOUT)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(STARTUP_TIMEOUT)
        loop.close()


async def _serve(app: web.Application) -> web.AppRunner:
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner
