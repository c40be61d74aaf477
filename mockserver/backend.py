"""The mock's engine as the backend of daprd's shared HTTP surface (:mod:`daprhttp.dispatch`).

The engine is called in place (it is synchronous); :func:`use_engine` swaps the engine an app
runs before it starts (tests put a subclass there).
"""

from __future__ import annotations

from aiohttp import web

from daprhttp.dispatch import DAPR_API
from daprhttp.view import InstanceView
from mockserver.engine import Engine

ENGINE = web.AppKey("engine", Engine)


class EngineBackend:
    """:class:`~daprhttp.dispatch.WorkflowBackend` over the mock's :class:`Engine`."""

    __slots__ = ("engine", "revision")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.revision = engine.revision
        """``Engine.revision`` itself: GET asks it on every request."""

    async def start(self, workflow_name: str, instance_id: str | None, input_text: str) -> str:
        return self.engine.start(workflow_name, instance_id, input_text)

    async def get(self, instance_id: str) -> InstanceView:
        return self.engine.get(instance_id)

    async def terminate(self, instance_id: str) -> None:
        self.engine.terminate(instance_id)

    async def raise_event(self, instance_id: str, event_name: str, payload: str) -> None:
        self.engine.raise_event(instance_id, event_name, payload)

    async def pause(self, instance_id: str) -> None:
        self.engine.pause(instance_id)

    async def resume(self, instance_id: str) -> None:
        self.engine.resume(instance_id)

    async def purge(self, instance_id: str) -> None:
        self.engine.purge(instance_id)


def use_engine(app: web.Application, engine: Engine) -> None:
    """Make ``app`` (not started yet) run ``engine``: its daprd routes and its control API."""
    app[ENGINE] = engine
    app[DAPR_API].backend = EngineBackend(engine)
