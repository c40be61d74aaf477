"""Whether protojson would take a request body as a workflow request message, in its words.

daprd unmarshals a non-empty body of GET, terminate, pause, resume and purge into the request
message with protojson, then ignores it: only a body that would not unmarshal matters (400
``ERR_MALFORMED_REQUEST`` with protojson's error as the cause).

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PROTO_STRING_FIELDS = ("instanceID", "instance_id", "workflowComponent", "workflow_component")


def protojson_problem(body: bytes) -> str | None:
    """Why protojson would refuse ``body`` for a workflow request message, in its words."""
    try:
        value = json.loads(body, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        return f"proto: syntax error (line {error.lineno}:{error.colno}): {_go_syntax(error)}"
    except ValueError as error:
        return f"proto: syntax error: {error}"
    except RecursionError:
        # Nested deeper than Python's stack allows; protojson has a depth limit of its own.
        return "proto: exceeded max recursion depth"
    if not isinstance(value, dict):
        text = body.decode("utf-8", "replace")
        start = len(text) - len(text.lstrip())
        return (
            f"proto: syntax error (line 1:{start + 1}): unexpected token {_raw_token(text[start:])}"
        )
    for name in _PROTO_STRING_FIELDS:
        if name in value and not isinstance(value[name], str | None):
            return f"proto: invalid value for string field {name}: {_token(value[name])}"
    return None


_GO_BAD_VALUE = re.compile(r"[-+._a-zA-Z0-9]{1,32}|.", re.DOTALL)
"""What Go's protojson quotes of the input where it stopped (``errRegexp`` in its decoder)."""
_RAW_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?')


def _go_syntax(error: json.JSONDecodeError) -> str:
    """protojson's words for a syntax error where Python's parser stopped (daprd 1.18.2:
    ``invalid value not`` for ``{not json``; ``unexpected EOF`` at the end)."""
    rest = error.doc[error.pos :]
    if not rest.strip():
        return "unexpected EOF"
    found = _GO_BAD_VALUE.match(rest)
    return f"invalid value {found.group(0) if found else rest[:1]}"


def _raw_token(text: str) -> str:
    """The first JSON token of ``text`` as written: ``[``, ``null``, ``"text"``, ``5``."""
    if text[:1] == '"':
        found = _RAW_STRING.match(text)
        return found.group(0) if found else text[:1]
    found = _GO_BAD_VALUE.match(text)
    return found.group(0) if found else text[:1]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid value {name}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f'duplicate field "{key}"')
        found[key] = value
    return found


def _token(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:40]
