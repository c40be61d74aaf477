"""The garbage-collector policy: frozen survivors while a mock serves, undone when it stops."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from mockserver.app import create_app


async def test_survivors_of_a_full_collection_are_frozen_only_while_the_mock_serves(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> None:
    client = await aiohttp_client(create_app())
    survivor = [[n] for n in range(1000)]
    gc.collect()
    frozen_while_serving = gc.get_freeze_count()
    await client.close()
    assert frozen_while_serving >= len(survivor)
    assert gc.get_freeze_count() == 0
