"""The real durable task engine: Microsoft's in-memory backend plus a worker hosting the six.

``durabletask.testing`` ships a complete orchestration engine (history, timers, events,
sub-orchestrations, suspension) behind the Durable Task gRPC sidecar protocol. This module
runs it on a loopback port and connects a ``durabletask`` worker that hosts the conformance
workflows, so the HTTP adapter only ever talks to it as a client, like daprd talks to its
engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc  # type: ignore[import-untyped]
from durabletask.internal import orchestrator_service_pb2_grpc as stubs
from durabletask.testing import InMemoryOrchestrationBackend
from durabletask.worker import TaskHubGrpcWorker

from conformance.app import orchestrators

LOOPBACK = "127.0.0.1"
WORKER_LOGGER = "engineserver.worker"
GRPC_THREADS = 32
CHILD_WATCH_SECONDS = 7 * 24 * 3600.0
"""The worker's work-item stream holds one thread for good; the rest serve client calls."""


class LoopbackBackend(InMemoryOrchestrationBackend):
    """The in-memory backend, bound to 127.0.0.1 on a free port instead of [::]:50051."""

    def start(self) -> str:
        self._shutdown_event.clear()
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=GRPC_THREADS))
        stubs.add_TaskHubSidecarServiceServicer_to_server(self, server)  # type: ignore[no-untyped-call]
        self._port = server.add_insecure_port(f"{LOOPBACK}:{self._port}")
        server.start()
        self._server = server
        return self.address

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self._port}"

    def _wait_for_state(
        self, instance_id: str, predicate: Callable[[Any], bool], timeout: float | None
    ) -> Any:
        # Without a timeout the backend gives up after 30 s, and a parent whose child finishes
        # later never hears of it (it watches its children this way). daprd waits for good.
        limit = CHILD_WATCH_SECONDS if timeout is None else timeout
        return super()._wait_for_state(instance_id, predicate, limit)


@dataclass
class RunningEngine:
    """A started backend and the worker that runs the conformance workflows on it."""

    backend: LoopbackBackend
    worker: TaskHubGrpcWorker

    @property
    def address(self) -> str:
        """``host:port`` of the engine's gRPC endpoint (for a client)."""
        return self.backend.address

    def stop(self) -> None:
        # The worker reports its own cancelled stream as a warning; at shutdown that is noise.
        logging.getLogger(WORKER_LOGGER).setLevel(logging.ERROR)
        self.worker.stop()  # type: ignore[no-untyped-call]
        self.backend.stop(grace=None)


def start_engine(port: int = 0) -> RunningEngine:
    """Start the engine on 127.0.0.1:``port`` (0: a free one) with the six workflows."""
    backend = LoopbackBackend(port=port)
    address = backend.start()
    quiet = logging.getLogger(WORKER_LOGGER)
    quiet.setLevel(logging.WARNING)
    worker = TaskHubGrpcWorker(host_address=address, logger=quiet)
    for orchestrator in orchestrators().values():
        worker.add_orchestrator(orchestrator)  # registered under its __name__
    try:
        worker.start()  # type: ignore[no-untyped-call]
    except BaseException:
        backend.stop(grace=None)
        raise
    return RunningEngine(backend=backend, worker=worker)
