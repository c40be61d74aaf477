"""The engine target's command line (started with :func:`conformance.launcher.launch`), and
waiting for an instance's status."""

from __future__ import annotations

import sys
import time

from conformance.client import Reply, WorkflowClient

ENGINE_COMMAND = (sys.executable, "-m", "engineserver", "--port", "0", "--validate-responses")


def eventually_status(
    client: WorkflowClient, instance_id: str, wanted: set[str], deadline: float = 10.0
) -> Reply:
    """Poll GET until ``runtimeStatus`` is one of ``wanted``; fail naming the last answer."""
    end = time.monotonic() + deadline
    while True:
        reply = client.get(instance_id)
        if reply.status == 200 and reply.json().get("runtimeStatus") in wanted:
            return reply
        if time.monotonic() > end:
            raise AssertionError(
                f"{instance_id} never reached {sorted(wanted)} in {deadline}s; "
                f"last: {reply.describe()}"
            )
        time.sleep(0.02)
