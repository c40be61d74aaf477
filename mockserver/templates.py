"""The template form of declared workflows: values built from the input, events and results.

A template is any JSON value. Inside it, a string of the form ``${path}`` and nothing else is
replaced by the value ``path`` names (of whatever JSON type); ``${path}`` inside a longer string
is replaced by that value as text (a string as it is, anything else as compact JSON). ``$${``
writes a literal ``${``. A path is a name followed by ``.key`` or ``[index]`` steps:

- ``input``: the workflow's input; ``instance_id``: its instance ID;
- every ``save_as`` name of an earlier step: the activity's result, the event's payload, the
  child's output, the list of results of an ``all``, the first result of an ``any``.

A path may end in ``+ N`` or ``- N`` (a whole number) when it names a number: ``${input - 1}``.
So ``${input.order.id}``, ``${shipments[0]}`` and ``"order ${input.id} shipped"`` are templates.
There is no other arithmetic and no code: a name that is not there, a key a value does not
have, or an index past its end is a :class:`TemplateError` (at run time the workflow fails with
its text).

Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_PATH = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+|\[\d+\])*(?:\s*[+-]\s*\d+)?"
_WHOLE = re.compile(r"\$\{(" + _PATH + r")\}")
_ANY = re.compile(r"\$\$\{|\$\{(" + _PATH + r")\}|\$\{[^}]*\}?")
_OFFSET = re.compile(r"\s*([+-])\s*(\d+)$")
_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]")
_HEAD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class TemplateError(ValueError):
    """A template names something that is not there, or is not a template at all."""


def problems(template: Any) -> list[str]:
    """Why ``template`` is not well formed (empty: it is); the names it uses are not checked."""
    found: list[str] = []
    for text in _strings(template):
        for match in _ANY.finditer(text):
            if match.group(0) != "$${" and match.group(1) is None:
                found.append(f"{match.group(0)!r} is not ${{name}}, ${{name.key}} or ${{name[0]}}")
    return found


def names(template: Any) -> set[str]:
    """The names (``input``, a ``save_as``, ...) ``template`` refers to."""
    used = set()
    for text in _strings(template):
        for match in _ANY.finditer(text):
            if match.group(1) is not None:
                head = _HEAD.match(match.group(1))
                assert head is not None
                used.add(head.group(0))
    return used


def render(template: Any, scope: Mapping[str, Any]) -> Any:
    """``template`` with every ``${path}`` replaced from ``scope``."""
    if isinstance(template, str):
        whole = _WHOLE.fullmatch(template)
        if whole is not None:
            return lookup(whole.group(1), scope)
        return _ANY.sub(lambda match: _text(match, scope), template)
    if isinstance(template, list):
        return [render(item, scope) for item in template]
    if isinstance(template, dict):
        return {key: render(value, scope) for key, value in template.items()}
    return template


def lookup(path: str, scope: Mapping[str, Any]) -> Any:
    """The value ``path`` names in ``scope`` (with its ``+ N`` / ``- N`` applied)."""
    offset = _OFFSET.search(path)
    if offset is not None:
        value = lookup(path[: offset.start()], scope)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise TemplateError(f"${{{path}}}: {value!r} is not a number")
        amount = int(offset.group(2))
        return value + amount if offset.group(1) == "+" else value - amount
    head = _HEAD.match(path)
    assert head is not None
    name = head.group(0)
    if name not in scope:
        known = ", ".join(sorted(scope))
        raise TemplateError(f"${{{path}}}: there is no {name!r} here (known: {known})")
    value = scope[name]
    walked = name
    for step in _STEP.finditer(path, head.end()):  # the path is well formed: steps are adjacent
        key, index = step.group(1), step.group(2)
        if key is not None:
            if not isinstance(value, dict) or key not in value:
                raise TemplateError(f"${{{path}}}: {walked} has no key {key!r}")
            value = value[key]
            walked += f".{key}"
        else:
            position = int(index)
            if not isinstance(value, list) or position >= len(value):
                raise TemplateError(f"${{{path}}}: {walked} has no item [{position}]")
            value = value[position]
            walked += f"[{position}]"
    return value


def _text(match: re.Match[str], scope: Mapping[str, Any]) -> str:
    if match.group(0) == "$${":
        return "${"
    if match.group(1) is None:
        raise TemplateError(f"{match.group(0)!r} is not a template")
    value = lookup(match.group(1), scope)
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _strings(template: Any) -> list[str]:
    if isinstance(template, str):
        return [template]
    if isinstance(template, list):
        return [text for item in template for text in _strings(item)]
    if isinstance(template, dict):
        return [text for value in template.values() for text in _strings(value)]
    return []
