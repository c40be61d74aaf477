"""Garbage-collector policy while the mock serves: pauses that do not grow with the store.

CPython's full (generation 2) collection walks every tracked object, so with 100,000 stored
instances it pauses the event loop for hundreds of milliseconds. Stored instances are long-lived
and hold no reference cycles (they are freed by reference counting when purged), so after each
full collection the survivors are moved to the permanent generation (``gc.freeze``): the next
full collection walks only what was allocated since, and pauses stay short however many
instances are stored. Reference cycles among frozen objects are not collected until the app
stops (``gc.unfreeze``); the engine's own state makes none.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

_serving = 0
"""Apps serving in this process (tests run several); the policy holds while any does."""


def _freeze_after_full_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


async def frozen_survivors(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the policy while ``app`` serves; the last app to stop undoes it."""
    global _serving
    if _serving == 0:
        gc.freeze()  # what was loaded and built before serving lives as long as the process
        gc.callbacks.append(_freeze_after_full_collection)
    _serving += 1
    try:
        yield
    finally:
        _serving -= 1
        if _serving == 0:
            gc.callbacks.remove(_freeze_after_full_collection)
            gc.unfreeze()
