"""Declared workflows (mockserver.declared, mockserver.templates): each step kind, each
combinator and each template form, run by the engine on a manual clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract import lifecycle
from conformance.lifecycle import Status
from conformance.workflows import WORKFLOWS
from daprhttp.view import InstanceView
from mockserver.clock import ManualClock
from mockserver.declared import compile_workflows
from mockserver.engine import Engine
from mockserver.templates import TemplateError, render

LIFECYCLE = lifecycle()
START_US = 1_700_000_000_000_000


def engine_for(text: str) -> tuple[Engine, ManualClock]:
    """An engine on a manual clock running the workflows the YAML ``text`` declares."""
    declared = yaml.safe_load(text)["workflows"]
    clock = ManualClock(start_us=START_US)
    workflows = {**WORKFLOWS, **compile_workflows(declared)}
    return Engine(lifecycle=LIFECYCLE, clock=clock, workflows=workflows), clock


def run(text: str, input_text: str = "", instance_id: str = "w") -> tuple[Engine, ManualClock]:
    engine, clock = engine_for(text)
    engine.start("W", instance_id, input_text)
    return engine, clock


def view(engine: Engine, instance_id: str = "w") -> InstanceView:
    return engine.get(instance_id)


def output(engine: Engine, instance_id: str = "w") -> Any:
    found = view(engine, instance_id)
    assert found.runtime_status is Status.COMPLETED, found
    return found.properties.get("dapr.workflow.output")


def failure(engine: Engine, instance_id: str = "w") -> tuple[str, str]:
    found = view(engine, instance_id)
    assert found.runtime_status is Status.FAILED, found
    props = found.properties
    return props["dapr.workflow.failure.error_type"], props["dapr.workflow.failure.error_message"]


def test_complete_renders_its_output_from_the_input() -> None:
    engine, _ = run(
        """
workflows:
  W:
    steps:
      - complete: {output: {id: "${input.id}", text: "order ${input.id} of ${instance_id}"}}
""",
        '{"id": 7}',
    )
    assert output(engine) == '{"id": 7, "text": "order 7 of w"}'


def test_steps_that_run_out_complete_without_an_output() -> None:
    engine, _ = run("workflows: {W: {steps: [{set_status: busy}]}}")
    found = view(engine)
    assert found.runtime_status is Status.COMPLETED
    assert found.properties == {"dapr.workflow.input": "", "dapr.workflow.custom_status": "busy"}


def test_an_activity_returns_its_result_after_its_duration() -> None:
    engine, _ = run(
        """
workflows:
  W:
    steps:
      - set_status: reserving
      - activity: {name: Reserve, duration: 2, result: {reserved: "${input}"}, save_as: r}
      - complete: {output: "${r.reserved}"}
""",
        '"sku-1"',
    )
    assert view(engine).properties["dapr.workflow.custom_status"] == "reserving"
    engine.advance(1.9)
    assert view(engine).runtime_status is Status.RUNNING
    engine.advance(0.1)
    assert output(engine) == '"sku-1"'


def test_a_failing_activity_fails_the_workflow_as_the_sdk_does() -> None:
    engine, _ = run(
        """
workflows:
  W:
    steps:
      - activity: {name: Charge, fail: {message: "card ${input} declined"}}
""",
        '"4242"',
    )
    assert failure(engine) == ("TaskFailedError", "w: Activity task #1 failed: card 4242 declined")


def test_a_retried_activity_succeeds_after_its_failing_attempts_and_their_backoff() -> None:
    engine, _ = run(
        """
workflows:
  W:
    steps:
      - activity:
          name: Flaky
          duration: 1
          fail: {message: nope}
          fail_attempts: 2
          retry: {max_attempts: 5, first_interval: 1, backoff_coefficient: 2}
          result: ok
          save_as: got
      - complete: {output: "${got}"}
"""
    )
    # attempt 1 (1 s), wait 1 s, attempt 2 (1 s), wait 2 s, attempt 3 (1 s): done at 6 s
    engine.advance(5.9)
    assert view(engine).runtime_status is Status.RUNNING
    engine.advance(0.1)
    assert output(engine) == '"ok"'


def test_an_activity_whose_retries_run_out_fails_at_the_last_attempt() -> None:
    engine, _ = run(
        """
workflows:
  W:
    steps:
      - activity:
          name: Down
          duration: 1
          fail: {message: down}
          retry: {max_attempts: 3, first_interval: 10, max_interval: 2}
