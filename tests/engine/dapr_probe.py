"""Run in its own interpreter: the Dapr app's workflows, replayed by the Dapr SDK's executor.

Prints one JSON object: the names the app registers, and for each scenario the actions (and
custom status) the SDK's own orchestration executor produces from a hand-built history. No
sidecar is needed. It runs apart from the test process because the Dapr SDK and durabletask
register the same protobuf symbols and cannot share an interpreter.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from dapr.ext.workflow._durabletask import worker
from dapr.ext.workflow._durabletask.internal import helpers
from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]

from conformance.app import build_runtime, registered_names


def run(registry: Any, name: str, encoded_input: str | None, *later: Any) -> dict[str, Any]:
    """The actions after the start (and any ``later`` events) of ``name``."""
    executor = worker._OrchestrationExecutor(registry, logging.getLogger("probe"))
    started = [
        helpers.new_workflow_started_event(),
        helpers.new_execution_started_event(name, "probe-1", encoded_input),
    ]
    result = executor.execute("probe-1", [], [*started, *later])
    return {
        "actions": [MessageToDict(action) for action in result.actions],
        "custom_status": result.encoded_custom_status,
    }


def main() -> None:
    runtime = build_runtime()
    registry = runtime._WorkflowRuntime__worker._registry  # type: ignore[attr-defined]
    go = helpers.new_event_raised_event("go", '"payload"')
    other = helpers.new_event_raised_event("other", '"ignored"')
    report = {
        "names": registered_names(runtime),
        "EchoWorkflow": run(registry, "EchoWorkflow", '{"a":1}'),
        "EventWorkflow": run(registry, "EventWorkflow", None),
        "EventWorkflow+go": run(registry, "EventWorkflow", None, other, go),
        "TimerWorkflow": run(registry, "TimerWorkflow", "2"),
        "FailWorkflow": run(registry, "FailWorkflow", '"it broke"'),
        "ContinueAsNewWorkflow": run(registry, "ContinueAsNewWorkflow", "2"),
        "ParentWorkflow": run(registry, "ParentWorkflow", '"x"'),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
