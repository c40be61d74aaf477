"""daprd's rules for a workflow instance ID, checked when an instance is started.

The rules themselves (the byte limit, the characters Go's Unicode tables allow) are data of the
contract: :mod:`conformance.instance_ids`. Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

import re

from conformance import instance_ids
from daprhttp.errors import DaprError

_ASCII_ID = re.compile(r"[A-Za-z0-9_-]*")


def instance_id_problem(instance_id: str) -> DaprError | None:
    """daprd's start-time check of an ID: length in bytes first, then the characters."""
    if instance_ids.byte_length(instance_id) > instance_ids.MAX_BYTES:
        return DaprError("ERR_INSTANCE_ID_TOO_LONG", instance_ids.MAX_BYTES)
    if instance_id.isascii():
        valid = _ASCII_ID.fullmatch(instance_id) is not None
    else:
        valid = all(instance_ids.allowed_char(char) for char in instance_id)
    if not valid:
        return DaprError("ERR_INSTANCE_ID_INVALID", instance_id)
    return None