"""
    )
    # 1 s + 2 s (capped) + 1 s + 2 s + 1 s = 7 s
    engine.advance(6.9)
    assert view(engine).runtime_status is Status.RUNNING
    engine.advance(0.1)
    assert failure(engine) == ("TaskFailedError", "w: Activity task #3 failed: down")


def test_a_timer_takes_its_seconds_from_a_template() -> None:
    engine, _ = run(
        "workflows: {W: {steps: [{timer: '${input.wait}'}, {complete: {}}]}}", '{"wait": 3}'
    )
    engine.advance(2.9)
    assert view(engine).runtime_status is Status.RUNNING
    engine.advance(0.1)
    assert view(engine).runtime_status is Status.COMPLETED


WAIT = """
workflows:
  W:
    steps:
      - wait_event: {name: approval, timeout: 60, save_as: decision, %s}
      - complete: {output: "${decision}"}
"""


def test_an_event_that_comes_in_time_is_the_value() -> None:
    engine, _ = run(WAIT % "on_timeout: {continue_with: late}")
    engine.advance(30)
    engine.raise_event("w", "Approval", '{"ok": true}')
    assert output(engine) == '{"ok": true}'


def test_an_event_that_does_not_come_in_time_fails_by_default() -> None:
    engine, _ = run(WAIT.replace(", %s", ""))
    engine.advance(59.9)
    assert view(engine).runtime_status is Status.RUNNING
    engine.advance(0.1)
    assert failure(engine) == ("TimeoutError", "event 'approval' did not come within 60 s")


def test_on_timeout_continues_with_its_value_or_fails_as_declared() -> None:
    engine, _ = run(WAIT % "on_timeout: {continue_with: {late: '${instance_id}'}}")
    engine.advance(60)
    assert output(engine) == '{"late": "w"}'
    engine, _ = run(WAIT % "on_timeout: {fail: {message: no answer, error_type: Expired}}")
    engine.advance(60)
    assert failure(engine) == ("Expired", "no answer")


def test_a_timeout_held_while_suspended_takes_effect_on_resume() -> None:
    engine, _ = run(WAIT % "on_timeout: {continue_with: late}")
    engine.pause("w")
    engine.advance(120)
    assert view(engine).runtime_status is Status.SUSPENDED
    engine.resume("w")
    assert output(engine) == '"late"'


ALL = """
workflows:
  W:
    steps:
      - %s:
          save_as: got
          of:
            - activity: {name: A, duration: 3, result: a}
            - activity: {name: B, duration: 1, result: b, %s}
            - timer: 2
      - complete: {output: "${got}"}
"""


def test_all_gives_every_result_in_order_when_the_last_is_done() -> None:
    engine, _ = run(ALL % ("all", "save_as: ignored"))
    engine.advance(2.9)
    assert view(engine).runtime_status is Status.RUNNING
    engine.advance(0.1)
    assert output(engine) == '["a", "b", null]'


def test_all_fails_when_its_first_member_fails() -> None:
    engine, _ = run(ALL % ("all", "fail: {message: b broke}"))
    engine.advance(0.9)
    assert view(engine).runtime_status is Status.RUNNING
    engine.advance(0.1)
    assert failure(engine)[0] == "TaskFailedError"
    assert failure(engine)[1].endswith("failed: b broke")


def test_any_gives_the_result_of_the_first_done() -> None:
    engine, _ = run(ALL % ("any", "save_as: ignored"))
    engine.advance(1)
    assert output(engine) == '"b"'


def test_a_child_runs_as_its_own_instance_and_its_output_is_the_value() -> None:
    engine, _ = run(
        """
workflows:
  W:
    steps:
      - child: {workflow: Ship, input: {to: "${input}"}, save_as: shipped}
      - complete: {output: "${shipped}"}
  Ship:
    steps:
      - timer: 1
      - complete: {output: "shipped to ${input.to}"}
""",
        '"Oslo"',
    )
    assert view(engine, "w-1").runtime_status is Status.RUNNING
    assert view(engine, "w-1").parent_instance_id == "w"
    engine.advance(1)
    assert output(engine) == '"shipped to Oslo"'


def test_if_runs_the_branch_its_condition_picks() -> None:
    text = """
workflows:
  W:
    steps:
      - if: {or: [{greater_than: ["${input}", 10]}, {equals: ["${input}", big]}]}
        then: [complete: {output: large}]
        else: [complete: {output: small}]
