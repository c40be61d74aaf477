"""Which workflow instance IDs daprd accepts at start, as data.

daprd's start check (``pkg/api/universal/workflow.go``, ``validateInstanceID``, v1.12 to v1.18)
refuses an ID longer than 64 bytes, then any character that is not ``unicode.IsLetter``,
``unicode.IsDigit``, ``_`` or ``-`` (Go iterates the ID as UTF-8, so a byte that is not UTF-8 is
U+FFFD and refused). The character set follows the Unicode tables of the Go that built daprd, which
are not Python's (Go 1.21 to 1.26: Unicode 15.0.0; Python 3.11: 14.0.0), so the set is kept as the
code point ranges Go itself printed: ``instance_id_chars.json``, written by
``tools/instance_id_chars.go`` (``make instance-id-chars``). The spec's ``instanceID`` patterns
are derived from it (:func:`json_schema_patterns`; a test keeps them equal). The mock and the
engine target refuse IDs by it (``daprhttp.ids``), the suite generates IDs by it.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from pathlib import Path

from conformance.contract import MAX_INSTANCE_ID_BYTES

MAX_BYTES = MAX_INSTANCE_ID_BYTES
"""daprd's ``maxInstanceIDLength``: on the UTF-8 bytes, checked before the characters."""

CHARS_PATH = Path(__file__).with_name("instance_id_chars.json")


@functools.cache
def _table() -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    document = json.loads(CHARS_PATH.read_text(encoding="utf-8"))
    ranges = document["ranges"]
    return document["unicode"], tuple(r[0] for r in ranges), tuple(r[1] for r in ranges)


def unicode_version() -> str:
    """The Unicode version of the tables daprd's Go was built with."""
    return _table()[0]


def ranges() -> list[tuple[int, int]]:
    """The allowed code points as inclusive ``(first, last)`` ranges, ascending."""
    _, firsts, lasts = _table()
    return list(zip(firsts, lasts, strict=True))


def allowed_char(char: str) -> bool:
    """Whether daprd accepts ``char`` in a new instance ID."""
    code = ord(char)
    _, firsts, lasts = _table()
    index = bisect.bisect_right(firsts, code) - 1
    return index >= 0 and code <= lasts[index]


def byte_length(instance_id: str) -> int:
    """The ID's length as daprd measures it (a lone surrogate stands for one undecodable byte)."""
    if instance_id.isascii():
        return len(instance_id)
    return len(instance_id.encode("utf-8", "surrogateescape"))


def accepted(instance_id: str) -> bool:
    """Whether daprd starts a workflow with this (non-empty) ID: at most 64 bytes, every
    character allowed."""
    return byte_length(instance_id) <= MAX_BYTES and all(allowed_char(c) for c in instance_id)


UTF8_WIDTHS = ((1, 0x7F), (2, 0x7FF), (3, 0xFFFF), (4, 0x10FFFF))
"""UTF-8 bytes per character, by the highest code point of that width."""


def json_schema_patterns() -> list[str]:
    """The spec's ``instanceID`` patterns, one per UTF-8 width (``anyOf``): IDs of allowed
    characters at most 1 byte wide, at most 64 of them; at most 2 bytes wide, at most 32; and
    so on. JSON Schema measures length in characters, not bytes, so this is as close to daprd's
    64-byte limit as a schema gets without claiming an ID daprd refuses: every ID a pattern
    matches is accepted; an ID of mixed widths, such as 20 ASCII and 20 CJK characters, is
    accepted but matches none (``x-instance-id-rule`` states the exact rule). An empty ID means
    "generate one". The characters are written literally, not as escapes, so that a pattern means
    the same in ECMA-262 with the ``u`` flag (JSON Schema's dialect) and in Python's ``re`` (the
    one Schemathesis and jsonschema use)."""
    patterns = []
    for width, highest in UTF8_WIDTHS:
        parts = []
        for first, last in ranges():
            if first > highest:
                break
            last = min(last, highest)
            parts.append(
                _literal(first) if first == last else f"{_literal(first)}-{_literal(last)}"
            )
        patterns.append(f"^[{''.join(parts)}]{{0,{MAX_BYTES // width}}}$")
    return patterns


def schema_accepts(instance_id: str) -> bool:
    """Whether one of :func:`json_schema_patterns` matches (Python's ``re``)."""
    return any(_compiled(p).match(instance_id) for p in json_schema_patterns())


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _literal(code: int) -> str:
    char = chr(code)
    return "\\" + char if char in "\\]^-[" else char
