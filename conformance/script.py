"""A model-based run as a replayable script: curl lines with the model's state around each
step, and a ready-to-paste pytest regression test (:class:`Script`).

The rendered test is plain code over :class:`conformance.client.WorkflowClient`; what it needs
besides (reading an answer, waiting for a status) it imports from :mod:`conformance.regression`.
Pure: no I/O, it only writes text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from conformance.lifecycle import Operation, Status
from conformance.model import answer_kind, status_set

CLIENT_METHODS: dict[Operation, str] = {
    Operation.START: "start",
    Operation.GET: "get",
    Operation.TERMINATE: "terminate",
    Operation.RAISE_EVENT: "raise_event",
    Operation.PAUSE: "pause",
    Operation.RESUME: "resume",
    Operation.PURGE: "purge",
}
"""The :class:`conformance.client.WorkflowClient` method of each operation."""

REGRESSION_HELPERS = ("answer", "kind", "status_of", "wait_for")
"""What a rendered test may call from :mod:`conformance.regression` (imported as used)."""


@dataclass(frozen=True)
class Settle:
    """How a command's effect was awaited: the statuses polled for and what GET showed."""

    after: frozenset[Status]
    undecided: frozenset[Status] = frozenset()
    run_input: str | None = None
    seen: tuple[Status, ...] = ()


@dataclass(frozen=True)
class ScriptStep:
    """One request of a model-based run, with the model's state around it."""

    slot: str
    instance_id: str
    operation: Operation
    args: tuple[str, ...]
    curl: str
    http: int
    error: str | None
    body: str
    model_before: str
    model_after: str
    accepted: tuple[tuple[int, str | None], ...] = ()
    allowed: frozenset[Status] = frozenset()
    settle: Settle | None = None
    failure: str | None = None


@dataclass
class Script:
    """A model-based run, step by step, rendered as curl lines and as a pytest test."""

    target: str
    exact_errors: bool = True
    steps: list[ScriptStep] = field(default_factory=list)

    def add(self, step: ScriptStep) -> None:
        self.steps.append(step)

    def slots(self) -> dict[str, str]:
        """Each instance slot used, with its instance ID, in order of first use."""
        found: dict[str, str] = {}
        for step in self.steps:
            found.setdefault(step.slot, step.instance_id)
        return found

    def render(self, reason: str) -> str:
        """The failure report: why, then the curl replay, then the pytest regression test."""
        return (
            f"{reason}\n\n"
            f"--- replay with curl against {self.target} ---\n{self.curl()}\n"
            f"--- regression test (paste into a conformance suite module) ---\n{self.pytest()}"
        )

    def curl(self) -> str:
        lines = ["# model-based conformance run; model state before -> after each step"]
        for slot, instance_id in self.slots().items():
            lines.append(f"# instance {slot} = {instance_id}")
        for number, step in enumerate(self.steps, 1):
            got = f"{step.http} {step.body}"
            lines.append(
                f"# step {number}: {step.operation} {step.slot}, model {step.model_before}"
            )
            lines.append(step.curl)
            lines.append(f"#   -> {got}")
            if step.settle is not None:
                seen = ", ".join(s.value for s in step.settle.seen) or "nothing"
                lines.append(
                    f"#   poll GET until runtimeStatus in {status_set(step.settle.after)} "
                    f"(saw {seen})"
                )
            if step.failure is not None:
                lines.append("#   WRONG: " + step.failure.replace("\n", "\n#   "))
            else:
                lines.append(f"#   model now {step.model_after}")
        return "\n".join(lines) + "\n"

    def pytest(self, name: str = "test_model_regression") -> str:
        """The run as a pytest test; it imports its helpers from :mod:`conformance.regression`."""
        test = [
            f"def {name}(",
            "    workflow_client: WorkflowClient, new_instance_id: Callable[[], str]",
            ") -> None:",
            '    """Replays a sequence the model-based conformance test found wrong."""',
            "    client = workflow_client",
        ]
        for slot in self.slots():
            test.append(f"    {slot} = new_instance_id()")
        for number, step in enumerate(self.steps, 1):
            test.append(f"    # step {number}: model {step.model_before}")
            test.extend("    " + line for line in self._pytest_step(step))
        used = "\n".join(test)
        helpers = [helper for helper in REGRESSION_HELPERS if f"{helper}(" in used]
        lines = [
            "from __future__ import annotations",
            "",
            "from collections.abc import Callable",
            "",
            "from conformance.client import WorkflowClient",
            *(["from conformance.reads import read_instance"] if "read_instance(" in used else []),
            *([f"from conformance.regression import {', '.join(helpers)}"] if helpers else []),
            "",
            "",
            *test,
        ]
        return "\n".join(lines) + "\n"

    def _pytest_step(self, step: ScriptStep) -> list[str]:
        args = ", ".join([step.slot, *(repr(a) for a in step.args)])
        if step.operation is Operation.START:
            args = ", ".join([repr(step.args[0]), step.slot, *(repr(a) for a in step.args[1:])])
        call = f"client.{CLIENT_METHODS[step.operation]}({args})"
        if step.operation is Operation.GET:
            call = f"read_instance(client, {step.slot}, interval=0.02)"
            return [f"assert status_of({call}) in {_py_set(s.value for s in step.allowed)}"]
        lines = [f"reply = {call}"]
        if self.exact_errors:
            expected = sorted(step.accepted, key=lambda a: (a[0], a[1] or ""))
            lines.append(f"assert answer(reply) in {_py_set(expected)}, reply.describe()")
        else:
            kinds = {answer_kind(http) for http, _ in step.accepted}
            lines.append(f"assert kind(reply.status) in {_py_set(kinds)}, reply.describe()")
        if step.settle is not None:
            settle = step.settle
            call = f"wait_for(client, {step.slot}, {_py_set(s.value for s in settle.after)}"
            if settle.undecided and settle.run_input is not None:
                call += (
                    f", unless={_py_set(s.value for s in settle.undecided)}, "
                    f"run_input={settle.run_input!r}"
                )
            lines.append(call + ")")
        return lines


def _py_set(items: Iterable[object]) -> str:
    values = sorted(items, key=repr)
    if not values:
        return "set()"
    return "{" + ", ".join(repr(v) for v in values) + "}"
