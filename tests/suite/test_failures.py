"""The failure text: what was sent, what came back, what daprd answers (conformance.failures)."""

from __future__ import annotations

from conformance.failures import explain
from tests.suite.conftest import reply


def test_a_failure_message_says_what_was_sent_what_came_back_and_what_daprd_answers() -> None:
    text = explain(
        "lifecycle.pause.ABSENT",
        "pause of an unknown instance must answer 500 ERR_PAUSE_WORKFLOW",
        reply(),
        daprd='500 {"errorCode":"ERR_PAUSE_WORKFLOW"}',
    )
    assert text.splitlines() == [
        "pause of an unknown instance must answer 500 ERR_PAUSE_WORKFLOW",
        "  behaviour: [lifecycle.pause.ABSENT] pause of an ABSENT instance answers"
        " 500 ERR_PAUSE_WORKFLOW (no change) (docs/daprd-http.md §8, §5.3)",
        "  sent:      POST http://t/v1.0/workflows/dapr/i/pause",
        """  got:       404 (application/json) '{"errorCode":"E","message":"m"}'""",
        """  daprd:     500 {"errorCode":"ERR_PAUSE_WORKFLOW"}""",
        "  replay:    curl -si -X POST 'http://t/v1.0/workflows/dapr/i/pause'",
    ]
