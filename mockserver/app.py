"""The app factory: one engine, daprd's routes, the control API and the scheduler loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Literal, TypedDict

from aiohttp import web
from aiohttp.typedefs import Middleware

from conformance import contract
from conformance.workflows import WORKFLOWS, Workflow
from daprhttp.bodies import metadata_body
from daprhttp.dispatch import DAPR_API, DaprApi
from daprhttp.limits import DEFAULT_MAX_BODY_BYTES, DEFAULT_READ_BUFFER_BYTES, header_limits
from daprhttp.middlewares import error_middleware, token_middleware
from daprhttp.validation import ResponseValidator, validation_middleware
from mockserver import __version__, control, workflow_file
from mockserver.admission import ADMISSION, Admission, admitting_dispatch
from mockserver.backend import ENGINE, EngineBackend
from mockserver.clock import Clock, ManualClock, RealClock, SchedulerLoop
from mockserver.control_errors import ControlError
from mockserver.direct_serving import serve_directly
from mockserver.engine import Engine
from mockserver.gc_policy import frozen_survivors
from mockserver.journal import Snapshot
from mockserver.store import SqliteStore, Synchronous

ClockMode = Literal["real", "manual", "skip"]
UnknownWorkflows = Literal["fail", "hold"]
DEFAULT_APP_ID = "dapr-workflow-mock"
MAX_BODY_BYTES = DEFAULT_MAX_BODY_BYTES
"""daprd's default ``--max-body-size`` (4 MiB); a larger body is 400 ``ERR_BODY_READ``."""

VALIDATION_FAILURES = web.AppKey("validation_failures", list[str])
"""Every response that broke ``openapi.yaml`` (only with ``validate_responses``)."""

STORE = web.AppKey("store", SqliteStore)
"""The SQLite store (only with ``store``); closed when the app shuts down."""

TOKEN_REFUSAL = ControlError("MOCK_UNAUTHORIZED", 401, "invalid api token")
"""The control API's answer to a request without the API token (daprd's is plain text)."""

log = logging.getLogger("mockserver")


class MockOptions(TypedDict, total=False):
    """The keyword options of :func:`create_app`, for helpers that pass them through."""

    clock: ClockMode | Clock
    start_delay: float
    transition_delay: float
    validate_responses: bool
    app_id: str
    workflows: Mapping[str, Workflow] | str | os.PathLike[str]
    api_token: str | None
    max_body_size: int
    read_buffer_size: int
    max_instances: int | None
    store: str | os.PathLike[str] | None
    store_sync: Synchronous
    unknown_workflows: UnknownWorkflows


