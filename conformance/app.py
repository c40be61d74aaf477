"""The Dapr app that hosts the six conformance workflows: ``python -m conformance.app``.

Run it beside a Dapr sidecar, then point the suite at the sidecar's HTTP port::

    dapr run --app-id conformance-app --dapr-http-port 3500 -- python -m conformance.app
    dapr-workflow-conformance --target http://127.0.0.1:3500

The workflows themselves live in :mod:`conformance.workflows`; this module only adapts them to
durable-task SDK contexts. :class:`SdkWorkflowContext` and :func:`as_orchestrator` need no SDK
(the engine-backed target reuses them with Microsoft's ``durabletask``); only
:func:`build_runtime` and :func:`main` import the Dapr Python SDK (``pip install
'dapr-workflow-conformance[dapr]'``).

Do not import this app and ``durabletask`` into one process: the Dapr SDK vendors its own
copy of the durable-task protobufs, and protobuf refuses the second registration.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from conformance.workflows import WORKFLOWS, Workflow

if TYPE_CHECKING:
    from dapr.ext.workflow import WorkflowRuntime


class SdkWorkflowContext:
    """A :class:`conformance.workflows.WorkflowContext` over a durable-task SDK context.

    Both SDKs descend from the same durable-task design; they differ here only in the name of
    the child-workflow call (Dapr: ``call_child_workflow``, durabletask:
    ``call_sub_orchestrator``) and both take a ``timedelta`` for a timer.
    """

    def __init__(self, sdk_context: Any) -> None:
        self._sdk = sdk_context

    @property
    def instance_id(self) -> str:
        return str(self._sdk.instance_id)

    def set_custom_status(self, status: Any) -> None:
        self._sdk.set_custom_status(status)

    def wait_for_external_event(self, name: str) -> Any:
        return self._sdk.wait_for_external_event(name)

    def create_timer(self, seconds: float) -> Any:
        return self._sdk.create_timer(timedelta(seconds=seconds))

    def call_child_workflow(self, name: str, *, input: Any, instance_id: str) -> Any:
        call = getattr(self._sdk, "call_child_workflow", None) or self._sdk.call_sub_orchestrator
        return call(name, input=input, instance_id=instance_id)

    def continue_as_new(self, new_input: Any) -> None:
        self._sdk.continue_as_new(new_input)


Orchestrator = Callable[[Any, Any], Any]


def as_orchestrator(name: str, workflow: Workflow) -> Orchestrator:
    """``workflow`` as an SDK orchestrator function called ``name`` (the SDKs key on names)."""

    def orchestrator(sdk_context: Any, input: Any = None) -> Any:
        return workflow(SdkWorkflowContext(sdk_context), input)

    orchestrator.__name__ = orchestrator.__qualname__ = name
    orchestrator.__doc__ = workflow.__doc__
    return orchestrator


def orchestrators() -> dict[str, Orchestrator]:
    """The six conformance workflows as fresh SDK orchestrators, by registered name."""
    return {name: as_orchestrator(name, workflow) for name, workflow in WORKFLOWS.items()}


def build_runtime(host: str | None = None, port: str | None = None) -> WorkflowRuntime:
    """A Dapr ``WorkflowRuntime`` with the six workflows registered (not started yet)."""
    from dapr.ext.workflow import WorkflowRuntime

    runtime = WorkflowRuntime(host=host, port=port)
    for name, orchestrator in orchestrators().items():
        runtime.register_workflow(orchestrator, name=name)
    return runtime


def registered_names(runtime: WorkflowRuntime) -> list[str]:
    """The workflow names ``runtime`` will serve, read from the SDK's own registry."""
    # The SDK exposes no public listing; its worker's registry is the ground truth.
    worker = runtime._WorkflowRuntime__worker  # type: ignore[attr-defined]
    return sorted(worker._registry.orchestrators)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.app",
        description="Host the six conformance workflows for a Dapr sidecar "
        "(start it under `dapr run`, which sets DAPR_GRPC_PORT).",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="print the registered workflow names, one a line, and exit without connecting",
    )
    args = parser.parse_args(argv)
    runtime = build_runtime()
    if args.list:
        print("\n".join(registered_names(runtime)))
        return 0
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runtime.start()  # type: ignore[no-untyped-call]
    print(f"conformance app: serving {', '.join(sorted(WORKFLOWS))}", flush=True)
    try:
        stop.wait()
    finally:
        runtime.shutdown()  # type: ignore[no-untyped-call]
    return 0


if __name__ == "__main__":
    sys.exit(main())
