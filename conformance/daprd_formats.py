"""What daprd's answers look like: the GET body's keys and properties, its timestamp formats
(:func:`parse_time`), and the form of a generated instance ID."""

from __future__ import annotations

import re
from datetime import datetime

PROP_INPUT = "dapr.workflow.input"
PROP_OUTPUT = "dapr.workflow.output"
PROP_CUSTOM_STATUS = "dapr.workflow.custom_status"
PROP_ERROR_TYPE = "dapr.workflow.failure.error_type"
PROP_ERROR_MESSAGE = "dapr.workflow.failure.error_message"

GET_KEYS = frozenset(
    {"instanceID", "workflowName", "createdAt", "lastUpdatedAt", "runtimeStatus", "properties"}
)
"""Every key daprd's GET body may carry (docs/daprd-http.md §4)."""
DOC_GET_KEYS = frozenset({"instanceID", "createdAt", "lastUpdatedAt", "runtimeStatus"})
"""The keys the reference document's GET example shows besides ``properties``."""
ZERO_TIME = "0001-01-01T00:00:00Z"
"""createdAt before daprd has processed the start (the PENDING moment, docs/daprd-http.md §4)."""

PROTOJSON_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(\d{3}|\d{6}|\d{9}))?Z")
RFC3339_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (any number of fractional digits)."""
    normal = text.replace("z", "Z").replace("t", "T")
    match = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)", normal)
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    head, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    return datetime.fromisoformat(f"{head}.{micro}{'+00:00' if zone == 'Z' else zone}")
