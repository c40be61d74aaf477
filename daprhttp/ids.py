"""daprd's rules for a workflow instance ID, checked when an instance is started.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

import re
import unicodedata

from conformance import contract
from daprhttp.errors import DaprError

_ASCII_ID = re.compile(r"[A-Za-z0-9_-]*")


def instance_id_problem(instance_id: str) -> DaprError | None:
    """daprd's start-time check of an ID: length in bytes first, then the characters."""
    ascii = instance_id.isascii()
    size = len(instance_id) if ascii else len(instance_id.encode("utf-8", "surrogateescape"))
    if size > contract.MAX_INSTANCE_ID_BYTES:
        return DaprError("ERR_INSTANCE_ID_TOO_LONG", contract.MAX_INSTANCE_ID_BYTES)
    if ascii:
        valid = _ASCII_ID.fullmatch(instance_id) is not None
    else:
        valid = all(_allowed_id_char(char) for char in instance_id)
    if not valid:
        return DaprError("ERR_INSTANCE_ID_INVALID", instance_id)
    return None


def _allowed_id_char(char: str) -> bool:
    # Go's unicode.IsLetter is category L*, unicode.IsDigit is Nd.
    category = unicodedata.category(char)
    return category[0] == "L" or category == "Nd" or char in "_-"