def create_app(
    *,
    clock: ClockMode | Clock = "real",
    start_delay: float = 0.0,
    transition_delay: float = 0.0,
    validate_responses: bool = False,
    app_id: str = DEFAULT_APP_ID,
    workflows: Mapping[str, Workflow] | str | os.PathLike[str] = WORKFLOWS,
    api_token: str | None = None,
    max_body_size: int = MAX_BODY_BYTES,
    read_buffer_size: int = DEFAULT_READ_BUFFER_BYTES,
    max_instances: int | None = None,
    store: str | os.PathLike[str] | None = None,
    store_sync: Synchronous = "normal",
    unknown_workflows: UnknownWorkflows = "fail",
) -> web.Application:
    """A mock daprd.

    ``clock``: ``"real"`` (wall-clock time), ``"manual"`` (moves only through ``POST
    /_mock/clock/advance``), ``"skip"`` (a manual clock that also jumps to the next due moment
    by itself whenever every live instance waits only on time) or a :class:`Clock`.
    ``unknown_workflows``: ``"fail"`` (as daprd with an SDK app: a name nobody registered fails)
    or ``"hold"`` (such an instance stays RUNNING until the control API ends it).
    ``start_delay``: seconds an instance stays PENDING after start. ``transition_delay``:
    seconds after a 202 command before its effect shows. ``validate_responses``: check every
    workflow answer against ``openapi.yaml`` and raise on a mismatch (for tests). ``app_id``:
    the ``id`` in ``GET /v1.0/metadata``. ``workflows``: the workflows by name (default: the six
    conformance workflows), or the path of a workflows file (``mockserver.workflow_file``) whose
    workflows are added to the six (a declared name replaces a built-in one); a bad file raises
    :class:`~mockserver.workflow_file.WorkflowFileError` with one line per problem.
    ``api_token``: require daprd's ``dapr-api-token`` header (``daprhttp.middlewares``).
    ``max_body_size``: daprd's ``--max-body-size`` in bytes (0: no limit). ``read_buffer_size``:
    daprd's ``--read-buffer-size``, which bounds the request line and headers
    (``daprhttp.limits``). ``max_instances``: refuse starts beyond this many stored instances.
    ``store``: a SQLite file that keeps every instance across restarts (created if missing;
    ``mockserver.store``), with ``store_sync`` ``"normal"`` (survives kill -9) or ``"full"``
    (also survives power loss). Without it state lives in memory only.
    """
    if (
        max_body_size < 0
        or read_buffer_size <= 0
        or (max_instances is not None and max_instances < 1)
    ):
        raise ValueError("max_body_size >= 0, read_buffer_size > 0 and max_instances >= 1 please")
    if isinstance(workflows, str | os.PathLike):
        workflows = {**WORKFLOWS, **workflow_file.load(workflows)}
    sqlite_store = None if store is None else SqliteStore(store, synchronous=store_sync)
    snapshot = None if sqlite_store is None else sqlite_store.load()
    engine = Engine(
        clock=_make_clock(clock, snapshot),
        lifecycle=contract.lifecycle(),
        start_delay=start_delay,
        transition_delay=transition_delay,
        workflows=workflows,
        store=sqlite_store,
        unknown_workflows=unknown_workflows,
        time_skipping=clock == "skip",
    )
    if snapshot is not None:
        engine.restore(snapshot)
    failures: list[str] = []
    middlewares: list[Middleware] = [error_middleware(name="mock", log=log)]
    if validate_responses:
        middlewares.insert(0, validation_middleware(ResponseValidator(), failures))
    if api_token is not None:
        middlewares.insert(0, token_middleware(api_token, {control.PREFIX: TOKEN_REFUSAL}))
    app = web.Application(
        middlewares=middlewares,
        client_max_size=max_body_size,
        handler_args=header_limits(read_buffer_size),
    )
    admission = Admission(max_body_bytes=max_body_size, max_instances=max_instances)
    app[ADMISSION] = admission
    app[ENGINE] = engine
    app[DAPR_API] = DaprApi(
        EngineBackend(engine),
        metadata=metadata_body(app_id, f"{__version__}-mock", {"mock": "dapr-workflow-mock"}),
    )
    app[VALIDATION_FAILURES] = failures
    control.add_routes(app)
    app.router.add_route("*", r"/{tail:[\s\S]*}", admitting_dispatch(admission))
    serve_directly(app)
    app.cleanup_ctx.append(_run_scheduler)
    app.cleanup_ctx.append(frozen_survivors)
    if sqlite_store is not None:
        app[STORE] = sqlite_store
        # After the scheduler (cleanup_ctx runs first), so nothing commits after the close.
        app.on_cleanup.append(_close_store)
    return app


def _make_clock(clock: ClockMode | Clock, snapshot: Snapshot | None = None) -> Clock:
    if clock == "real":
        return RealClock()
    if clock in ("manual", "skip"):
        # A manual clock goes on from the reading the store kept.
        return ManualClock(None if snapshot is None else snapshot.now_us)
    if isinstance(clock, str):
        raise ValueError(f"unknown clock {clock!r}; use 'real', 'manual', 'skip' or a Clock")
    return clock


async def _run_scheduler(app: web.Application) -> AsyncIterator[None]:
    """The one background task that fires due timers between requests."""
    engine = app[ENGINE]
    loop = SchedulerLoop(
        clock=engine.clock, run_due=_run_due_logged(engine), next_due_us=engine.next_due_us
    )
    engine.on_schedule = loop.wake
    task = asyncio.create_task(loop.run(), name="dapr-workflow-mock scheduler")
    yield
    engine.on_schedule = None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _close_store(app: web.Application) -> None:
    app[STORE].close()


def _run_due_logged(engine: Engine) -> Callable[[], int]:
    """``engine.run_due`` for the background loop: a failure is logged, the loop goes on."""

    def run_due() -> int:
        try:
            return engine.run_due()
        except Exception:
            log.exception("the scheduler failed while firing due work")
            return 0

    return run_due