"""
    assert output(run(text, "11")[0]) == '"large"'
    assert output(run(text, '"big"')[0]) == '"large"'
    assert output(run(text, "3")[0]) == '"small"'


def test_continue_as_new_starts_over_with_its_input() -> None:
    engine, _ = run(
        """
workflows:
  W:
    steps:
      - if: {greater_than: ["${input}", 0]}
        then: [continue_as_new: {input: "${input - 1}"}]
      - complete: {output: "done at ${input}"}
""",
        "3",
    )
    assert output(engine) == '"done at 0"'


def test_fail_fails_with_its_type_and_message() -> None:
    engine, _ = run(
        "workflows: {W: {steps: [{fail: {message: 'bad ${input}', error_type: Oops}}]}}", "1"
    )
    assert failure(engine) == ("Oops", "bad 1")


def test_a_template_that_names_a_missing_key_fails_the_run_with_its_text() -> None:
    engine, _ = run("workflows: {W: {steps: [{complete: {output: '${input.nope}'}}]}}", "{}")
    assert failure(engine) == ("TemplateError", "${input.nope}: input has no key 'nope'")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${input}", {"a": [1, {"b": "c"}]}),
        ("${input.a[1].b}", "c"),
        ("x ${input.a[0]} y ${input.a[1]}", 'x 1 y {"b":"c"}'),
        ("${input.a[0] + 41}", 42),
        ("$${literal}", "${literal}"),
        ({"k": ["${input.a[0]}"]}, {"k": [1]}),
    ],
)
def test_each_template_form(template: Any, expected: Any) -> None:
    assert render(template, {"input": {"a": [1, {"b": "c"}]}}) == expected


@pytest.mark.parametrize(
    "template", ["${nothing}", "${input.a[5]}", "${input.a.b}", "${input.a - 1}", "${ bad }"]
)
def test_a_template_that_cannot_be_rendered_says_why(template: str) -> None:
    with pytest.raises(TemplateError):
        render(template, {"input": {"a": [1]}})


TWINS = Path(__file__).resolve().parents[2] / "examples" / "workflows" / "conformance-twins.yaml"
STACK_TRACE = "dapr.workflow.failure.stack_trace"


def same_requests(engine: Engine, name: str, input_text: str) -> list[Any]:
    """Start ``name`` and drive it as the suite does; every GET on the way (no stack trace)."""
    seen = []

    def look() -> None:
        for instance_id in ("t", "t-child"):
            if instance_id in engine:
                found = engine.get(instance_id)
                properties = {k: v for k, v in found.properties.items() if k != STACK_TRACE}
                seen.append((instance_id, found.runtime_status, properties, found.waiting_for))

    engine.start(name, "t", input_text)
    look()
    if name == "EventWorkflow":
        engine.raise_event("t", "other", '"x"')
    look()
    if "t-child" in engine:
        engine.raise_event("t-child", "GO", input_text or '""')
    elif name == "EventWorkflow":
        engine.raise_event("t", "go", input_text or "null")
    for _ in range(3):
        engine.advance(0.75)
        look()
    return seen


@pytest.mark.parametrize(
    ("name", "input_text"),
    [
        ("EchoWorkflow", '{"a": [1, "x"]}'),
        ("EchoWorkflow", ""),
        ("EventWorkflow", '"payload"'),
        ("TimerWorkflow", "1.5"),
        ("TimerWorkflow", '"not a number"'),
        ("TimerWorkflow", "-3"),
        ("FailWorkflow", '"boom"'),
        ("FailWorkflow", ""),
        ("FailWorkflow", "42"),
        ("ContinueAsNewWorkflow", "3"),
        ("ContinueAsNewWorkflow", '"x"'),
        ("ParentWorkflow", '{"n": 1}'),
    ],
)
def test_the_declared_twins_answer_as_the_built_in_workflows(name: str, input_text: str) -> None:
    def engine(workflows: Any) -> Engine:
        return Engine(
            lifecycle=LIFECYCLE, clock=ManualClock(start_us=START_US), workflows=workflows
        )

    twins = compile_workflows(yaml.safe_load(TWINS.read_text())["workflows"])
    assert sorted(twins) == sorted(WORKFLOWS)
    built_in = same_requests(engine(WORKFLOWS), name, input_text)
    assert same_requests(engine(twins), name, input_text) == built_in
    assert built_in[-1][1] in (Status.COMPLETED, Status.FAILED)
