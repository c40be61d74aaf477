"""The engine target's command line (started with :func:`conformance.launcher.launch`), and
waiting for an instance's status."""

from __future__ import annotations

import sys

from conformance.answers import read_state
from conformance.client import Reply, WorkflowClient
from conformance.polling import Timing, eventually

ENGINE_COMMAND = (sys.executable, "-m", "engineserver", "--port", "0", "--validate-responses")


def eventually_status(
    client: WorkflowClient, instance_id: str, wanted: set[str], deadline: float = 10.0
) -> Reply:
    """Poll GET until ``runtimeStatus`` is one of ``wanted``; fail naming the last answer."""

    def shows(reply: Reply) -> bool:
        state = read_state(reply)
        return state is not None and state.status in wanted

    return eventually(
        lambda: client.get(instance_id),
        shows,
        timing=Timing(deadline=deadline, interval=0.02),
        on_timeout=lambda reply, _: AssertionError(
            f"{instance_id} never reached {sorted(wanted)} in {deadline}s; last: {reply.describe()}"
        ),
    )
