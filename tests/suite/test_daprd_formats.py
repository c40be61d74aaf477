"""daprd's timestamp formats (conformance.daprd_formats)."""

from __future__ import annotations

import pytest

from conformance.daprd_formats import PROTOJSON_TIME, parse_time


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2025-01-02T03:04:05Z", True),
        ("2025-01-02T03:04:05.123Z", True),
        ("2025-01-02T03:04:05.123456789Z", True),
        ("2025-01-02T03:04:05.1234Z", False),
        ("2025-01-02T03:04:05+00:00", False),
    ],
)
def test_protojson_timestamps_are_utc_with_0_3_6_or_9_digits(text: str, ok: bool) -> None:
    assert bool(PROTOJSON_TIME.fullmatch(text)) is ok


def test_timestamps_with_nanoseconds_parse() -> None:
    assert parse_time("2025-01-02T03:04:05.123456789Z") < parse_time("2025-01-02T03:04:05.1235Z")
    assert parse_time("0001-01-01T00:00:00Z").year == 1
