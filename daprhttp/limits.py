"""daprd's size limits: ``--max-body-size`` and ``--read-buffer-size``.

- daprd wraps every request body in a reader that fails after ``--max-body-size`` bytes (default
  ``4Mi``; 0 or less turns the limit off). The workflow handlers read the body first thing, so an
  oversize body answers 400 ``ERR_BODY_READ`` ``failed to read request body: stream too large``
  (daprd master ``pkg/api/http/middlewares.go`` MaxBodySizeMiddleware + dapr/kit
  ``streams.LimitReadCloser``; ``pkg/api/http/workflow.go``, ``universal.go``). Not 413.
- ``--read-buffer-size`` (default ``4Ki``) is Go's ``MaxHeaderBytes``; Go allows 4096 bytes more
  for the request line and headers together and answers 431 past that. aiohttp limits each line
  instead and answers 400; :func:`header_limits` gives every line Go's whole allowance.
- Sizes are Kubernetes resource quantities, as daprd parses them: ``4Mi``, ``10M``, ``1e6``,
  ``4194304``.

Pure: no aiohttp.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from daprhttp.errors import DaprError

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
DEFAULT_READ_BUFFER_BYTES = 4 * 1024
GO_HEADER_SLOP_BYTES = 4096
"""What Go's ``http.Server`` allows past ``MaxHeaderBytes`` before it answers 431."""
STREAM_TOO_LARGE = "stream too large"
"""dapr/kit ``streams.ErrStreamTooLarge``: the cause in daprd's ``ERR_BODY_READ`` message."""

_BINARY_SUFFIXES = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_MULTIPLIERS: dict[str, Decimal] = {
    **{suffix: Decimal(1024) ** n for n, suffix in enumerate(_BINARY_SUFFIXES, 1)},
    "m": Decimal("0.001"),
    "": Decimal(1),
    **{suffix: Decimal(10) ** (3 * n) for n, suffix in enumerate("kMGTPE", 1)},
}
_QUANTITY = re.compile(
    r"([+-]?(?:\d+\.?\d*|\.\d+))"  # the number
    r"(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[mkMGTPE])?)"  # an exponent or a suffix
)


def parse_quantity(text: str) -> int:
    """Bytes in a Kubernetes quantity (``4Mi``, ``10M``, ``1e6``, ``512``); ValueError if not."""
    found = _QUANTITY.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a quantity such as 4Mi, 10M, 1e6 or 4194304")
    number, exponent, suffix = found.groups()
    try:
        value = Decimal(number + (exponent or ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a quantity") from None
    value *= _MULTIPLIERS[suffix or ""]
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number of bytes")
    return int(value)


def body_too_large() -> DaprError:
    """daprd's answer to a body over ``--max-body-size`` on a workflow route."""
    return DaprError("ERR_BODY_READ", STREAM_TOO_LARGE)


def header_limits(read_buffer_bytes: int) -> dict[str, int]:
    """aiohttp's parser limits for daprd's ``--read-buffer-size``: each line gets Go's allowance."""
    line = read_buffer_bytes + GO_HEADER_SLOP_BYTES
    return {"max_line_size": line, "max_field_size": line}
