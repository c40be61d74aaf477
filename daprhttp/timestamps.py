"""daprd's timestamps: RFC 3339 as protojson writes a ``google.protobuf.Timestamp``.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MICROS_PER_SECOND = 1_000_000
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
"""How daprd writes a timestamp it does not have yet (Go's zero time)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_SECONDS: dict[int, str] = {}
"""Whole seconds already formatted: most timestamps fall in a few recent seconds."""
_SECONDS_KEPT = 4096


def format_rfc3339(at_us: int | None) -> str:
    """RFC 3339 in UTC with ``Z``, with 0, 3 or 6 fractional digits as protojson writes them."""
    if at_us is None:
        return GO_ZERO_TIME
    whole, micros = divmod(at_us, MICROS_PER_SECOND)
    stamp = _SECONDS.get(whole)
    if stamp is None:
        if len(_SECONDS) >= _SECONDS_KEPT:
            _SECONDS.clear()
        stamp = _SECONDS[whole] = (_EPOCH + timedelta(seconds=whole)).strftime("%Y-%m-%dT%H:%M:%S")
    if micros == 0:
        return stamp + "Z"
    if micros % 1000 == 0:
        return f"{stamp}.{micros // 1000:03d}Z"
    return f"{stamp}.{micros:06d}Z"
