"""A workflows file: read, checked against the schema the package ships, and compiled.

``dapr-workflow-mock --workflows FILE`` (and ``create_app(workflows=FILE)``) load one YAML or JSON
file of declared workflows (:mod:`mockserver.declared`). The file is checked in full before
anything runs: against ``workflows.schema.json`` (shipped beside this module, so an editor can
complete the file), then for what a schema cannot say: one kind per step, an ending step
(``complete``, ``fail``, ``continue_as_new``) only last, well-formed templates, and templates
that name only ``input``, ``instance_id`` or what an earlier step saved. Every problem is one
line, ``FILE: at PATH: what was expected``; a file with any problem loads nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.workflows import Workflow
from mockserver.declared import compile_workflows
from mockserver.templates import names, problems

SCHEMA_PATH = Path(__file__).with_name("workflows.schema.json")
STEP_KINDS = (
    "set_status", "activity", "timer", "wait_event", "all", "any", "child", "if",
    "continue_as_new", "complete", "fail",
)  # fmt: skip
ENDINGS = frozenset({"continue_as_new", "complete", "fail"})
BUILT_IN_NAMES = frozenset({"input", "instance_id"})


class WorkflowFileError(ValueError):
    """The file cannot be loaded; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def load(path: str | os.PathLike[str]) -> dict[str, Workflow]:
    """The workflows ``path`` declares, by name; :class:`WorkflowFileError` if any problem."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WorkflowFileError([f"{where}: cannot be read: {error}"]) from None
    try:
        document = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as error:
        raise WorkflowFileError(
            [f"{where}: not YAML or JSON: {error}".replace("\n", " ")]
        ) from None
    found = check(document)
    if found:
        raise WorkflowFileError([f"{where}: {problem}" for problem in found])
    return compile_workflows(document["workflows"])


def check(document: Any) -> list[str]:
    """Every problem of a parsed workflows document, one line each (empty: it is fine)."""
    found = [
        f"at {_pointer(error.absolute_path)}: {error.message}" for error in _schema_errors(document)
    ]
    workflows = document.get("workflows") if isinstance(document, dict) else None
    for name, workflow in workflows.items() if isinstance(workflows, dict) else ():
        steps = workflow.get("steps") if isinstance(workflow, dict) else None
        if isinstance(steps, list):  # what a schema cannot say, wherever the shape allows
            found.extend(_check_steps(steps, f"/workflows/{name}/steps", set(BUILT_IN_NAMES)))
    return found


def _schema_errors(document: Any) -> Iterator[jsonschema.ValidationError]:
    validator = jsonschema.Draft202012Validator(schema())
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        if error.validator == "oneOf" and isinstance(error.instance, dict):
            continue  # a step's kind: said more clearly by _check_steps
        yield error


def _check_steps(steps: Sequence[Any], path: str, saved: set[str]) -> list[str]:
    found: list[str] = []
    for index, step in enumerate(steps):
        where = f"{path}/{index}"
        if not isinstance(step, dict):
            continue  # the schema said so
        kinds = [kind for kind in STEP_KINDS if kind in step]
        if not kinds:
            continue  # no known kind: the schema named what it has instead
        if len(kinds) != 1:
            have = ", ".join(kinds) if kinds else "none"
            found.append(
                f"at {where}: a step has exactly one of {', '.join(STEP_KINDS)} (has {have})"
            )
            continue
        kind = kinds[0]
        if kind in ENDINGS and index != len(steps) - 1:
            found.append(f"at {where}: {kind} ends the workflow, so it must be the last step")
        if kind == "if" and "then" not in step:
            found.append(f"at {where}: an if step needs then (and may have else)")
        templates = {key: value for key, value in step.items() if key not in ("then", "else")}
        for problem in problems(templates):
            found.append(f"at {where}: {problem}")
        for name in sorted(names(templates) - saved):
            found.append(
                f"at {where}: ${{{name}...}} names nothing: use input, instance_id or the save_as "
                "of an earlier step"
            )
        for branch in ("then", "else"):
            if isinstance(step.get(branch), list):
                found.extend(_check_steps(step[branch], f"{where}/{branch}", saved))
        body = step[kind]
        if isinstance(body, Mapping) and isinstance(body.get("save_as"), str):
            saved.add(body["save_as"])
    return found


def _pointer(path: Sequence[Any]) -> str:
    return "/" + "/".join(str(part) for part in path) if path else "the top"
